"""Pure helpers for kubenet's AWS route tables: cluster tags, pod CIDRs, node routes, capacity.

With kubenet the cloud route controller writes one route per node (the node's podCIDR to its
instance) into the one route table tagged for the cluster. It finds that table the way
cloud-provider-aws does: a `KubernetesCluster=<name>` tag, or any `kubernetes.io/cluster/<name>`
tag key, across the region; none or more than one and it stops routing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_network

from kopscheck.model.facts import (
    AutoScalingGroup,
    Instance,
    InstanceGroup,
    KopsCluster,
    Node,
    Quota,
    Route,
    RouteTable,
)

LEGACY_CLUSTER_TAG = "KubernetesCluster"
CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"
IG_TAG = "kops.k8s.io/instancegroup"
BASTION_TAG = "k8s.io/role/bastion"

# Service Quotas' "Routes per route table" (non-propagated routes), per region.
QUOTA_SERVICE_CODE = "vpc"
QUOTA_CODE = "L-93826ACB"
# Only used when neither the applied nor AWS's default value could be read. The origin document
# and the Amazon VPC quotas page both give 50 (adjustable up to 1,000), but AWS has changed
# defaults before, so this is a labelled assumption, never the truth.
DOCUMENTED_DEFAULT_QUOTA = 50
# The origin document: "routing tables over 50 may take a performance hit".
ORIGIN_PERFORMANCE_ROUTES = 50
WARN_RATIO = 0.8
PROPAGATED_ORIGIN = "EnableVgwRoutePropagation"  # BGP routes have their own, separate quota
BLACKHOLE = "blackhole"


def has_cluster_tag(tags: Mapping[str, str], cluster: str) -> bool:
    """The route controller's test: legacy tag with the name as value, or the name in the key."""
    return tags.get(LEGACY_CLUSTER_TAG) == cluster or f"{CLUSTER_TAG_PREFIX}{cluster}" in tags


def tagged_clusters(tags: Mapping[str, str]) -> dict[str, str]:
    """Every cluster a resource is tagged for -> the tag (`key=value`) that says so."""
    found: dict[str, str] = {}
    for key, value in sorted(tags.items()):
        if key.startswith(CLUSTER_TAG_PREFIX) and len(key) > len(CLUSTER_TAG_PREFIX):
            found.setdefault(key.removeprefix(CLUSTER_TAG_PREFIX), f"{key}={value}")
        elif key == LEGACY_CLUSTER_TAG and value:
            found.setdefault(value, f"{key}={value}")
    return found


def other_cluster_tags(tags: Mapping[str, str], cluster: str) -> dict[str, str]:
    """Clusters other than `cluster` that the tags name -> the tag naming each."""
    return {name: tag for name, tag in tagged_clusters(tags).items() if name != cluster}


def first(names: Sequence[str], limit: int = 20) -> list[str]:
    """At most `limit` names for evidence, and how many more there were."""
    more = [f"... {len(names) - limit} more"] if len(names) > limit else []
    return [*names[:limit], *more]


def cluster_tables(tables: Iterable[RouteTable], cluster: str) -> tuple[RouteTable, ...]:
    return tuple(t for t in tables if has_cluster_tag(t.tags, cluster))


def ipv4(text: str) -> IPv4Network | None:
    try:
        net = ip_network(text, strict=False)
    except ValueError:
        return None
    return net if isinstance(net, IPv4Network) else None


def quota_routes(table: RouteTable) -> tuple[Route, ...]:
    """The routes that count against "Routes per route table": IPv4 and not BGP-propagated.

    The quota is enforced separately for IPv6, and propagated routes have their own quota. A
    prefix-list route counts here as one, although AWS counts the list's maximum entries.
    """
    return tuple(
        r
        for r in table.routes
        if r.origin != PROPAGATED_ORIGIN
        and (ipv4(r.destination) is not None or r.destination.startswith("pl-"))
    )


def pod_range(cluster: KopsCluster | None) -> IPv4Network | None:
    """The range node podCIDRs come from: kops `spec.podCIDR`, else the controller-manager's."""
    if cluster is None:
        return None
    manager = cluster.spec.get("kubeControllerManager")
    candidates = [cluster.spec.get("podCIDR")]
    if isinstance(manager, Mapping):
        candidates.append(manager.get("clusterCIDR"))
    for value in candidates:
        net = ipv4(value) if isinstance(value, str) else None
        if net is not None:
            return net
    return None


