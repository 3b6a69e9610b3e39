"""The cluster's security groups, read live (boto3 against moto) with kops's own groups and
rules: the groups on the cluster's instances and nothing else, paged within --max-pages, a
refusal kept as the reason, the bundle file read back into the same facts, a worker whose
group admits nothing from the other nodes named at net.connectivity's security-group hop, and
one whose group lets only HTTPS out at its security-group-egress hop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aws_builders as ab
import connectivity_builders as cb
import pytest
from kopscheck_checks.net.connectivity import Connectivity
from moto_ext import MotoExtension
from moto_world import NAME, REGION, World, build_world

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.aws import paging
from kopscheck.collectors.aws.paging import AwsBounds
from kopscheck.collectors.aws.reader import SECURITY_GROUPS_FILE, collect_aws, write_aws_files
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.runner import Selection, run_check
from kopscheck.model.facts import Fact, SecurityGroupRule, Snapshot
from kopscheck.model.results import Status


def group(world: World, name: str) -> str:
    made = world.ec2.create_security_group(
        GroupName=name, Description="added by hand", VpcId=world.vpc
    )
    return str(made["GroupId"])


def launch(world: World, groups: list[str]) -> str:
    """One more worker of the cluster, in `groups`, with its route (as the controller adds it)."""
    launched = world.ec2.run_instances(
        ImageId="ami-0e2c8caa4b6378d8c",
        MinCount=1,
        MaxCount=1,
        SubnetId=world.subnet,
        SecurityGroupIds=groups,
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": ab.tag_list(ab.kops_tags(NAME, "nodes-us-east-1a", "node")),
            }
        ],
    )["Instances"][0]
    world.instances.append(launched["InstanceId"])
    world.ips[launched["InstanceId"]] = launched["PrivateIpAddress"]
    world.add_route(len(world.instances) - 1)
    return str(launched["InstanceId"])


def test_reads_kops_groups_on_the_clusters_instances_only(
    mocked: MotoExtension, tmp_path: Path
) -> None:
    world = build_world(workers=2, nodes_max=3)
    unused = group(world, "bastion-by-hand")  # in the VPC, on no instance
    collection = collect_aws(NAME, region=REGION)
    assert Fact.AWS_SECURITY_GROUPS not in collection.missing
    snapshot = collection.apply(world.snapshot())
    found = {g.id: g for g in snapshot.aws_security_groups or ()}
    assert set(found) == {world.nodes_group, world.masters_group}
    assert unused not in found
    nodes = found[world.nodes_group]
    assert nodes.name == f"nodes.{NAME}" and nodes.vpc_id == world.vpc
    assert nodes.tags["KubernetesCluster"] == NAME
    everything = next(r for r in nodes.ingress if r.protocol == "-1")
    assert sorted(everything.group_ids) == sorted([world.nodes_group, world.masters_group])
    assert SecurityGroupRule("tcp", 22, 22, cidrs=("0.0.0.0/0",)) in nodes.ingress
    masters = found[world.masters_group]
    node_to_master = {
        (r.protocol, r.from_port, r.to_port)
        for r in masters.ingress
        if r.group_ids == (world.nodes_group,)
    }
    assert node_to_master == {
        ("tcp", 1, 2379),
        ("tcp", 2382, 4000),
        ("tcp", 4003, 65535),
        ("udp", 1, 65535),
    }
    instances = {i.id: i.security_group_ids for i in snapshot.aws_instances or ()}
    assert instances == {
        world.instances[0]: (world.masters_group,),
        world.instances[1]: (world.nodes_group,),
        world.instances[2]: (world.nodes_group,),
    }
    write_aws_files(tmp_path, collection.documents)
    assert (tmp_path / "aws" / SECURITY_GROUPS_FILE).is_file()
    offline = read_bundle(tmp_path)
    assert offline.aws_security_groups == snapshot.aws_security_groups
    assert offline.aws_instances == snapshot.aws_instances


def test_groups_page_within_the_cap_and_past_it_fail_naming_the_flag(
    mocked: MotoExtension, monkeypatch: pytest.MonkeyPatch
) -> None:
    mocked.page_security_groups()
    monkeypatch.setattr(paging, "PAGE_SIZES", dict.fromkeys(paging.PAGE_SIZES, 5))
    world = build_world(workers=1, nodes_max=2)
    extra = [group(world, f"extra-{i}") for i in range(12)]
    for i in range(3):  # four more groups on each of three more workers: 14 groups in all
        launch(world, extra[4 * i : 4 * i + 4])
    ok = collect_aws(NAME, region=REGION, bounds=AwsBounds(max_pages=3))
    read = {g.id for g in ok.fields["aws_security_groups"]}
    assert read == {world.nodes_group, world.masters_group, *extra}
    cut = collect_aws(NAME, region=REGION, bounds=AwsBounds(max_pages=2))
    assert cut.missing[Fact.AWS_SECURITY_GROUPS] == (
        "ec2:DescribeSecurityGroups: stopped after 2 pages of 5 (--max-pages)"
    )
    assert Fact.AWS_SECURITY_GROUPS in cut.failed
    assert Fact.AWS_INSTANCES not in cut.missing


def test_refused_describe_security_groups_leaves_only_that_fact_missing(
    mocked: MotoExtension,
) -> None:
    mocked.deny_security_groups()
    world = build_world(workers=1, nodes_max=2)
    collection = collect_aws(world.name, region=REGION)
    assert set(collection.missing) == {Fact.AWS_SECURITY_GROUPS}
    assert collection.missing[Fact.AWS_SECURITY_GROUPS].startswith(
        "ec2:DescribeSecurityGroups failed: UnauthorizedOperation: You are not authorized"
    )
    assert Fact.AWS_SECURITY_GROUPS not in collection.failed


def probed(world: World, snapshot: Snapshot, firewalled: str, muzzled: str = "") -> Snapshot:
    """The connectivity probe's outcome on the world's workers, `firewalled` refusing them,
    `muzzled` letting nothing out to them."""
    workers = [
        cb.ProbeNode(i, world.ips[i], world.pod_cidr(n))
        for n, i in enumerate(world.instances)
        if n > 0
    ]
    faults = cb.Faults(firewalled=frozenset({firewalled}), muzzled=frozenset({muzzled} - {""}))
    probe = cb.matrix(workers, faults)
    missing = {f: r for f, r in snapshot.missing.items() if f is not Fact.CONNECTIVITY}
    return replace(snapshot, connectivity=probe, missing=missing)


def test_a_worker_whose_group_admits_nothing_from_the_nodes_is_the_hop(
    mocked: MotoExtension,
) -> None:
    world = build_world(workers=2, nodes_max=4)
    locked = group(world, f"nodes-locked.{NAME}")
    world.ec2.authorize_security_group_ingress(
        GroupId=locked,
        IpPermissions=[ab.permission("-1", groups=(world.masters_group,)), ab.SSH_FROM_ANYWHERE],
    )
    lost = launch(world, [locked])
    snapshot = collect_aws(NAME, region=REGION).apply(world.snapshot())
    result = run_check(Connectivity(), CheckContext(probed(world, snapshot, lost)), Selection())
    assert result.status is Status.FAIL
    cross = next(
        f for f in result.findings if f.object and f.object.name.startswith("pod-cross-node/")
    )
    assert cross.object is not None and cross.object.name == f"pod-cross-node/security-group/{lost}"
    assert cross.evidence["security_groups"] == [locked]
    assert (cross.evidence["protocol"], cross.evidence["port"]) == ("tcp", cb.SERVER_PORT)
    others = set(world.instances[1:-1])
    assert {(p["source"], p["destination"]) for p in cross.evidence["pairs"]} == {  # type: ignore[index,union-attr]
        (o, lost) for o in others
    }


def test_kops_groups_admit_every_pair_so_the_hop_is_not_blamed(mocked: MotoExtension) -> None:
    world = build_world(workers=2, nodes_max=4)
    lost = launch(world, [world.nodes_group])  # kops's group: the packets drop elsewhere
    snapshot = collect_aws(NAME, region=REGION).apply(world.snapshot())
    result = run_check(Connectivity(), CheckContext(probed(world, snapshot, lost)), Selection())
    names = {f.object.name for f in result.findings if f.status is Status.FAIL and f.object}
    assert f"pod-cross-node/destination-node/{lost}" in names
    assert not {n for n in names if "/security-group/" in n}


def test_a_worker_whose_group_lets_only_https_out_is_the_egress_hop(
    mocked: MotoExtension,
) -> None:
    world = build_world(workers=2, nodes_max=4)
    hardened = group(world, f"nodes-hardened.{NAME}")
    # a new group lets all traffic out; a hardened account replaces that by HTTPS only
    world.ec2.revoke_security_group_egress(
        GroupId=hardened, IpPermissions=[ab.permission("-1", cidrs=("0.0.0.0/0",))]
    )
    world.ec2.authorize_security_group_egress(
        GroupId=hardened, IpPermissions=[ab.permission("tcp", (443, 443), cidrs=("0.0.0.0/0",))]
    )
    world.ec2.authorize_security_group_ingress(
        GroupId=hardened,
        IpPermissions=[ab.permission("-1", groups=(world.masters_group, world.nodes_group))],
    )
    lost = launch(world, [hardened])
    snapshot = collect_aws(NAME, region=REGION).apply(world.snapshot())
    read = {g.id: g for g in snapshot.aws_security_groups or ()}
    assert read[hardened].egress == (SecurityGroupRule("tcp", 443, 443, cidrs=("0.0.0.0/0",)),)
    probe = probed(world, snapshot, firewalled=lost, muzzled=lost)
    result = run_check(Connectivity(), CheckContext(probe), Selection())
    outward = {
        f.object.name: f
        for f in result.findings
        if f.object and "/security-group-egress/" in f.object.name
    }
    classes = {"pod-cross-node", "node-to-pod", "pod-to-node", "node-port", "path-mtu"}
    assert set(outward) == {f"{c}/security-group-egress/{lost}" for c in classes}
    cross = outward[f"pod-cross-node/security-group-egress/{lost}"]
    assert cross.evidence["direction"] == "egress"
    assert cross.evidence["security_groups"] == [hardened]
    assert (cross.evidence["protocol"], cross.evidence["port"]) == ("tcp", cb.SERVER_PORT)
    others = set(world.instances[1:-1])
    assert {(p["source"], p["destination"]) for p in cross.evidence["pairs"]} == {  # type: ignore[index,union-attr]
        (lost, o) for o in others
    }
