from __future__ import annotations

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.model.facts import JSON, Fact, Instance, Node, ObjectRef
from kopscheck.model.results import Code, Finding, Status, Verdict

# Modes whose pod packets leave an instance with pod addresses, unencapsulated, routed by the
# nodes themselves (not the VPC route table): EC2 drops them at any instance whose
# source/destination check is on. kubenet routes through the route table, where
# aws.route-table-health judges the same flag next to the routes.
NATIVE_ROUTING = {
    "kube-router": "kube-router routes pod CIDRs between nodes over BGP, without an overlay",
}


class SourceDestCheck(Check):
    """Instances that route pod traffic have EC2's source/destination check off

    Fails when: a node's instance (from `aws ec2 describe-instances`) has SourceDestCheck true.
    Warns when: a node has no instance in the facts, or its instance does not say.

    Why: EC2 drops any packet whose source or destination is not the instance's own address
    unless the instance's source/destination check is off. kube-router sends pod packets
    between nodes unencapsulated (its BGP routes point at the nodes), so a node whose check
    is still on (an instance launched outside kops, a launch template edited by hand) sends
    and receives no pod traffic across nodes, while every node is Ready.

    Fix: `aws ec2 modify-instance-attribute --instance-id ID --no-source-dest-check` for each
    instance listed, and make the instance group's launch template keep it off
    (kops does this itself for the instance groups it manages).

    Step: "Specifying a Network Plugin" (kube-router): the nodes route pod traffic themselves.
    """

    id = "aws.source-dest-check"
    family = "aws"
    needs = frozenset({Fact.NODES, Fact.AWS_INSTANCES})
    wants = frozenset({Fact.KOPS_CLUSTER, Fact.WORKLOADS})
    explains: frozenset[str] = frozenset()
    codes = {
        "off": Code("every node's instance has source/destination check off"),
        "on": Code(
            "a node's instance still has source/destination check on",
            fix=(
                "Turn it off: aws ec2 modify-instance-attribute --instance-id ID"
                " --no-source-dest-check (kops does this for the modes that need it; a"
                " replaced or hand-made instance may have lost it)."
            ),
        ),
        "unknown": Code(
            "a node's instance, or its source/destination check, is not in the facts",
            fix=(
                "Let kopscheck read ec2:DescribeInstances for the node instances (--aws, the"
                " region and credentials), or check by hand: aws ec2 describe-instances"
                " --instance-ids ID --query 'Reservations[].Instances[].SourceDestCheck'."
            ),
        ),
    }

    def does_not_apply(self, context: CheckContext) -> str | None:
        mode = context.networking
        if mode is None:
            snapshot = context.snapshot
            if not (snapshot.has(Fact.AWS_INSTANCES) and snapshot.has(Fact.NODES)):
                return None  # facts not read: the engine says so, never "does not apply"
            return "networking mode unknown: whether nodes route pod traffic cannot be told"
        if mode.name not in NATIVE_ROUTING:
            return (
                f"networking is {mode.name} (from {mode.source}): nodes do not route"
                " unencapsulated pod traffic themselves (kubenet: aws.route-table-health)"
            )
        return None

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        instances = {i.id: i for i in snapshot.aws_instances or ()}
        nodes = sorted(context.nodes_by_name.values(), key=lambda n: n.name)
        findings = [_finding(node, instances.get(node.instance_id)) for node in nodes]
        problems = [f for f in findings if f.status is not Status.PASS]
        why = NATIVE_ROUTING[context.networking.name] if context.networking else ""
        if not problems:
            message = f"source/destination check off on all {len(nodes)} node instance(s)"
            return Verdict(message, (Finding(Status.PASS, f"{message}: {why}", code="off"),))
        on = [f for f in problems if f.code == "on"]
        head = f"{len(on)} node instance(s) with source/destination check on" if on else ""
        unknown = len(problems) - len(on)
        tail = f"{unknown} node(s) whose check is not in the facts" if unknown else ""
        return Verdict("; ".join(p for p in (head, tail) if p), tuple(findings))


def _finding(node: Node, instance: Instance | None) -> Finding:
    ref = ObjectRef("Node", node.name)
    evidence: dict[str, JSON] = {"instance": node.instance_id or None}
    if instance is None or instance.source_dest_check is None:
        what = "no instance id" if not node.instance_id else f"{node.instance_id} not described"
        if instance is not None:
            what = f"{instance.id} does not report SourceDestCheck"
        return Finding(Status.WARN, f"cannot tell: {what}", ref, evidence, code="unknown")
    evidence["source_dest_check"] = instance.source_dest_check
    if instance.source_dest_check:
        message = (
            f"source/destination check is on for {instance.id}: EC2 drops pod traffic routed"
            " to and from this node"
        )
        return Finding(Status.FAIL, message, ref, evidence, code="on")
    message = f"{instance.id}: source/destination check off"
    return Finding(Status.PASS, message, ref, evidence, code="off")
