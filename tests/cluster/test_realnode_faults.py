"""Node faults made for real on real nodes, each with the real components' own message, and
each giving exactly one root cause: the node's, not the probes that fail because of it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from cluster_assets import Assets
from cluster_kopscheck import check_json, result
from kubernetes import client
from realnode import (
    CniMode,
    Daemon,
    RealCluster,
    RealNode,
    RealNodeSpec,
    Wait,
    start_real_cluster,
)

FAST_STEPS = "bound=10s,sandbox=15s,ip=10s,running=15s,gone=20s"
# a kubelet whose runtime is down takes no pod at all: a healthy one binds in about a second
UNBOUND_STEPS = "bound=3s,sandbox=15s,ip=10s,running=15s,gone=20s"
# the kubelet's maxWaitForContainerRuntime (30s, a constant) after its last good CRI status call
# (every 5s), then the next node status update
RUNTIME_DOWN_SECONDS = 60.0


def probe(cluster: RealCluster, node: str, *extra: str, steps: str = FAST_STEPS) -> dict[str, Any]:
    return check_json(
        cluster.kubeconfig,
        "--networking", "kubenet", "--probe", "--probe-nodes", node,
        "--probe-step-timeout", steps, "--probe-dns-timeout", "5s", *extra,
    )  # fmt: skip


def failing(doc: dict[str, Any]) -> dict[str, str]:
    return {r["check"]: r["status"] for r in doc["results"] if r["status"] in ("fail", "warn")}


def node_roots(doc: dict[str, Any]) -> list[str]:
    """The root causes but dns.rollout: the tier's cluster deploys no CoreDNS, on every node."""
    return [r for r in doc["root_causes"] if r != "dns.rollout"]


def ready_condition(cluster: RealCluster, node: str, says: str, timeout: float) -> Any:
    """The node's Ready condition once its message says `says` (fails after `timeout`)."""
    core = client.CoreV1Api(cluster.plane.api_client())
    deadline = time.monotonic() + timeout
    while True:
        found: Any = core.read_node(node)
        ready = next(c for c in found.status.conditions or [] if c.type == "Ready")
        if says in (ready.message or ""):
            return ready
        if time.monotonic() > deadline:
            pytest.fail(f"{node}: Ready={ready.status} {ready.message!r} after {timeout:g}s")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def containerd_stopped(real_cluster: RealCluster) -> Iterator[RealNode]:
    """A Ready node whose containerd is then stopped. The kubelet says so only ~30s later, so
    the tests that do not mind a node whose runtime is going down ask for this fixture too
    (the module runs them in file order, after those that judge every node of the shared
    cluster), and the wait overlaps their work."""
    node = real_cluster.nodes.add()
    try:
        node.stop(Daemon.CONTAINERD)
        yield node
    finally:
        real_cluster.nodes.remove(node)


def test_missing_ptp_plugin_is_the_one_root_cause(real_cluster: RealCluster) -> None:
    node = real_cluster.nodes.add()
    try:
        node.remove_plugin("ptp")
        doc = probe(real_cluster, node.name)
    finally:
        real_cluster.nodes.remove(node)
    config = result(doc, "cni.node-config")
    broken = next(f for f in config["findings"] if f["object"]["name"] == node.name)
    assert broken["status"] == "fail"
    assert broken["message"].startswith('10-containerd-net.conflist needs plugin "ptp", not found')
    assert broken["evidence"]["missing_binaries"] == ["ptp"]
    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "fail"
    events = " ".join(lifecycle["findings"][0]["evidence"]["events"])
    assert 'failed to find plugin "ptp" in path [/opt/cni/bin]' in events
    assert "cni.node-config" in lifecycle["caused_by"]
    assert node_roots(doc) == ["cni.node-config"], failing(doc)


