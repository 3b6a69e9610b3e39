"""The security-group hops of a failed pair: the request as it crosses the wire, whether the
sending instance's groups let it out (egress) and the receiving instance's let it in (ingress);
kopscheck.knowledge.security_groups judges the rules.

The packet a group sees depends on the mode's wire (kopscheck.knowledge.encapsulation). Native
routing (kubenet, amazonvpc, cilium without a tunnel, calico between nodes of one subnet in
CrossSubnet mode) carries the probe's own packets: a pod's request leaves its node with the
pod's address (a pod's request to a node's address may be masqueraded to its node's), a
host's with its node's, and goes to the address the probe asked (a server pod's, a node's: no
translation on the way; a cluster IP, which kube-proxy translates at the sender, is never
judged). An overlay wraps a request to a pod in its tunnel: the groups see the tunnel's
protocol and port from the sending node's address and groups to the receiving node's, whatever
the probe sent inside. A pod's request to a node's address is only judged on a native wire (an
overlay may or may not tunnel it), and a NodePort only where kube-proxy serves it (an eBPF
load balancer may send it to the pod instead). No wire known: no judgement.

The request meets the sender's egress rules first, so a refusal there is named even when the
receiver's ingress would refuse it too (that one shows once egress admits); the receiver's
ingress is judged when the sender's egress admits the request or cannot be judged for certain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kopscheck.knowledge.encapsulation import Wire
from kopscheck.knowledge.security_groups import (
    ECHO_REQUEST,
    Admission,
    Direction,
    Packet,
    admission,
)
from kopscheck.model.connectivity import PairResult, ProbeClass, ProbeEndpoint
from kopscheck.model.facts import Instance, Node, SecurityGroup

TO_PODS = (ProbeClass.POD_CROSS_NODE, ProbeClass.PATH_MTU, ProbeClass.NODE_TO_POD)
WHO = {
    ProbeClass.POD_CROSS_NODE: "the other nodes' pods",
    ProbeClass.PATH_MTU: "the other nodes' pods",
    ProbeClass.POD_TO_NODE: "the other nodes' pods (or their nodes, masqueraded)",
    ProbeClass.NODE_TO_POD: "the other nodes",
    ProbeClass.NODE_PORT: "the other nodes",
}
TO_WHOM = {  # where a request goes, as an egress rule sees it
    ProbeClass.POD_CROSS_NODE: "the other nodes' pods",
    ProbeClass.PATH_MTU: "the other nodes' pods",
    ProbeClass.POD_TO_NODE: "the other nodes",
    ProbeClass.NODE_TO_POD: "the other nodes' pods",
    ProbeClass.NODE_PORT: "the other nodes",
}


@dataclass(frozen=True, slots=True)
class SecurityFacts:
    """The collected groups by id, the cluster's instances by id, and how the mode carries pod
    traffic between nodes."""

    groups: Mapping[str, SecurityGroup]
    instances: Mapping[str, Instance]
    wire: Wire


@dataclass(frozen=True, slots=True)
class Refusal:
    """The groups of one end admit none of the pair's request: the destination instance's
    ingress rules, or the source instance's egress rules (`direction`); `node` is that end."""

    node: str
    instance: str
    group_ids: tuple[str, ...]
    packet: Packet
    wire: str  # what fixed the packet's form ("spec.networking.cilium: tunnel vxlan")
    direction: Direction = Direction.INGRESS

    def reason(self, probe: ProbeClass) -> str:
        groups = ", ".join(self.group_ids)
        where = self.instance if self.instance == self.node else f"{self.instance} ({self.node})"
        words = TO_WHOM if self.direction is Direction.EGRESS else WHO
        who = "the other nodes" if self.packet.carrier else words[probe]
        way = "to" if self.direction is Direction.EGRESS else "from"
        return (
            f"no {self.direction} rule of security group(s) {groups} on {where}"
            f" admits {self.packet.describe()} {way} {who}: neither their addresses nor"
            " their instances' groups"
        )


