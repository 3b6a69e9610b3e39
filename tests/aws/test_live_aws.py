"""The live AWS path: boto3 against moto, collected facts, then the route-table checks.

moto's gaps (no pagination of DescribeRouteTables, no blackhole routes, default-only quotas)
are filled by the documented extensions in moto_ext.py; the route limit itself, which moto does
not enforce, is tested offline in tests/checks/test_aws.py.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from kopscheck_checks.aws.route_table_capacity import RouteTableCapacity
from kopscheck_checks.aws.route_table_health import RouteTableHealth
from moto.server import ThreadedMotoServer
from moto_ext import MotoExtension
from moto_world import NAME, REGION, World, build_world

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.aws import paging
from kopscheck.collectors.aws import reader as live_aws
from kopscheck.collectors.aws.paging import AwsBounds
from kopscheck.collectors.aws.reader import AwsCollection, collect_aws, write_aws_files
from kopscheck.collectors.kube.bounds import Deadline
from kopscheck.collectors.live import AWS_OFF, NOT_ON_AWS, collect_cloud
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.options import SourceOptions
from kopscheck.engine.runner import Selection, run_check
from kopscheck.knowledge.routes import cluster_tables
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Fact, Snapshot
from kopscheck.model.results import CheckResult, Status


def live(world: World) -> tuple[AwsCollection, Snapshot]:
    collection = collect_aws(world.name, region=REGION)
    return collection, collection.apply(world.snapshot())


def health(snapshot: Snapshot) -> CheckResult:
    return run_check(RouteTableHealth(), CheckContext(snapshot), Selection())


def capacity(snapshot: Snapshot) -> CheckResult:
    return run_check(RouteTableCapacity(), CheckContext(snapshot), Selection())


def pairs(result: CheckResult) -> set[tuple[str, Status]]:
    return {(str(f.object), f.status) for f in result.findings}


def other_cluster() -> str:
    """A second kops cluster in its own VPC, with its own tagged route table."""
    client = boto3.client("ec2", region_name=REGION)
    tags = [{"Key": "KubernetesCluster", "Value": "staging.k8s.local"}]
    vpc = client.create_vpc(
        CidrBlock="10.20.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}]
    )["Vpc"]["VpcId"]
    table = client.create_route_table(
        VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": tags}]
    )
    return str(table["RouteTable"]["RouteTableId"])


def test_discovers_the_clusters_resources_by_tag(mocked: MotoExtension) -> None:
    world = build_world(workers=3, nodes_max=6)
    theirs = other_cluster()
    collection, snapshot = live(world)
    assert collection.missing == {}
    assert collection.vpc_ids == (world.vpc,)
    tables = snapshot.aws_route_tables or ()
    assert theirs not in {t.id for t in tables}
    assert [t.id for t in cluster_tables(tables, NAME)] == [world.rtb]
    mine = next(t for t in tables if t.id == world.rtb)
    assert {(r.destination, r.target) for r in mine.routes} >= {
        (world.pod_cidr(i), world.instances[i]) for i in range(4)
    }
    assert sorted(i.id for i in snapshot.aws_instances or ()) == sorted(world.instances)
    assert sorted(g.name for g in snapshot.aws_autoscaling_groups or ()) == [
        f"control-plane-us-east-1a.{NAME}",
        f"nodes-us-east-1a.{NAME}",
    ]


def test_healthy_live_cluster_passes_both_checks(mocked: MotoExtension) -> None:
    mocked.quota(applied=500)
    _, snapshot = live(build_world(workers=5, nodes_max=8))
    result = capacity(snapshot)
    assert result.status is Status.PASS
    assert result.findings[0].evidence["quota_source"] == "applied"
    assert result.findings[0].evidence["arithmetic"] == (
        "2 other routes + 9 nodes at instance-group maxima = 11 routes <= applied quota 500 (2.2%)"
    )
    assert health(snapshot).status is Status.PASS


@pytest.mark.parametrize(
    ("applied", "deny_default", "value", "source", "note"),
    [
        pytest.param(500, False, 500.0, "applied", "", id="applied-increase"),
        pytest.param(
            None,
            False,
            50.0,
            "default",
            "GetServiceQuota refused (AccessDeniedException: User: arn:aws:iam::123456789012:"
            "user/readonly is not authorized",
            id="applied-denied-aws-default",
        ),
    ],
)
def test_route_quota(
    mocked: MotoExtension,
    applied: int | None,
    deny_default: bool,
    value: float,
    source: str,
    note: str,
) -> None:
    mocked.quota(applied=applied, deny_default=deny_default)
    _, snapshot = live(build_world(workers=1, nodes_max=2))
    quota = snapshot.aws_route_quota
    assert quota is not None
    assert (quota.value, quota.source) == (value, source)
    assert quota.note.startswith(note)


def test_quota_unreadable_falls_back_to_the_documented_default_said_so(
    mocked: MotoExtension,
) -> None:
    mocked.quota(applied=None, deny_default=True)
    collection, snapshot = live(build_world(workers=1, nodes_max=2))
    reason = collection.missing[Fact.AWS_ROUTE_QUOTA]
    assert reason.startswith(
        "Service Quotas gave neither the applied routes-per-route-table quota"
        " (AccessDeniedException:"
    )
    assert "nor AWS's default (AccessDeniedException:" in reason
    evidence = capacity(snapshot).findings[0].evidence
    assert evidence["quota_source"] == "documented default"
    assert str(evidence["quota_note"]).startswith(reason + "; assuming 50")


def launch_tagged(world: World, count: int) -> None:
    """`count` more cluster instances, one reservation each, as separate launches make."""
    ec2 = boto3.client("ec2", region_name=REGION)
    tag = [{"Key": f"kubernetes.io/cluster/{NAME}", "Value": "shared"}]
    for _ in range(count):
        ec2.run_instances(
            ImageId="ami-0e2c8caa4b6378d8c",
            MinCount=1,
            MaxCount=1,
            SubnetId=world.subnet,
            TagSpecifications=[{"ResourceType": "instance", "Tags": tag}],
        )


def test_every_describe_call_pages(mocked: MotoExtension, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small pages force several requests per query; nothing may be lost between pages."""
    mocked.page_route_tables()
    monkeypatch.setattr(paging, "PAGE_SIZES", dict.fromkeys(paging.PAGE_SIZES, 5))
    world = build_world(workers=2, nodes_max=3)
    ec2 = boto3.client("ec2", region_name=REGION)
    tag = [{"Key": f"kubernetes.io/cluster/{NAME}", "Value": "shared"}]
    extra = [
        ec2.create_route_table(
            VpcId=world.vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": tag}]
        )["RouteTable"]["RouteTableId"]
        for _ in range(12)
    ]
    launch_tagged(world, 11)
    collection, snapshot = live(world)
    assert collection.missing == {}
    assert {"5", "10"} <= set(mocked.route_table_tokens)
    tagged = cluster_tables(snapshot.aws_route_tables or (), NAME)
    assert sorted(t.id for t in tagged) == sorted([world.rtb, *extra])
    assert len(snapshot.aws_instances or ()) == 3 + 11
    assert health(snapshot).summary.startswith(f"{world.rtb}, ")  # 13 tables: the controller stops


