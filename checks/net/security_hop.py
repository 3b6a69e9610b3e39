"""The security-group hop of a failed pair: the request as the destination instance receives it,
and whether its groups admit it (kopscheck.knowledge.security_groups judges the rules).

The packet a group sees depends on the mode's wire (kopscheck.knowledge.encapsulation). Native
routing (kubenet, amazonvpc, cilium without a tunnel, calico between nodes of one subnet in
CrossSubnet mode) carries the probe's own packets: a pod's request leaves its node with the
pod's address (a pod's request to a node's address may be masqueraded to its node's), a
host's with its node's. An overlay wraps a request to a pod in its tunnel: the destination
sees the tunnel's protocol and port from the sending node's address and groups, whatever the
probe sent inside. A pod's request to a node's address is only judged on a native wire (an
overlay may or may not tunnel it), and a NodePort only where kube-proxy serves it (an eBPF
load balancer may send it to the pod instead). No wire known: no judgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kopscheck.knowledge.encapsulation import Wire
from kopscheck.knowledge.security_groups import ECHO_REQUEST, Admission, Packet, admission
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


@dataclass(frozen=True, slots=True)
class SecurityFacts:
    """The collected groups by id, the cluster's instances by id, and how the mode carries pod
    traffic between nodes."""

    groups: Mapping[str, SecurityGroup]
    instances: Mapping[str, Instance]
    wire: Wire


@dataclass(frozen=True, slots=True)
class Refusal:
    """The destination instance's groups admit none of the pair's request."""

    node: str
    instance: str
    group_ids: tuple[str, ...]
    packet: Packet
    wire: str  # what fixed the packet's form ("spec.networking.cilium: tunnel vxlan")

    def reason(self, probe: ProbeClass) -> str:
        groups = ", ".join(self.group_ids)
        where = self.instance if self.instance == self.node else f"{self.instance} ({self.node})"
        who = "the other nodes" if self.packet.carrier else WHO[probe]
        return (
            f"no ingress rule of security group(s) {groups} on {where}"
            f" admits {self.packet.describe()} from {who}: neither their addresses nor"
            " their instances' groups"
        )


def refusal(
    pair: PairResult,
    security: SecurityFacts,
    nodes: Mapping[str, Node],
    clients: Mapping[str, ProbeEndpoint],
) -> Refusal | None:
    """The refusal that explains the failed pair, or None when the groups admit its request or
    cannot be judged for certain."""
    destination = nodes.get(pair.destination)
    instance = security.instances.get(destination.instance_id) if destination else None
    if destination is None or instance is None or not instance.security_group_ids:
        return None
    groups = [security.groups.get(g) for g in instance.security_group_ids]
    packet = _packet(pair, security, nodes, clients, instance.private_ip or destination.internal_ip)
    if packet is None or None in groups:  # a group on the instance that was not read
        return None
    if admission([g for g in groups if g], packet) is not Admission.REFUSED:
        return None
    group_ids = instance.security_group_ids
    return Refusal(pair.destination, instance.id, group_ids, packet, security.wire.source)


def _packet(
    pair: PairResult,
    security: SecurityFacts,
    nodes: Mapping[str, Node],
    clients: Mapping[str, ProbeEndpoint],
    destination_ip: str,
) -> Packet | None:
    """The pair's request as the destination receives it; None when its source or the wire
    between the two nodes is not known."""
    node = nodes.get(pair.source)
    instance = security.instances.get(node.instance_id) if node else None
    host = tuple(
        {a: None for a in (instance and instance.private_ip, node and node.internal_ip) if a}
    )
    groups = instance.security_group_ids if instance and instance.security_group_ids else None
    carriage = security.wire.between(host[0], destination_ip) if host else None
    if carriage is None:
        return None
    tunnel = carriage.tunnel
    if tunnel is not None and pair.probe in TO_PODS:
        return Packet(tunnel.protocol, tunnel.port, host, groups, carrier=tunnel.name)
    if tunnel is not None and pair.probe is ProbeClass.POD_TO_NODE:
        return None
    if pair.probe is ProbeClass.NODE_PORT and not security.wire.plain_node_port:
        return None
    client = clients.get(pair.source)
    pod = (client.ip,) if client and client.ip else ()
    _, _, port = pair.target.rpartition(":")
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
    return Packet(protocol, number, sources, groups) if sources else None
