"""kopscheck.knowledge.security_groups: EC2's ingress and egress rules, judged exactly or not at
all."""

from __future__ import annotations

import pytest

from kopscheck.knowledge.security_groups import (
    ECHO_REQUEST,
    Admission,
    Direction,
    Packet,
    admission,
)
from kopscheck.model.facts import SecurityGroup, SecurityGroupRule

NODES, MASTERS = "sg-0a1b2c3d4e5f60001", "sg-0a1b2c3d4e5f60002"
POD = Packet("tcp", 8080, ("100.96.1.5",), (NODES,))
PING = Packet("icmp", ECHO_REQUEST, ("100.96.1.5",), (NODES,))
# overlays: the outer packet from the sending node's address and groups
IPIP = Packet("4", None, ("172.20.32.11",), (NODES,), carrier="calico IP-in-IP")
VXLAN = Packet("udp", 8472, ("172.20.32.11",), (NODES,), carrier="cilium VXLAN")
A, R, U = Admission.ADMITTED, Admission.REFUSED, Admission.UNKNOWN


def rule(
    protocol: str, low: int | None = None, high: int | None = None, **sources: tuple[str, ...]
) -> SecurityGroupRule:
    return SecurityGroupRule(protocol, low, high, **sources)


@pytest.mark.parametrize(
    ("rules", "packet", "expected"),
    [
        pytest.param([rule("-1", group_ids=(NODES,))], POD, A, id="kops-all-node-to-node"),
        pytest.param([rule("-1", group_ids=(MASTERS,))], POD, R, id="only-the-masters-group"),
        pytest.param([rule("tcp", 22, 22, cidrs=("0.0.0.0/0",))], POD, R, id="ssh-only"),
        pytest.param([rule("tcp", 8000, 9000, cidrs=("100.96.0.0/11",))], POD, A, id="pod-range"),
        pytest.param([rule("6", 8080, 8080, cidrs=("100.96.1.5/32",))], POD, A, id="tcp-by-number"),
        pytest.param([rule("udp", 1, 65535, group_ids=(NODES,))], POD, R, id="udp-never-tcp"),
        pytest.param([rule("4", group_ids=(NODES,))], POD, R, id="ip-in-ip-never-tcp"),
        pytest.param([rule("-1", ipv6_cidrs=("::/0",))], POD, R, id="ipv6-range-never-ipv4"),
        pytest.param([rule("icmp", -1, -1, group_ids=(NODES,))], PING, A, id="icmp-all-types"),
        pytest.param([rule("icmp", 8, 0, group_ids=(NODES,))], PING, A, id="icmp-echo-request"),
        pytest.param([rule("icmp", 3, 4, group_ids=(NODES,))], PING, R, id="icmp-frag-needed-only"),
        pytest.param([rule("tcp", 0, 65535, group_ids=(NODES,))], PING, R, id="tcp-never-icmp"),
        # what cannot be read for certain is never a refusal
        pytest.param([rule("-1", prefix_list_ids=("pl-1",))], POD, U, id="prefix-list"),
        pytest.param(
            [rule("tcp", 22, 22, prefix_list_ids=("pl-1",))], POD, R, id="prefix-list-other-port"
        ),
        pytest.param([rule("tcp", cidrs=("0.0.0.0/0",))], POD, U, id="tcp-without-ports"),
        pytest.param([rule("gre", cidrs=("0.0.0.0/0",))], POD, U, id="protocol-not-known"),
        pytest.param([rule("-1", cidrs=("100.96.0.0/33",))], POD, U, id="range-not-readable"),
        pytest.param(
            [rule("-1", group_ids=(NODES,))],
            Packet("tcp", 8080, ("100.96.1.5",), None),
            U,
            id="sender-groups-unknown",
        ),
        pytest.param(
            [rule("-1", prefix_list_ids=("pl-1",)), rule("-1", group_ids=(NODES,))],
            POD,
            A,
            id="one-admitting-rule-is-enough",
        ),
        # a masqueraded pod's request may carry either address: any admitted one admits it
        pytest.param(
            [rule("tcp", 19180, 19180, cidrs=("172.20.0.0/16",))],
            Packet("tcp", 19180, ("100.96.1.5", "172.20.32.11"), (NODES,)),
            A,
            id="masqueraded-source-admitted",
        ),
        pytest.param([], POD, R, id="no-rules"),
        pytest.param([rule("-1", group_ids=(NODES,))], IPIP, A, id="kops-all-admits-ip-in-ip"),
        # EC2 writes no ports for protocol 4, and ignores any given: all of it is admitted
        pytest.param([rule("4", group_ids=(NODES,))], IPIP, A, id="protocol-4-rule"),
        pytest.param([rule("4", 0, 0, cidrs=("172.20.0.0/16",))], IPIP, A, id="protocol-4-ports"),
        pytest.param([rule("tcp", 0, 65535, group_ids=(NODES,))], IPIP, R, id="tcp-never-ip-in-ip"),
        pytest.param([rule("udp", 0, 65535, group_ids=(NODES,))], IPIP, R, id="udp-never-ip-in-ip"),
        pytest.param([rule("4", group_ids=(MASTERS,))], IPIP, R, id="protocol-4-other-group"),
        pytest.param([rule("gre", group_ids=(NODES,))], IPIP, U, id="ip-in-ip-unknown-protocol"),
        pytest.param([rule("udp", 8472, 8472, group_ids=(NODES,))], VXLAN, A, id="vxlan-port"),
        pytest.param([rule("17", 4789, 4789, group_ids=(NODES,))], VXLAN, R, id="vxlan-other-port"),
        pytest.param([rule("tcp", 0, 65535, group_ids=(NODES,))], VXLAN, R, id="tcp-never-vxlan"),
    ],
)
def test_admission(rules: list[SecurityGroupRule], packet: Packet, expected: Admission) -> None:
    assert admission([SecurityGroup("sg-0f", ingress=tuple(rules))], packet) is expected