def test_a_query_past_the_page_cap_fails_its_fact_naming_the_flag(
    mocked: MotoExtension, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZES", dict.fromkeys(paging.PAGE_SIZES, 5))
    world = build_world(workers=2, nodes_max=3)
    launch_tagged(world, 11)  # with the world's 3: three pages of 5 in all
    collection = collect_aws(world.name, region=REGION, bounds=AwsBounds(max_pages=2))
    assert collection.missing[Fact.AWS_INSTANCES] == (
        "ec2:DescribeInstances: stopped after 2 pages of 5 (--max-pages)"
    )
    assert Fact.AWS_INSTANCES in collection.failed
    assert Fact.AWS_ROUTE_TABLES not in collection.missing  # one page: the others go on
    ok = collect_aws(world.name, region=REGION, bounds=AwsBounds(max_pages=3))
    assert Fact.AWS_INSTANCES not in ok.missing


def test_nothing_is_asked_of_aws_after_the_scan_deadline(mocked: MotoExtension) -> None:
    world = build_world(workers=1, nodes_max=2)
    spent = Deadline(seconds=2.0, at=time.monotonic() - 1)
    collection = collect_aws(world.name, region=REGION, bounds=AwsBounds(deadline=spent))
    gone = "the scan ran out of time (--timeout 2s)"
    assert collection.missing == {
        Fact.AWS_INSTANCES: f"ec2:DescribeInstances: {gone}",
        Fact.AWS_ROUTE_TABLES: f"not read: {gone}",
        Fact.AWS_AUTOSCALING_GROUPS: f"not read: {gone}",
        Fact.AWS_ROUTE_QUOTA: f"not read: {gone}",
        Fact.AWS_SECURITY_GROUPS: f"not read: {gone}",
    }
    assert collection.failed == frozenset(collection.missing)


def test_1000_routes_and_1000_instances(mocked: MotoExtension) -> None:
    mocked.quota(applied=1000)
    world = build_world(workers=997, nodes_max=997, asgs=False)
    _, snapshot = live(world)
    (table,) = cluster_tables(snapshot.aws_route_tables or (), NAME)
    assert len(table.routes) == 1000
    assert len(snapshot.aws_instances or ()) == 998
    assert capacity(snapshot).findings[0].evidence["arithmetic"] == (
        "2 other routes + 998 nodes at instance-group maxima = 1000 routes <= applied quota 1000"
        " (100%)"
    )
    assert health(snapshot).status is Status.PASS


def test_route_to_a_terminated_instance_is_blackhole_and_named(mocked: MotoExtension) -> None:
    mocked.blackhole_terminated()
    world = build_world(workers=3, nodes_max=4)
    gone = world.instances.pop(3)  # terminated; its Node object was deleted
    world.ec2.terminate_instances(InstanceIds=[gone])
    _, snapshot = live(world)
    result = health(snapshot)
    assert pairs(result) == {(f"Route/{world.rtb}/{world.pod_cidr(3)}", Status.FAIL)}
    (finding,) = result.findings
    assert finding.message == f"blackhole route {world.pod_cidr(3)} -> {gone} (instance terminated)"
    assert finding.evidence["instance_group"] == "nodes-us-east-1a"


def test_missing_and_stale_routes_are_named(mocked: MotoExtension) -> None:
    world = build_world(workers=3, nodes_max=4)
    world.ec2.delete_route(RouteTableId=world.rtb, DestinationCidrBlock=world.pod_cidr(2))
    stray = world.ec2.run_instances(
        ImageId="ami-0e2c8caa4b6378d8c", MinCount=1, MaxCount=1, SubnetId=world.subnet
    )["Instances"][0]["InstanceId"]
    world.ec2.create_route(
        RouteTableId=world.rtb, DestinationCidrBlock="100.96.50.0/24", InstanceId=stray
    )
    _, snapshot = live(world)
    assert stray in {i.id for i in snapshot.aws_instances or ()}  # fetched by id: untagged
    result = health(snapshot)
    assert pairs(result) == {
        (f"Node/{world.instances[2]}", Status.FAIL),
        (f"Route/{world.rtb}/100.96.50.0/24", Status.FAIL),
    }
    messages = {str(f.object): f.message for f in result.findings}
    assert messages[f"Route/{world.rtb}/100.96.50.0/24"] == (
        f"stale route 100.96.50.0/24 -> {stray}, not a node of this cluster (instance running)"
    )
    assert messages[f"Node/{world.instances[2]}"] == (
        f"no route for its podCIDR {world.pod_cidr(2)} in {world.rtb}"
    )


def test_table_shared_with_another_cluster_is_named(mocked: MotoExtension) -> None:
    world = build_world(workers=2, nodes_max=3)
    world.ec2.create_tags(
        Resources=[world.rtb],
        Tags=[{"Key": "kubernetes.io/cluster/staging.k8s.local", "Value": "owned"}],
    )
    _, snapshot = live(world)
    result = health(snapshot)
    assert pairs(result) == {(f"RouteTable/{world.rtb}", Status.FAIL)}
    assert result.findings[0].evidence["other_cluster_tags"] == [
        "kubernetes.io/cluster/staging.k8s.local=owned"
    ]


def test_source_dest_check_left_on(mocked: MotoExtension) -> None:
    world = build_world(workers=2, nodes_max=3)
    world.ec2.modify_instance_attribute(
        InstanceId=world.instances[1], SourceDestCheck={"Value": True}
    )
    _, snapshot = live(world)
    assert pairs(health(snapshot)) == {(f"Node/{world.instances[1]}", Status.FAIL)}


def test_user_data_is_never_collected_or_written(mocked: MotoExtension, tmp_path: Path) -> None:
    secret = "export KOPS_BOOTSTRAP_TOKEN=s3cr3t-b00tstrap"
    collection, _ = live(build_world(workers=1, nodes_max=2, user_data=secret))
    written = write_aws_files(tmp_path, collection.documents)
    text = json.dumps(collection.documents) + "".join(p.read_text() for p in written)
    encoded = base64.b64encode(secret.encode()).decode()
    assert "s3cr3t" not in text and encoded not in text and "UserData" not in text
    doc = {"Reservations": [{"Instances": [{"InstanceId": "i-1", "UserData": "c2VjcmV0"}]}]}
    (path,) = write_aws_files(tmp_path / "x", {"ec2-describe-instances.json": doc})
    assert json.loads(path.read_text()) == {
        "Reservations": [{"Instances": [{"InstanceId": "i-1"}]}]
    }


def test_collected_files_read_back_into_the_same_facts(
    mocked: MotoExtension, tmp_path: Path
) -> None:
    mocked.quota(applied=200)
    world = build_world(workers=3, nodes_max=5, routed=3)
    collection, _ = live(world)
    paths = write_aws_files(tmp_path, collection.documents)
    assert sorted(p.name for p in paths) == [
        "autoscaling-describe-auto-scaling-groups.json",
        "ec2-describe-instances.json",
        "ec2-describe-route-tables.json",
        "ec2-describe-security-groups.json",
        "service-quotas-vpc-L-93826ACB.json",
    ]
    offline = read_bundle(tmp_path)
    for name, facts in collection.fields.items():
        assert getattr(offline, name) == facts, name


def test_aws_endpoint_url_is_honoured(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        world = build_world(workers=1, nodes_max=2)  # built through the same endpoint
        collection, _ = live(world)
        assert Fact.AWS_ROUTE_TABLES not in collection.missing
        assert world.rtb in {
            str(t["RouteTableId"])
            for t in collection.documents["ec2-describe-route-tables.json"]["RouteTables"]
        }
    finally:
        server.stop()


def test_no_region_no_name_no_credentials_leave_the_facts_missing(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert collect_aws(NAME).missing == dict.fromkeys(
        live_aws.AWS_FACTS, "no AWS region: pass --region or set AWS_REGION"
    )
    assert collect_aws(None, region=REGION).missing[Fact.AWS_INSTANCES] == (
        "no cluster name to find its AWS resources by tag (pass --name)"
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    missing = collect_aws(NAME, region=REGION).missing
    assert missing == dict.fromkeys(
        live_aws.AWS_FACTS, "cannot call AWS: Unable to locate credentials"
    )


def test_refused_describe_route_tables_skips_the_checks_with_the_reason(
    mocked: MotoExtension,
) -> None:
    mocked.deny_route_tables()
    collection, snapshot = live(build_world(workers=1, nodes_max=2))
    reason = collection.missing[Fact.AWS_ROUTE_TABLES]
    assert reason.startswith("ec2:DescribeRouteTables failed: UnauthorizedOperation: You are not")
    assert Fact.AWS_INSTANCES not in collection.missing
    for result in (capacity(snapshot), health(snapshot)):
        assert result.status is Status.SKIP
        assert result.summary == f"cannot decide: {reason}"


def test_unknown_profile_is_an_input_error(aws_env: None) -> None:
    with pytest.raises(InputError, match="--profile"):
        collect_aws(NAME, region=REGION, profile="no-such-profile")


def test_live_path_fills_aws_facts_with_the_region_of_the_nodes(mocked: MotoExtension) -> None:
    world = build_world(workers=1, nodes_max=2)
    base = world.snapshot()
    regions = {n.labels.get("topology.kubernetes.io/region") for n in base.nodes or ()}
    assert regions == {REGION}
    collection = collect_cloud(SourceOptions(cluster_name=NAME), base)
    filled = collection.apply(base)
    assert filled.aws_route_tables is not None and filled.aws_instances is not None
    assert not {Fact.AWS_ROUTE_TABLES, Fact.AWS_INSTANCES} & set(filled.missing)
    assert filled.nodes == base.nodes


def test_live_path_asks_aws_nothing_when_turned_off_or_not_on_aws(mocked: MotoExtension) -> None:
    base = build_world(workers=1, nodes_max=2).snapshot()
    off = collect_cloud(SourceOptions(cluster_name=NAME, aws=False), base).apply(base)
    assert off.missing[Fact.AWS_ROUTE_TABLES] == AWS_OFF and off.aws_route_tables is None
    nodes = tuple(replace(n, provider_id="") for n in base.nodes or ())
    elsewhere = replace(base, nodes=nodes, kops_cluster=None)
    gce = collect_cloud(SourceOptions(cluster_name=NAME), elsewhere).apply(elsewhere)
    assert gce.missing[Fact.AWS_INSTANCES] == NOT_ON_AWS
