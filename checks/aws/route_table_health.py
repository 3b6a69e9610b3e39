from __future__ import annotations

from collections import Counter

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.route_scope import KUBENET, RouteScope, mode_out_of_scope
from kopscheck.knowledge.routes import (
    CLUSTER_TAG_PREFIX,
    LEGACY_CLUSTER_TAG,
    TableRoutes,
    first,
    split_routes,
)
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Fact, ObjectRef, RouteTable
from kopscheck.model.results import Code, Finding, Status, Verdict

from .route_table_findings import node_findings, route_findings, table_findings

LABELS = {
    "no-table": "no route table tagged for the cluster",
    "multiple-tables": "route tables tagged for the cluster (the route controller needs one)",
    "shared": "table(s) also tagged for another cluster",
    "missing-route": "node(s) without a route",
    "blackhole": "blackhole route(s)",
    "wrong-target": "node route(s) to the wrong instance",
    "stale": "stale route(s) to instances that are not nodes",
    "source-dest-check": "node(s) with source/dest check on",
    "no-pod-cidr": "node(s) without a podCIDR",
    "kubenet-leftovers": "table(s) with kubenet routes left behind",
}


class RouteTableHealth(Check):
    """The cluster owns one route table, unshared, with no blackhole, missing or stale routes.

    Why: with kubenet the cloud route controller keeps one route per node in the one route table
    tagged for the cluster (KubernetesCluster=NAME or kubernetes.io/cluster/NAME). With no such
    table ("unable to find route table for AWS cluster") or several ("found multiple matching AWS
    route tables") it routes nothing. A blackhole route (its instance is gone), a node whose
    podCIDR has no route to its own instance, or an instance that still has source/destination
    check on leaves that node's pods unreachable from other nodes. A table shared with a second
    cluster gets its routes rewritten by both route controllers.

    Fix: tag exactly one route table, the one associated with the cluster's subnets, for the
    cluster, and remove the tag (or the second cluster) from any other. Delete blackhole and
    stale routes (aws ec2 delete-route --route-table-id RTB --destination-cidr-block CIDR); the
    route controller re-creates the routes nodes need. For a node without a route, read its
    FailedToCreateRoute events (kubectl describe node NAME) and the controller-manager log.

    Step: "realistically kubernetes needs to own the routing table ... It is theoretically
    possible to share a routing table with other infrastructure (but not a second cluster!)"
    (Specifying a Network Plugin, kubenet).
    """

    id = "aws.route-table-health"
    family = "aws"
    needs = frozenset({Fact.AWS_ROUTE_TABLES, Fact.NODES})
    wants = frozenset({Fact.AWS_INSTANCES, Fact.KOPS_CLUSTER, Fact.WORKLOADS})
    explains = frozenset({Signal.NO_ROUTE_CREATED})
    codes = {
        "ok": Code(
            "one table owned by the cluster alone, no blackhole, missing or stale node routes",
        ),
        "cluster-unknown": Code(
            "kubenet, but which route table is the cluster's cannot be told",
            fix=(
                "Give the cluster's name (--name, or the kops spec) so its route table can be "
                "found by tag."
            ),
        ),
        "no-table": Code(
            "no route table is tagged for the cluster",
            fix=(
                "Tag the route table the cluster's subnets use KubernetesCluster=NAME (or "
                "kubernetes.io/cluster/NAME=owned): the route controller routes nothing until "
                "one table carries it."
            ),
        ),
        "multiple-tables": Code(
            "several route tables are tagged for the cluster",
            fix=(
                "Remove the cluster's tag from every route table but the one its subnets use: "
                "with several, the route controller routes no node."
            ),
        ),
        "shared": Code(
            "the cluster's route table carries another cluster's tag or routes",
            fix=(
                "Remove the other cluster's tag from this table, or give that cluster a table "
                "of its own: two route controllers delete each other's routes."
            ),
        ),
        "blackhole-route": Code(
            "a node route in the table is blackhole (its target is gone)",
            fix=(
                "Delete the blackhole routes (aws ec2 delete-route --route-table-id RTB "
                "--destination-cidr-block CIDR): their instances are gone, and the route "
                "controller re-creates what live nodes need."
            ),
        ),
        "stale-route": Code(
            "a route points at an instance that is not this cluster's node for that CIDR",
            fix=(
                "Delete the stale routes (aws ec2 delete-route --route-table-id RTB "
                "--destination-cidr-block CIDR): they point at instances that are not the node "
                "for that CIDR; the route controller writes the right ones."
            ),
        ),
        "no-pod-cidr": Code(
            "a node has no podCIDR, so no route can be written for it",
            fix=(
                "Give the node a pod CIDR (kube-controller-manager --allocate-node-cidrs, a "
                "--cluster-cidr large enough); then the route controller can route it."
            ),
        ),
        "missing-route": Code(
            "a node's podCIDR has no route in the table",
            fix=(
                "Read the node's FailedToCreateRoute events (kubectl describe node NAME) and "
                "the controller-manager log: RouteLimitExceeded is a full table (delete "
                "unneeded routes, or raise the quota), UnauthorizedOperation is IAM."
            ),
        ),
        "node-route-blackhole": Code(
            "a node's own route is blackhole",
            fix=(
                "Delete the node's blackhole route (aws ec2 delete-route ...): its old "
                "instance is gone; the route controller then writes one to the node's current "
                "instance."
            ),
        ),
        "wrong-target": Code(
            "a node's route points at another instance",
            fix=(
                "Delete the node's route to the other instance (aws ec2 delete-route ...); the "
                "route controller re-creates it to the node's own instance."
            ),
        ),
        "source-dest-check": Code(
            "source/destination check is on for a node's instance",
            fix=(
                "Turn source/destination check off for the node's instance (aws ec2 "
                "modify-instance-attribute --instance-id ID --no-source-dest-check); kops does "
                "it for the kubenet nodes it launches."
            ),
        ),
        "kubenet-leftovers": Code(
            "kubenet routes remain although the mode is no longer kubenet",
            fix=(
                "Delete the kubenet routes left from before the mode changed (aws ec2 "
                "delete-route ...): nothing maintains them any more."
            ),
        ),
    }

    def does_not_apply(self, context: CheckContext) -> str | None:
        snapshot = context.snapshot
        if not (snapshot.has(Fact.AWS_ROUTE_TABLES) and snapshot.has(Fact.NODES)):
            return mode_out_of_scope(context.networking)
        scope = context.route_scope
        if scope.mode not in (None, KUBENET):  # applies only to kubenet routes left behind
            return None if _leftover_splits(scope) else scope.skip_reason()
        if scope.cluster is None and scope.mode == KUBENET:
            return None  # run says the cluster's table cannot be told
        reason = scope.skip_reason()
        if reason or scope.cluster is None:
            return reason or "cluster unknown"
        return None

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        scope = context.route_scope
        if scope.mode not in (None, KUBENET):
            return _leftovers(scope)
        if scope.cluster is None and scope.mode == KUBENET:
            message = (
                "cannot tell which route table is the cluster's: its name is unknown"
                " (give --name or the kops spec; or collect the nodes' instances)"
            )
            return Verdict(message, (Finding(Status.WARN, message, code="cluster-unknown"),))
        if not scope.tables:
            return _no_table(scope, snapshot.aws_route_tables or ())
        findings = table_findings(scope)
        for split in scope.splits:
            findings += route_findings(scope, split)
        findings += node_findings(scope, scope.splits)
        return _verdict(scope, findings)