def test_rules_of_every_group_on_the_interface_count() -> None:
    ssh = SecurityGroup("sg-1", ingress=(rule("tcp", 22, 22, cidrs=("0.0.0.0/0",)),))
    nodes = SecurityGroup(NODES, ingress=(rule("-1", group_ids=(NODES,)),))
    assert admission([ssh], POD) is R
    assert admission([ssh, nodes], POD) is A


def test_packets_describe_themselves_as_the_evidence_names_them() -> None:
    assert POD.describe() == "TCP 8080"
    assert PING.describe() == "ICMP echo request"
    assert IPIP.describe() == "IP protocol 4 (calico IP-in-IP)"
    assert VXLAN.describe() == "UDP 8472 (cilium VXLAN)"


# the same requests as they leave the sending instance: to a pod's or a node's address on the
# wire, whose instance is in the nodes group
POD_OUT = Packet(
    "tcp", 8080, ("100.96.1.5",), (NODES,),
    destinations=("100.96.2.4",), destination_groups=(NODES,),
)  # fmt: skip
PING_OUT = Packet(
    "icmp", ECHO_REQUEST, ("100.96.1.5",), (NODES,),
    destinations=("100.96.2.4",), destination_groups=(NODES,),
)  # fmt: skip
IPIP_OUT = Packet(
    "4", None, ("172.20.32.11",), (NODES,), carrier="calico IP-in-IP",
    destinations=("172.20.32.12",), destination_groups=(NODES,),
)  # fmt: skip
KOPS_EGRESS = rule("-1", cidrs=("0.0.0.0/0",), ipv6_cidrs=("::/0",))  # ipv4/ipv6-node-egress
HTTPS_OUT = rule("tcp", 443, 443, cidrs=("0.0.0.0/0",))


@pytest.mark.parametrize(
    ("rules", "packet", "expected"),
    [
        pytest.param([KOPS_EGRESS], POD_OUT, A, id="kops-all-traffic-out"),
        pytest.param([KOPS_EGRESS], IPIP_OUT, A, id="kops-all-traffic-out-ip-in-ip"),
        pytest.param([HTTPS_OUT], POD_OUT, R, id="https-only-refuses-tcp-8080"),
        pytest.param([HTTPS_OUT], PING_OUT, R, id="https-only-refuses-ping"),
        pytest.param([HTTPS_OUT, rule("-1", group_ids=(NODES,))], POD_OUT, A, id="to-nodes-group"),
        pytest.param([rule("-1", group_ids=(MASTERS,))], POD_OUT, R, id="to-masters-group-only"),
        # the range must hold the destination: the sender's own address does not count
        pytest.param([rule("-1", cidrs=("100.96.2.0/24",))], POD_OUT, A, id="destination-range"),
        pytest.param([rule("-1", cidrs=("100.96.1.5/32",))], POD_OUT, R, id="source-range-no"),
        pytest.param([rule("-1", cidrs=("172.20.0.0/16",))], POD_OUT, R, id="vpc-range-no-pods"),
        pytest.param([rule("-1", cidrs=("172.20.0.0/16",))], IPIP_OUT, A, id="vpc-range-tunnel"),
        pytest.param([rule("tcp", 0, 65535, group_ids=(NODES,))], IPIP_OUT, R, id="tcp-no-ipip"),
        pytest.param([rule("4", group_ids=(NODES,))], IPIP_OUT, A, id="protocol-4-out"),
        pytest.param([rule("-1", ipv6_cidrs=("::/0",))], POD_OUT, R, id="ipv6-range-only"),
        pytest.param([], POD_OUT, R, id="no-egress-rules"),
        # what cannot be read for certain is never a refusal
        pytest.param([rule("-1", prefix_list_ids=("pl-1",))], POD_OUT, U, id="prefix-list-out"),
        pytest.param([rule("-1", cidrs=("100.96.0.0/33",))], POD_OUT, U, id="range-not-readable"),
        pytest.param(
            [rule("-1", group_ids=(NODES,))],
            Packet("tcp", 8080, ("100.96.1.5",), (NODES,), destinations=("100.96.2.4",)),
            U,
            id="receiver-groups-unknown",
        ),
        pytest.param(
            [rule("-1", cidrs=("0.0.0.0/0",))],
            Packet("tcp", 8080, ("100.96.1.5",), (NODES,), destination_groups=(NODES,)),
            U,
            id="destination-address-unknown",
        ),
        pytest.param(
            [rule("-1", cidrs=("0.0.0.0/0",))],
            Packet("tcp", 8080, ("100.96.1.5",), (NODES,), destinations=("fd00::4",)),
            U,
            id="destination-address-not-ipv4",
        ),
    ],
)
def test_egress_admission(
    rules: list[SecurityGroupRule], packet: Packet, expected: Admission
) -> None:
    # the ingress rules, all traffic from anywhere, do not count for the way out
    group = SecurityGroup("sg-0f", ingress=(KOPS_EGRESS,), egress=tuple(rules))
    assert admission([group], packet, Direction.EGRESS) is expected


def test_ingress_is_judged_on_ingress_rules_only() -> None:
    group = SecurityGroup("sg-0f", ingress=(HTTPS_OUT,), egress=(KOPS_EGRESS,))
    assert admission([group], POD_OUT) is R
    assert admission([group], POD_OUT, Direction.EGRESS) is A
