"""Diagnosis links results by evidence: explained signals and shared objects, never a table.

Small fake checks and results for the rules (ordering, warn, cycles, errors); then the real
checks on the demo bundles, with one fake CNI check standing in where a CNI check must fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_checks import CniNotInitialised

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.diagnosis import diagnose
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import Fact, ObjectRef
from kopscheck.model.results import CheckResult, Finding, Status, Verdict, symptoms_of

NODE_A = ObjectRef("Node", "i-0a1b2c3d4e5f60002")
NODE_B = ObjectRef("Node", "i-0a1b2c3d4e5f60004")
POD_1 = ObjectRef("Pod", "coredns-7d8f9c6b5-4xk2m", "kube-system")
POD_2 = ObjectRef("Pod", "coredns-7d8f9c6b5-p9wqz", "kube-system")
DEPLOY = ObjectRef("Deployment", "coredns", "kube-system")


@dataclass(frozen=True)
class FakeCheck:
    """Only what diagnosis reads: the id and the signals a failure explains."""

    id: str
    explains: frozenset[str] = frozenset()
    family: str = "test"
    needs: frozenset[Fact] = frozenset()
    wants: frozenset[Fact] = frozenset()

    def run(self, context: CheckContext) -> Verdict:  # pragma: no cover - diagnosis never runs it
        raise AssertionError("not run")


def result(check: str, *findings: Finding, status: Status | None = None) -> CheckResult:
    worst = status or max((f.status for f in findings), key=lambda s: s.rank, default=Status.PASS)
    return CheckResult(check, check, "test", worst, f"{check} summary", tuple(findings))


def fail(obj: ObjectRef | None, *signals: str, related: tuple[ObjectRef, ...] = ()) -> Finding:
    return Finding(Status.FAIL, f"{obj} failed", obj, related=related, signals=signals)


def warn(obj: ObjectRef | None, *signals: str, related: tuple[ObjectRef, ...] = ()) -> Finding:
    return Finding(Status.WARN, f"{obj} unsure", obj, related=related, signals=signals)


def run(
    results: list[CheckResult], checks: list[FakeCheck]
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    linked, roots = diagnose(results, checks)
    return {r.check: r.caused_by for r in linked}, roots


CNI = FakeCheck("cni.provider", frozenset({Signal.CNI_NOT_INITIALIZED}))
NODE = FakeCheck("node.ready", frozenset({Signal.NODE_NOT_READY, Signal.NOT_READY_TAINT}))
DNS = FakeCheck("dns.rollout")


def test_origin_chain_cni_explains_nodes_which_explain_dns() -> None:
    results = [
        result("cni.provider", fail(None)),
        result("node.ready", fail(NODE_A, Signal.NODE_NOT_READY, Signal.CNI_NOT_INITIALIZED)),
        result("dns.rollout", fail(DEPLOY), fail(POD_1, Signal.NOT_READY_TAINT, related=(NODE_A,))),
    ]
    causes, roots = run(results, [CNI, NODE, DNS])
    assert causes == {
        "cni.provider": (),
        "node.ready": ("cni.provider",),
        "dns.rollout": ("node.ready",),
    }
    assert roots == ["cni.provider"]
    linked, _ = diagnose(results, [CNI, NODE, DNS])
    folded = [(r.check, via) for r, via in symptoms_of(linked, "cni.provider")]
    assert folded == [("node.ready", None), ("dns.rollout", "node.ready")]


def test_dns_loop_on_ready_nodes_is_its_own_root_while_cni_breaks_other_nodes() -> None:
    results = [
        result("cni.provider", fail(ObjectRef("Pod", "calico-node-wm7jc", "kube-system"))),
        result("node.ready", fail(NODE_B, Signal.NODE_NOT_READY, Signal.CNI_NOT_INITIALIZED)),
        result(
            "dns.rollout", fail(DEPLOY), fail(POD_1, Signal.DNS_LOOP), fail(POD_2, Signal.DNS_LOOP)
        ),
    ]
    causes, roots = run(results, [CNI, NODE, DNS])
    assert causes["dns.rollout"] == ()
    assert causes["node.ready"] == ("cni.provider",)
    assert roots == ["cni.provider", "dns.rollout"]


def test_partly_explained_result_with_a_problem_of_its_own_is_also_a_root() -> None:
    """One CoreDNS pod Pending on a NotReady node, the other in a forwarding loop: both are real."""
    results = [
        result("node.ready", fail(NODE_A, Signal.NODE_NOT_READY)),
        result(
            "dns.rollout",
            fail(POD_1, Signal.NOT_READY_TAINT, related=(NODE_A,)),
            fail(POD_2, Signal.DNS_LOOP),
        ),
    ]
    causes, roots = run(results, [NODE, DNS])
    assert causes["dns.rollout"] == ("node.ready",)
    assert roots == ["node.ready", "dns.rollout"]


def test_unclassified_findings_beside_an_explained_one_do_not_make_a_root() -> None:
    """Aggregate findings (the Deployment's ready count, the Service's endpoints) follow the pods."""
    results = [
        result("node.ready", fail(NODE_A, Signal.NODE_NOT_READY)),
        result(
            "dns.rollout",
            fail(DEPLOY),
            fail(POD_1, Signal.NOT_READY_TAINT, related=(NODE_A,)),
            fail(ObjectRef("Service", "kube-dns", "kube-system")),
        ),
    ]
    causes, roots = run(results, [NODE, DNS])
    assert causes["dns.rollout"] == ("node.ready",)
    assert roots == ["node.ready"]


@pytest.mark.parametrize(
    ("cause_status", "symptom_status", "linked"),
    [
        pytest.param(Status.WARN, Status.FAIL, False, id="warning-never-explains-a-failure"),
        pytest.param(Status.WARN, Status.WARN, True, id="warning-explains-a-warning"),
        pytest.param(Status.FAIL, Status.WARN, True, id="failure-explains-a-warning"),
        pytest.param(Status.FAIL, Status.FAIL, True, id="failure-explains-a-failure"),
    ],
)
def test_a_cause_must_be_at_least_as_severe_as_its_symptom(
    cause_status: Status, symptom_status: Status, linked: bool
) -> None:
    results = [
        result("node.ready", Finding(cause_status, "NotReady", NODE_A)),
        result("dns.rollout", Finding(symptom_status, "Pending", POD_1, related=(NODE_A,))),
    ]
    causes, roots = run(results, [NODE, DNS])
    assert causes["dns.rollout"] == (("node.ready",) if linked else ())
    if linked:
        assert roots == ["node.ready"]
    elif cause_status is Status.WARN:
        assert roots == ["dns.rollout", "node.ready"]  # the certain failure first


def test_a_warned_object_in_a_failing_result_does_not_explain_a_failure() -> None:
    results = [
        result("node.ready", fail(NODE_A, Signal.NODE_NOT_READY), warn(NODE_B)),
        result("dns.rollout", fail(POD_2, related=(NODE_B,))),
    ]
    causes, roots = run(results, [FakeCheck("node.ready"), DNS])
    assert causes["dns.rollout"] == ()
    assert roots == ["node.ready", "dns.rollout"]


def test_only_findings_at_the_results_own_status_link_it() -> None:
    """A warning inside a failing result cannot make the failure somebody else's."""
    results = [
        result("node.ready", fail(NODE_A)),
        result("dns.rollout", fail(DEPLOY), warn(POD_1, related=(NODE_A,))),
    ]
    causes, roots = run(results, [NODE, DNS])
    assert causes["dns.rollout"] == ()
    assert set(roots) == {"node.ready", "dns.rollout"}


