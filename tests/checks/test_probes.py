"""pod.lifecycle and dns.resolution over recorded probe outcomes (probes/*.json in a bundle)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import probe_builders as pb
import pytest
from kopscheck_checks.dns.resolution import DnsResolution
from kopscheck_checks.pod.lifecycle import PodLifecycle
from kopscheck_checks.pod.node_logs import NodeLogs

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.probe_files import LIFECYCLE_FILE
from kopscheck.engine.runner import Selection, run_check
from kopscheck.model.errors import InputError
from kopscheck.model.probes import LogMention, Lookup
from kopscheck.model.results import CheckResult, SkipReason, Status


def run(check: Check, bundle: Path, networking: str | None = None) -> CheckResult:
    context = CheckContext(read_bundle(bundle), networking_flag=networking)
    return run_check(check, context, Selection())


def by_object(result: CheckResult) -> dict[str, Status]:
    return {(f.object.name if f.object else ""): f.status for f in result.findings}


def test_lifecycle_names_the_failing_step_and_the_sandbox_event(tmp_path: Path) -> None:
    result = run(PodLifecycle(), pb.lifecycle_failing(tmp_path))

    assert result.status is Status.FAIL
    assert by_object(result) == {
        f"lifecycle-{pb.NODES[0]}": Status.PASS,
        f"lifecycle-{pb.NODES[1]}": Status.FAIL,
    }
    failed = result.findings[1]
    assert failed.message == (
        "the runtime never created the pod sandbox: did not happen within 60s; last warning:"
        " FailedCreatePodSandBox: Failed to create pod sandbox: rpc error: code = Unknown desc"
        ' = failed to setup network for sandbox "3f2a": plugin type="calico" failed (add): stat'
        " /var/lib/calico/nodename: no such file or directory"
    )
    assert failed.evidence["failed_step"] == "sandbox"
    assert failed.evidence["conditions"] == ["PodScheduled=True", "PodReadyToStartContainers=False"]
    assert [r.name for r in failed.related] == [pb.NODES[1]]
    assert result.summary.startswith(f"1 of 2 node(s) failed a step; {pb.NODES[1]}: the runtime")


def test_lifecycle_passes_and_checks_the_pod_cidr(tmp_path: Path) -> None:
    result = run(PodLifecycle(), pb.lifecycle_passing(tmp_path))

    assert result.status is Status.PASS
    assert result.findings[0].evidence["pod_cidr"] == "100.96.1.7 inside 100.96.1.0/24"
    assert result.findings[0].message == (
        "bound, sandbox, IP 100.96.1.7, running, deleted and gone in 2.4s"
    )


@pytest.mark.parametrize(
    ("networking", "status", "note"),
    [
        pytest.param(
            "kubenet", Status.FAIL, "192.168.0.9 outside 100.96.1.0/24", id="kubenet-judged"
        ),
        pytest.param(
            "calico", Status.PASS, "192.168.0.9 outside 100.96.1.0/24", id="calico-own-ipam"
        ),
    ],
)
def test_an_ip_outside_the_pod_cidr_fails_only_where_the_mode_allocates_from_it(
    tmp_path: Path, networking: str, status: Status, note: str
) -> None:
    probe = pb.lifecycle(pb.pod_probe(pb.NODES[0], ip="192.168.0.9"))
    result = run(PodLifecycle(), pb.probed_bundle(tmp_path, probe, pb.dns()), networking)

    assert result.status is status
    assert result.findings[0].evidence["pod_cidr"] == note
    if status is Status.FAIL:
        assert result.findings[0].message == (
            "the pod's IP 192.168.0.9 is outside the node's podCIDR 100.96.1.0/24, which this"
            " networking mode allocates from"
        )


def test_a_node_without_pod_cidr_skips_that_step(tmp_path: Path) -> None:
    probe = pb.lifecycle(pb.pod_probe(pb.NODES[0], ip="192.168.192.168", cidr=""))
    result = run(PodLifecycle(), pb.probed_bundle(tmp_path, probe, None), "kubenet")

    assert result.status is Status.PASS
    assert result.findings[0].evidence["pod_cidr"] == "skipped: the node has no podCIDR"


def test_no_nodes_at_all_is_a_failure(tmp_path: Path) -> None:
    result = run(PodLifecycle(), pb.probed_bundle(tmp_path, pb.lifecycle(total=0), None))

    assert result.status is Status.FAIL
    assert result.summary == (
        "the cluster has no nodes: no probe pod could be placed, and no pod can run"
    )


def test_dns_finds_the_one_bad_replica(tmp_path: Path) -> None:
    result = run(DnsResolution(), pb.dns_failing(tmp_path))

    assert result.status is Status.FAIL
    assert by_object(result) == {
        "kube-dns": Status.PASS,
        "coredns-7d8f9c6b5-4xk2m": Status.PASS,
        "coredns-7d8f9c6b5-p9wqz": Status.FAIL,
    }
    assert result.summary == (
        "1 problem(s): DNS endpoint 100.96.2.4 does not resolve"
        " kubernetes.default.svc.cluster.local.: nxdomain"
    )


def test_dns_external_name_failing_everywhere_is_a_warning(tmp_path: Path) -> None:
    down = {server: Lookup.TIMEOUT for server, _v, _t in pb.SERVERS}
    bundle = pb.probed_bundle(tmp_path, None, pb.dns(external=down))

    result = run(DnsResolution(), bundle)

    assert result.status is Status.WARN
    assert result.summary == (
        "1 problem(s): no DNS server resolved the external name registry.k8s.io.: an air-gapped"
        " cluster, or CoreDNS cannot reach its upstream"
    )


def test_dns_external_name_failing_on_one_replica_only_fails_that_replica(tmp_path: Path) -> None:
    bundle = pb.probed_bundle(tmp_path, None, pb.dns(external={"100.96.1.3": Lookup.TIMEOUT}))

    result = run(DnsResolution(), bundle)

    assert by_object(result)["coredns-7d8f9c6b5-4xk2m"] is Status.FAIL
    assert result.status is Status.FAIL


def test_dns_not_observed_is_never_a_pass(tmp_path: Path) -> None:
    reason = "the DNS probe pod gave no result within 60s (phase Running)"
    bundle = pb.probed_bundle(tmp_path, None, pb.dns(observed=False, reason=reason))

    result = run(DnsResolution(), bundle)

    assert result.status is Status.WARN
    assert result.summary == f"could not observe DNS resolution: {reason}"


def test_dns_passes_when_every_server_answers(tmp_path: Path) -> None:
    result = run(DnsResolution(), pb.dns_passing(tmp_path))

    assert result.status is Status.PASS
    assert result.summary == (
        "the DNS Service and 2 endpoint(s) resolve the cluster and external names"
    )


def test_probe_files_round_trip_through_a_bundle(tmp_path: Path) -> None:
    probe = pb.lifecycle(pb.pod_probe(pb.NODES[0]), pb.pod_probe(pb.NODES[1], fails_at=1))
    snapshot = read_bundle(pb.probed_bundle(tmp_path, probe, pb.dns()))

    assert snapshot.pod_lifecycle == probe
    assert snapshot.dns_probe == pb.dns()


def test_a_bundle_without_probe_files_skips_both_saying_why(tmp_path: Path) -> None:
    snapshot = read_bundle(pb.probed_bundle(tmp_path, None, None))
    snapshot = replace(snapshot)

    for check in (PodLifecycle(), DnsResolution()):
        result = run_check(check, CheckContext(snapshot), Selection())
        assert (result.status, result.skip_reason) == (Status.SKIP, SkipReason.NOT_REQUESTED)
        assert result.summary == (
            "not run: needs --probe on a live cluster (it runs short-lived pods; without"
            " it kopscheck only reads, and a bundle or dump holds no probe outcomes)"
        )


def test_node_logs_show_the_probe_pods_create_and_delete_lines(tmp_path: Path) -> None:
    logged = replace(
        pb.pod_probe(pb.NODES[0]),
        log_mentions=(
            LogMention(
                "kubelet log",
                f'I1128 12:45:01 kubelet.go:2459] "SyncLoop ADD" source="api" pods=["{pb.NAMESPACE}/lifecycle-{pb.NODES[0]}"]',
            ),
            LogMention(
                "kubelet log",
                f'I1128 12:45:04 kubelet.go:2475] "SyncLoop DELETE" source="api" pods=["{pb.NAMESPACE}/lifecycle-{pb.NODES[0]}"]',
            ),
        ),
    )
    silent = replace(pb.pod_probe(pb.NODES[1]), log_mentions=())
    unreadable = replace(
        pb.pod_probe("i-0a1b2c3d4e5f60004"),
        log_mentions=(),
        logs_unavailable=("kubelet log: the kubelet does not serve its log (NodeLogQuery off)",),
    )
    bundle = pb.probed_bundle(tmp_path, pb.lifecycle(logged, silent, unreadable), None)

    result = run(NodeLogs(), bundle)

    probe_findings = {
        f.object.name: (f.status, f.message)
        for f in result.findings
        if f.object is not None and f.object.kind == "Pod"
    }
    assert probe_findings == {
        f"lifecycle-{pb.NODES[0]}": (
            Status.PASS,
            f"{pb.NODES[0]} logged the probe pod's create and delete",
        ),
        f"lifecycle-{pb.NODES[1]}": (
            Status.WARN,
            f"the kubelet log on {pb.NODES[1]} has no create line for the probe pod, which ran"
            " and was deleted: the kubelet may run below --v=2",
        ),
    }
    passing = next(
        f
        for f in result.findings
        if f.status is Status.PASS and f.object and f.object.kind == "Pod"
    )
    assert passing.evidence["lines"][0].startswith(
        'kubelet log: I1128 12:45:01 kubelet.go:2459] "SyncLoop ADD"'
    )


def test_dns_service_silent_while_its_endpoints_answer_names_the_nodes_service_proxy(
    tmp_path: Path,
) -> None:
    """kube-proxy stopped on the probe's node: busybox's nslookup times out on the Service's
    cluster IP and gets answers from each CoreDNS pod IP (seen on the real-node tier)."""
    silent = {"100.64.0.10": Lookup.TIMEOUT}
    bundle = pb.probed_bundle(tmp_path, None, pb.dns(internal=silent, external=silent))

    result = run(DnsResolution(), bundle)

    assert result.status is Status.FAIL
    service = next(f for f in result.findings if f.object and f.object.name == "kube-dns")
    assert (service.status, service.code) == (Status.FAIL, "dns.resolution/service-unreachable")
    assert service.message == (
        f"the DNS Service (100.64.0.10) does not answer from node {pb.NODES[0]} while its"
        f" endpoint(s) 100.96.1.3, 100.96.2.4 do: pods on {pb.NODES[0]} do not reach Service"
        " IPs (kube-proxy on that node, or the provider's replacement)"
    )
    assert [(r.kind, r.name) for r in service.related] == [
        ("Node", pb.NODES[0]),
        ("ProbeClass", f"cluster-ip/service-proxy/{pb.NODES[0]}"),
    ]
    assert by_object(result)["coredns-7d8f9c6b5-4xk2m"] is Status.PASS


def test_dns_service_answering_nxdomain_is_coredns_not_the_service_proxy(tmp_path: Path) -> None:
    """An NXDOMAIN came back through the cluster IP: the path works, the answer is wrong."""
    wrong = {"100.64.0.10": Lookup.NXDOMAIN}
    result = run(DnsResolution(), pb.probed_bundle(tmp_path, None, pb.dns(internal=wrong)))

    service = next(f for f in result.findings if f.object and f.object.name == "kube-dns")
    assert (service.status, service.code) == (Status.FAIL, "dns.resolution/cluster-name-fails")
    assert service.related == ()


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("events", [None], "got a NoneType in it"),
        ("node_pod_cidrs", "100.96.1.0/24", "got str"),
        ("logs_unavailable", [7], "got a int in it"),
    ],
)
def test_a_probe_file_with_a_non_string_in_a_list_is_one_clear_error(
    tmp_path: Path, field: str, value: object, why: str
) -> None:
    """Found by `make fuzz` (10,000 cases): a null event in a hand-edited probe file reached the
    redactor and raised AttributeError instead of naming the file."""
    bundle = pb.lifecycle_passing(tmp_path)
    path = bundle / LIFECYCLE_FILE
    doc = json.loads(path.read_text())
    doc["pods"][0][field] = value
    path.write_text(json.dumps(doc))

    with pytest.raises(InputError) as raised:
        read_bundle(bundle)
    assert str(raised.value) == (
        f"{LIFECYCLE_FILE}: malformed probe outcome: TypeError: expected a list of strings, {why}"
    )
