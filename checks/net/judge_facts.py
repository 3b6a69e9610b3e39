"""The facts net.connectivity judges failed pairs by, gathered from the snapshot once."""

from __future__ import annotations

from collections.abc import Sequence

from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.encapsulation import Wire, native, spec_wire
from kopscheck.knowledge.selectors import kube_proxy_pods
from kopscheck.model.connectivity import ConnectivityProbe, Outcome, ProbeClass
from kopscheck.model.facts import Fact, ObjectRef, Pod

from .hops import Facts, kubenet_routes
from .security_hop import SecurityFacts


def judge_facts(context: CheckContext, probe: ConnectivityProbe) -> Facts:
    """What the hop judge may read, from the snapshot: nodes, node files, the kubenet route
    scope, security groups where the wire is known, kube-proxy pods, the probe's own outcomes."""
    snapshot = context.snapshot
    routes = None
    if snapshot.has(Fact.AWS_ROUTE_TABLES) and snapshot.has(Fact.NODES):
        routes = kubenet_routes(context.route_scope)
    return Facts(
        servers={e.node: e for e in probe.endpoints if e.role == "server"},
        clients={e.node: e for e in probe.endpoints if e.role == "client"},
        nodes=context.nodes_by_name if snapshot.has(Fact.NODES) else {},
        node_files=snapshot.node_files or {},
        routes=routes,
        quota=snapshot.aws_route_quota,
        security=_security(context),
        service_ip_unreachable_from=frozenset(
            p.source
            for p in probe.pairs
            if p.probe is ProbeClass.CLUSTER_IP and p.outcome is Outcome.FAIL
        ),
        proxy_pods=_proxy_pods(snapshot.pods or ()),
        external_from_node={
            p.source: p.outcome is Outcome.PASS
            for p in probe.external_from_nodes
            if p.outcome is not Outcome.NOT_RUN
        },
    )


def _proxy_pods(pods: Sequence[Pod]) -> dict[str, tuple[ObjectRef, ...]]:
    found: dict[str, tuple[ObjectRef, ...]] = {}
    for pod in kube_proxy_pods(pods):
        found[pod.node_name] = (*found.get(pod.node_name, ()), pod.ref)
    return found


def _security(context: CheckContext) -> SecurityFacts | None:
    """The groups and instances, when the wire between nodes is known for certain: kubenet (the
    route checks' own scope), or a mode whose kops spec fixes it (security_hop.py)."""
    groups, instances = context.snapshot.aws_security_groups, context.snapshot.aws_instances
    if groups is None or instances is None:
        return None
    wire = _wire(context)
    if wire is None:
        return None
    return SecurityFacts({g.id: g for g in groups}, {i.id: i for i in instances}, wire)


def _wire(context: CheckContext) -> Wire | None:
    if context.route_scope.skip_reason() is None:
        return native("kubenet", "kubenet: the VPC routes each node's podCIDR")
    mode = context.networking
    return spec_wire(mode.name, context.snapshot.kops_cluster) if mode else None