def test_passing_and_skipped_results_explain_nothing() -> None:
    results = [
        result("cni.provider", Finding(Status.PASS, "calico-node 4/4 ready", NODE_A)),
        result("node.ready", status=Status.SKIP),
        result(
            "dns.rollout",
            fail(POD_1, Signal.CNI_NOT_INITIALIZED, Signal.NOT_READY_TAINT, related=(NODE_A,)),
        ),
    ]
    causes, roots = run(results, [CNI, NODE, DNS])
    assert causes == {"cni.provider": (), "node.ready": (), "dns.rollout": ()}
    assert roots == ["dns.rollout"]


def test_a_check_does_not_explain_its_own_signals() -> None:
    results = [result("node.ready", fail(NODE_A, Signal.NODE_NOT_READY))]
    causes, roots = run(results, [NODE])
    assert causes == {"node.ready": ()}
    assert roots == ["node.ready"]


def test_roots_ordered_by_severity_then_reach_then_report_order() -> None:
    results = [
        result("kops.version", warn(None)),
        result("aws.routes", fail(None)),
        result("cni.provider", fail(None)),
        result("node.ready", fail(NODE_A, Signal.CNI_NOT_INITIALIZED)),
        result("dns.rollout", fail(POD_1, related=(NODE_A,))),
        result("pod.probe", status=Status.ERROR),
        result("kubelet.flag", fail(None)),
    ]
    checks = [FakeCheck(r.check) for r in results if r.check != "cni.provider"] + [CNI]
    causes, roots = run(results, checks)
    assert roots == ["cni.provider", "aws.routes", "kubelet.flag", "kops.version"]
    assert causes["pod.probe"] == ()


