from __future__ import annotations

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.route_scope import (
    RouteScope,
    events_evidence,
    mode_out_of_scope,
    route_failure_events,
    route_limit_events,
)
from kopscheck.knowledge.routes import (
    ORIGIN_PERFORMANCE_ROUTES,
    WARN_RATIO,
    Capacity,
    GroupMax,
    TableRoutes,
    effective_quota,
    first,
    group_maxima,
    ipv4,
    node_cidrs,
    unneeded_routes,
)
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Event, Fact, Node, ObjectRef, Quota
from kopscheck.model.results import Code, Finding, Status, Verdict

CAPACITY_CODES = {Status.PASS: "fits", Status.WARN: "near-quota", Status.FAIL: "over-quota"}


class RouteTableCapacity(Check):
    """Routes for every node at every instance group's maximum fit the route-table quota.

    Why: with kubenet the route controller writes one route per node (its podCIDR to its
    instance) into the cluster's one AWS route table. When the table is full, AWS refuses the
    next route (RouteLimitExceeded), the node keeps NetworkUnavailable=True (NoRouteCreated) and
    its pods cannot be reached. The quota is "Routes per route table" (Service Quotas: vpc,
    L-93826ACB) as applied to the account; the origin document gives 50 and warns that tables
    over 50 routes may perform worse. The count here is the table's other routes plus one route
    per node with every instance group at its maxSize, so a scale-up cannot hit the wall: what
    the cluster needs. Routes no node needs (blackhole, or to no current node) are not counted;
    a table full of them is aws.route-table-health's fault, fixed by deleting them.

    Fix: raise the quota (Service Quotas, vpc L-93826ACB, up to 1,000), or lower the instance
    groups' maxSize (kops edit ig NAME; kops update cluster --yes), or move the cluster to a
    networking mode that needs no per-node VPC routes (calico, cilium, amazonvpc): see
    "Modifying the Network Plugin of an Existing Cluster". Delete stale or blackhole routes the
    route controller left behind (aws.route-table-health lists them).

    Step: "an AWS routing table cannot have more than 50 entries, which sets a limit of 50 nodes
    per cluster" (Specifying a Network Plugin, kubenet).
    """

    id = "aws.route-table-capacity"
    family = "aws"
    needs = frozenset({Fact.AWS_ROUTE_TABLES})
    wants = frozenset(
        {
            Fact.NODES,
            Fact.AWS_ROUTE_QUOTA,
            Fact.KOPS_CLUSTER,
            Fact.KOPS_INSTANCE_GROUPS,
            Fact.AWS_AUTOSCALING_GROUPS,
            Fact.AWS_INSTANCES,
            Fact.EVENTS,
            Fact.WORKLOADS,
        }
    )
    explains = frozenset({Signal.NO_ROUTE_CREATED, Signal.ROUTE_LIMIT_EXCEEDED})
    codes = {
        "fits": Code("the route table fits a route per node at every instance group's maximum"),
        "near-quota": Code(
            "above 80% of the quota, or growth cannot be projected, or only the"
            " default quota is known",
            fix=(
                "Raise the quota before the groups grow (Service Quotas: vpc L-93826ACB) or "
                "lower the instance groups' maxSize; when only AWS's default is known, read "
                "the applied one: aws service-quotas get-service-quota --service-code vpc "
                "--quota-code L-93826ACB."
            ),
        ),
        "over-quota": Code(
            "nodes lack routes or the instance groups can grow past the applied quota",
            fix=(
                "Raise the quota (Service Quotas, vpc L-93826ACB, up to 1,000), or lower the "
                "instance groups' maxSize (kops edit ig NAME; kops update cluster --yes), or "
                "move to a mode that needs no per-node VPC routes (calico, cilium, amazonvpc)."
            ),
        ),
        "filled-by-unneeded-routes": Code(
            "what the cluster needs fits, but routes no node needs (blackhole, stale) fill the"
            " table: a health fault (aws.route-table-health), fixed by deleting them",
        ),
    }

    def does_not_apply(self, context: CheckContext) -> str | None:
        if not context.snapshot.has(Fact.AWS_ROUTE_TABLES):
            return mode_out_of_scope(context.networking)
        scope = context.route_scope
        reason = scope.skip_reason()
        if reason:
            return reason
        if scope.cluster is None or not scope.tables:
            return (
                f"no route table is tagged for cluster {scope.cluster}: nothing to measure"
                " (aws.route-table-health reports why)"
            )
        return None

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        scope = context.route_scope
        assert scope.cluster is not None  # does_not_apply: the cluster's tables are known
        quota = effective_quota(
            snapshot.aws_route_quota, snapshot.why_missing(Fact.AWS_ROUTE_QUOTA)
        )
        nodes = snapshot.nodes or ()
        maxima = group_maxima(
            nodes, snapshot.kops_instance_groups, snapshot.aws_autoscaling_groups, scope.cluster
        )
        events = route_limit_events(context.events)
        failures = route_failure_events(context.events)
        findings = tuple(_table(scope, s, quota, maxima, events, failures) for s in scope.splits)
        worst = max(findings, key=lambda f: f.status.rank)
        return Verdict(worst.message + scope.mode_note(), findings)