def node_cidrs(node: Node) -> tuple[str, ...]:
    """The node's IPv4 podCIDRs, normalised (kubenet routes IPv4 only)."""
    return tuple(str(net) for net in (ipv4(c) for c in node.pod_cidrs) if net is not None)


@dataclass(frozen=True, slots=True)
class ClusterNodes:
    """The nodes indexed the ways routes refer to them."""

    nodes: tuple[Node, ...]
    by_instance: Mapping[str, Node]
    by_cidr: Mapping[str, Node]
    instance_of: Mapping[str, str]  # node name -> instance id ("" when unknown)
    prefixlens: frozenset[int]

    @classmethod
    def of(cls, nodes: Sequence[Node], instances: Sequence[Instance] = ()) -> ClusterNodes:
        """Nodes by instance (provider ID, else private IP) and by IPv4 podCIDR."""
        by_ip = {i.private_ip: i.id for i in instances if i.private_ip}
        by_instance: dict[str, Node] = {}
        by_cidr: dict[str, Node] = {}
        instance_of: dict[str, str] = {}
        for node in nodes:
            instance_id = node.instance_id or by_ip.get(node.internal_ip, "")
            instance_of[node.name] = instance_id
            if instance_id:
                by_instance[instance_id] = node
            for cidr in node_cidrs(node):
                by_cidr[cidr] = node
        lens = frozenset(n.prefixlen for n in (ipv4(c) for c in by_cidr) if n is not None)
        return cls(tuple(nodes), by_instance, by_cidr, instance_of, lens)


def is_node_route(route: Route, nodes: ClusterNodes, pods: IPv4Network | None) -> bool:
    """A kubenet-style route: a node's podCIDR, or a pod-range CIDR sent to an instance.

    Without the pod range (no kops spec), a route to an instance or a blackhole counts when its
    prefix length is one the nodes' podCIDRs use, so a NAT instance's 0.0.0.0/0 never does.
    """
    net = ipv4(route.destination)
    if net is None or route.origin == PROPAGATED_ORIGIN:
        return False
    if str(net) in nodes.by_cidr:
        return True
    to_instance = route.target.startswith(("i-", "eni-")) or route.state == BLACKHOLE
    if not to_instance:
        return False
    if pods is not None:
        return net.subnet_of(pods)
    return net.prefixlen in nodes.prefixlens and net.prefixlen > 0


@dataclass(frozen=True, slots=True)
class TableRoutes:
    """One table's routes split the way capacity counts them."""

    table: RouteTable
    counted: tuple[Route, ...]
    node_routes: tuple[Route, ...]
    other_routes: tuple[Route, ...]


def unneeded_routes(split: TableRoutes, nodes: ClusterNodes) -> tuple[Route, ...]:
    """Routes the cluster does not need: blackhole ones, and node routes for no current node.

    They take room in the table but are no part of what capacity must fit: the fix for them is
    deleting them (aws.route-table-health), not a higher quota.
    """
    return tuple(
        r
        for r in split.counted
        if r.state == BLACKHOLE
        or (r in split.node_routes and str(ipv4(r.destination)) not in nodes.by_cidr)
    )


def split_routes(table: RouteTable, nodes: ClusterNodes, pods: IPv4Network | None) -> TableRoutes:
    counted = quota_routes(table)
    node_routes = tuple(r for r in counted if is_node_route(r, nodes, pods))
    others = tuple(r for r in counted if not is_node_route(r, nodes, pods))
    return TableRoutes(table, counted, node_routes, others)


def cluster_name_from_instances(nodes: Iterable[Node], instances: Iterable[Instance]) -> str | None:
    """The cluster name the nodes' instances are tagged with, when they all agree."""
    by_id = {i.id: i for i in instances}
    names = {
        name
        for node in nodes
        if node.instance_id in by_id
        for name in tagged_clusters(by_id[node.instance_id].tags)
    }
    return names.pop() if len(names) == 1 else None


@dataclass(frozen=True, slots=True)
class GroupMax:
    """How many nodes one instance group may grow to, and what said so."""

    name: str
    max_nodes: int
    source: str
    nodes_now: int = 0