def test_error_results_are_never_roots_and_never_causes() -> None:
    """An error found nothing about the cluster: it is said under its unread fact, not ranked."""
    results = [
        result("cni.provider", status=Status.ERROR),
        result("node.ready", fail(NODE_A, Signal.CNI_NOT_INITIALIZED)),
        result("kubelet.flag", status=Status.ERROR),
    ]
    causes, roots = run(results, [CNI, NODE, FakeCheck("kubelet.flag")])
    assert causes["node.ready"] == ()  # an error has no evidence to explain anything with
    assert roots == ["node.ready"]


def test_a_scan_where_only_errors_remain_has_no_root_cause() -> None:
    results = [result("node.ready", status=Status.ERROR), result("dns.rollout", status=Status.PASS)]
    _, roots = run(results, [NODE, DNS])
    assert roots == []


def test_a_cycle_of_mutual_causes_gets_one_root() -> None:
    a = FakeCheck("cni.agent", frozenset({"sig-b"}))
    b = FakeCheck("cni.config", frozenset({"sig-a"}))
    results = [
        result("cni.agent", fail(None, "sig-a")),
        result("cni.config", fail(None, "sig-b")),
        result("dns.rollout", fail(POD_1, "sig-b")),
    ]
    causes, roots = run(results, [a, b, DNS])
    assert causes == {
        "cni.agent": ("cni.config",),
        "cni.config": ("cni.agent",),
        "dns.rollout": ("cni.agent",),
    }
    assert roots == ["cni.agent"]  # reaches as much as cni.config; earlier in the report


def test_a_cycle_below_a_root_adds_no_root() -> None:
    top = FakeCheck("kops.networking", frozenset({"sig-top"}))
    a = FakeCheck("cni.agent", frozenset({"sig-b"}))
    b = FakeCheck("cni.config", frozenset({"sig-a"}))
    results = [
        result("kops.networking", fail(None)),
        result("cni.agent", fail(None, "sig-a", "sig-top")),
        result("cni.config", fail(None, "sig-b")),
    ]
    causes, roots = run(results, [top, a, b])
    assert causes["cni.agent"] == ("kops.networking", "cni.config")
    assert roots == ["kops.networking"]


def test_two_disjoint_cycles_get_one_root_each() -> None:
    checks = [
        FakeCheck("a.one", frozenset({"s2"})),
        FakeCheck("a.two", frozenset({"s1"})),
        FakeCheck("b.one", frozenset({"s4"})),
        FakeCheck("b.two", frozenset({"s3"})),
    ]
    results = [
        result("a.one", fail(None, "s1")),
        result("a.two", fail(None, "s2")),
        result("b.one", fail(None, "s3")),
        result("b.two", fail(None, "s4")),
    ]
    _, roots = run(results, checks)
    assert roots == ["a.one", "b.one"]


def test_results_from_unknown_checks_are_diagnosed_without_explains() -> None:
    results = [
        result("plugin.thing", fail(NODE_A)),
        result("dns.rollout", fail(POD_1, related=(NODE_A,))),
    ]
    causes, roots = run(results, [DNS])
    assert causes["dns.rollout"] == ("plugin.thing",)
    assert roots == ["plugin.thing"]


# --- the real checks on the demo clusters -------------------------------------------------


