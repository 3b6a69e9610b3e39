"""The real-node harness itself: a real kubelet, containerd, CNI plugins and kube-proxy give a
pod a real IP from the node's podCIDR, the host routes that podCIDR, and the node logs it."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from cluster_assets import unavailable
from cluster_procs import run
from kubernetes import client
from realnode import LogKind, RealCluster, RealNodeSpec, missing_node_packages

BUSYBOX = "docker.io/library/busybox:1.36"


def run_pod(cluster: RealCluster, name: str, node: str, command: list[str]) -> Any:
    core = client.CoreV1Api(cluster.plane.api_client())
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "nodeName": node,
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "c",
                    "image": BUSYBOX,
                    "imagePullPolicy": "IfNotPresent",
                    "command": command,
                }
            ],
        },
    }
    core.create_namespaced_pod("default", pod)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = core.read_namespaced_pod(name, "default")
        if found.status.phase in ("Running", "Succeeded", "Failed"):
            return found
        time.sleep(0.5)
    raise AssertionError(f"pod {name} not started: {found.status}")


def test_real_node_runs_a_pod_on_its_pod_cidr(real_cluster: RealCluster) -> None:
    node = real_cluster.node
    cidr = ipaddress.ip_network(node.pod_cidr)
    assert cidr.subnet_of(ipaddress.ip_network(real_cluster.plane.spec.cluster_cidr))
    pod = run_pod(real_cluster, "harness-sleep", node.name, ["sleep", "30"])
    assert ipaddress.ip_address(pod.status.pod_ip) in cidr
    routes = run(["ip", "route", "show", node.pod_cidr]).stdout
    assert f"via {node.node_ip} dev {node.host_veth}" in routes
    reply = run(["busybox", "ping", "-c1", "-W2", pod.status.pod_ip], check=False)
    assert reply.returncode == 0, reply.stdout
    client.CoreV1Api(real_cluster.plane.api_client()).delete_namespaced_pod(
        "harness-sleep", "default", grace_period_seconds=0
    )
    deadline = time.monotonic() + 90  # the kubelet's REMOVE follows the runtime's teardown
    while "SyncLoop REMOVE" not in node.syslog_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    syslog = node.syslog_path.read_text()
    assert '"SyncLoop ADD" source="api" pods=["default/harness-sleep"]' in syslog
    assert '"SyncLoop REMOVE" source="api" pods=["default/harness-sleep"]' in syslog
    assert f" {node.name} containerd[" in syslog


def test_journal_node_keeps_kubelet_lines_in_a_real_journal_and_no_syslog(
    real_cluster: RealCluster,
) -> None:
    if missing := missing_node_packages(LogKind.JOURNAL):
        unavailable("a node with a journal needs " + ", ".join(missing))
    node = real_cluster.nodes.add(RealNodeSpec(log=LogKind.JOURNAL))
    try:
        read = run(["journalctl", "-D", str(node.journal_dir), "-u", "kubelet", "-o", "cat"])
        assert "Successfully registered node" in read.stdout
        assert f'node="{node.name}"' in read.stdout
        units = run(["journalctl", "-D", str(node.journal_dir), "-F", "_SYSTEMD_UNIT"]).stdout
        assert set(units.split()) == {"containerd.service", "kubelet.service", "kube-proxy.service"}
        assert not node.syslog_path.exists()
    finally:
        real_cluster.nodes.remove(node)
    assert not node.home.exists()
    assert node.netns not in run(["ip", "netns", "list"]).stdout