def group_maxima(
    nodes: Sequence[Node],
    groups: Sequence[InstanceGroup] | None,
    asgs: Sequence[AutoScalingGroup] | None,
    cluster: str | None,
) -> tuple[GroupMax, ...] | None:
    """Every group's maximum: kops IG maxSize, else its ASG's MaxSize; None if neither is known.

    Bastions get no podCIDR and no route. Nodes in no known group count as they are now.
    """
    if groups is None and asgs is None:
        return None
    per_ig: dict[str, int] = {}
    for node in nodes:
        ig = node.labels.get(IG_TAG, "")
        per_ig[ig] = per_ig.get(ig, 0) + 1
    if groups is not None:
        found = _ig_maxima(groups, asgs or (), per_ig, cluster)
    else:
        found = _asg_maxima(asgs or (), nodes, cluster)
    covered = sum(g.nodes_now for g in found)
    outside = len(nodes) - covered
    if outside > 0:
        found.append(GroupMax("(nodes in no known group)", outside, "current nodes", outside))
    return tuple(found)


def _ig_maxima(
    groups: Sequence[InstanceGroup],
    asgs: Sequence[AutoScalingGroup],
    per_ig: Mapping[str, int],
    cluster: str | None,
) -> list[GroupMax]:
    out = []
    for ig in groups:
        if ig.role.lower() == "bastion":
            continue
        now = per_ig.get(ig.name, 0)
        asg = next((a for a in asgs if _asg_is_group(a, ig.name, cluster)), None)
        if ig.max_size is not None:
            out.append(GroupMax(ig.name, ig.max_size, "kops instance group maxSize", now))
        elif asg is not None:
            out.append(GroupMax(ig.name, asg.max_size, f"ASG {asg.name} MaxSize", now))
        elif ig.min_size is not None:
            out.append(GroupMax(ig.name, max(ig.min_size, now), "kops minSize (no maxSize)", now))
        else:
            out.append(GroupMax(ig.name, now, "current nodes (no maxSize)", now))
    return out


def _asg_is_group(asg: AutoScalingGroup, ig: str, cluster: str | None) -> bool:
    if asg.tags.get(IG_TAG) == ig:
        return cluster is None or has_cluster_tag(asg.tags, cluster)
    return cluster is not None and asg.name == f"{ig}.{cluster}"


def _asg_maxima(
    asgs: Sequence[AutoScalingGroup], nodes: Sequence[Node], cluster: str | None
) -> list[GroupMax]:
    instances = {n.instance_id for n in nodes}
    out = []
    for asg in asgs:
        if BASTION_TAG in asg.tags or (cluster and not has_cluster_tag(asg.tags, cluster)):
            continue
        now = len(instances.intersection(asg.instance_ids))
        out.append(GroupMax(asg.name, asg.max_size, "ASG MaxSize", now))
    return out


def effective_quota(quota: Quota | None, why_missing: str) -> Quota:
    """The quota to measure against; the documented default, labelled, when none was read."""
    if quota is not None:
        return quota
    return Quota(
        value=float(DOCUMENTED_DEFAULT_QUOTA),
        source="documented default",
        note=(
            f"{why_missing}; assuming {DOCUMENTED_DEFAULT_QUOTA}, the default the origin document"
            " and AWS's VPC quotas page give. This account's applied quota may be higher: "
            f"aws service-quotas get-service-quota --service-code {QUOTA_SERVICE_CODE}"
            f" --quota-code {QUOTA_CODE}"
        ),
    )


@dataclass(frozen=True, slots=True)
class Capacity:
    """The arithmetic of one table against the quota, kept whole so a person can redo it."""

    routes_now: int
    node_routes_now: int
    other_routes: int  # routes the cluster needs that are not node routes (none blackhole)
    nodes_now: int
    max_nodes: int
    quota: int
    quota_source: str = "applied"
    unneeded: int = 0  # routes in the table no node needs: blackhole, or to no current node

    @property
    def projected(self) -> int:
        return self.other_routes + self.max_nodes

    @property
    def headroom(self) -> int:
        return self.quota - self.projected

    @property
    def percent(self) -> float:
        return round(100.0 * self.projected / self.quota, 1) if self.quota else float("inf")

    @property
    def full_now(self) -> bool:
        return self.routes_now >= self.quota

    @property
    def over(self) -> bool:
        return self.projected > self.quota

    @property
    def near(self) -> bool:
        return self.projected > WARN_RATIO * self.quota

    def arithmetic(self) -> str:
        sign = ">" if self.over else "<="
        dead = f" (not counted: {self.unneeded} routes no node needs)" if self.unneeded else ""
        return (
            f"{self.other_routes} other routes + {self.max_nodes} nodes at instance-group maxima"
            f" = {self.projected} routes {sign} {self.quota_source} quota {self.quota}"
            f" ({self.percent:g}%){dead}"
        )