def test_coredns_loop_demo_is_dns_rollout_itself() -> None:
    report = build_report(
        read_bundle(DEMO_ROOT / "coredns-loop"), [*load_checks(), CniNotInitialised()]
    )
    dns = report.result("dns.rollout")
    assert dns.status is Status.FAIL
    assert dns.caused_by == ()
    assert report.root_causes[0] == "dns.rollout"
    assert report.result("node.network-ready").status is Status.PASS
    assert report.result("test.cni-broken").status is Status.PASS
    loops = {f.object.name for f in dns.findings if f.object and Signal.DNS_LOOP in f.signals}
    assert loops == {"coredns-7d8f9c6b5-4xk2m", "coredns-7d8f9c6b5-p9wqz"}
    assert dns.remediation is not None and dns.remediation.startswith(
        "Give CoreDNS a real upstream resolver"
    )


def _break_cni_on(root: Path, node_name: str) -> None:
    """The CNI fails on one worker CoreDNS does not run on: NotReady, cni plugin not initialized."""
    path = root / "cluster-info" / "nodes.json"
    doc = json.loads(path.read_text())
    node = next(n for n in doc["items"] if n["metadata"]["name"] == node_name)
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    ready.update(
        status="False",
        reason="KubeletNotReady",
        message="container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
        "message:Network plugin returns error: cni plugin not initialized",
    )
    node["spec"].setdefault("taints", []).append(
        {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
    )
    path.write_text(json.dumps(doc, indent=4))


def test_coredns_loop_on_ready_nodes_while_the_cni_breaks_another_node(
    demo_copy: Callable[[str], Path],
) -> None:
    root = demo_copy("coredns-loop")
    _break_cni_on(root, "i-0a1b2c3d4e5f60004")
    report = build_report(read_bundle(root), load_checks())
    nodes = report.result("node.network-ready")
    assert nodes.status is Status.FAIL
    assert {f.object.name for f in nodes.problems if f.object} == {"i-0a1b2c3d4e5f60004"}
    # calico-node reports ready everywhere: the node's own CNI config is what is missing
    assert nodes.caused_by == ("cni.node-config",)
    dns = report.result("dns.rollout")
    assert dns.status is Status.FAIL
    assert dns.caused_by == ()
    assert report.root_causes == ("cni.node-config", "dns.rollout")
    traced = {r.check for r, _ in symptoms_of(report.results, "cni.node-config")}
    assert traced == {"node.network-ready"}


def test_origin_case_traces_nodes_and_dns_to_the_cni() -> None:
    report = build_report(read_bundle(DEMO_ROOT / "cni-no-provider"), load_checks())
    assert report.root_causes == ("cni.provider-deployed",)
    assert "cni.provider-deployed" in report.result("node.network-ready").caused_by
    assert "node.network-ready" in report.result("dns.rollout").caused_by
    assert "dns.rollout" not in report.root_causes
    assert "node.network-ready" not in report.root_causes
    folded = {r.check: via for r, via in symptoms_of(report.results, "cni.provider-deployed")}
    assert folded["node.network-ready"] is None
    # CoreDNS waits on the nodes node.network-ready and cni.node-config both name
    assert folded["dns.rollout"] in (None, "cni.node-config", "node.network-ready")


def test_a_root_never_ranks_above_the_check_whose_answer_it_depends_on() -> None:
    # The minikube report before issue 10: "no provider pods to judge" (fail, a signal the
    # deployment check explains) ranked above "which provider is needed? mode unknown" (warn).
    deployed = FakeCheck("cni.provider-deployed", frozenset({Signal.CNI_AGENT_NOT_RUNNING}))
    results = [
        result("cni.provider-deployed", warn(None)),
        result("cni.provider-healthy", fail(None, Signal.CNI_AGENT_NOT_RUNNING)),
        result("kubelet.flag", fail(None)),
    ]
    causes, roots = run(
        results, [deployed, FakeCheck("cni.provider-healthy"), FakeCheck("kubelet.flag")]
    )
    assert causes["cni.provider-healthy"] == ()  # a warning explains no failure
    assert roots == ["cni.provider-deployed", "cni.provider-healthy", "kubelet.flag"]


def test_without_a_shared_signal_the_certain_failure_still_ranks_first() -> None:
    results = [
        result("cni.provider-deployed", warn(None)),
        result("cni.provider-healthy", fail(None, Signal.CNI_AGENT_NOT_READY)),
    ]
    checks = [
        FakeCheck("cni.provider-deployed", frozenset({Signal.CNI_AGENT_NOT_RUNNING})),
        FakeCheck("cni.provider-healthy"),
    ]
    _, roots = run(results, checks)
    assert roots == ["cni.provider-healthy", "cni.provider-deployed"]