def _verdict(scope: RouteScope, findings: list[Finding]) -> Verdict:
    tables = ", ".join(t.id for t in scope.tables)
    if not findings:
        split = scope.splits[0]
        message = (
            f"{tables}: {len(split.node_routes)} node routes for {len(scope.nodes.nodes)} nodes,"
            " none blackhole or stale; the table is the cluster's alone"
        )
        evidence: dict[str, JSON] = {"vpc": split.table.vpc_id, "tags": dict(split.table.tags)}
        ref = ObjectRef("RouteTable", split.table.id)
        return Verdict(
            message + scope.mode_note(), (Finding(Status.PASS, message, ref, evidence, code="ok"),)
        )
    counts = Counter(str(f.evidence.get("problem")) for f in findings)
    parts = [f"{n} {LABELS.get(kind, kind)}" for kind, n in counts.items()]
    return Verdict(f"{tables}: {', '.join(parts)}{scope.mode_note()}", tuple(findings))


def _no_table(scope: RouteScope, tables: tuple[RouteTable, ...]) -> Verdict:
    cluster = scope.cluster
    candidates: list[dict[str, JSON]] = []
    for table in tables:
        split = split_routes(table, scope.nodes, scope.pods)
        to_nodes = [r for r in split.node_routes if r.target in scope.nodes.by_instance]
        if to_nodes:
            candidates.append(
                {"route_table": table.id, "vpc": table.vpc_id, "node_routes": len(to_nodes)}
            )
    hint = "".join(
        f"; {c['route_table']} holds {c['node_routes']} routes to its nodes but lacks the tag"
        for c in candidates
    )
    message = (
        f"unable to find route table for AWS cluster: {cluster} (no table tagged"
        f" {LEGACY_CLUSTER_TAG}={cluster} or {CLUSTER_TAG_PREFIX}{cluster}){hint}"
    )
    evidence: dict[str, JSON] = {
        "problem": "no-table",
        "cluster_name_from": scope.cluster_source,
        "searched_tags": [f"{LEGACY_CLUSTER_TAG}={cluster}", f"{CLUSTER_TAG_PREFIX}{cluster}"],
        "tables_seen": len(tables),
        "untagged_tables_with_node_routes": candidates,
    }
    return Verdict(message, (Finding(Status.FAIL, message, None, evidence, code="no-table"),))


def _leftover_splits(scope: RouteScope) -> list[TableRoutes]:
    return [s for s in scope.splits if s.node_routes]


def _leftovers(scope: RouteScope) -> Verdict:
    findings = []
    for split in _leftover_splits(scope):
        routes = [f"{r.destination} -> {r.target or r.state}" for r in split.node_routes]
        message = (
            f"{len(routes)} kubenet-style routes (pod CIDR -> instance) remain although"
            f" networking is {scope.mode}: nothing maintains them any more; they use route"
            " quota and can send pod traffic to the wrong node"
        )
        evidence: dict[str, JSON] = {"problem": "kubenet-leftovers", "routes": first(routes)}
        ref = ObjectRef("RouteTable", split.table.id)
        findings.append(Finding(Status.WARN, message, ref, evidence, code="kubenet-leftovers"))
    return _verdict(scope, findings)