def refusal(
    pair: PairResult,
    security: SecurityFacts,
    nodes: Mapping[str, Node],
    clients: Mapping[str, ProbeEndpoint],
) -> Refusal | None:
    """The refusal that explains the failed pair (the sender's egress first, then the
    receiver's ingress), or None when the groups let its request through or cannot be judged
    for certain."""
    source, destination = nodes.get(pair.source), nodes.get(pair.destination)
    if source is None or destination is None:
        return None
    sender = security.instances.get(source.instance_id)
    receiver = security.instances.get(destination.instance_id)
    packet = _packet(pair, security, clients, (source, sender), (destination, receiver))
    if packet is None:
        return None
    return _refused(Direction.EGRESS, pair.source, sender, packet, security) or _refused(
        Direction.INGRESS, pair.destination, receiver, packet, security
    )


def _refused(
    direction: Direction,
    node: str,
    instance: Instance | None,
    packet: Packet,
    security: SecurityFacts,
) -> Refusal | None:
    """The instance's groups refuse the packet in `direction`, every one of them read."""
    if instance is None or not instance.security_group_ids:
        return None
    groups = [security.groups.get(g) for g in instance.security_group_ids]
    if None in groups:  # a group on the instance that was not read
        return None
    if admission([g for g in groups if g], packet, direction) is not Admission.REFUSED:
        return None
    group_ids = instance.security_group_ids
    return Refusal(node, instance.id, group_ids, packet, security.wire.source, direction)


def _packet(
    pair: PairResult,
    security: SecurityFacts,
    clients: Mapping[str, ProbeEndpoint],
    sender: tuple[Node, Instance | None],
    receiver: tuple[Node, Instance | None],
) -> Packet | None:
    """The pair's request on the wire between the two nodes; None when its source, its
    destination or the wire between the two nodes is not known."""
    host, groups = _end(*sender)
    node_addresses, their_groups = _end(*receiver)
    carriage = (
        security.wire.between(host[0], node_addresses[0]) if host and node_addresses else None
    )
    if carriage is None:
        return None
    tunnel = carriage.tunnel
    if tunnel is not None and pair.probe in TO_PODS:
        return Packet(
            tunnel.protocol, tunnel.port, host, groups, carrier=tunnel.name,
            destinations=node_addresses, destination_groups=their_groups,
        )  # fmt: skip
    if tunnel is not None and pair.probe is ProbeClass.POD_TO_NODE:
        return None
    if pair.probe is ProbeClass.NODE_PORT and not security.wire.plain_node_port:
        return None
    client = clients.get(pair.source)
    pod = (client.ip,) if client and client.ip else ()
    asked, port = _target(pair.target)
    if pair.probe is ProbeClass.PATH_MTU:
        protocol, number = "icmp", ECHO_REQUEST
    elif port.isdigit():
        protocol, number = "tcp", int(port)
    else:
        return None
    sources = {
        ProbeClass.POD_CROSS_NODE: pod,
        ProbeClass.PATH_MTU: pod,
        ProbeClass.POD_TO_NODE: pod and pod + host,  # masqueraded to the node's, or not
        ProbeClass.NODE_TO_POD: host,
        ProbeClass.NODE_PORT: host,
    }.get(pair.probe, ())
    if not sources:
        return None
    # natively the request goes to the address the probe asked: a pod's or a node's
    return Packet(
        protocol, number, sources, groups,
        destinations=(asked,) if asked else (), destination_groups=their_groups,
    )  # fmt: skip


def _target(text: str) -> tuple[str, str]:
    """The address and port a pair's target names ("100.96.1.5:8080"; "100.96.1.5 size
    8973", a ping, has no port)."""
    first = text.split(" ", 1)[0]
    address, colon, port = first.rpartition(":")
    return (address, port) if colon else (first, "")


def _end(node: Node, instance: Instance | None) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """A node's addresses (its instance's first) and its instance's groups (None: unknown)."""
    addresses = tuple({a: None for a in (instance and instance.private_ip, node.internal_ip) if a})
    groups = instance.security_group_ids if instance and instance.security_group_ids else None
    return addresses, groups
