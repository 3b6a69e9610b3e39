"""aws.route-table-capacity and aws.route-table-health on bundles in the real AWS CLI formats.

Each case writes a bundle (kubectl cluster-info dump, kops get ... -o yaml, aws ... --output
json) for a kops kubenet cluster and reads it back through the bundle reader, so the checks see
exactly what a user's bundle would give them. moto cannot make a table full, a route blackhole
or a quota other than the default; these offline fixtures can.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import aws_builders as ab
import pytest
from kopscheck_checks.aws.route_table_capacity import RouteTableCapacity
from kopscheck_checks.aws.route_table_health import RouteTableHealth

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import Selection, build_report, run_check
from kopscheck.knowledge.networking import resolve_networking
from kopscheck.model.facts import ObjectRef, Snapshot
from kopscheck.model.results import CheckResult, Status

NAME = "kubenet-demo.k8s.local"
QUOTA_FILE = "service-quotas-vpc-L-93826ACB.json"
INSTANCES_FILE = "ec2-describe-instances.json"
ROUTES_FILE = "ec2-describe-route-tables.json"
ASGS_FILE = "autoscaling-describe-auto-scaling-groups.json"
RTB = "rtb-0b7d3f9a1c5e2d846"


def snap(tmp_path: Path, cluster: ab.KubenetCluster, **kwargs: Any) -> Snapshot:
    return read_bundle(ab.write_bundle(tmp_path / "bundle", cluster, **kwargs))


def capacity(snapshot: Snapshot) -> CheckResult:
    return run_check(RouteTableCapacity(), CheckContext(snapshot), Selection())


def health(snapshot: Snapshot, networking: str | None = None) -> CheckResult:
    return run_check(RouteTableHealth(), CheckContext(snapshot, networking), Selection())


def pairs(result: CheckResult) -> set[tuple[str, Status]]:
    return {(str(f.object), f.status) for f in result.findings}


FULL = ab.KubenetCluster(workers=59, routed=48, nodes_max=70)
UNROUTED = sorted(FULL.instance_id(i) for i in range(48, 60))


# --- capacity ---------------------------------------------------------------------------------


def test_60_nodes_in_a_full_table_fail_capacity_with_the_arithmetic(tmp_path: Path) -> None:
    result = capacity(snap(tmp_path, FULL, quota_value=50))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"{RTB}: 2 other routes + 71 nodes at instance-group maxima = 73 routes > applied quota"
        " 50 (146%); 12 of 60 nodes have no route, now 50 of 50 routes used"
    )
    (finding,) = result.findings
    assert finding.object == ObjectRef("RouteTable", RTB)
    evidence = finding.evidence
    assert {
        k: evidence[k] for k in ("routes_now", "node_routes_now", "nodes_now", "max_nodes")
    } == {
        "routes_now": 50,
        "node_routes_now": 48,
        "nodes_now": 60,
        "max_nodes": 71,
    }
    assert (evidence["projected_routes"], evidence["quota"], evidence["headroom"]) == (73, 50, -23)
    assert (evidence["quota_source"], evidence["usage_percent"]) == ("applied", 146.0)
    assert evidence["other_routes"] == [
        "172.20.0.0/16 -> local",
        "0.0.0.0/0 -> igw-06a2c9e4f1b7d3580",
    ]
    assert evidence["max_nodes_by_group"] == {
        "control-plane-us-east-1a": {"max": 1, "now": 1, "source": "kops instance group maxSize"},
        "nodes-us-east-1a": {"max": 70, "now": 59, "source": "kops instance group maxSize"},
    }
    assert evidence["nodes_without_route"] == UNROUTED
    limit = evidence["route_limit_exceeded"]
    assert isinstance(limit, dict)
    assert (limit["event_count"], limit["nodes"]) == (12 * 37, UNROUTED)
    assert "RouteLimitExceeded" in str(limit["example"])
    assert "performance hit" in str(evidence["performance_note"])
    assert result.remediation is not None and "L-93826ACB" in result.remediation


def test_the_route_limit_is_the_root_cause_of_the_unrouted_nodes(tmp_path: Path) -> None:
    report = build_report(snap(tmp_path, FULL, quota_value=50), load_checks())
    assert report.root_causes[0] == "aws.route-table-capacity"
    network = report.result("node.network-ready")
    assert network.status is Status.FAIL
    assert "aws.route-table-capacity" in network.caused_by
    assert {f.object.name for f in network.problems if f.object} == set(UNROUTED)
    assert report.result("aws.route-table-health").caused_by == ("aws.route-table-capacity",)


def test_the_same_cluster_under_an_applied_quota_of_500_passes(tmp_path: Path) -> None:
    result = capacity(snap(tmp_path, FULL, quota_value=500))
    assert result.status is Status.PASS
    assert result.summary == (
        f"{RTB}: 2 other routes + 71 nodes at instance-group maxima = 73 routes <= applied quota"
        " 500 (14.6%); headroom 427 routes, now 50 of 500 routes used; 444 RouteLimitExceeded"
        " events were recorded earlier, the quota now leaves room for the routes still missing"
    )
    assert result.remediation is None


@pytest.mark.parametrize(
    ("cluster", "kwargs", "status", "says", "quota_source"),
    [
        pytest.param(
            ab.KubenetCluster(workers=59, nodes_max=70),
            {"quota_value": 85},
            Status.WARN,
            "above 80% of the quota, now 62 of 85 routes used",
            "applied",
            id="above-80-percent-of-the-applied-quota",
        ),
        pytest.param(
            ab.KubenetCluster(workers=59, nodes_max=70),
            {"quota_value": 50, "applied": False},
            Status.WARN,
            "the instance groups can grow past the quota, now 62 of 50 routes used; measured"
            " against the default quota, and the applied one may be higher (at least 62: the"
            " table already holds that many)",
            "default",
            id="over-awss-default-quota-applied-unknown",
        ),
        pytest.param(
            FULL,
            {"aws": {QUOTA_FILE: None}},
            Status.FAIL,
            "12 of 60 nodes have no route, now 50 of 50 routes used",
            "documented default",
            id="quota-not-collected-but-routelimitexceeded-seen",
        ),
        pytest.param(
            ab.KubenetCluster(workers=20, nodes_max=25),
            {"aws": {QUOTA_FILE: None}},
            Status.PASS,
            "headroom 22 routes, now 23 of 50 routes used",
            "documented default",
            id="quota-not-collected-room-under-the-documented-default",
        ),
        pytest.param(
            ab.KubenetCluster(workers=10, nodes_max=12),
            {"kops": False, "aws": {ASGS_FILE: None}},
            Status.WARN,
            "instance-group maxima are unknown (no kops instance groups or ASGs)",
            "applied",
            id="no-instance-groups-or-asgs-cannot-project",
        ),
    ],
)
def test_capacity_cases(
    tmp_path: Path,
    cluster: ab.KubenetCluster,
    kwargs: dict[str, Any],
    status: Status,
    says: str,
    quota_source: str,
) -> None:
    result = capacity(snap(tmp_path, cluster, **kwargs))
    assert result.status is status
    (finding,) = result.findings
    assert says in finding.message
    assert finding.evidence["quota_source"] == quota_source


EXPIRED = replace(FULL, events_expired=True)


def test_a_table_at_the_default_quota_whose_newest_nodes_have_no_route_is_full(
    tmp_path: Path,
) -> None:
    # Events expired after an hour: only the NoRouteCreated conditions remain, and the quota
    # could not be read. The table holds exactly the default 50 and the 12 newest nodes wait.
    snapshot = snap(tmp_path, EXPIRED, aws={QUOTA_FILE: None})
    result = capacity(snapshot)
    assert result.status is Status.FAIL
    assert result.summary.endswith(
        "12 of 60 nodes have no route, now 50 of 50 routes used; the table holds exactly the"
        " documented default quota of 50 routes, the 12 newest nodes have none and the route"
        " controller failed to create them: the table is full"
    )
    assert result.findings[0].evidence["nodes_without_route"] == UNROUTED
    report = build_report(snapshot, load_checks())
    assert report.root_causes[0] == "aws.route-table-capacity"
    assert "aws.route-table-capacity" in report.result("aws.route-table-health").caused_by


def test_unrouted_nodes_that_are_not_the_newest_do_not_prove_a_full_table(
    tmp_path: Path,
) -> None:
    root = ab.write_bundle(tmp_path / "bundle", EXPIRED, aws={QUOTA_FILE: None})
    nodes_file = root / "cluster-info" / "nodes.json"
    doc = json.loads(nodes_file.read_text())
    for item in doc["items"]:  # the unrouted nodes joined first: something else broke them
        if item["metadata"]["name"] in UNROUTED:
            item["metadata"]["creationTimestamp"] = "2026-11-25T07:00:00Z"
    nodes_file.write_text(json.dumps(doc))
    result = capacity(read_bundle(root))
    assert result.status is Status.WARN
    assert "the table is full" not in result.summary
    assert "full_table" not in result.findings[0].evidence


def test_quota_not_collected_says_which_default_it_assumed(tmp_path: Path) -> None:
    result = capacity(snap(tmp_path, FULL, aws={QUOTA_FILE: None}))
    note = str(result.findings[0].evidence["quota_note"])
    assert note.startswith(
        "aws/service-quotas-vpc-L-93826ACB.json not in the bundle; assuming 50, the default"
    )


def test_asg_max_size_without_kops_spec_and_mode_from_the_routes(tmp_path: Path) -> None:
    snapshot = snap(tmp_path, FULL, kops=False)
    result = capacity(snapshot)
    assert result.status is Status.FAIL
    assert result.findings[0].evidence["max_nodes_by_group"] == {
        f"control-plane-us-east-1a.{NAME}": {"max": 1, "now": 1, "source": "ASG MaxSize"},
        f"nodes-us-east-1a.{NAME}": {"max": 70, "now": 59, "source": "ASG MaxSize"},
    }
    # The route controller's RouteCreated on the routed nodes shows kubenet (issue 4's mode
    # detection), so the mode is known and the summary carries no "mode unknown" note.
    mode = resolve_networking(snapshot)
    assert mode is not None and (mode.name, mode.source) == ("kubenet", "deployed")
    assert mode.detail == "NetworkUnavailable=False RouteCreated on 48 nodes (cloud routes)"
    assert "networking mode unknown" not in result.summary


def test_a_1000_route_table_with_1000_instances(tmp_path: Path) -> None:
    big = ab.KubenetCluster(workers=997, nodes_max=997)
    snapshot = snap(tmp_path, big, quota_value=1000)
    assert snapshot.aws_route_tables is not None
    assert len(snapshot.aws_route_tables[0].routes) == 1000
    assert snapshot.aws_instances is not None and len(snapshot.aws_instances) == 998
    cap = capacity(snapshot)
    assert cap.status is Status.WARN
    assert cap.findings[0].message == (
        f"{RTB}: 2 other routes + 998 nodes at instance-group maxima = 1000 routes <= applied"
        " quota 1000 (100%); above 80% of the quota, now 1000 of 1000 routes used"
    )
    result = health(snapshot)
    assert result.status is Status.PASS
    assert result.summary.startswith(f"{RTB}: 998 node routes for 998 nodes")


# --- health -----------------------------------------------------------------------------------


SMALL = ab.KubenetCluster(workers=5, nodes_max=8)


def test_healthy_table_passes(tmp_path: Path) -> None:
    result = health(snap(tmp_path, SMALL))
    assert result.status is Status.PASS
    assert result.summary == (
        f"{RTB}: 6 node routes for 6 nodes, none blackhole or stale; the table is the cluster's alone"
    )
    assert capacity(snap(tmp_path / "again", SMALL)).status is Status.PASS


def test_nodes_without_a_route_fail_health_named(tmp_path: Path) -> None:
    result = health(snap(tmp_path, FULL))
    assert result.status is Status.FAIL
    assert result.summary == f"{RTB}: 12 node(s) without a route"
    assert pairs(result) == {(f"Node/{n}", Status.FAIL) for n in UNROUTED}
    node_48 = next(f for f in result.findings if f.object and f.object.name == FULL.instance_id(48))
    assert node_48.message == f"no route for its podCIDR 100.96.48.0/24 in {RTB}"
    assert node_48.evidence["network_unavailable"] == "True NoRouteCreated"
    assert node_48.signals == ("no-route-created",)


def terminated(
    cluster: ab.KubenetCluster, instance_id: str, tags: dict[str, str]
) -> dict[str, Any]:
    return ab.instance(
        instance_id, "172.20.40.99", cluster.vpc, cluster.subnet, tags, state="terminated"
    )


def with_instances(cluster: ab.KubenetCluster, *extra: dict[str, Any]) -> dict[str, Any]:
    return {INSTANCES_FILE: ab.describe_instances([*cluster.instance_docs(), *extra])}


def test_blackhole_route_of_a_terminated_instance_fails_named(tmp_path: Path) -> None:
    gone = "i-0d4c1e7b9a3f52e68"
    cluster = replace(SMALL, extra_routes=[ab.instance_route("100.96.200.0/24", gone, "blackhole")])
    tags = ab.kops_tags(NAME, "nodes-us-east-1a", "node")
    result = health(
        snap(tmp_path, cluster, aws=with_instances(cluster, terminated(cluster, gone, tags)))
    )
    assert result.status is Status.FAIL
    assert pairs(result) == {(f"Route/{RTB}/100.96.200.0/24", Status.FAIL)}
    (finding,) = result.findings
    assert finding.message == f"blackhole route 100.96.200.0/24 -> {gone} (instance terminated)"
    assert finding.evidence["instance_state"] == "terminated"
    assert finding.evidence["instance_group"] == "nodes-us-east-1a"
    assert result.summary == f"{RTB}: 1 blackhole route(s)"


def test_blackhole_route_for_a_live_nodes_podcidr_fails_on_the_node(tmp_path: Path) -> None:
    old = "i-0e5f7a9c1b3d24680"
    replaced = ab.KubenetCluster(workers=5, nodes_max=8, routed=3)
    cluster = replace(
        replaced,
        extra_routes=[
            ab.instance_route(replaced.pod_cidr(3), old, "blackhole"),
            ab.instance_route(replaced.pod_cidr(4), replaced.instance_id(4)),
            ab.instance_route(replaced.pod_cidr(5), replaced.instance_id(5)),
        ],
    )
    result = health(
        snap(tmp_path, cluster, aws=with_instances(cluster, terminated(cluster, old, {})))
    )
    assert pairs(result) == {(f"Node/{cluster.instance_id(3)}", Status.FAIL)}
    assert result.findings[0].message == (
        f"its route 100.96.3.0/24 -> {old} is blackhole (instance terminated)"
    )


def test_stale_routes_to_instances_that_are_not_nodes_fail_named(tmp_path: Path) -> None:
    stray = ab.instance(
        "i-0a9b8c7d6e5f40312", "172.20.44.4", SMALL.vpc, SMALL.subnet, {"Name": "old-worker"}
    )
    unknown = "i-0123456789abcdef0"
    cluster = replace(
        SMALL,
        extra_routes=[
            ab.instance_route("100.96.201.0/24", stray["InstanceId"]),
            ab.instance_route("100.96.202.0/24", unknown),
        ],
    )
    result = health(snap(tmp_path, cluster, aws=with_instances(cluster, stray)))
    assert pairs(result) == {
        (f"Route/{RTB}/100.96.201.0/24", Status.FAIL),
        (f"Route/{RTB}/100.96.202.0/24", Status.FAIL),
    }
    messages = sorted(f.message for f in result.findings)
    assert messages == [
        "stale route 100.96.201.0/24 -> i-0a9b8c7d6e5f40312, not a node of this cluster (instance running)",
        f"stale route 100.96.202.0/24 -> {unknown}, not a node of this cluster",
    ]
    by_route = {f.evidence["destination"]: f.evidence for f in result.findings}
    assert by_route["100.96.201.0/24"]["instance_name"] == "old-worker"
    assert by_route["100.96.202.0/24"]["instance_state"] == "not found in the instances listed"


def test_route_to_another_nodes_instance_fails_as_wrong_target(tmp_path: Path) -> None:
    base = ab.KubenetCluster(workers=3, nodes_max=4, routed=2)
    cluster = replace(
        base,
        extra_routes=[
            ab.instance_route(base.pod_cidr(2), base.instance_id(1)),
            ab.instance_route(base.pod_cidr(3), base.instance_id(3)),
        ],
    )
    result = health(snap(tmp_path, cluster))
    assert pairs(result) == {(f"Node/{base.instance_id(2)}", Status.FAIL)}
    assert result.findings[0].message == (
        f"its route 100.96.2.0/24 points at {base.instance_id(1)}, not its own instance"
        f" {base.instance_id(2)}"
    )


def test_table_shared_with_another_cluster_fails_with_tags_and_routes(tmp_path: Path) -> None:
    staging = ab.instance(
        "i-0f1e2d3c4b5a69788",
        "172.20.45.5",
        SMALL.vpc,
        SMALL.subnet,
        ab.kops_tags("staging.k8s.local", "nodes-us-east-1a", "node"),
    )
    cluster = replace(
        SMALL, extra_routes=[ab.instance_route("100.97.5.0/24", staging["InstanceId"])]
    )
    tables = cluster.route_tables()
    tables["RouteTables"][0]["Tags"].append(
        {"Key": "kubernetes.io/cluster/staging.k8s.local", "Value": "owned"}
    )
    result = health(
        snap(tmp_path, cluster, aws={ROUTES_FILE: tables, **with_instances(cluster, staging)})
    )
    assert pairs(result) == {(f"RouteTable/{RTB}", Status.FAIL)}
    (finding,) = result.findings
    assert finding.message == (
        "also tagged for cluster staging.k8s.local (kubernetes.io/cluster/staging.k8s.local=owned):"
        " two clusters' route controllers write here and each deletes routes it does not own"
    )
    assert finding.evidence["other_cluster_tags"] == [
        "kubernetes.io/cluster/staging.k8s.local=owned"
    ]
    assert finding.evidence["other_cluster_routes"] == [
        "100.97.5.0/24 -> i-0f1e2d3c4b5a69788 (staging.k8s.local)"
    ]
    assert finding.evidence["own_tag"] == f"KubernetesCluster={NAME}"


def test_two_tables_tagged_for_the_cluster_fail_like_the_route_controller(tmp_path: Path) -> None:
    second = ab.route_table(
        "rtb-0c1d2e3f4a5b6c7d8",
        "vpc-0aa1bb2cc3dd4ee5f",
        [ab.local_route("10.1.0.0/16")],
        {"KubernetesCluster": NAME, "Name": "copied-by-hand"},
    )
    tables = SMALL.route_tables()
    tables["RouteTables"].append(second)
    result = health(snap(tmp_path, SMALL, aws={ROUTES_FILE: tables}))
    assert pairs(result) == {
        (f"RouteTable/{RTB}", Status.FAIL),
        ("RouteTable/rtb-0c1d2e3f4a5b6c7d8", Status.FAIL),
    }
    for finding in result.findings:
        assert finding.message.startswith(
            f"found multiple matching AWS route tables for AWS cluster: {NAME}"
            f" ({RTB}, rtb-0c1d2e3f4a5b6c7d8)"
        )
    assert result.summary == (
        f"{RTB}, rtb-0c1d2e3f4a5b6c7d8: 2 route tables tagged for the cluster (the route"
        " controller needs one)"
    )


def test_two_tables_blackholes_and_unrouted_nodes_are_all_reported(tmp_path: Path) -> None:
    # A table copied by hand for the cluster, a blackhole left by a terminated node and two
    # nodes the route controller has not routed: one report names every defect.
    gone = "i-0d4c1e7b9a3f52e68"
    cluster = replace(
        ab.KubenetCluster(workers=5, nodes_max=8, routed=4),
        extra_routes=[ab.instance_route("100.96.200.0/24", gone, "blackhole")],
    )
    second = ab.route_table(
        "rtb-0c1d2e3f4a5b6c7d8",
        cluster.vpc,
        [
            ab.local_route("172.20.0.0/16"),
            ab.instance_route(cluster.pod_cidr(1), cluster.instance_id(1)),
        ],
        {"KubernetesCluster": NAME, "Name": "copied-by-hand"},
    )
    tables = cluster.route_tables()
    tables["RouteTables"].append(second)
    tags = ab.kops_tags(NAME, "nodes-us-east-1a", "node")
    aws = {ROUTES_FILE: tables, **with_instances(cluster, terminated(cluster, gone, tags))}
    result = health(snap(tmp_path, cluster, aws=aws))
    assert pairs(result) == {
        (f"RouteTable/{RTB}", Status.FAIL),
        ("RouteTable/rtb-0c1d2e3f4a5b6c7d8", Status.FAIL),
        (f"Route/{RTB}/100.96.200.0/24", Status.FAIL),
        (f"Node/{cluster.instance_id(4)}", Status.FAIL),
        (f"Node/{cluster.instance_id(5)}", Status.FAIL),
    }
    unrouted = next(
        f for f in result.findings if f.object == ObjectRef("Node", cluster.instance_id(4))
    )
    assert unrouted.message == (
        f"no route for its podCIDR 100.96.4.0/24 in {RTB}, rtb-0c1d2e3f4a5b6c7d8"
    )
    assert result.summary == (
        f"{RTB}, rtb-0c1d2e3f4a5b6c7d8: 2 route tables tagged for the cluster (the route"
        " controller needs one), 1 blackhole route(s), 2 node(s) without a route"
    )


def test_a_node_routed_in_only_one_of_two_tables_is_not_reported_missing(tmp_path: Path) -> None:
    second = ab.route_table(
        "rtb-0c1d2e3f4a5b6c7d8",
        SMALL.vpc,
        [ab.local_route("172.20.0.0/16")],
        {"KubernetesCluster": NAME},
    )
    tables = SMALL.route_tables()
    tables["RouteTables"].append(second)
    result = health(snap(tmp_path, SMALL, aws={ROUTES_FILE: tables}))
    assert {obj for obj, _ in pairs(result)} == {
        f"RouteTable/{RTB}",
        "RouteTable/rtb-0c1d2e3f4a5b6c7d8",
    }


def test_no_table_tagged_for_the_cluster_fails_and_points_at_the_untagged_one(
    tmp_path: Path,
) -> None:
    tables = SMALL.route_tables()
    tables["RouteTables"][0]["Tags"] = [{"Key": "Name", "Value": NAME}]
    result = health(snap(tmp_path, SMALL, aws={ROUTES_FILE: tables}))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"unable to find route table for AWS cluster: {NAME} (no table tagged"
        f" KubernetesCluster={NAME} or kubernetes.io/cluster/{NAME}); {RTB} holds 6 routes to"
        " its nodes but lacks the tag"
    )
    assert capacity(snap(tmp_path / "c", SMALL, aws={ROUTES_FILE: tables})).status is Status.SKIP


def test_source_dest_check_still_on_fails_for_that_node(tmp_path: Path) -> None:
    docs = SMALL.instance_docs()
    docs[2]["SourceDestCheck"] = True
    result = health(snap(tmp_path, SMALL, aws={INSTANCES_FILE: ab.describe_instances(docs)}))
    assert pairs(result) == {(f"Node/{SMALL.instance_id(2)}", Status.FAIL)}
    assert result.findings[0].message == (
        f"source/destination check is still on for {SMALL.instance_id(2)}: AWS drops traffic to"
        " its pods (100.96.2.0/24) although the route exists"
    )


def test_cluster_name_from_instance_tags_without_kops_spec(tmp_path: Path) -> None:
    result = health(snap(tmp_path, SMALL, kops=False))
    assert result.status is Status.PASS


def test_kubenet_without_any_way_to_name_the_cluster_warns(tmp_path: Path) -> None:
    snapshot = snap(tmp_path, SMALL, kops=False, aws={INSTANCES_FILE: None})
    result = health(snapshot, networking="kubenet")
    assert result.status is Status.WARN
    assert result.summary.startswith("cannot tell which route table is the cluster's")


# --- other networking modes -------------------------------------------------------------------


def test_calico_cluster_skips_both_checks_with_the_reason(tmp_path: Path) -> None:
    cluster = ab.KubenetCluster(workers=3, nodes_max=4, routed=0)
    snapshot = snap(tmp_path, cluster, networking={"calico": {}})
    for result in (capacity(snapshot), health(snapshot)):
        assert result.status is Status.SKIP
        assert result.summary.startswith(
            "networking is calico (from kops spec): pods are not routed"
        )
        assert result.findings == ()


def test_kubenet_routes_left_in_the_table_of_a_calico_cluster_are_reported(tmp_path: Path) -> None:
    snapshot = snap(tmp_path, SMALL, networking={"calico": {}})
    assert capacity(snapshot).status is Status.SKIP
    result = health(snapshot)
    assert result.status is Status.WARN
    assert pairs(result) == {(f"RouteTable/{RTB}", Status.WARN)}
    (finding,) = result.findings
    assert finding.message.startswith(
        "6 kubenet-style routes (pod CIDR -> instance) remain although networking is calico"
    )
    assert finding.evidence["routes"] == [
        f"{SMALL.pod_cidr(i)} -> {SMALL.instance_id(i)}" for i in range(6)
    ]


def test_unknown_mode_without_node_routes_does_not_apply(tmp_path: Path) -> None:
    cluster = ab.KubenetCluster(workers=3, nodes_max=4, routed=0)
    result = health(snap(tmp_path, cluster, kops=False))
    assert result.status is Status.SKIP
    assert result.summary.startswith("networking mode unknown")
