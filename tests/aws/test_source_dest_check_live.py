"""aws.source-dest-check on facts read live: boto3 against moto, the same read-only
DescribeInstances call the route-table checks use (kube-router routes pods natively)."""

from __future__ import annotations

from kopscheck_checks.aws.source_dest_check import SourceDestCheck
from moto_ext import MotoExtension
from moto_world import REGION, build_world

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.aws.reader import collect_aws
from kopscheck.engine.runner import Selection, run_check
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Status


def test_instance_with_source_dest_check_left_on_fails_live(mocked: MotoExtension) -> None:
    world = build_world(workers=2, nodes_max=3)
    world.ec2.modify_instance_attribute(
        InstanceId=world.instances[1], SourceDestCheck={"Value": True}
    )
    snapshot = collect_aws(world.name, region=REGION).apply(world.snapshot())
    result = run_check(SourceDestCheck(), CheckContext(snapshot, "kube-router"), Selection())
    assert result.status is Status.FAIL
    problems = {(f.object, f.status, f.code) for f in result.problems}
    assert problems == {
        (ObjectRef("Node", world.instances[1]), Status.FAIL, "aws.source-dest-check/on")
    }
    [finding] = result.problems
    assert finding.evidence == {"instance": world.instances[1], "source_dest_check": True}


def test_all_checks_off_passes_live(mocked: MotoExtension) -> None:
    world = build_world(workers=2, nodes_max=3)
    snapshot = collect_aws(world.name, region=REGION).apply(world.snapshot())
    result = run_check(SourceDestCheck(), CheckContext(snapshot, "kube-router"), Selection())
    assert (result.status, result.summary) == (
        Status.PASS,
        f"source/destination check off on all {len(world.instances)} node instance(s)",
    )
