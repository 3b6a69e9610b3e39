"""net.connectivity's security-group hop beyond kubenet: the packet judged is the one on the wire.
An overlay's pairs to pods arrive in its tunnel from the sending node (IP protocol 4, UDP 8472,
...), a native mode's as the pod sent them; a wire the kops spec does not fix is never judged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_builders as ab
import connectivity_builders as cb
import pytest
import yaml

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import Finding, Report, Status

NAME = "kubenet-demo.k8s.local"
LOCKED = ab.hexid("sg", "nodes-locked")
NODES = ab.hexid("sg", f"nodes.{NAME}")
FROM_MASTERS = ab.permission("-1", groups=(ab.hexid("sg", f"masters.{NAME}"),))
TCP_FROM_NODES = ab.permission("tcp", (0, 65535), groups=(NODES,))
SSH = ab.permission("tcp", (22, 22), cidrs=("0.0.0.0/0",))
TUNNELLED = {"pod-cross-node", "node-to-pod", "path-mtu"}


def cluster_with(ingress: list[dict[str, Any]] | None) -> ab.KubenetCluster:
    """Three workers; the last carries its own group with `ingress` (None: kops's groups)."""
    cluster = ab.KubenetCluster(workers=3, nodes_max=8, security_groups=True)
    if ingress is not None:
        name = f"nodes-locked.{cluster.name}"
        cluster.own_groups = {3: (LOCKED, name)}
        tags = ab.kops_tags(cluster.name) | {"Name": name}
        cluster.extra_groups = [
            ab.security_group(LOCKED, name, cluster.vpc, "locked down", ingress, tags)
        ]
    return cluster


def report(
    tmp_path: Path,
    ingress: list[dict[str, Any]] | None,
    networking: dict[str, Any],
    subnets: list[dict[str, str]] | None = None,
) -> tuple[Report, ab.KubenetCluster]:
    """The report of a bundle whose kops spec says `networking` (the mode comes from it) and
    whose last worker's groups admit nothing else from the other nodes."""
    cluster = cluster_with(ingress)
    root = ab.write_bundle(tmp_path / "b", cluster, networking=networking)
    if subnets is not None:
        spec_file = root / "kops" / "cluster.yaml"
        doc = yaml.safe_load(spec_file.read_text())
        doc["spec"]["subnets"] = subnets
        spec_file.write_text(yaml.safe_dump(doc))
    locked = frozenset({cluster.instance_id(3)})
    cb.write(root, cb.matrix(cb.nodes_of(root), cb.Faults(firewalled=locked)))
    return build_report(read_bundle(root), load_checks()), cluster


def failing(result: Report) -> dict[str, Finding]:
    found = result.result("net.connectivity").findings
    return {f.object.name: f for f in found if f.status is Status.FAIL and f.object}


def security_hops(result: Report) -> dict[str, Finding]:
    return {n: f for n, f in failing(result).items() if "/security-group/" in n}


@pytest.mark.parametrize(
    ("networking", "protocol", "port", "wire"),
    [
        pytest.param(
            {"calico": {"ipipMode": "Always"}}, "4", None, "IP protocol 4 (calico IP-in-IP)",
            id="calico-ipip-refused-by-a-tcp-only-group",
        ),
        pytest.param(
            {"calico": {"encapsulationMode": "vxlan", "vxlanMode": "Always"}},
            "udp", 4789, "UDP 4789 (calico VXLAN)",
            id="calico-vxlan-refused-by-a-tcp-only-group",
        ),
        # kops's default tunnel for cilium is VXLAN
        pytest.param(
            {"cilium": {}}, "udp", 8472, "UDP 8472 (cilium VXLAN)",
            id="cilium-default-vxlan-refused-by-a-tcp-only-group",
        ),
        pytest.param(
            {"cilium": {"tunnel": "geneve"}}, "udp", 6081, "UDP 6081 (cilium Geneve)",
            id="cilium-geneve-refused-by-a-tcp-only-group",
        ),
        pytest.param(
            {"flannel": {"backend": "vxlan"}}, "udp", 8472, "UDP 8472 (flannel VXLAN)",
            id="flannel-vxlan-refused-by-a-tcp-only-group",
        ),
    ],
)  # fmt: skip
def test_an_overlay_refused_by_the_destination_group_is_the_hop(
    tmp_path: Path, networking: dict[str, Any], protocol: str, port: int | None, wire: str
) -> None:
    result, cluster = report(tmp_path, [FROM_MASTERS, TCP_FROM_NODES, SSH], networking)
    locked = cluster.instance_id(3)
    hops = security_hops(result)
    # the NodePort is plain TCP from the nodes group (calico, flannel) or not judged (cilium)
    assert set(hops) == {f"{c}/security-group/{locked}" for c in TUNNELLED}
    others = {cluster.instance_id(i) for i in (1, 2)}
    for finding in hops.values():
        assert finding.code == "net.connectivity/broken-security-group"
        assert finding.evidence["security_groups"] == [LOCKED]
        assert finding.evidence["instance"] == locked
        assert finding.evidence["protocol"] == protocol
        assert finding.evidence.get("port") == port
        assert finding.evidence["encapsulation"] == wire.split("(")[1].rstrip(")")
        assert str(finding.evidence["wire"]).startswith(f"spec.networking.{next(iter(networking))}")
        pairs = {(p["source"], p["destination"]) for p in finding.evidence["pairs"]}  # type: ignore[index,union-attr]
        assert pairs == {(o, locked) for o in others}
    assert hops[f"pod-cross-node/security-group/{locked}"].message == (
        f"pod-cross-node: 2 pair(s) fail at the security-group hop ({locked}): no ingress rule"
        f" of security group(s) {LOCKED} on {locked} admits {wire} from the other nodes:"
        " neither their addresses nor their instances' groups"
    )
    assert "net.connectivity" in result.root_causes


@pytest.mark.parametrize(
    "networking",
    [
        pytest.param({"calico": {"ipipMode": "Always"}}, id="calico-ipip"),
        pytest.param({"cilium": {}}, id="cilium-vxlan"),
        pytest.param({"flannel": {"backend": "vxlan"}}, id="flannel-vxlan"),
    ],
)
def test_kops_all_traffic_from_the_nodes_group_admits_every_tunnel(
    tmp_path: Path, networking: dict[str, Any]
) -> None:
    result, cluster = report(tmp_path, None, networking)
    assert security_hops(result) == {}
    locked = cluster.instance_id(3)
    cross = failing(result)[f"pod-cross-node/destination-node/{locked}"]
    assert cross.evidence["judged"] == "from the matrix: no collected fact explains it"


@pytest.mark.parametrize(
    ("networking", "refused"),
    [
        # kops's default CrossSubnet: nodes of one subnet exchange the pods' own packets
        pytest.param({"calico": {}}, {"path-mtu"}, id="calico-cross-subnet-within-one-subnet"),
        # ENI: pods have VPC addresses, no tunnel; cilium's NodePort is not judged
        pytest.param({"cilium": {"ipam": "eni"}}, {"path-mtu"}, id="cilium-eni-native"),
        pytest.param({"amazonvpc": {}}, {"path-mtu"}, id="amazonvpc-native"),
    ],
)
def test_native_modes_judge_the_probes_own_packets(
    tmp_path: Path, networking: dict[str, Any], refused: set[str]
) -> None:
    result, cluster = report(tmp_path, [FROM_MASTERS, TCP_FROM_NODES], networking)
    locked = cluster.instance_id(3)
    hops = security_hops(result)
    assert set(hops) == {f"{c}/security-group/{locked}" for c in refused}
    ping = hops[f"path-mtu/security-group/{locked}"]
    assert (ping.evidence["protocol"], ping.evidence["icmp_type"]) == ("icmp", 8)
    assert "encapsulation" not in ping.evidence
    assert "admits ICMP echo request from the other nodes' pods" in ping.message


def test_calico_cross_subnet_tunnels_only_between_subnets(tmp_path: Path) -> None:
    # nodes 1 (172.20.32.11) and 3 (.13) are in different subnets, nodes 2 (.12) and 3 in one
    subnets = [
        {"cidr": "172.20.32.10/31", "name": "us-east-1a-1", "type": "Private", "zone": "us-east-1a"},
        {"cidr": "172.20.32.12/31", "name": "us-east-1a-2", "type": "Private", "zone": "us-east-1a"},
    ]  # fmt: skip
    result, cluster = report(tmp_path, [FROM_MASTERS, TCP_FROM_NODES], {"calico": {}}, subnets)
    locked = cluster.instance_id(3)
    cross = security_hops(result)[f"pod-cross-node/security-group/{locked}"]
    pairs = {(p["source"], p["destination"]) for p in cross.evidence["pairs"]}  # type: ignore[index,union-attr]
    assert pairs == {(cluster.instance_id(1), locked)}
    assert cross.evidence["encapsulation"] == "calico IP-in-IP"
    assert cross.evidence["wire"] == (
        "spec.networking.calico: encapsulationMode ipip, ipipMode CrossSubnet"
    )


@pytest.mark.parametrize(
    ("networking", "subnets"),
    [
        pytest.param({"calico": {"wireguardEnabled": True}}, None, id="calico-wireguard"),
        pytest.param({"cilium": {"enableEncryption": True}}, None, id="cilium-encryption"),
        pytest.param({"kuberouter": {}}, None, id="mode-without-a-known-wire"),
        pytest.param({"flannel": {"backend": "host-gw"}}, None, id="flannel-backend-not-modelled"),
        # a shared subnet named by id: a node may be in a subnet whose range is not written
        pytest.param(
            {"calico": {}},
            [{"id": "subnet-0a1b2c3d4e5f60718", "name": "shared", "zone": "us-east-1a"}],
            id="calico-cross-subnet-without-subnet-ranges",
        ),
    ],
)
def test_an_encapsulation_the_spec_does_not_fix_is_not_judged(
    tmp_path: Path, networking: dict[str, Any], subnets: list[dict[str, str]] | None
) -> None:
    result, cluster = report(tmp_path, [FROM_MASTERS, SSH], networking, subnets)
    assert security_hops(result) == {}
    cross = failing(result)[f"pod-cross-node/destination-node/{cluster.instance_id(3)}"]
    assert cross.evidence["judged"] == "from the matrix: no collected fact explains it"
