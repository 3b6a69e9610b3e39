"""Where a failed connectivity pair breaks: a walk over typed hops, first hop with evidence wins.

A path is source pod -> source node (routes, kube-proxy, its IPv4 forwarding) -> the VPC (the
route table's route for the destination podCIDR, the source instance's security groups' egress
rules, the destination instance's ingress rules) -> destination node (its IPv4 forwarding) ->
destination pod, as KubeSkoop models it. Each hop is judged from facts the snapshot already
holds; a failing pair no fact explains is judged from the pattern of the matrix (every failing
pair of a class runs through one node, while the pairs that avoid it pass), which still names
the node, and says that the facts were not there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kopscheck.knowledge.node_sysctl import IP_FORWARD_PATH, forwarding
from kopscheck.knowledge.route_scope import KUBENET, RouteScope
from kopscheck.knowledge.routes import BLACKHOLE, ipv4, node_cidrs
from kopscheck.knowledge.security_groups import Direction
from kopscheck.model.connectivity import (
    NODE_PAIR_CLASSES,
    HopKind,
    Outcome,
    PairResult,
    ProbeClass,
    ProbeEndpoint,
)
from kopscheck.model.facts import JSON, Node, NodeFiles, ObjectRef, Quota

from .security_hop import SecurityFacts, refusal

# the ends whose kernel forwards a pair's packets to or from a pod on another node (or out of the
# cluster): a client or server pod is there. A host client's own packets and a host server's
# are not forwarded; a NodePort is translated to the server pod on its node. Same-node pairs and
# the cluster IP (Local policy: answered on the client's node) are not judged here.
FORWARDING_ENDS: Mapping[ProbeClass, frozenset[str]] = {
    ProbeClass.DNS: frozenset({"source"}),
    ProbeClass.EXTERNAL: frozenset({"source"}),
    ProbeClass.POD_CROSS_NODE: frozenset({"source", "destination"}),
    ProbeClass.PATH_MTU: frozenset({"source", "destination"}),
    ProbeClass.NODE_TO_POD: frozenset({"destination"}),
    ProbeClass.POD_TO_NODE: frozenset({"source"}),
    ProbeClass.NODE_PORT: frozenset({"destination"}),
}


@dataclass(frozen=True, slots=True)
class Hop:
    """The hop judged at fault for a group of pairs, and the evidence against it."""

    kind: HopKind
    node: str  # the node the hop is on ("" when none)
    reason: str
    from_facts: bool  # judged from collected facts (True) or from the matrix's pattern
    related: tuple[ObjectRef, ...] = ()  # the objects whose own checks may explain it
    evidence: Mapping[str, JSON] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind.value, self.node, self.reason)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the judge may read: the probe's endpoints and the snapshot's node-level facts."""

    servers: Mapping[str, ProbeEndpoint]  # node -> server pod
    clients: Mapping[str, ProbeEndpoint]  # node -> client pod
    nodes: Mapping[str, Node]
    node_files: Mapping[str, NodeFiles]
    routes: RouteScope | None  # None: no route table collected, or not kubenet
    quota: Quota | None = None
    security: SecurityFacts | None = None  # None: groups not collected, or the wire not known
    # nodes whose pods reach no Service IP (their cluster-ip pairs fail): the cluster DNS is one
    service_ip_unreachable_from: frozenset[str] = frozenset()
    # nodes whose host network reached the external target, and those where it failed too
    external_from_node: Mapping[str, bool] = field(default_factory=dict)
    # node -> its kube-proxy pods (kops's static `kube-proxy-<node>`, or a DaemonSet's)
    proxy_pods: Mapping[str, tuple[ObjectRef, ...]] = field(default_factory=dict)

    def proxy_refs(self, node: str) -> tuple[ObjectRef, ...]:
        """What a service-proxy hop on `node` is about: the node and its kube-proxy pods, so
        node.kube-proxy's finding on either explains the hop."""
        return (ObjectRef("Node", node), *self.proxy_pods.get(node, ()))


