"""pod.sandbox-errors (events) and pod.node-logs (kubelet and provider logs) on realistic data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kube_builders as kb
import network_clusters as nc
import pytest
from kopscheck_checks.pod.node_logs import NodeLogs
from kopscheck_checks.pod.sandbox_errors import SandboxErrors
from snapshots import snapshot

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Status, Verdict

SANDBOX, LOGS = SandboxErrors(), NodeLogs()
W1, W2, W3 = (w[0] for w in nc.WORKERS)
FIXTURES = Path(__file__).parents[1] / "fixtures"
IMAGE = "registry.example.com/shop/web:2.4.1"


def _web(name: str, node: str, running: bool, namespace: str = "default") -> dict[str, Any]:
    if running:
        status = kb.container_status("web", IMAGE)
        return kb.pod(name, namespace, {"app": "web"}, ("ReplicaSet", "web-7c9f8d6b5"), IMAGE, "web",
                      node_name=node, pod_ip="100.96.1.9", host_ip="172.20.46.21", statuses=[status])  # fmt: skip
    status = kb.container_status(
        "web", IMAGE, state="waiting", reason="ContainerCreating", ready=False
    )
    return kb.pod(name, namespace, {"app": "web"}, ("ReplicaSet", "web-7c9f8d6b5"), IMAGE, "web",
                  node_name=node, phase="Pending", host_ip="172.20.46.21", statuses=[status])  # fmt: skip


def _event(
    pod: str, node: str, message: str, reason: str = "FailedCreatePodSandBox", **kw: Any
) -> dict[str, Any]:
    return kb.event(("Pod", "default", pod), reason, message, host=node, **kw)


SETUP = 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "5db4": '
CAUSES = [
    pytest.param(SETUP + 'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container',
                 "no IP addresses left", {Signal.IP_EXHAUSTED}, id="aws-cni-ip-exhausted"),
    pytest.param(SETUP + 'plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses available in range set: 100.96.1.1-100.96.1.254',
                 "no IP addresses left", {Signal.IP_EXHAUSTED}, id="host-local-range-full"),
    pytest.param(SETUP + 'plugin type="flannel" failed (add): failed to find plugin "flannel" in path [/opt/cni/bin]',
                 "CNI plugin binary missing", {Signal.CNI_BINARY_MISSING}, id="flannel-binary-missing"),
    pytest.param('Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "99e3" network for pod "web-a":'
                 ' NetworkPlugin cni failed to set up pod "web-a_default" network: stat /var/lib/calico/nodename: no such file or directory:'
                 " check that the calico/node container is running and has mounted /var/lib/calico/]",
                 "CNI provider agent not running on the node", {Signal.CNI_AGENT_NOT_RUNNING}, id="dockershim-calico-nodename"),
    pytest.param(SETUP + 'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after'
                 ' 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file'
                 " or directory Is the agent running?",
                 "CNI provider agent not running on the node", {Signal.CNI_AGENT_NOT_RUNNING}, id="cilium-agent-unreachable"),
    pytest.param('Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_web-a_default_1_0(5db4):'
                 ' error adding pod default_web-a to CNI network "k8s-pod-network": plugin type="calico" failed (add): context deadline exceeded',
                 "network set-up timed out", set(), id="crio-calico-timeout"),
]  # fmt: skip


@pytest.mark.parametrize(("message", "cause", "signals"), CAUSES)
def test_sandbox_failures_grouped_by_node_and_cause(
    message: str, cause: str, signals: set[Signal]
) -> None:
    pods = [_web("web-a", W1, False), _web("web-b", W1, False), _web("web-c", W2, True)]
    events = [_event("web-a", W1, message, count=14), _event("web-b", W1, message, count=3)]
    verdict = SANDBOX.run(CheckContext(snapshot(pods=pods, events=events)))
    assert verdict.status is Status.FAIL
    [finding] = verdict.findings
    assert finding.object == ObjectRef("Node", W1)
    assert finding.message == f"{cause} (set-up) for 2 pod(s): default/web-a, default/web-b"
    assert finding.evidence["pods"] == ["default/web-a", "default/web-b"]
    assert finding.evidence["events"] == 17
    assert finding.evidence["pods_now"] == "2 still not running"
    assert set(finding.signals) == signals | {Signal.SANDBOX_NETWORK_FAILED}
    assert verdict.summary == f"1 sandbox failure group(s): {W1}: {cause}"


def test_agent_not_running_shows_the_agent_pod_on_that_node(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    message = (
        SETUP
        + 'plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory'
    )
    cluster.add("default", "pods.json", _web("web-a", W2, False))
    cluster.add("default", "events.json", _event("web-a", W2, message, count=5))
    verdict = SANDBOX.run(CheckContext(cluster.snapshot(tmp_path)))
    [finding] = verdict.findings
    assert finding.status is Status.FAIL
    assert finding.evidence["agent_pods"] == ["calico-node-hx4rw: Running, ready"]


def test_network_not_ready_events_point_at_the_missing_cni_config() -> None:
    message = ("network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
               " message:Network plugin returns error: cni plugin not initialized")  # fmt: skip
    verdict = SANDBOX.run(
        CheckContext(
            snapshot(
                pods=[_web("web-a", W1, False)],
                events=[_event("web-a", W1, message, "NetworkNotReady")],
            )
        )
    )
    [finding] = verdict.findings
    assert finding.evidence["cause"] == "no CNI config on the node"
    assert Signal.CNI_NOT_INITIALIZED in finding.signals


def test_recovered_pods_are_a_note_not_an_alarm() -> None:
    message = (
        SETUP
        + 'plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory'
    )
    events = [_event("web-c", W2, message, count=2)]
    verdict = SANDBOX.run(CheckContext(snapshot(pods=[_web("web-c", W2, True)], events=events)))
    assert verdict.status is Status.PASS
    assert verdict.findings[0].message.endswith("- recovered, the pods run now")
    assert (
        verdict.summary
        == "no unresolved pod sandbox failures in the last hour; 1 recovered group(s)"
    )


def test_events_older_than_an_hour_are_ignored() -> None:
    message = (
        SETUP
        + 'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container'
    )
    old = _event("web-a", W1, message, last="2026-11-27T08:00:00Z")
    fresh = kb.event(
        ("Pod", "default", "web-c"), "Started", "Started container web", type_="Normal", host=W2
    )
    verdict = SANDBOX.run(
        CheckContext(snapshot(pods=[_web("web-a", W1, False)], events=[old, fresh]))
    )
    assert verdict.status is Status.PASS
    assert verdict.findings == ()
    assert (
        verdict.summary
        == "no unresolved pod sandbox failures in the last hour (1 older event(s) ignored)"
    )


def test_without_pods_the_outcome_is_uncertain() -> None:
    message = (
        SETUP
        + 'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container'
    )
    verdict = SANDBOX.run(CheckContext(snapshot(events=[_event("web-a", W1, message)])))
    assert verdict.status is Status.WARN
    assert (
        verdict.findings[0].evidence["pods_now"]
        == "pods not collected: cannot tell whether they recovered"
    )


def test_teardown_failure_of_a_pod_stuck_terminating() -> None:
    message = ('error killing pod: failed to "KillPodSandbox" for "1f0e" with KillPodSandboxError: "rpc error: code = Unknown desc ='
               ' failed to destroy network for sandbox \\"cae5\\": plugin type=\\"aws-cni\\" failed (delete): del cmd: failed to'
               ' process delete request"')  # fmt: skip
    stuck = _web("web-a", W1, False)
    stuck["status"]["phase"] = "Running"
    verdict = SANDBOX.run(
        CheckContext(snapshot(pods=[stuck], events=[_event("web-a", W1, message, "FailedKillPod")]))
    )
    [finding] = verdict.findings
    assert (finding.status, finding.evidence["direction"]) == (Status.FAIL, "tear-down")
    assert finding.message == "network tear-down failed (tear-down) for 1 pod(s): default/web-a"


def test_kill_failures_that_are_not_about_the_network_are_left_alone() -> None:
    message = 'error killing pod: failed to "KillContainer" for "web" with KillContainerError: "rpc error: code = Unknown desc = failed to kill container"'
    verdict = SANDBOX.run(
        CheckContext(
            snapshot(
                pods=[_web("web-a", W1, True)],
                events=[_event("web-a", W1, message, "FailedKillPod")],
            )
        )
    )
    assert (verdict.status, verdict.findings) == (Status.PASS, ())


def test_sandbox_failure_that_is_not_network_related_warns() -> None:
    message = ('Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox image "registry.k8s.io/pause:3.9":'
               " failed to pull image: i/o timeout")  # fmt: skip
    verdict = SANDBOX.run(
        CheckContext(
            snapshot(pods=[_web("web-a", W1, False)], events=[_event("web-a", W1, message)])
        )
    )
    [finding] = verdict.findings
    assert (finding.status, finding.evidence["cause"]) == (
        Status.WARN,
        "sandbox failure, not network-related",
    )
    assert Signal.SANDBOX_NETWORK_FAILED not in finding.signals


def test_aws_ip_exhaustion_fixture_names_node_and_pods() -> None:
    verdict = SANDBOX.run(CheckContext(read_bundle(FIXTURES / "aws-vpc-ip-exhausted")))
    assert [(f.object, f.status) for f in verdict.findings] == [
        (ObjectRef("Node", W2), Status.FAIL)
    ]
    assert verdict.findings[0].evidence["pods"] == [
        "default/web-7c9f8d6b5-m4d7q",
        "default/web-7c9f8d6b5-x8r2t",
    ]


@pytest.mark.parametrize(
    "namespace", ["../../etc/x", "shop/web", "a//"], ids=["path", "slash", "end"]
)
def test_a_namespace_holding_a_slash_still_finds_the_stuck_pod(namespace: str) -> None:
    """No API server sends such a namespace, a hand-made bundle can: the stuck pod is still
    found (it was split at the first "/" and called gone, a warn instead of the failure)."""
    stuck = _web("web-a", W1, False, namespace)
    message = SETUP + 'plugin type="aws-cni" failed (add): failed to assign an IP address'
    events = [kb.event(("Pod", namespace, "web-a"), "FailedCreatePodSandBox", message, host=W1)]
    verdict = SANDBOX.run(CheckContext(snapshot(pods=[stuck], events=events)))
    [finding] = verdict.findings
    assert (finding.status, finding.object) == (Status.FAIL, ObjectRef("Node", W1))
    assert finding.evidence["pods"] == [f"{namespace}/web-a"]
    assert finding.evidence["pods_now"] == "1 still not running"


# --- pod.node-logs -----------------------------------------------------------------------------


def _run_logs(cluster: nc.Cluster, tmp_path: Path) -> Verdict:
    return LOGS.run(CheckContext(cluster.snapshot(tmp_path / "bundle")))


def _problems(verdict: Verdict) -> dict[ObjectRef | None, Status]:
    return {f.object: f.status for f in verdict.findings if f.status in (Status.FAIL, Status.WARN)}


RUNPOD_FAILED = (
    'Nov 27 10:14:20 {host} kubelet[2231]: E1127 10:14:20.459322    2231 log.go:32] "RunPodSandbox from runtime service failed"'
    ' err="rpc error: code = Unknown desc = failed to setup network for sandbox \\"5db4\\": plugin type=\\"flannel\\" failed'
    ' (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory"\n'
)
STARTED = (
    'Nov 27 10:14:40 {host} kubelet[2231]: I1127 10:14:40.318027    2231 kubelet.go:2491] "SyncLoop (PLEG): event for pod"'
    ' pod="default/web-a" event={{"ID":"1","Type":"ContainerStarted","Data":"5db4"}}\n'
)


def test_healthy_logs_show_create_lines(tmp_path: Path) -> None:
    verdict = _run_logs(nc.healthy("calico"), tmp_path)
    assert verdict.status is Status.PASS
    assert (
        verdict.summary
        == "logs of 4 node(s) show 16 pod create and 0 delete line(s) and no failing sandbox"
    )


def test_failures_after_the_last_started_pod_fail(tmp_path: Path) -> None:
    cluster = nc.healthy("flannel")
    cluster.node_files[W1]["kubelet.log"] += RUNPOD_FAILED.format(host=W1) * 2
    verdict = _run_logs(cluster, tmp_path)
    assert _problems(verdict) == {ObjectRef("NodeLogs", W1): Status.FAIL}
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert finding.message == (
        "2 sandbox network failure(s) in the kubelet log and no pod started since"
        " (cni-agent-not-running, sandbox-network-failed)"
    )
    assert str(finding.evidence["lines"][-1]).endswith(
        'open /run/flannel/subnet.env: no such file or directory"'
    )  # type: ignore[index]


def test_failures_followed_by_a_started_pod_recovered(tmp_path: Path) -> None:
    cluster = nc.healthy("flannel")
    cluster.node_files[W1]["kubelet.log"] += RUNPOD_FAILED.format(host=W1) + STARTED.format(host=W1)
    verdict = _run_logs(cluster, tmp_path)
    assert verdict.status is Status.PASS
    finding = next(f for f in verdict.findings if f.object == ObjectRef("NodeLogs", W1))
    assert finding.message == "5 create and 0 delete line(s); 1 earlier failure(s) recovered"


def test_not_ready_runtime_on_a_not_ready_node_fails(tmp_path: Path) -> None:
    verdict = LOGS.run(
        CheckContext(
            read_bundle(Path(__file__).parents[2] / "kopscheck" / "demo" / "cni-no-provider")
        )
    )
    assert set(_problems(verdict).values()) == {Status.FAIL}
    assert all(
        Signal.CNI_NOT_INITIALIZED in f.signals for f in verdict.findings if f.status is Status.FAIL
    )


def test_provider_logs_count_cni_add_and_del(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    cluster.logs[("kube-system", "cilium-8zt5n")]["cilium-agent"] += (
        'time="2026-11-27T10:01:02Z" level=info msg="Delete endpoint request" id="container-id:905e" subsys=daemon\n'
    )
    verdict = _run_logs(cluster, tmp_path)
    finding = next(f for f in verdict.findings if f.object == ObjectRef("NodeLogs", W1))
    assert finding.evidence["deletes"] == 1
    assert finding.evidence["sources"] == ["kubelet log (5 lines)", "cilium-8zt5n log (3 lines)"]


def test_long_logs_without_any_pod_activity_warn_once(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    cluster.logs = {}
    quiet = "".join(
        f"Nov 27 09:{i // 60:02d}:{i % 60:02d} h kubelet[2231]: I1127 reconciler.go:1] volume ok\n"
        for i in range(250)
    )
    for files in cluster.node_files.values():
        files["kubelet.log"] = quiet
    verdict = _run_logs(cluster, tmp_path)
    assert verdict.status is Status.WARN
    assert verdict.summary.startswith(
        "logs of 4 node(s), up to 250 lines, show no pod create or delete at all"
    )
    assert [f.status for f in verdict.findings].count(Status.WARN) == 1


def test_short_logs_without_activity_are_not_an_alarm(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    cluster.logs = {}
    for files in cluster.node_files.values():
        files["kubelet.log"] = "Nov 27 09:01:58 h kubelet[2231]: I1127 server.go:484] starting\n"
    assert _run_logs(cluster, tmp_path).status is Status.PASS


def test_no_logs_at_all_is_a_skip(tmp_path: Path) -> None:
    cluster = nc.healthy("kubenet")
    for files in cluster.node_files.values():
        files.pop("kubelet.log")
    verdict = _run_logs(cluster, tmp_path)
    assert (verdict.status, verdict.summary) == (
        Status.SKIP,
        "no kubelet or CNI provider logs collected on any node",
    )


def test_unregistered_node_whose_log_ends_not_ready_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    new = "i-0c1a0000000000009"
    cluster.node_files[new] = {
        "kubelet.log": f'Nov 27 10:14:10 {new} kubelet[811]: E1127 10:14:10.1    811 kubelet.go:3002] "Container runtime network'
        ' not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni'
        ' plugin not initialized"\n'
    }
    verdict = _run_logs(cluster, tmp_path)
    assert _problems(verdict) == {ObjectRef("NodeLogs", new): Status.WARN}


def test_aws_ip_exhaustion_fixture_fails_on_the_affected_node() -> None:
    verdict = LOGS.run(CheckContext(read_bundle(FIXTURES / "aws-vpc-ip-exhausted")))
    assert _problems(verdict) == {ObjectRef("NodeLogs", W2): Status.FAIL}
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert set(finding.signals) == {Signal.IP_EXHAUSTED, Signal.SANDBOX_NETWORK_FAILED}


# aws-node's ipamd gRPC probe and calico-node's BIRD probe, as `kubectl describe pod` shows them
# (wordings from tests/test_messages.py's real samples).
AWS_NODE_PROBE = (
    'Liveness probe failed: {"level":"info","ts":"2026-11-27T10:12:31.657Z",'
    '"caller":"/usr/local/go/src/runtime/proc.go:271",'
    '"msg":"timeout: failed to connect service \\":50051\\" within 5s"}'
)
CALICO_PROBE = (
    "Readiness probe failed: calico/node is not ready: BIRD is not ready: Error querying BIRD:"
    " unable to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: no such file"
)


@pytest.mark.parametrize(
    ("mode", "pod", "message"),
    [
        pytest.param("amazonvpc", "aws-node-8zt5n", AWS_NODE_PROBE, id="aws-node-liveness"),
        pytest.param("calico", "calico-node-8zt5n", CALICO_PROBE, id="calico-node-readiness"),
    ],
)
def test_probe_failures_of_host_network_agents_are_not_sandbox_failures(
    tmp_path: Path, mode: str, pod: str, message: str
) -> None:
    cluster = nc.healthy(mode)
    probe = kb.event(("Pod", nc.KS, pod), "Unhealthy", message, count=7, host=W1)
    cluster.add(nc.KS, "events.json", probe)
    verdict = SANDBOX.run(CheckContext(cluster.snapshot(tmp_path / "probe")))
    assert (verdict.status, verdict.findings) == (Status.PASS, ())
    assert verdict.summary == "no unresolved pod sandbox failures in the last hour"
    cluster.add("default", "pods.json", _web("web-a", W1, False))
    failed = SETUP + 'plugin type="aws-cni" name="aws-cni" failed (add): ' + message
    cluster.add("default", "events.json", _event("web-a", W1, failed, count=4))
    verdict = SANDBOX.run(CheckContext(cluster.snapshot(tmp_path / "sandbox")))
    assert verdict.status is Status.FAIL
    [finding] = verdict.findings
    assert finding.object == ObjectRef("Node", W1)
    assert finding.evidence["pods"] == ["default/web-a"]
