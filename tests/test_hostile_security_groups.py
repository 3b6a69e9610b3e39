"""The hostile-string matrix for the security groups a bundle carries (aws/
ec2-describe-security-groups.json and the instances' groups in ec2-describe-instances.json):
a group id renamed to each name attack, the way a hand-made bundle could hold it, reaches
net.connectivity's security-group hop (its ingress) and security-group-egress hop (its egress),
which name it in their messages and evidence; the report
keeps every check's status and the exit code, and no output shows a raw control character, a
Markdown heading, comment or table row the id made, or broken XML."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import aws_builders as ab
import connectivity_builders as cb
import pytest

from tests.cli_outcome import CliOutcome
from tests.hostile_reports import (
    CORPUS,
    NAME_ATTACKS,
    assert_reports_alike,
    edit_json_strings,
    findings_of,
)

LOCKED = ab.hexid("sg", "nodes-locked")
CLASSES = {"pod-cross-node", "node-to-pod", "pod-to-node", "node-port", "path-mtu"}


def locked_bundle(root: Path) -> tuple[Path, str]:
    """Three kubenet workers; the last in a group that admits only SSH and the masters and lets
    only HTTPS out, its inbound and outbound pairs failing; the bundle and that worker's
    name."""
    cluster = ab.KubenetCluster(workers=3, nodes_max=8, security_groups=True)
    name = f"nodes-locked.{cluster.name}"
    rules = [ab.permission("-1", groups=(cluster.masters_group,)), ab.SSH_FROM_ANYWHERE]
    cluster.own_groups = {3: (LOCKED, name)}
    https = [ab.permission("tcp", (443, 443), cidrs=("0.0.0.0/0",))]
    cluster.extra_groups = [
        ab.security_group(
            LOCKED, name, cluster.vpc, "locked down", rules, ab.kops_tags(name), https
        )
    ]
    ab.write_bundle(root, cluster)
    locked = cluster.instance_id(3)
    faults = cb.Faults(firewalled=frozenset({locked}), muzzled=frozenset({locked}))
    cb.write(root, cb.matrix(cb.nodes_of(root), faults))
    return root, locked


@pytest.mark.parametrize("attack", NAME_ATTACKS)
def test_a_hostile_security_group_id_keeps_the_verdict_and_breaks_no_output(
    attack: str, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    group = CORPUS[attack]
    clean, locked = locked_bundle(tmp_path / "clean")
    hostile = tmp_path / "hostile"
    shutil.copytree(clean, hostile)
    for file in ("ec2-describe-security-groups.json", "ec2-describe-instances.json"):
        assert edit_json_strings(
            hostile / "aws" / file, lambda _key, value: value.replace(LOCKED, group)
        )
    before, after = assert_reports_alike(run_cli, clean, hostile)
    for doc, named in ((before, LOCKED), (after, group)):
        for hop, direction in (("security-group", "ingress"), ("security-group-egress", "egress")):
            hops = [
                f for f in findings_of(doc, "net.connectivity") if f["evidence"].get("hop") == hop
            ]
            assert {f["object"]["name"] for f in hops} == {f"{c}/{hop}/{locked}" for c in CLASSES}
            for finding in hops:
                assert finding["evidence"]["security_groups"] == [named]
                assert finding["evidence"]["direction"] == direction
                assert (
                    f"no {direction} rule of security group(s) {named} on {locked} admits"
                    in (finding["message"])
                )
