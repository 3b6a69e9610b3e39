"""kopscheck.knowledge.encapsulation: the wire each mode's kops spec fixes, with kops's defaults,
and no answer where the spec does not fix it."""

from __future__ import annotations

from typing import Any

import pytest

from kopscheck.knowledge.encapsulation import Tunnel, spec_wire
from kopscheck.model.facts import KopsCluster

SUBNETS = [{"cidr": "172.20.32.0/19", "name": "us-east-1a", "zone": "us-east-1a"}]
IPIP = Tunnel("4", None, "calico IP-in-IP")


def cluster(networking: dict[str, Any], **spec: Any) -> KopsCluster:
    base = {"cloudProvider": "aws", "nonMasqueradeCIDR": "100.64.0.0/10", "subnets": SUBNETS}
    return KopsCluster(
        "c.k8s.local", "kops.k8s.io/v1alpha2", networking=networking, spec=base | spec
    )


@pytest.mark.parametrize(
    ("mode", "networking", "spec", "tunnel", "cross_subnet"),
    [
        pytest.param("calico", {"calico": {}}, {}, IPIP, True, id="calico-kops-default"),
        pytest.param(
            "calico", {"calico": {}}, {"cloudProvider": {"openstack": {}}}, IPIP, False,
            id="calico-always-on-openstack",
        ),
        pytest.param(
            "calico", {"calico": {"ipipMode": "Never"}}, {}, None, False, id="calico-ipip-never"
        ),
        pytest.param(
            "cilium-eni", {"cilium": {"ipam": "eni", "tunnel": "vxlan"}}, {},
            Tunnel("udp", 8472, "cilium VXLAN"), False, id="cilium-eni-with-a-tunnel-set",
        ),
        pytest.param(
            "cilium", {"cilium": {"tunnel": "disabled"}}, {}, None, False, id="cilium-native"
        ),
        pytest.param(
            "flannel", {"flannel": {}}, {}, Tunnel("udp", 8285, "flannel UDP"), False,
            id="flannel-kops-default-udp",
        ),
        pytest.param("amazonvpc", {"amazonVPC": {}}, {}, None, False, id="amazonvpc-v1alpha2-key"),
    ],
)  # fmt: skip
def test_the_spec_fixes_the_wire(
    mode: str,
    networking: dict[str, Any],
    spec: dict[str, Any],
    tunnel: Tunnel | None,
    cross_subnet: bool,
) -> None:
    wire = spec_wire(mode, cluster(networking, **spec))
    assert wire is not None
    assert (wire.tunnel, wire.cross_subnet_only) == (tunnel, cross_subnet)


@pytest.mark.parametrize(
    ("mode", "networking", "spec"),
    [
        pytest.param("calico", {"calico": {}}, {"nonMasqueradeCIDR": "::/0"}, id="ipv6-cluster"),
        pytest.param("calico", {"calico": {"ipipMode": "Sometimes"}}, {}, id="calico-mode-unread"),
        pytest.param("cilium", {"cilium": {"tunnel": "ipip"}}, {}, id="cilium-tunnel-unread"),
        pytest.param(
            "amazonvpc",
            {"amazonvpc": {"env": [{"name": "ENABLE_POD_ENI", "value": "true"}]}},
            {},
            id="amazonvpc-pod-security-groups",
        ),
        pytest.param("calico", {"cilium": {}}, {}, id="spec-names-another-mode"),
        pytest.param("kindnet", {"kindnet": {}}, {}, id="mode-not-modelled"),
    ],
)
def test_no_wire_where_the_spec_does_not_fix_it(
    mode: str, networking: dict[str, Any], spec: dict[str, Any]
) -> None:
    assert spec_wire(mode, cluster(networking, **spec)) is None


def test_cross_subnet_carriage_by_the_nodes_subnets() -> None:
    wire = spec_wire("calico", cluster({"calico": {}}, subnets=[
        {"cidr": "172.20.32.0/19", "name": "a"}, {"cidr": "172.20.64.0/19", "name": "b"}
    ]))  # fmt: skip
    assert wire is not None
    assert wire.between("172.20.32.11", "172.20.32.13") is not None
    assert wire.between("172.20.32.11", "172.20.32.13").tunnel is None  # type: ignore[union-attr]
    assert wire.between("172.20.32.11", "172.20.64.9").tunnel == IPIP  # type: ignore[union-attr]
    assert wire.between("172.20.32.11", "10.0.0.1") is None  # outside the spec's subnets
