"""The harness itself: each variant is what it says, and it is reachable the way tests use it."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from cluster_assets import require_root
from cluster_nodes import HollowCluster, sweep_stale_netns
from cluster_plane import ControlPlane, sweep_stale_roots
from cluster_procs import run
from kubernetes import client


def test_apiserver_only_serves_rbac_and_has_no_controllers(apiserver: ControlPlane) -> None:
    core = client.CoreV1Api(apiserver.api_client())
    assert core.list_node().items == []
    names = {c.name for c in apiserver.components}
    assert names == {"etcd", "kube-apiserver"}
    rbac = client.RbacAuthorizationV1Api(apiserver.api_client())
    assert rbac.read_cluster_role("view").metadata.name == "view"


def test_control_plane_has_controllers_and_no_nodes(control_plane: ControlPlane) -> None:
    core = client.CoreV1Api(control_plane.api_client())
    assert core.list_node().items == []
    assert {c.name for c in control_plane.components} == {
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
    }
    maps = core.list_namespaced_config_map("default").items
    assert "openshift-service-ca.crt" in {m.metadata.name for m in maps}


def test_hollow_nodes_are_ready_with_their_own_address_and_pod_cidr(
    hollow_cluster: HollowCluster,
) -> None:
    core = client.CoreV1Api(hollow_cluster.plane.api_client())
    nodes: dict[str, Any] = {n.metadata.name: n for n in core.list_node().items}
    assert sorted(nodes) == ["hollow-node-1", "hollow-node-2"]
    for hollow in hollow_cluster.nodes:
        node = nodes[hollow.name]
        addresses = {(a.type, a.address) for a in node.status.addresses}
        assert ("InternalIP", hollow.node_ip) in addresses
        assert node.spec.pod_cidr.startswith("100.96.")
        assert node.metadata.labels["topology.kubernetes.io/zone"] == hollow.zone


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_killed_sessions_scratch_dir_and_kubemark_files_are_swept(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getpid()
    leftover = Path(tempfile.mkdtemp(prefix="hollow-kubelet.", dir="/tmp"))
    leftover = leftover.rename(Path("/tmp") / f"hollow-kubelet.{dead}{alive}")
    stale = tmp_path / f"kopscheck-hollow-{dead}-abc"
    (stale / "logs").mkdir(parents=True)
    (stale / "logs" / "hollow-node-1.log").write_text(
        f'I1128 12:00:00.000000 1 hollow_kubelet.go:1] "Using {leftover} as root dir"\n'
    )
    mine = tmp_path / f"kopscheck-plane-{alive}-def"
    mine.mkdir()

    assert sweep_stale_roots(tmp_path) == [stale]
    assert not stale.exists() and not leftover.exists()
    assert mine.exists()


def test_a_killed_sessions_netns_is_swept() -> None:
    require_root("netns sweeping")
    name = f"kc{_dead_pid()}n9"
    run(["ip", "netns", "add", name])
    try:
        assert name in sweep_stale_netns()
        assert name not in run(["ip", "netns", "list"]).stdout
    finally:
        run(["ip", "netns", "del", name], check=False)
