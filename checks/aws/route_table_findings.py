"""What can be wrong in the cluster's route table, finding by finding, for aws.route-table-health.

The table itself (several tagged for the cluster, shared with another cluster), its routes that
serve no node (blackhole, stale), and each node's own route (missing, blackhole, to the wrong
instance, source/destination check on). The check (checks/aws/route_table_health.py) decides
which apply and sums them up.
"""

from __future__ import annotations

from kopscheck.knowledge.route_scope import RouteScope, instance_evidence
from kopscheck.knowledge.routes import (
    BLACKHOLE,
    TableRoutes,
    first,
    ipv4,
    node_cidrs,
    other_cluster_tags,
    tagged_clusters,
)
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Node, ObjectRef, Route, RouteTable
from kopscheck.model.results import Finding, Status

# Routes that serve no node are this check's own fault: no other check explains them, and a
# table full of them is not a capacity problem (the missing routes they crowd out are theirs).
STALE = (Signal.STALE_ROUTE,)


def table_findings(scope: RouteScope) -> list[Finding]:
    assert scope.cluster is not None
    findings = []
    ids = [t.id for t in scope.tables]
    for split in scope.splits:
        table, ref = split.table, ObjectRef("RouteTable", split.table.id)
        if len(ids) > 1:
            message = (
                f"found multiple matching AWS route tables for AWS cluster: {scope.cluster}"
                f" ({', '.join(ids)}); the route controller routes no node until one remains"
            )
            evidence: dict[str, JSON] = {
                "problem": "multiple-tables",
                "vpc": table.vpc_id,
                "cluster_tags": list(tagged_clusters(table.tags).values()),
                "node_routes": len(split.node_routes),
                "subnets": list(table.subnet_ids),
            }
            findings.append(Finding(Status.FAIL, message, ref, evidence, code="multiple-tables"))
        others = other_cluster_tags(table.tags, scope.cluster)
        if others:
            findings.append(_shared(scope, split, others))
    return findings


def _shared(scope: RouteScope, split: TableRoutes, others: dict[str, str]) -> Finding:
    foreign = [
        f"{r.destination} -> {r.target} ({', '.join(sorted(clusters))})"
        for r in split.table.routes
        if (clusters := _instance_clusters(scope, r.target) & set(others))
    ]
    message = (
        f"also tagged for cluster {', '.join(sorted(others))} ({', '.join(others.values())}):"
        " two clusters' route controllers write here and each deletes routes it does not own"
    )
    own = tagged_clusters(split.table.tags).get(scope.cluster or "")
    evidence: dict[str, JSON] = {
        "problem": "shared",
        "own_tag": own,
        "other_cluster_tags": list(others.values()),
        "other_cluster_routes": first(foreign),
    }
    return Finding(
        Status.FAIL, message, ObjectRef("RouteTable", split.table.id), evidence, code="shared"
    )


def _instance_clusters(scope: RouteScope, instance_id: str) -> set[str]:
    instance = scope.instances.get(instance_id)
    return set(tagged_clusters(instance.tags)) if instance else set()


def route_findings(scope: RouteScope, split: TableRoutes) -> list[Finding]:
    """Node-style routes whose CIDR belongs to no current node: blackhole or stale."""
    others = set(other_cluster_tags(split.table.tags, scope.cluster or ""))
    findings = []
    for route in split.node_routes:
        if str(ipv4(route.destination)) in scope.nodes.by_cidr:
            continue  # judged with its node
        if _instance_clusters(scope, route.target) & others:
            continue  # the other cluster's route, named in the shared-table finding
        findings.append(_orphan(scope, split.table, route))
    return findings


def _orphan(scope: RouteScope, table: RouteTable, route: Route) -> Finding:
    ref = ObjectRef("Route", f"{table.id}/{route.destination}")
    evidence: dict[str, JSON] = {
        "route_table": table.id,
        "destination": route.destination,
        "state": route.state,
        **instance_evidence(scope.instances.get(route.target), route.target),
    }
    node = scope.nodes.by_instance.get(route.target)
    if route.state == BLACKHOLE:
        evidence["problem"], code = "blackhole", "blackhole-route"
        message = f"blackhole route {route.destination} -> {route.target or '(deleted target)'}"
    elif node is not None:
        evidence["problem"], code = "stale", "stale-route"
        cidrs = ", ".join(node_cidrs(node)) or "none"
        message = f"stale route {route.destination} -> node {node.name}, whose podCIDR is {cidrs}"
    else:
        evidence["problem"], code = "stale", "stale-route"
        message = f"stale route {route.destination} -> {route.target}, not a node of this cluster"
    return Finding(
        Status.FAIL,
        message + _state(scope, route.target),
        ref,
        evidence,
        signals=STALE,
        code=code,
    )


