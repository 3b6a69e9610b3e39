"""Faults on the way to the API: each run finishes with the reason and the documented exit code,
and nothing that was not observed passes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kube_builders as kb
import pytest
from cli_outcome import CliOutcome
from fake_apiserver import FakeApiServer
from kopscheck_checks import BUILTIN_CHECKS
from live_env import LiveCluster, write_kubeconfig

from kopscheck.collectors.kube.reader import Tuning
from kopscheck.collectors.live import collect_live
from kopscheck.collectors.options import SourceOptions
from kopscheck.engine.registry import load_checks
from kopscheck.model.facts import Fact

USER = "system:serviceaccount:monitoring:kopscheck"
FAST = Tuning(backoff=0.01)


def _report(outcome: CliOutcome) -> dict[str, Any]:
    return dict(json.loads(outcome.stdout))


def _by_check(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["check"]: r for r in report["results"]}


def _needing(fact: Fact) -> set[str]:
    return {c.id for c in load_checks() if fact in c.needs}


def test_forbidden_events_skip_what_needs_them_and_nothing_else_changes(
    live_cluster: Callable[..., LiveCluster], kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("cni-no-provider")
    clean = _report(kopscheck_cli("check", *cluster.args("-o", "json")))
    cluster.server.inject(r"^/api/v1/events$", "403")
    faulted = kopscheck_cli("check", *cluster.args("-o", "json"))
    reason = f"RBAC: cannot list events at cluster scope (as User '{USER}')"
    assert faulted.code == 1  # the CNI failure is still seen
    results, before = _by_check(_report(faulted)), _by_check(clean)
    for check_id, result in results.items():
        if check_id in _needing(Fact.EVENTS):
            assert (result["status"], result["summary"]) == (
                "skip",
                f"cannot decide: {reason}",
            )
        else:
            assert (result["status"], result["summary"]) == (
                before[check_id]["status"],
                before[check_id]["summary"],
            )
    # dns.rollout only *wants* events: same verdict, without the FailedScheduling evidence
    pods = [f for f in before["dns.rollout"]["findings"] if f["object"]["kind"] == "Pod"]
    assert [f["evidence"]["events"][0][:17] for f in pods] == ["FailedScheduling:"] * 2
    after = [f for f in results["dns.rollout"]["findings"] if f["object"]["kind"] == "Pod"]
    assert [f["evidence"]["events"] for f in after] == ["not collected", "not collected"]
    snapshot = collect_live(SourceOptions(kubeconfig=cluster.kubeconfig), FAST).snapshot
    assert (snapshot.events, snapshot.missing[Fact.EVENTS]) == (None, reason)
    assert Fact.EVENTS not in snapshot.failed


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        pytest.param("healthy", 0, id="healthy-cluster-still-exits-0"),
        pytest.param("cni-no-provider", 1, id="broken-cluster-still-exits-1"),
    ],
)
def test_forbidden_pods_skip_dns_rollout_with_the_rbac_reason(
    scenario: str,
    code: int,
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
) -> None:
    cluster = live_cluster(scenario)
    cluster.server.inject(r"^/api/v1/pods$", "403")
    outcome = kopscheck_cli("check", *cluster.args("-o", "json"))
    assert outcome.code == code
    dns = _by_check(_report(outcome))["dns.rollout"]
    reason = f"RBAC: cannot list pods at cluster scope (as User '{USER}')"
    assert (dns["status"], dns["summary"]) == ("skip", f"cannot decide: {reason}")
    assert cluster.server.count(r"^/api/v1/namespaces/.*/log$") == 0  # no pods, no pod logs


@pytest.mark.parametrize(
    ("action", "path", "fact", "reason"),
    [
        pytest.param(
            "404",
            r"^/api/v1/replicationcontrollers$",
            Fact.WORKLOADS,
            "list replicationcontrollers: not served by this API server (404 NotFound)",
            id="kind-not-served-404",
        ),
        pytest.param(
            "401",
            r"^/api/v1/endpoints$",
            Fact.ENDPOINTS,
            "list endpoints: authentication refused (401 Unauthorized)",
            id="kind-refused-401",
        ),
    ],
)
def test_a_kind_that_is_not_served_or_refused_is_missing_with_the_reason(
    action: str, path: str, fact: Fact, reason: str, live_cluster: Callable[..., LiveCluster]
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(path, action)
    snapshot = collect_live(SourceOptions(kubeconfig=cluster.kubeconfig), FAST).snapshot
    assert (snapshot.has(fact), snapshot.missing[fact]) == (False, reason)
    assert snapshot.failed == frozenset()
    assert cluster.server.count(path) == 1  # nothing to retry
    assert snapshot.nodes is not None and snapshot.pods is not None


@pytest.mark.parametrize(
    ("scenario", "code", "network_ready"),
    [
        pytest.param("healthy", 3, "pass", id="healthy-cluster-exits-3-not-0"),
        pytest.param("cni-no-provider", 1, "fail", id="broken-cluster-exits-1"),
    ],
)
def test_server_errors_on_pods_make_dns_rollout_an_error(
    scenario: str,
    code: int,
    network_ready: str,
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
) -> None:
    cluster = live_cluster(scenario)
    cluster.server.inject(r"^/api/v1/pods$", "500")
    outcome = kopscheck_cli("check", *cluster.args("-o", "json"))
    assert outcome.code == code
    results = _by_check(_report(outcome))
    assert results["dns.rollout"]["status"] == "error"
    assert results["dns.rollout"]["summary"] == (
        'cannot decide: list pods: 500 InternalError: an error on the server ("") has '
        "prevented the request from succeeding (after 3 attempts)"
    )
    assert results["node.network-ready"]["status"] == network_ready
    assert cluster.server.count(r"^/api/v1/pods$") == 3  # retried, then given up


@pytest.mark.parametrize(
    ("action", "path"),
    [
        pytest.param("429", r"^/api/v1/pods$", id="throttled-429-on-pods"),
        pytest.param("503", r"^/apis/apps/v1/daemonsets$", id="unavailable-503-on-daemonsets"),
        pytest.param("reset", r"^/api/v1/nodes$", id="connection-reset-on-nodes"),
    ],
)
def test_transient_faults_are_retried_and_change_nothing(
    action: str,
    path: str,
    live_cluster: Callable[..., LiveCluster],
) -> None:
    cluster = live_cluster("cni-no-provider")
    options = SourceOptions(kubeconfig=cluster.kubeconfig)
    clean = collect_live(options, FAST).snapshot
    before = cluster.server.count(path)
    cluster.server.inject(path, action, times=1, retry_after="0")
    retried = collect_live(options, FAST).snapshot
    assert cluster.server.count(path) - before == 2  # the fault, then the retry
    assert retried.failed == frozenset()
    for fact in Fact:
        name = fact.value.replace("-", "_")
        assert getattr(retried, name) == getattr(clean, name), name


def test_a_stale_continue_token_restarts_the_list(live_cluster: Callable[..., LiveCluster]) -> None:
    cluster = live_cluster("healthy")
    options = SourceOptions(kubeconfig=cluster.kubeconfig)
    clean = collect_live(options, Tuning(page_size=4)).snapshot
    before = cluster.server.count(r"^/api/v1/pods$")
    # the API server compacts between the first and the second page: 410 Expired
    cluster.server.inject(r"^/api/v1/pods$", "expire", query="continue=", times=1)
    restarted = collect_live(options, Tuning(page_size=4)).snapshot
    assert restarted.pods == clean.pods and clean.pods is not None
    pages = -(-len(clean.pods) // 4)
    assert cluster.server.count(r"^/api/v1/pods$") - before == 1 + 1 + pages  # page, 410, redo


def test_one_node_proxy_timing_out_costs_only_that_node(
    live_cluster: Callable[..., LiveCluster], kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    # 2s, not less: the other nodes must answer within it on a loaded 2-core machine.
    cluster = live_cluster("healthy")
    stuck = "i-0a1b2c3d4e5f60003"
    cluster.server.inject(rf"^/api/v1/nodes/{stuck}/proxy/configz$", "timeout")
    options = SourceOptions(kubeconfig=cluster.kubeconfig, request_timeout=2.0)
    snapshot = collect_live(options, FAST).snapshot
    files = snapshot.node_files
    assert files is not None
    assert files[stuck].configz is None and files[stuck].kubelet_log is None
    assert files[stuck].unavailable == {
        "configz": "kubelet configz: timed out after 2s (--request-timeout)"
    }
    others = {name: f for name, f in files.items() if name != stuck}
    assert sorted(others) == ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60004"]
    assert all(f.configz is not None and not f.unavailable for f in others.values())
    assert cluster.server.count(rf"^/api/v1/nodes/{stuck}/proxy/logs/$") == 0
    assert cluster.server.count(rf"^/api/v1/nodes/{stuck}/proxy/configz$") == 1  # not retried
    outcome = kopscheck_cli("check", *cluster.args("--request-timeout", "2s", "-o", "json"))
    assert outcome.code == 0
    assert {r["status"] for r in _report(outcome)["results"]} <= {"pass", "skip"}


def test_forbidden_node_proxy_asks_one_node_not_all(
    live_cluster: Callable[..., LiveCluster],
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(r"^/api/v1/nodes/[^/]+/proxy/", "403")
    snapshot = collect_live(SourceOptions(kubeconfig=cluster.kubeconfig), FAST).snapshot
    assert snapshot.node_files is None
    assert snapshot.missing[Fact.NODE_FILES] == (f"RBAC: cannot get nodes/proxy (as User '{USER}')")
    assert Fact.NODE_FILES not in snapshot.failed
    assert cluster.server.count(r"^/api/v1/nodes/[^/]+/proxy/") == 1


def test_forbidden_pod_logs_ask_once(live_cluster: Callable[..., LiveCluster]) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(r"/log$", "403")
    snapshot = collect_live(SourceOptions(kubeconfig=cluster.kubeconfig), FAST).snapshot
    assert snapshot.pod_logs is None
    assert snapshot.missing[Fact.POD_LOGS] == f"RBAC: cannot get pods/log (as User '{USER}')"
    assert cluster.server.count(r"/log$") == 1


def test_unreachable_api_is_exit_3_with_one_line(
    live_cluster: Callable[..., LiveCluster], kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    url = cluster.server.url
    cluster.server.stop()
    outcome = kopscheck_cli("check", *cluster.args("-o", "json"))
    reason = (
        f"cannot reach the Kubernetes API at {url} (context '{cluster.name}'): connection"
        " refused (after 3 attempts)"
    )
    assert (outcome.code, outcome.stderr) == (3, f"kopscheck: error: {reason}\n")
    # `-o json > r.json` still yields a report a CI step can parse: every check `error`
    doc = json.loads(outcome.stdout)
    assert (doc["status"], doc["notes"], doc["counts"]["error"]) == (
        "error",
        [f"scan incomplete: {reason}"],
        len(doc["results"]),
    )
    assert {r["summary"] for r in doc["results"]} == {f"cannot decide: not read: {reason}"}
    table = kopscheck_cli("check", *cluster.args())
    assert (table.code, table.stdout) == (3, "")  # at a terminal, the one line says it all


def test_refused_credentials_are_exit_3_with_one_line(
    live_cluster: Callable[..., LiveCluster], kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.token = "rotated-token"
    outcome = kopscheck_cli("check", *cluster.args("-o", "junit"))
    assert outcome.code == 3
    assert outcome.stderr == (
        f"kopscheck: error: the Kubernetes API at {cluster.server.url} (context "
        f"'{cluster.name}') refused the credentials (401 Unauthorized)\n"
    )
    suite = ET.fromstring(outcome.stdout).find("testsuite")
    every_check = str(len(BUILTIN_CHECKS))
    assert suite is not None and suite.get("errors") == suite.get("tests") == every_check


def test_a_page_with_a_wrong_type_fails_that_kind_naming_the_json_path(tmp_path: Path) -> None:
    """Pages are decoded as they arrive by the same typed decoder as bundles: a wrong type is
    that kind's failure (exit 3 for the checks needing it), not a crash."""
    server = FakeApiServer()
    server.add("nodes", kb.node("i-00000000000000001", "172.20.32.1", "100.96.0.0/24"))
    pod = kb.pod("web-1", "default", {"app": "web"}, ("ReplicaSet", "web-7c9f8d6b5"),
                 "nginx:1.27", "web", node_name="i-00000000000000001")  # fmt: skip
    pod["status"]["phase"] = 3
    server.add("pods", pod)
    server.start()
    try:
        kubeconfig = write_kubeconfig(tmp_path / "kc", server.url, server.token)
        snapshot = collect_live(SourceOptions(kubeconfig=kubeconfig), FAST).snapshot
    finally:
        server.stop()
    assert snapshot.pods is None and Fact.PODS in snapshot.failed
    assert snapshot.missing[Fact.PODS] == (
        "list pods: 200 InvalidResponse: the API server sent "
        "items[0].status.phase: expected a string, got an integer"
    )
    assert [n.name for n in snapshot.nodes or ()] == ["i-00000000000000001"]
