"""net.connectivity's security-group-egress hop: a pair whose source instance's groups let none
of its request out (a hardened account's egress rules in place of kops's all traffic out) is
judged at the source, naming its instance, its group and the packet on the wire; kops's egress,
an egress rule to the nodes group, or a rule that cannot be read for certain never is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_builders as ab
import connectivity_builders as cb
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import Finding, Report, Status

NAME = "kubenet-demo.k8s.local"
NODES = ab.hexid("sg", f"nodes.{NAME}")
MASTERS = ab.hexid("sg", f"masters.{NAME}")
HARDENED = ab.hexid("sg", "nodes-hardened")
HTTPS_OUT = ab.permission("tcp", (443, 443), cidrs=("0.0.0.0/0",))
TCP_TO_NODES = ab.permission("tcp", (0, 65535), groups=(NODES,))
WORKERS = (1, 2, 3)
TUNNELLED = {"pod-cross-node", "node-to-pod", "path-mtu"}
KUBENET_WIRE = "kubenet: the VPC routes each node's podCIDR"


def hardened(egress: list[dict[str, Any]] | None) -> ab.KubenetCluster:
    """Three workers in kops's nodes group, its egress rules replaced by `egress` (None: kops's
    all traffic out to 0.0.0.0/0 and ::/0)."""
    return ab.KubenetCluster(workers=3, nodes_max=8, security_groups=True, nodes_egress=egress)


def report(
    tmp_path: Path,
    cluster: ab.KubenetCluster,
    faults: cb.Faults,
    networking: dict[str, Any] | None = None,
) -> Report:
    root = ab.write_bundle(tmp_path / "b", cluster, networking=networking or {"kubenet": {}})
    cb.write(root, cb.matrix(cb.nodes_of(root), faults))
    return build_report(read_bundle(root), load_checks())


def every_worker(cluster: ab.KubenetCluster) -> cb.Faults:
    return cb.Faults(muzzled=frozenset(cluster.instance_id(i) for i in WORKERS))


def hops(result: Report, kind: str) -> dict[str, Finding]:
    found = result.result("net.connectivity").findings
    return {
        f.object.name: f
        for f in found
        if f.status is Status.FAIL and f.object and f"/{kind}/" in f.object.name
    }


@pytest.mark.parametrize(
    ("egress", "refused"),
    [
        pytest.param([HTTPS_OUT], cb.NODE_IP_CLASSES, id="egress-only-https-refuses-every-probe"),
        # the VPC's range holds the nodes' addresses, not kubenet's pod addresses
        pytest.param(
            [HTTPS_OUT, ab.permission("-1", cidrs=("172.20.0.0/16",))],
            {"pod-cross-node", "node-to-pod", "path-mtu"},
            id="egress-to-the-vpc-range-refuses-pod-destinations",
        ),
        pytest.param(
            [HTTPS_OUT, TCP_TO_NODES], {"path-mtu"}, id="egress-tcp-to-the-nodes-group-no-icmp"
        ),
    ],
)
def test_a_source_group_that_lets_no_request_out_is_the_hop(
    tmp_path: Path, egress: list[dict[str, Any]], refused: set[str]
) -> None:
    cluster = hardened(egress)
    result = report(tmp_path, cluster, every_worker(cluster))
    names = {cluster.instance_id(i) for i in WORKERS}
    found = hops(result, "security-group-egress")
    assert set(found) == {f"{c}/security-group-egress/{n}" for c in refused for n in names}
    for name in names:
        for probe in refused:
            finding = found[f"{probe}/security-group-egress/{name}"]
            assert finding.code == "net.connectivity/broken-security-group-egress"
            assert finding.evidence["direction"] == "egress"
            assert finding.evidence["security_groups"] == [NODES]
            assert finding.evidence["instance"] == name
            assert finding.evidence["hop_node"] == name
            assert finding.evidence["wire"] == KUBENET_WIRE
            assert [r.name for r in finding.related] == [name]
            pairs = {(p["source"], p["destination"]) for p in finding.evidence["pairs"]}  # type: ignore[index,union-attr]
            assert pairs == {(name, other) for other in names - {name}}
    assert hops(result, "security-group") == {}  # kops's ingress admits the nodes group
    assert "net.connectivity" in result.root_causes


def test_the_egress_finding_names_the_source_group_port_and_destination(tmp_path: Path) -> None:
    cluster = hardened([HTTPS_OUT])
    first = cluster.instance_id(1)
    found = hops(report(tmp_path, cluster, every_worker(cluster)), "security-group-egress")
    assert cb.wire_evidence(found, "security-group-egress", first) == cb.KUBENET_WIRE
    assert found[f"pod-cross-node/security-group-egress/{first}"].message == (
        f"pod-cross-node: 2 pair(s) fail at the security-group-egress hop ({first}): no egress"
        f" rule of security group(s) {NODES} on {first} admits TCP 8080 to the other nodes'"
        " pods: neither their addresses nor their instances' groups"
    )
    assert "admits TCP 19180 to the other nodes:" in (
        found[f"pod-to-node/security-group-egress/{first}"].message
    )


@pytest.mark.parametrize(
    "egress",
    [
        pytest.param(None, id="kops-default-all-traffic-out"),
        pytest.param(
            [HTTPS_OUT, ab.permission("-1", groups=(NODES,))], id="egress-to-the-nodes-group"
        ),
        # a prefix list's ranges are not collected: it may hold the destinations
        pytest.param(
            [HTTPS_OUT, ab.permission("-1", prefix_lists=("pl-0a1b2c3d4e5f60718",))],
            id="egress-prefix-list-cannot-be-read",
        ),
    ],
)
def test_egress_that_may_let_the_request_out_is_not_blamed(
    tmp_path: Path, egress: list[dict[str, Any]] | None
) -> None:
    cluster = hardened(egress)
    # the pairs from the first worker fail elsewhere (a host firewall, say)
    first = cluster.instance_id(1)
    result = report(tmp_path, cluster, cb.Faults(muzzled=frozenset({first})))
    assert hops(result, "security-group-egress") == {}
    assert hops(result, "security-group") == {}
    cross = hops(result, "destination-node")[f"pod-cross-node/destination-node/{first}"]
    assert cross.evidence["judged"] == "from the matrix: no collected fact explains it"


def test_an_overlay_tunnel_refused_by_a_tcp_only_egress_is_the_hop(tmp_path: Path) -> None:
    cluster = hardened([HTTPS_OUT, TCP_TO_NODES])
    calico = {"calico": {"ipipMode": "Always"}}
    result = report(tmp_path, cluster, every_worker(cluster), calico)
    names = {cluster.instance_id(i) for i in WORKERS}
    found = hops(result, "security-group-egress")
    # the NodePort is plain TCP to the nodes group; pod-to-node is not judged on an overlay
    assert set(found) == {f"{c}/security-group-egress/{n}" for c in TUNNELLED for n in names}
    first = cluster.instance_id(1)
    cross = found[f"pod-cross-node/security-group-egress/{first}"]
    assert (cross.evidence["protocol"], cross.evidence.get("port")) == ("4", None)
    assert cross.evidence["encapsulation"] == "calico IP-in-IP"
    assert (
        cross.evidence["wire"] == "spec.networking.calico: encapsulationMode ipip, ipipMode Always"
    )
    assert cross.message.endswith(
        f"no egress rule of security group(s) {NODES} on {first} admits IP protocol 4"
        " (calico IP-in-IP) to the other nodes: neither their addresses nor their instances'"
        " groups"
    )


def test_egress_is_named_before_an_ingress_that_refuses_too(tmp_path: Path) -> None:
    """The last worker in its own group: HTTPS out only, in only from the masters and SSH.
    Its requests are refused on the way out (the others' ingress, kops's nodes group, would
    refuse them too: it admits the nodes and masters groups only); the others' requests to it
    are refused on the way in."""
    cluster = hardened(None)
    name = f"nodes-hardened.{NAME}"
    cluster.own_groups = {3: (HARDENED, name)}
    ingress = [ab.permission("-1", groups=(MASTERS,)), ab.SSH_FROM_ANYWHERE]
    tags = ab.kops_tags(NAME) | {"Name": name}
    cluster.extra_groups = [
        ab.security_group(HARDENED, name, cluster.vpc, "hardened", ingress, tags, [HTTPS_OUT])
    ]
    locked = cluster.instance_id(3)
    faults = cb.Faults(firewalled=frozenset({locked}), muzzled=frozenset({locked}))
    result = report(tmp_path, cluster, faults)
    others = {cluster.instance_id(i) for i in (1, 2)}
    outward = hops(result, "security-group-egress")
    inward = hops(result, "security-group")
    assert set(outward) == {f"{c}/security-group-egress/{locked}" for c in cb.NODE_IP_CLASSES}
    assert set(inward) == {f"{c}/security-group/{locked}" for c in cb.NODE_IP_CLASSES}
    for finding in outward.values():
        assert finding.evidence["security_groups"] == [HARDENED]
        pairs = {(p["source"], p["destination"]) for p in finding.evidence["pairs"]}  # type: ignore[index,union-attr]
        assert pairs == {(locked, o) for o in others}
    for finding in inward.values():
        assert finding.evidence["direction"] == "ingress"
        pairs = {(p["source"], p["destination"]) for p in finding.evidence["pairs"]}  # type: ignore[index,union-attr]
        assert pairs == {(o, locked) for o in others}
