"""Node faults made for real on real nodes, each with the real components' own message, and
each giving exactly one root cause: the node's, not the probes that fail because of it."""

from __future__ import annotations

from typing import Any

from cluster_kopscheck import check_json, result
from realnode import CniMode, Daemon, RealCluster, RealNodeSpec, Wait

FAST_STEPS = "bound=10s,sandbox=15s,ip=10s,running=15s,gone=20s"


def probe(cluster: RealCluster, node: str, *extra: str) -> dict[str, Any]:
    return check_json(
        cluster.kubeconfig,
        "--networking", "kubenet", "--probe", "--probe-nodes", node,
        "--probe-step-timeout", FAST_STEPS, "--probe-dns-timeout", "5s", *extra,
    )  # fmt: skip


def failing(doc: dict[str, Any]) -> dict[str, str]:
    return {r["check"]: r["status"] for r in doc["results"] if r["status"] in ("fail", "warn")}


def node_roots(doc: dict[str, Any]) -> list[str]:
    """The root causes but dns.rollout: the tier's cluster deploys no CoreDNS, on every node."""
    return [r for r in doc["root_causes"] if r != "dns.rollout"]


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


def test_cni_mode_without_a_config_says_cni_plugin_not_initialized(
    real_cluster: RealCluster,
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


def test_kubelet_refuses_the_flag_1_32_removed(real_cluster: RealCluster) -> None:
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


def test_containerd_stopped_fails_the_probe_on_that_node(real_cluster: RealCluster) -> None:
    node = real_cluster.nodes.add()
    try:
        node.stop(Daemon.CONTAINERD)
        doc = probe(real_cluster, node.name, "--no-probe-agent")  # no pod runs there: no agent
    finally:
        real_cluster.nodes.remove(node)
    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "fail"
    # no node check reads the runtime's state yet: the probe's failure stands as the one root,
    # the connectivity pairs its pods never ran are explained by it
    assert node_roots(doc) == ["pod.lifecycle"], failing(doc)
    assert "pod.lifecycle" in result(doc, "net.connectivity")["caused_by"]