def judge(
    probe: ProbeClass, failed: Sequence[PairResult], facts: Facts
) -> list[tuple[Hop, list[PairResult]]]:
    """The failed pairs of one class grouped under the hop that explains them."""
    groups: dict[tuple[str, str, str], tuple[Hop, list[PairResult]]] = {}
    unexplained: list[PairResult] = []
    for pair in failed:
        hop = _from_facts(pair, facts)
        if hop is None:
            unexplained.append(pair)
        else:
            groups.setdefault(hop.key, (hop, []))[1].append(pair)
    for hop, pairs in _from_pattern(probe, unexplained, facts):
        groups.setdefault(hop.key, (hop, []))[1].extend(pairs)
    return list(groups.values())


def _from_facts(pair: PairResult, facts: Facts) -> Hop | None:
    client = facts.clients.get(pair.source)
    if pair.outcome is Outcome.NOT_RUN:
        why = client.note if client and client.note else pair.detail or "its client never ran"
        return Hop(
            HopKind.SOURCE_POD,
            pair.source,
            f"the client pod never ran: {why}",
            True,
            (ObjectRef("Node", pair.source),),
        )
    cni = _cni_missing(pair.source, facts)
    if cni:
        return Hop(HopKind.SOURCE_NODE, pair.source, cni, True, (ObjectRef("Node", pair.source),))
    if pair.source != pair.destination:
        hop = _forwarding_off(pair, facts, "source")
        if hop is not None:
            return hop
    if pair.probe not in NODE_PAIR_CLASSES:
        return None
    server = facts.servers.get(pair.destination)
    to_pod = (ProbeClass.POD_SAME_NODE, ProbeClass.POD_CROSS_NODE, ProbeClass.NODE_TO_POD)
    if pair.probe in to_pod and server is not None and not server.ip:
        reason = f"the server pod never got an IP: {server.note or 'no reason recorded'}"
        return Hop(
            HopKind.DESTINATION_POD,
            pair.destination,
            reason,
            True,
            (ObjectRef("Node", pair.destination),),
        )
    if pair.source == pair.destination:
        return None
    # a pod on either end needs the VPC to route its podCIDR: the request or the reply
    ends = {
        ProbeClass.POD_CROSS_NODE: (pair.destination, pair.source),
        ProbeClass.NODE_TO_POD: (pair.destination,),
        ProbeClass.POD_TO_NODE: (pair.source,),
        ProbeClass.PATH_MTU: (pair.destination, pair.source),
    }.get(pair.probe, ())
    for node in ends:
        hop = _vpc_route(node, facts)
        if hop is not None:
            return hop
    return _security_group(pair, facts) or _forwarding_off(pair, facts, "destination")


def _forwarding_off(pair: PairResult, facts: Facts, end: str) -> Hop | None:
    """The pair's `end` node, when its kernel must route the pair's packets between its
    interface and a pod there (the request or the reply) and its forwarding was read as off."""
    if end not in FORWARDING_ENDS.get(pair.probe, ()):
        return None
    node = pair.source if end == "source" else pair.destination
    files = facts.node_files.get(node)
    read = forwarding(files.ip_forward if files else None)
    if read is None or read.enabled is not False:
        return None
    reason = (
        f"{node} has IPv4 forwarding off ({IP_FORWARD_PATH} is 0): it routes no packet between"
        " its interface and its pods"
    )
    evidence: dict[str, JSON] = {"ip_forward": 0, "source_file": IP_FORWARD_PATH}
    related = (ObjectRef("Node", node),)
    return Hop(HopKind.NODE_FORWARDING, node, reason, True, related, evidence)


def _cni_missing(node: str, facts: Facts) -> str:
    files = facts.node_files.get(node)
    if files is None or files.cni_configs is None or files.cni_configs:
        return ""
    return f"{node} has no CNI config in /etc/cni/net.d: its pods get no working network"


