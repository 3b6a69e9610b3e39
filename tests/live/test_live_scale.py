"""API requests grow with the pages of the lists, not with the number of nodes or pods.

The per-node proxy calls (kubelet configz) are the documented exception: one per node, run
concurrently with a bound. Pod logs are capped whatever the cluster's size.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import kube_builders as kb
import pytest
from fake_apiserver import FakeApiServer, Kubelet
from live_env import kubelet_configz, write_kubeconfig

from kopscheck.collectors.kube.reader import Tuning
from kopscheck.collectors.live import collect_live
from kopscheck.collectors.options import SourceOptions

CALICO = "docker.io/calico/node:v3.31.6"
SHOP = "registry.example.com/shop:1.4.2"
PAGE = 50
LISTS = {
    "/api/v1/namespaces",
    "/api/v1/nodes",
    "/api/v1/pods",
    "/api/v1/events",
    "/api/v1/services",
    "/api/v1/endpoints",
    "/api/v1/replicationcontrollers",
    "/apis/apps/v1/daemonsets",
    "/apis/apps/v1/deployments",
    "/apis/apps/v1/replicasets",
}


def _cluster(server: FakeApiServer, nodes: int, pods_per_node: int) -> None:
    for namespace in ("default", "kube-system", "shop"):
        server.add("namespaces", {"metadata": {"name": namespace}, "status": {"phase": "Active"}})
    configz = json.dumps(kubelet_configz(log_query=False)).encode()
    for i in range(nodes):
        name, ip = f"i-{i:017x}", f"172.20.{32 + i // 250}.{i % 250 + 1}"
        server.add("nodes", kb.node(name, ip, f"100.{96 + i // 256}.{i % 256}.0/24"))
        server.kubelets[name] = Kubelet(configz=configz)
        calico = kb.container_status("calico-node", CALICO)
        server.add(
            "pods",
            kb.pod(f"calico-node-{i:05d}", "kube-system", {"k8s-app": "calico-node"},
                   ("DaemonSet", "calico-node"), CALICO, "calico-node", node_name=name,
                   pod_ip=ip, host_ip=ip, host_network=True, statuses=[calico]),
        )  # fmt: skip
        for j in range(pods_per_node):
            shop = kb.container_status("shop", SHOP)
            server.add(
                "pods",
                kb.pod(f"shop-6f8c7b9d4-{i:04d}{j:03d}", "shop", {"app": "shop"},
                       ("ReplicaSet", "shop-6f8c7b9d4"), SHOP, "shop", node_name=name,
                       pod_ip=f"100.{96 + i // 256}.{i % 256}.{j + 2}", host_ip=ip,
                       statuses=[shop]),
            )  # fmt: skip
    labels = {"k8s-app": "calico-node", "role.kubernetes.io/networking": "1"}
    server.add(
        "daemonsets",
        kb.daemonset("calico-node", "kube-system", labels, {"k8s-app": "calico-node"}, CALICO,
                     nodes, nodes),
    )  # fmt: skip


@pytest.fixture
def sized_cluster(tmp_path: Path) -> Iterator[object]:
    servers: list[FakeApiServer] = []

    def start(nodes: int, pods_per_node: int) -> tuple[FakeApiServer, Path]:
        server = FakeApiServer()
        _cluster(server, nodes, pods_per_node)
        servers.append(server.start())
        kubeconfig = tmp_path / f"{nodes}.kubeconfig"
        return server, write_kubeconfig(kubeconfig, server.url, server.token)

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize(
    ("nodes", "pods_per_node"),
    [
        pytest.param(4, 5, id="4-nodes-24-pods"),
        pytest.param(60, 9, id="60-nodes-600-pods"),
    ],
)
def test_requests_follow_pages_not_objects(nodes: int, pods_per_node: int, sized_cluster) -> None:  # type: ignore[no-untyped-def]
    server, kubeconfig = sized_cluster(nodes, pods_per_node)
    tuning = Tuning(page_size=PAGE, max_log_pods=5)
    snapshot = collect_live(SourceOptions(kubeconfig=kubeconfig), tuning).snapshot
    pods = nodes * (pods_per_node + 1)
    assert (len(snapshot.nodes or ()), len(snapshot.pods or ())) == (nodes, pods)

    sent = Counter(path for method, path, _query in server.requests)
    pages = {path: 1 for path in LISTS} | {
        "/api/v1/nodes": -(-nodes // PAGE),
        "/api/v1/pods": -(-pods // PAGE),
    }
    assert {path: n for path, n in sent.items() if path in LISTS} == pages
    assert sent["/version/"] == 1
    proxy = {path: n for path, n in sent.items() if "/proxy/" in path}
    assert proxy == {f"/api/v1/nodes/i-{i:017x}/proxy/configz": 1 for i in range(nodes)}
    logs = sorted(path for path in sent if path.endswith("/log"))
    capped = min(nodes, 5)  # networking pods only, at most max_log_pods
    assert logs == [
        f"/api/v1/namespaces/kube-system/pods/calico-node-{i:05d}/log" for i in range(capped)
    ]
    assert sum(sent.values()) == 1 + sum(pages.values()) + nodes + capped


def test_kubelet_logs_are_read_from_a_bounded_few_nodes_in_trouble_first(
    tmp_path: Path,
) -> None:
    server = FakeApiServer()
    configz = json.dumps(kubelet_configz(log_query=True)).encode()
    troubled = {"i-00000000000000007", "i-00000000000000003"}
    for i in range(10):
        name, ip = f"i-{i:017x}", f"172.20.32.{i + 1}"
        ready = kb.CNI_NOT_INITIALIZED if name in troubled else kb.READY
        server.add("nodes", kb.node(name, ip, f"100.96.{i}.0/24", ready=ready))
        journal = f"Nov 27 10:14:2{i} {name} kubelet[2231]: I1127 started\n"
        server.kubelets[name] = Kubelet(configz=configz, journal=journal)
    server.start()
    try:
        kubeconfig = write_kubeconfig(tmp_path / "kc", server.url, server.token)
        tuning = Tuning(max_kubelet_logs=3)
        snapshot = collect_live(SourceOptions(kubeconfig=kubeconfig), tuning).snapshot
    finally:
        server.stop()
    files = snapshot.node_files or {}
    with_log = sorted(name for name, f in files.items() if f.kubelet_log is not None)
    assert with_log == ["i-00000000000000000", "i-00000000000000003", "i-00000000000000007"]
    assert all(f.configz is not None for f in files.values()) and len(files) == 10
    assert server.count(r"/proxy/logs/$") == 3
