"""Whether an instance's security groups admit a packet: EC2's ingress and egress rules, judged
exactly or not at all.

EC2 admits a packet when any ingress rule of any group on the receiving interface matches its
protocol and port and its source: an IPv4 range holding the source address, or a group the
sending interface is in (UserIdGroupPairs: the sender's groups, whatever address the packet
carries). It lets a packet out when any egress rule (IpPermissionsEgress) of any group on the
sending interface matches its protocol and port and its destination: "An outbound rule permits
instances to send traffic to the specified IPv4 or IPv6 address ranges, the IP address ranges
specified by a prefix list, or the instances that are associated with a source security
group" (EC2 API reference, AuthorizeSecurityGroupEgress), so an IPv4 range holding the address
the packet carries on the wire, or a group the receiving interface is in. Groups are stateful,
so only the request's direction is judged: its ingress at the receiver, its egress at the
sender, never the reply's. Protocol "-1" is all
traffic; for ICMP the "ports" are the type and the code, -1 meaning all; a protocol number
other than tcp, udp, icmp or icmpv6 (IP-in-IP's 4) "allows traffic on all ports, regardless of
any port range you specify" (EC2 API reference, IpPermission). A rule this module
cannot read for certain (a prefix list, whose ranges are not collected; a range or protocol it
cannot parse; a group pair when the peer's groups are unknown; a range when the peer's address
is not known) makes the answer UNKNOWN instead of a guess: a refusal is only reported when
every rule was read and none admits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network

from kopscheck.model.facts import SecurityGroup, SecurityGroupRule

ECHO_REQUEST = 8  # the ICMP type of a ping
PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
NAMED_PROTOCOLS = frozenset(PROTOCOL_NUMBERS.values())


class Direction(StrEnum):
    """Which of a group's rule lists judges the packet: the receiver's or the sender's."""

    INGRESS = "ingress"  # IpPermissions, on the receiving interface
    EGRESS = "egress"  # IpPermissionsEgress, on the sending interface


class Admission(StrEnum):
    ADMITTED = "admitted"  # a rule admits it
    REFUSED = "refused"  # every rule was read, and none admits it
    UNKNOWN = "unknown"  # no rule read admits it, but one that was not read might


@dataclass(frozen=True, slots=True)
class Packet:
    """A request as it crosses the wire from the sending instance to the receiving one."""

    protocol: str  # "tcp", "udp", "icmp", or an IP protocol number ("4": IP-in-IP)
    port: int | None  # the TCP or UDP destination port, the ICMP type; None: no ports
    sources: tuple[str, ...]  # the source addresses it may carry (before or after masquerade)
    source_groups: tuple[str, ...] | None  # the sending instance's groups (None: unknown)
    icmp_code: int = 0
    carrier: str = ""  # the overlay whose outer packet this is ("cilium VXLAN")
    destinations: tuple[str, ...] = ()  # the destination addresses it may carry (): unknown
    destination_groups: tuple[str, ...] | None = None  # the receiving instance's (None: unknown)

    def describe(self) -> str:
        if self.protocol == "icmp":
            text = "ICMP echo request" if self.port == ECHO_REQUEST else f"ICMP type {self.port}"
        elif self.port is None:
            text = f"IP protocol {self.protocol}"
        else:
            text = f"{self.protocol.upper()} {self.port}"
        return f"{text} ({self.carrier})" if self.carrier else text


def admission(
    groups: Iterable[SecurityGroup], packet: Packet, direction: Direction = Direction.INGRESS
) -> Admission:
    """What the groups' rules of `direction` (the receiver's ingress, the sender's egress),
    together, do with the packet."""
    result = Admission.REFUSED
    for group in groups:
        for rule in group.ingress if direction is Direction.INGRESS else group.egress:
            verdict = _rule(rule, packet, direction)
            if verdict is Admission.ADMITTED:
                return verdict
            if verdict is Admission.UNKNOWN:
                result = verdict
    return result


def _rule(rule: SecurityGroupRule, packet: Packet, direction: Direction) -> Admission:
    matches = _traffic(rule, packet)
    if matches is not Admission.ADMITTED:
        return matches
    if direction is Direction.INGRESS:
        return _peer(rule, packet.sources, packet.source_groups)
    return _peer(rule, packet.destinations, packet.destination_groups)


def _traffic(rule: SecurityGroupRule, packet: Packet) -> Admission:
    """Whether the rule's protocol and ports cover the packet's."""
    protocol = rule.protocol.strip().lower()
    protocol = PROTOCOL_NUMBERS.get(protocol, protocol)
    if protocol == "-1":
        return Admission.ADMITTED
    if protocol != packet.protocol:
        # another protocol (udp, icmpv6, 4 for IP-in-IP) never carries this one
        known = protocol in NAMED_PROTOCOLS or protocol.isdigit()
        return Admission.REFUSED if known else Admission.UNKNOWN
    if packet.port is None:  # a protocol without ports: the rule's range does not count
        return Admission.ADMITTED
    low, high = rule.from_port, rule.to_port
    if low is None or high is None:
        return Admission.UNKNOWN
    if protocol == "icmp":  # from: the type, to: the code
        hit = low in (-1, packet.port) and high in (-1, packet.icmp_code)
    elif low < 0 or high < 0:
        return Admission.UNKNOWN
    else:
        hit = low <= packet.port <= high
    return Admission.ADMITTED if hit else Admission.REFUSED


def _peer(
    rule: SecurityGroupRule, addresses: tuple[str, ...], groups: tuple[str, ...] | None
) -> Admission:
    """Whether the rule's sources (ingress) or destinations (egress) hold the packet's peer:
    the other end's addresses on the wire, or its instance's groups."""
    result = Admission.REFUSED
    if rule.group_ids:
        if groups is None:
            result = Admission.UNKNOWN
        elif set(rule.group_ids) & set(groups):
            return Admission.ADMITTED
    peers = [_address(a) for a in addresses]
    for cidr in rule.cidrs:
        network = _network(cidr)
        if network is not None and any(a is not None and a in network for a in peers):
            return Admission.ADMITTED
        if network is None or not peers or None in peers:
            result = Admission.UNKNOWN
    if rule.prefix_list_ids:  # its ranges live in the prefix list, not collected
        result = Admission.UNKNOWN
    return result  # an IPv6 range never holds an IPv4 peer


def _network(cidr: str) -> IPv4Network | None:
    try:
        return IPv4Network(cidr.strip(), strict=False)
    except ValueError:
        return None


def _address(text: str) -> IPv4Address | None:
    try:
        return IPv4Address(text.strip())
    except ValueError:
        return None
