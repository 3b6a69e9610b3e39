"""The harness itself: each variant is what it says, and it is reachable the way tests use it."""

from __future__ import annotations

from typing import Any

from cluster_plane import ControlPlane
from conftest import HollowCluster
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