def _table(
    scope: RouteScope,
    split: TableRoutes,
    quota: Quota,
    maxima: tuple[GroupMax, ...] | None,
    events: list[Event],
    failures: list[Event],
) -> Finding:
    nodes = scope.nodes.nodes
    unneeded = unneeded_routes(split, scope.nodes)
    cap = Capacity(
        routes_now=len(split.counted),
        node_routes_now=len(split.node_routes),
        other_routes=len([r for r in split.other_routes if r not in unneeded]),
        nodes_now=len(nodes),
        max_nodes=sum(g.max_nodes for g in maxima) if maxima is not None else len(nodes),
        quota=int(quota.value),
        quota_source=quota.source,
        unneeded=len(unneeded),
    )
    routed = {str(ipv4(r.destination)) for r in split.node_routes if r not in unneeded}
    unrouted = sorted(n.name for n in nodes if any(c not in routed for c in node_cidrs(n)))
    full = _full_table(cap, nodes, unrouted, failures)
    status, verdict = _status(cap, quota, maxima, events, unrouted, full)
    code = CAPACITY_CODES[status]
    if status is Status.PASS and cap.full_now and unneeded:
        code, verdict = "filled-by-unneeded-routes", _filled(cap, unrouted)
    message = f"{split.table.id}: {cap.arithmetic()}; {verdict}"
    evidence = _evidence(split, cap, quota, maxima, unrouted)
    evidence["unneeded_routes"] = first(
        [f"{r.destination} -> {r.target or r.state}" for r in unneeded]
    )
    if full:
        evidence["full_table"] = full
    if events:
        evidence["route_limit_exceeded"] = events_evidence(events)
    ref = ObjectRef("RouteTable", split.table.id)
    return Finding(status, message, ref, evidence, code=code)


def _filled(cap: Capacity, unrouted: list[str]) -> str:
    """The table is full, but of routes no node needs: a health fault, not a capacity one."""
    waiting = f"; {len(unrouted)} node(s) wait for a route" if unrouted else ""
    return (
        f"what the cluster needs fits; the table is full now because {cap.unneeded} routes no"
        f" node needs (blackhole, or to no current node) take the room{waiting}: delete them"
        " (aws.route-table-health lists them), a higher quota is not the fix"
    )


def _status(
    cap: Capacity,
    quota: Quota,
    maxima: tuple[GroupMax, ...] | None,
    events: list[Event],
    unrouted: list[str],
    full: str | None = None,
) -> tuple[Status, str]:
    now = f"now {cap.routes_now} of {cap.quota} routes used"
    if cap.over or (cap.full_now and unrouted and not cap.unneeded):
        if unrouted:
            what = f"{len(unrouted)} of {cap.nodes_now} nodes have no route, {now}"
        else:
            what = f"the instance groups can grow past the quota, {now}"
        if quota.source == "applied" or events:
            return Status.FAIL, what
        if full:
            return Status.FAIL, f"{what}; {full}"
        floor = (
            f" (at least {cap.routes_now}: the table already holds that many)"
            if cap.routes_now > cap.quota
            else ""
        )
        return Status.WARN, (
            f"{what}; measured against the {quota.source} quota, and the applied one may be"
            f" higher{floor}"
        )
    if cap.near:
        return Status.WARN, f"above {WARN_RATIO:.0%} of the quota, {now}"
    if maxima is None:
        return Status.WARN, (
            f"{now}, but instance-group maxima are unknown (no kops instance groups or ASGs),"
            " so growth cannot be projected"
        )
    seen = ""
    if events:
        seen = (
            f"; {sum(e.count for e in events)} RouteLimitExceeded events were recorded earlier,"
            " the quota now leaves room for the routes still missing"
        )
    return Status.PASS, f"headroom {cap.headroom} routes, {now}{seen}"


def _full_table(
    cap: Capacity, nodes: tuple[Node, ...], unrouted: list[str], failures: list[Event]
) -> str | None:
    """Without the applied quota, a table holding exactly the default quota is full when the
    newest nodes are the ones without a route and the route controller failed to add them."""
    if not unrouted or cap.routes_now != cap.quota or cap.quota_source == "applied":
        return None
    missing = set(unrouted)
    failed = {e.involved.name for e in failures} | {
        n.name
        for n in nodes
        if (c := n.condition("NetworkUnavailable")) and c.reason == "NoRouteCreated"
    }
    if not missing <= failed:
        return None
    created = {n.name: n.created for n in nodes if n.created is not None}
    if len(created) < len(nodes):
        return None
    new = [t for name, t in created.items() if name in missing]
    old = [t for name, t in created.items() if name not in missing]
    if old and min(new) < max(old):
        return None
    return (
        f"the table holds exactly the {cap.quota_source} quota of {cap.quota} routes, the"
        f" {len(unrouted)} newest nodes have none and the route controller failed to create"
        " them: the table is full"
    )


def _evidence(
    split: TableRoutes,
    cap: Capacity,
    quota: Quota,
    maxima: tuple[GroupMax, ...] | None,
    unrouted: list[str],
) -> dict[str, JSON]:
    evidence: dict[str, JSON] = {
        "arithmetic": cap.arithmetic(),
        "routes_now": cap.routes_now,
        "node_routes_now": cap.node_routes_now,
        "other_routes": first(
            [f"{r.destination} -> {r.target or r.state}" for r in split.other_routes]
        ),
        "nodes_now": cap.nodes_now,
        "nodes_without_route": first(unrouted),
        "max_nodes": cap.max_nodes,
        "max_nodes_by_group": (
            {g.name: {"max": g.max_nodes, "now": g.nodes_now, "source": g.source} for g in maxima}
            if maxima is not None
            else None
        ),
        "projected_routes": cap.projected,
        "quota": cap.quota,
        "quota_source": quota.source,
        "quota_note": quota.note or None,
        "usage_percent": cap.percent,
        "headroom": cap.headroom,
        "warn_above_percent": round(WARN_RATIO * 100),
    }
    if cap.projected > ORIGIN_PERFORMANCE_ROUTES:
        evidence["performance_note"] = (
            f"{cap.projected} routes: the origin document notes route tables over"
            f" {ORIGIN_PERFORMANCE_ROUTES} entries may take a performance hit"
        )
    return evidence
