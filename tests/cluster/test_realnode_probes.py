"""`check --probe` on real nodes: a real kubelet, containerd and CNI plugins give the probe pod a
real IP from the node's podCIDR, and the node's own log (syslog on one node, a real journal on
the other) shows the probe pod's create and delete lines, read after the pod was gone."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from cluster_assets import unavailable
from cluster_kopscheck import check_json, result
from realnode import LogKind, RealCluster, RealNode, RealNodeSpec, missing_node_packages


@pytest.fixture(scope="module")
def journal_node(real_cluster: RealCluster) -> Iterator[RealNode]:
    """A second node that logs only to its journal (no /var/log/syslog), as Debian 12 does."""
    if missing := missing_node_packages(LogKind.JOURNAL):
        unavailable("a node with a journal needs " + ", ".join(missing))
    node = real_cluster.nodes.add(RealNodeSpec(log=LogKind.JOURNAL))
    try:
        yield node
    finally:
        real_cluster.nodes.remove(node)


@pytest.fixture(scope="module")
def healthy_probe(real_cluster: RealCluster, journal_node: RealNode) -> dict[str, Any]:
    return check_json(
        real_cluster.kubeconfig,
        "--networking", "kubenet", "--probe", "--probe-nodes", "all", "--probe-dns-timeout", "5s",
    )  # fmt: skip


def _by_node(doc: dict[str, Any], check: str) -> dict[str, dict[str, Any]]:
    return {
        f["evidence"]["node"]: f
        for f in result(doc, check)["findings"]
        if f["object"] and f["object"]["kind"] == "Pod"
    }


def test_probe_pod_gets_an_ip_inside_the_nodes_pod_cidr(
    healthy_probe: dict[str, Any], real_cluster: RealCluster, journal_node: RealNode
) -> None:
    lifecycle = result(healthy_probe, "pod.lifecycle")
    assert lifecycle["status"] == "pass", (lifecycle["summary"], lifecycle["findings"])
    findings = _by_node(healthy_probe, "pod.lifecycle")
    for node in (real_cluster.node, journal_node):
        ip = findings[node.name]["message"].split("IP ", 1)[1].split(",", 1)[0]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(node.pod_cidr)


@pytest.mark.parametrize(
    ("which", "source"),
    [
        pytest.param("syslog", "/var/log/syslog", id="syslog-node"),
        pytest.param("journal", "journal", id="journal-only-node"),
    ],
)
def test_node_log_shows_the_probe_pods_create_and_delete_after_it_was_gone(
    healthy_probe: dict[str, Any],
    real_cluster: RealCluster,
    journal_node: RealNode,
    which: str,
    source: str,
) -> None:
    node = real_cluster.node if which == "syslog" else journal_node
    finding = _by_node(healthy_probe, "pod.node-logs")[node.name]
    assert finding["status"] == "pass", finding
    assert finding["message"] == f"{node.name} logged the probe pod's create and delete ({source})"
    evidence = finding["evidence"]
    pod = f"lifecycle-{node.name}"
    creates, deletes = evidence["create_lines"], evidence["delete_lines"]
    assert any('"SyncLoop ADD" source="api" pods=["' in line and pod in line for line in creates)
    assert any(f"RunPodSandbox for &PodSandboxMetadata{{Name:{pod}," in line for line in creates)
    assert any('"SyncLoop DELETE"' in line or '"SyncLoop REMOVE"' in line for line in deletes)
    assert any("StopPodSandbox for" in line or "TearDown network for sandbox" in line
               for line in deletes)  # fmt: skip
    assert all(line.startswith(f"{source}: ") for line in creates + deletes)
    other = "journal" if which == "syslog" else "/var/log/syslog"
    reason = (
        "absent"
        if which == "journal"
        else "no journal files in /var/log/journal or /run/log/journal"
    )
    assert f"node log: read {source}" in evidence["log_sources"]
    assert any(s.startswith(f"node log: {other}") and reason in s for s in evidence["log_sources"])