def _state(scope: RouteScope, instance_id: str) -> str:
    instance = scope.instances.get(instance_id)
    return f" (instance {instance.state})" if instance and instance.state else ""


def node_findings(scope: RouteScope, splits: tuple[TableRoutes, ...]) -> list[Finding]:
    """Every node whose podCIDR has no live route to its instance in any of the tables."""
    by_cidr: dict[str, list[tuple[RouteTable, Route]]] = {}
    for split in splits:
        for seen in split.node_routes:
            by_cidr.setdefault(str(ipv4(seen.destination)), []).append((split.table, seen))
    tables = ", ".join(s.table.id for s in splits)
    findings = []
    for node in scope.nodes.nodes:
        ref = ObjectRef("Node", node.name)
        instance = scope.nodes.instance_of.get(node.name, "")
        cidrs = node_cidrs(node)
        if not cidrs:
            message = "no podCIDR assigned yet: the route controller has nothing to route"
            evidence: dict[str, JSON] = {"problem": "no-pod-cidr", "instance": instance}
            signals = (Signal.NO_POD_CIDR,)
            findings.append(
                Finding(Status.WARN, message, ref, evidence, signals=signals, code="no-pod-cidr")
            )
        for cidr in cidrs:
            table, route = _best_route(by_cidr.get(cidr, []), instance)
            finding = _node_route(scope, table or tables, node, instance, cidr, route)
            if finding is not None:
                findings.append(finding)
    return findings


def _best_route(
    candidates: list[tuple[RouteTable, Route]], instance: str
) -> tuple[str | None, Route | None]:
    """The live route to the node's own instance if any table has one, else the worst seen."""

    def rank(item: tuple[RouteTable, Route]) -> tuple[bool, bool]:
        route = item[1]
        return (route.state != BLACKHOLE, not instance or route.target == instance)

    if not candidates:
        return None, None
    table, route = max(candidates, key=rank)
    return table.id, route


def _node_route(
    scope: RouteScope, table: str, node: Node, instance: str, cidr: str, route: Route | None
) -> Finding | None:
    ref = ObjectRef("Node", node.name)
    unavailable = node.condition("NetworkUnavailable")
    evidence: dict[str, JSON] = {
        "route_table": table,
        "pod_cidr": cidr,
        "instance": instance,
        "network_unavailable": (
            f"{unavailable.status} {unavailable.reason}".strip() if unavailable else None
        ),
    }
    no_route = (Signal.NO_ROUTE_CREATED,)
    if route is None:
        evidence["problem"] = "missing-route"
        message = f"no route for its podCIDR {cidr} in {table}"
        return Finding(Status.FAIL, message, ref, evidence, signals=no_route, code="missing-route")
    if route.state == BLACKHOLE:
        evidence |= {"problem": "blackhole", "route_target": route.target}
        message = f"its route {cidr} -> {route.target} is blackhole{_state(scope, route.target)}"
        return Finding(
            Status.FAIL, message, ref, evidence, signals=STALE, code="node-route-blackhole"
        )
    if instance and route.target != instance:
        evidence |= {"problem": "wrong-target", "route_target": route.target}
        message = f"its route {cidr} points at {route.target}, not its own instance {instance}"
        return Finding(Status.FAIL, message, ref, evidence, signals=STALE, code="wrong-target")
    found = scope.instances.get(instance)
    if found is not None and found.source_dest_check is True:
        evidence["problem"] = "source-dest-check"
        message = (
            f"source/destination check is still on for {instance}: AWS drops traffic to its"
            f" pods ({cidr}) although the route exists"
        )
        return Finding(Status.FAIL, message, ref, evidence, code="source-dest-check")
    return None