def _vpc_route(name: str, facts: Facts) -> Hop | None:
    """The node's podCIDR route in the cluster's route table: missing, blackhole, elsewhere."""
    scope = facts.routes
    node = facts.nodes.get(name)
    if scope is None or node is None or not scope.tables:
        return None
    instance = scope.nodes.instance_of.get(name, "")
    tables = ", ".join(t.id for t in scope.tables)
    for cidr in node_cidrs(node):
        routes = [
            r for s in scope.splits for r in s.node_routes if str(ipv4(r.destination)) == cidr
        ]
        evidence: dict[str, JSON] = {"route_table": tables, "pod_cidr": cidr, "instance": instance}
        if not routes:
            reason = f"route table {tables} has no route for {name}'s podCIDR {cidr}"
            full = _table_full(scope, facts.quota)
            if full:
                reason += f" ({full})"
                evidence["table_full"] = full
        elif all(r.state == BLACKHOLE for r in routes):
            gone = ", ".join(r.target or "(deleted target)" for r in routes)
            reason = (
                f"the route for {name}'s podCIDR {cidr} in {tables} is blackhole"
                f" (its target {gone} is gone)"
            )
            evidence["route_target"] = gone
        elif instance and all(r.target != instance for r in routes):
            targets = ", ".join(r.target for r in routes)
            reason = f"the route for {name}'s podCIDR {cidr} points at {targets}, not {instance}"
        else:
            continue
        return Hop(HopKind.VPC_ROUTE, name, reason, True, (ObjectRef("Node", name),), evidence)
    return None


def _security_group(pair: PairResult, facts: Facts) -> Hop | None:
    """The source instance's groups let none of the pair's request out, or the destination
    instance's let none of it in (judged for certain); the hop is on that end's node."""
    if facts.security is None:
        return None
    found = refusal(pair, facts.security, facts.nodes, facts.clients)
    if found is None:
        return None
    packet = found.packet
    evidence: dict[str, JSON] = {
        "security_groups": list(found.group_ids),
        "instance": found.instance,
        "direction": found.direction.value,
        "protocol": packet.protocol,
    }
    if packet.port is not None:
        evidence["icmp_type" if packet.protocol == "icmp" else "port"] = packet.port
    if packet.carrier:
        evidence["encapsulation"] = packet.carrier
    evidence["wire"] = found.wire
    kind = HopKind.SECURITY_GROUP
    if found.direction is Direction.EGRESS:
        kind = HopKind.SECURITY_GROUP_EGRESS
    related = (ObjectRef("Node", found.node),)
    return Hop(kind, found.node, found.reason(pair.probe), True, related, evidence)


def _table_full(scope: RouteScope, quota: Quota | None) -> str:
    if quota is None:
        return ""
    used = max(len(t.routes) for t in scope.tables)
    return (
        f"the table holds {used} routes, its quota is {quota.value:g}"
        if used >= quota.value
        else ""
    )


def _from_pattern(
    probe: ProbeClass, pairs: Sequence[PairResult], facts: Facts
) -> list[tuple[Hop, list[PairResult]]]:
    """Pairs no fact explains: grouped by the node they run through (most pairs first)."""
    if probe not in NODE_PAIR_CLASSES:
        return [
            (_source_hop(probe, source, facts), [p for p in pairs if p.source == source])
            for source in dict.fromkeys(p.source for p in pairs)
        ]
    left = list(pairs)
    found = []
    while left:
        counts: dict[str, int] = {}
        for pair in left:
            for node in {pair.source, pair.destination}:
                counts[node] = counts.get(node, 0) + 1
        node = max(sorted(counts), key=lambda n: counts[n])
        mine = [p for p in left if node in (p.source, p.destination)]
        left = [p for p in left if p not in mine]
        found.append((_node_hop(probe, node, mine, facts), mine))
    return found