def test_no_pod_cidr_allocated_is_the_nodes_one_root(
    cluster_assets: Assets, containerd_stopped: RealNode
) -> None:
    """kube-controller-manager without --allocate-node-cidrs: the kubelet never hands containerd
    a podCIDR, so nodeup's kubenet template is never rendered (a plane of its own: podCIDRs
    are allocated on the shared one)."""
    cluster = start_real_cluster(cluster_assets, "nocidr", nodes=0, allocate_node_cidrs=False)
    try:
        node = cluster.nodes.add(RealNodeSpec(wait=Wait.REGISTERED))
        ready = ready_condition(cluster, node.name, "cni plugin not initialized", 30)
        found: Any = client.CoreV1Api(cluster.plane.api_client()).read_node(node.name)
        doc = check_json(cluster.kubeconfig, "--networking", "kubenet")
    finally:
        cluster.stop()
    assert found.spec.pod_cidr is None
    assert (ready.status, ready.reason) == ("False", "KubeletNotReady")
    config = result(doc, "cni.node-config")
    [broken] = [f for f in config["findings"] if f["status"] == "fail"]
    assert (broken["object"]["name"], broken["code"]) == (node.name, "cni.node-config/no-pod-cidr")
    assert broken["message"].startswith(
        "the node has no podCIDR (spec.podCIDR is empty), which kubenet gives pod IPs from: no CNI"
        " config can be written, the runtime says Network plugin returns error: cni plugin not"
        " initialized"
    )
    assert (
        "container runtime network not ready: NetworkReady=false"
        in (broken["evidence"]["condition"])
    )
    assert "cni.node-config" in result(doc, "node.network-ready")["caused_by"]
    assert node_roots(doc) == ["cni.node-config"], failing(doc)


def test_cni_mode_without_a_config_says_cni_plugin_not_initialized(
    real_cluster: RealCluster, containerd_stopped: RealNode
) -> None:
    node = real_cluster.nodes.add(RealNodeSpec(mode=CniMode.CNI))
    try:
        doc = check_json(real_cluster.kubeconfig, "--networking", "cni")
    finally:
        real_cluster.nodes.remove(node)
    config = result(doc, "cni.node-config")
    broken = next(f for f in config["findings"] if f["object"]["name"] == node.name)
    assert broken["status"] == "fail"
    assert broken["message"].startswith(
        "the runtime has no CNI config: Network plugin returns error: cni plugin not initialized"
    )


def test_kubelet_refuses_the_flag_1_32_removed(
    real_cluster: RealCluster, containerd_stopped: RealNode
) -> None:
    spec = RealNodeSpec(kubelet_args=("--network-plugin=kubenet",), wait=Wait.STARTED)
    node = real_cluster.nodes.add(spec)
    try:
        kubelet = node.daemons[Daemon.KUBELET]
        assert kubelet.process is not None
        assert kubelet.process.wait(30) != 0
        kubelet.stop()  # its output is all written
        assert "unknown flag: --network-plugin" in node.daemon_log(Daemon.KUBELET)
    finally:
        real_cluster.nodes.remove(node)


def test_containerd_stopped_is_the_nodes_one_root(
    real_cluster: RealCluster, containerd_stopped: RealNode
) -> None:
    node = containerd_stopped
    ready = ready_condition(
        real_cluster, node.name, "container runtime is down", RUNTIME_DOWN_SECONDS
    )
    assert (ready.status, ready.reason) == ("False", "KubeletNotReady")
    # no pod runs there: no agent
    doc = probe(real_cluster, node.name, "--no-probe-agent", steps=UNBOUND_STEPS)
    nodes = result(doc, "node.network-ready")
    [down] = [f for f in nodes["findings"] if f["status"] == "fail"]
    assert (down["object"]["name"], down["code"]) == (node.name, "node.network-ready/runtime-down")
    assert down["message"].startswith("NotReady: container runtime is down (containerd://")
    assert down["evidence"]["message"] == "container runtime is down"
    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "fail"
    assert lifecycle["findings"][0]["evidence"]["failed_step"] == "bound"
    assert lifecycle["caused_by"] == ["node.network-ready"]
    assert "node.network-ready" in result(doc, "net.connectivity")["caused_by"]
    assert node_roots(doc) == ["node.network-ready"], failing(doc)
