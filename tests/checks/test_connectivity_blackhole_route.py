"""net.connectivity on kubenet when a node's VPC route exists but is blackhole: its instance was
replaced and the route still points at the old, terminated one. The pairs to and from that node
fail at the vpc-route hop, which names the blackhole route and its old target, and
aws.route-table-health's finding on that node is their root cause."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import aws_builders as ab
import connectivity_builders as cb

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Report, Status

OLD = "i-0e5f7a9c1b3d24680"  # the replaced instance, terminated an hour ago
CLUSTER = ab.KubenetCluster(workers=3, nodes_max=8, routed=3, events_expired=True)
REPLACED = 3  # the node on the new instance, whose podCIDR still routes to OLD


def _report(tmp_path: Path) -> Report:
    cluster = replace(
        CLUSTER, extra_routes=[ab.instance_route(CLUSTER.pod_cidr(REPLACED), OLD, "blackhole")]
    )
    gone = ab.instance(
        OLD,
        "172.20.32.99",
        cluster.vpc,
        cluster.subnet,
        ab.kops_tags(cluster.name, "nodes-us-east-1a", "node"),
        state="terminated",
    )
    instances = ab.describe_instances([*cluster.instance_docs(), gone])
    root = ab.write_bundle(tmp_path / "b", cluster, aws={"ec2-describe-instances.json": instances})
    nodes = cb.nodes_of(root)
    cb.write(root, cb.matrix(nodes, cb.Faults(unrouted=frozenset({CLUSTER.instance_id(REPLACED)}))))
    return build_report(read_bundle(root), load_checks(), networking="kubenet")


def test_the_route_table_lists_the_blackhole_route_as_the_aws_cli_prints_it(
    tmp_path: Path,
) -> None:
    _report(tmp_path)
    doc = json.loads((tmp_path / "b" / "aws" / "ec2-describe-route-tables.json").read_text())
    routes = doc["RouteTables"][0]["Routes"]
    hole = next(r for r in routes if r["DestinationCidrBlock"] == CLUSTER.pod_cidr(REPLACED))
    assert (hole["State"], hole["InstanceId"]) == ("blackhole", OLD)


def test_the_pairs_of_the_node_fail_at_the_vpc_route_hop_naming_the_blackhole(
    tmp_path: Path,
) -> None:
    report = _report(tmp_path)
    node, cidr = CLUSTER.instance_id(REPLACED), CLUSTER.pod_cidr(REPLACED)
    result = report.result("net.connectivity")
    failed = {f.object.name: f for f in result.findings if f.status is Status.FAIL and f.object}
    assert set(failed) == {
        f"{probe}/vpc-route/{node}"
        for probe in ("pod-cross-node", "node-to-pod", "pod-to-node", "path-mtu")
    }
    cross = failed[f"pod-cross-node/vpc-route/{node}"]
    assert cross.message == (
        f"pod-cross-node: 4 pair(s) fail at the vpc-route hop ({node}): the route for {node}'s"
        f" podCIDR {cidr} in {CLUSTER.rtb} is blackhole (its target {OLD} is gone)"
    )
    assert {k: cross.evidence[k] for k in ("pod_cidr", "route_table", "instance")} == {
        "pod_cidr": cidr,
        "route_table": CLUSTER.rtb,
        "instance": node,
    }
    assert cross.evidence["route_target"] == OLD
    assert cross.evidence["judged"] == "from the facts"
    assert cross.related == (ObjectRef("Node", node),)
    others = [CLUSTER.instance_id(i) for i in (1, 2)]
    pairs = {(p["source"], p["destination"]) for p in cross.evidence["pairs"]}  # type: ignore[index,union-attr]
    assert pairs == {(o, node) for o in others} | {(node, o) for o in others}


def test_route_table_health_is_the_root_cause_of_the_broken_pairs(tmp_path: Path) -> None:
    report = _report(tmp_path)
    node, cidr = CLUSTER.instance_id(REPLACED), CLUSTER.pod_cidr(REPLACED)
    health = report.result("aws.route-table-health")
    assert [(f.object, f.code, f.message) for f in health.findings] == [
        (
            ObjectRef("Node", node),
            "aws.route-table-health/node-route-blackhole",
            f"its route {cidr} -> {OLD} is blackhole (instance terminated)",
        )
    ]
    result = report.result("net.connectivity")
    assert result.status is Status.FAIL
    assert "aws.route-table-health" in result.caused_by
    assert "net.connectivity" not in report.root_causes
    assert "aws.route-table-health" in report.root_causes