def _source_hop(probe: ProbeClass, source: str, facts: Facts) -> Hop:
    if probe is ProbeClass.EXTERNAL:
        return _egress_hop(source, facts.external_from_node.get(source))
    if probe is ProbeClass.DNS and source in facts.service_ip_unreachable_from:
        reason = (
            f"the cluster DNS is a Service IP and {source}'s pods reach no Service IP (its"
            f" cluster-ip pairs fail too): kube-proxy (or its replacement) on {source} has not"
            " programmed it"
        )
        return Hop(HopKind.SERVICE_PROXY, source, reason, False, facts.proxy_refs(source))
    kind, reason = {
        ProbeClass.CLUSTER_IP: (
            HopKind.SERVICE_PROXY,
            f"the Service's cluster IP is not reachable from {source}: kube-proxy (or its"
            f" replacement) on {source} has not programmed it",
        ),
        ProbeClass.DNS: (
            HopKind.CLUSTER_DNS,
            f"{source}'s pods get no answer from the cluster DNS (see dns.resolution)",
        ),
    }.get(probe, (HopKind.SOURCE_NODE, f"from {source}"))
    related = facts.proxy_refs(source) if kind is HopKind.SERVICE_PROXY else ()
    return Hop(kind, source, reason, False, related)


def _egress_hop(source: str, node_reaches: bool | None) -> Hop:
    """Pods that cannot leave: the node's own try (its host network) tells the pod network's
    part (masquerade) from the way out of the node's subnet."""
    reason = (
        f"{source}'s pods cannot leave the cluster: NAT, internet gateway or a firewall on the"
        " way out"
    )
    if node_reaches:
        reason = (
            f"{source} reaches the target from its host network but its pods do not: their"
            " traffic is not masqueraded to the node's address (kubenet's nonMasqueradeCIDR,"
            " ip-masq-agent, the provider's SNAT setting) or an egress NetworkPolicy drops it"
        )
    elif node_reaches is False:
        reason = (
            f"neither {source} nor its pods reach the target, while other nodes do: {source}'s"
            " way out (its subnet's NAT gateway or internet gateway route, its security"
            " group's egress rules, a proxy)"
        )
    evidence: dict[str, JSON] = {}
    if node_reaches is not None:
        evidence["node_reaches_target"] = node_reaches
    return Hop(HopKind.EGRESS, source, reason, False, (), evidence)


def _node_hop(probe: ProbeClass, node: str, pairs: Sequence[PairResult], facts: Facts) -> Hop:
    evidence: dict[str, JSON] = {"pairs_through_node": len(pairs)}
    if probe is ProbeClass.PATH_MTU:
        reason = (
            f"don't-fragment packets at the pods' MTU do not pass through {node}: a link on its"
            " path has a smaller MTU than the pods' interfaces (an overlay or node MTU too small)"
        )
        return Hop(HopKind.PATH_MTU, node, reason, False, (), evidence)
    if probe is ProbeClass.NODE_PORT:
        reason = (
            f"the NodePort on {node} does not answer the other nodes: kube-proxy on {node} has"
            " not programmed it, or a firewall or security group blocks the NodePort range"
        )
        return Hop(HopKind.SERVICE_PROXY, node, reason, False, facts.proxy_refs(node), evidence)
    if probe is ProbeClass.POD_SAME_NODE:
        reason = f"pods on {node} cannot reach each other: its bridge or veth routes, or its CNI"
        return Hop(HopKind.SOURCE_NODE, node, reason, False, (ObjectRef("Node", node),), evidence)
    reason = (
        f"every failing pair runs to or from {node}: the route to its podCIDR (the VPC route table,"
        " not collected or not kubenet), its forwarding or a firewall on it"
    )
    return Hop(HopKind.DESTINATION_NODE, node, reason, False, (ObjectRef("Node", node),), evidence)


def kubenet_routes(scope: RouteScope) -> RouteScope | None:
    """The route scope when the VPC routes pods (kubenet) and a table was collected."""
    return scope if scope.mode in (KUBENET, None) and scope.tables else None
