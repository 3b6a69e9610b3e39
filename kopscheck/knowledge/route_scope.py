"""What the route-table checks look at: the mode, the cluster's tables, its nodes and instances.

Both `aws.route-table-capacity` and `aws.route-table-health` start here, so they agree on when
they apply: kubenet clusters, or clusters of unknown mode whose table holds per-node routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import IPv4Network

from kopscheck.knowledge.messages import classify
from kopscheck.knowledge.networking import NetworkingMode
from kopscheck.knowledge.routes import (
    ClusterNodes,
    TableRoutes,
    cluster_name_from_instances,
    cluster_tables,
    first,
    pod_range,
    split_routes,
)
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Event, Instance, RouteTable, Snapshot

KUBENET = "kubenet"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RouteScope:
    mode: str | None
    mode_source: str | None
    cluster: str | None
    cluster_source: str
    tables: tuple[RouteTable, ...]  # every table tagged for the cluster
    splits: tuple[TableRoutes, ...]  # the same tables, routes split into node and other
    nodes: ClusterNodes
    pods: IPv4Network | None
    instances: Mapping[str, Instance]

    @property
    def node_route_count(self) -> int:
        return sum(len(s.node_routes) for s in self.splits)

    def skip_reason(self) -> str | None:
        """Why the kubenet route checks do not apply, or None when they do."""
        if self.mode == KUBENET:
            return None
        if self.mode is not None:
            return (
                f"networking is {self.mode} (from {self.mode_source}): pods are not routed"
                " through per-node routes in the VPC route table, so kubenet's route table"
                " does not apply"
            )
        if self.cluster is not None and self.node_route_count:
            return None
        return (
            "networking mode unknown (no --networking, kops spec or provider DaemonSet) and no"
            " per-node routes found in a route table tagged for the cluster: not a kubenet"
            " cluster as far as the facts show"
        )

    def mode_note(self) -> str:
        if self.mode == KUBENET:
            return ""
        return (
            f" (networking mode unknown; checked as kubenet because the table holds"
            f" {self.node_route_count} per-node routes)"
        )


def mode_out_of_scope(mode: NetworkingMode | None) -> str | None:
    """Without route tables: a known mode other than kubenet means the checks do not apply."""
    if mode is None or mode.name == KUBENET:
        return None
    return (
        f"networking is {mode.name} (from {mode.source}): no per-node routes in the VPC route"
        " table, so kubenet's route-table limits do not apply"
    )


def route_scope(snapshot: Snapshot, mode: NetworkingMode | None) -> RouteScope:
    nodes = snapshot.nodes or ()
    instances = snapshot.aws_instances or ()
    cluster, source = snapshot.cluster_name, "kops spec or --name"
    if cluster is None:
        cluster, source = cluster_name_from_instances(nodes, instances), "the nodes' instance tags"
    indexed = ClusterNodes.of(nodes, instances)
    pods = pod_range(snapshot.kops_cluster)
    tables = cluster_tables(snapshot.aws_route_tables or (), cluster) if cluster else ()
    return RouteScope(
        mode=mode.name if mode else None,
        mode_source=mode.source if mode else None,
        cluster=cluster,
        cluster_source=source,
        tables=tables,
        splits=tuple(split_routes(t, indexed, pods) for t in tables),
        nodes=indexed,
        pods=pods,
        instances={i.id: i for i in instances},
    )


def route_limit_events(events: Iterable[Event]) -> list[Event]:
    """Node events where the route controller was refused for a full route table."""
    return [
        e
        for e in events
        if e.involved.kind == "Node"
        and e.reason == "FailedToCreateRoute"
        and Signal.ROUTE_LIMIT_EXCEEDED in classify(e.message)
    ]


def events_evidence(events: list[Event]) -> dict[str, JSON]:
    latest = max(events, key=lambda e: e.last_seen or EPOCH)
    return {
        "event_count": sum(e.count for e in events),
        "nodes": first(sorted({e.involved.name for e in events})),
        "last_seen": latest.last_seen.isoformat() if latest.last_seen else None,
        "example": latest.message,
    }


def instance_evidence(instance: Instance | None, instance_id: str) -> dict[str, JSON]:
    """What is known of the instance a route points at (nothing is invented)."""
    if instance is None:
        return {"instance": instance_id, "instance_state": "not found in the instances listed"}
    return {
        "instance": instance.id,
        "instance_state": instance.state,
        "instance_name": instance.tags.get("Name"),
        "instance_group": instance.tags.get("kops.k8s.io/instancegroup"),
        "instance_clusters": sorted(
            k for k in instance.tags if k.startswith("kubernetes.io/cluster/")
        )
        or None,
    }
