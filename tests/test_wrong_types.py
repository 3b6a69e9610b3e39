"""Wrong types in input files: exit 2 naming the file and the path, never an internal error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_outcome import CliOutcome

from kopscheck.collectors.offline.bundle import split_cmdline
from kopscheck.knowledge.kubelet_flags import daemon_args, parse_args

ROUTES = "aws/ec2-describe-route-tables.json"
ASGS = "aws/autoscaling-describe-auto-scaling-groups.json"
INSTANCES = "aws/ec2-describe-instances.json"
GROUPS = "aws/ec2-describe-security-groups.json"


def _edit_json(root: Path, relative: str, change: Callable[[Any], None]) -> None:
    path = root / relative
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _edit_yaml(root: Path, relative: str, change: Callable[[list[Any]], None]) -> None:
    path = root / relative
    docs = list(yaml.safe_load_all(path.read_text()))
    change(docs)
    path.write_text(yaml.safe_dump_all(docs))


def _set(doc: dict[str, Any], key: str, value: object) -> None:
    doc[key] = value


CASES = [
    pytest.param(
        lambda root: _edit_yaml(root, "kops/cluster.yaml", lambda d: _set(d[0], "metadata", "bad")),
        "kops/cluster.yaml: metadata: expected an object, got a string",
        id="kops-metadata-a-string",
    ),
    pytest.param(
        lambda root: _edit_yaml(
            root, "kops/instancegroups.yaml", lambda d: _set(d[1]["spec"], "subnets", 5)
        ),
        "kops/instancegroups.yaml: document 2: spec.subnets: expected a list, got a number",
        id="instance-group-subnets-a-number",
    ),
    pytest.param(
        lambda root: _edit_yaml(
            root, "kops/instancegroups.yaml", lambda d: _set(d[0]["spec"], "maxSize", "lots")
        ),
        "kops/instancegroups.yaml: document 1: spec.maxSize: expected an integer, got a string",
        id="instance-group-max-size-a-word",
    ),
    pytest.param(
        lambda root: _edit_json(
            root, ROUTES, lambda d: _set(d["RouteTables"][0], "Routes", [None])
        ),
        f"{ROUTES}: RouteTables[0].Routes[0]: expected an object, got null",
        id="route-entry-null",
    ),
    pytest.param(
        lambda root: _edit_json(root, ROUTES, lambda d: _set(d["RouteTables"][0], "Tags", "x")),
        f"{ROUTES}: RouteTables[0].Tags: expected a list, got a string",
        id="route-table-tags-a-string",
    ),
    pytest.param(
        lambda root: _edit_json(
            root, ASGS, lambda d: _set(d["AutoScalingGroups"][0], "MinSize", "abc")
        ),
        f"{ASGS}: AutoScalingGroups[0].MinSize: expected an integer, got a string",
        id="asg-min-size-abc",
    ),
    pytest.param(
        lambda root: _edit_json(
            root, INSTANCES, lambda d: _set(d["Reservations"][0]["Instances"][0], "State", 16)
        ),
        f"{INSTANCES}: Reservations[0].Instances[0].State: expected an object, got a number",
        id="instance-state-a-number",
    ),
    pytest.param(
        lambda root: _edit_json(
            root,
            GROUPS,
            lambda d: _set(d["SecurityGroups"][0]["IpPermissions"][1], "FromPort", "ssh"),
        ),
        f"{GROUPS}: SecurityGroups[0].IpPermissions[1].FromPort: expected an integer, got a string",
        id="security-group-from-port-a-word",
    ),
    pytest.param(
        lambda root: _edit_json(
            root,
            INSTANCES,
            lambda d: _set(d["Reservations"][0]["Instances"][0], "SecurityGroups", "sg-1"),
        ),
        f"{INSTANCES}: Reservations[0].Instances[0].SecurityGroups: expected a list, got a string",
        id="instance-security-groups-a-string",
    ),
    pytest.param(
        lambda root: _edit_json(
            root, "cluster-info/nodes.json", lambda d: _set(d["items"][0], "status", "bad")
        ),
        "cluster-info/nodes.json: ",
        id="node-status-a-string",
    ),
    pytest.param(
        lambda root: _edit_json(
            root, "cluster-info/kube-system/pods.json", lambda d: _set(d["items"][0], "spec", [1])
        ),
        "cluster-info/kube-system/pods.json: ",
        id="pod-spec-a-list",
    ),
]


@pytest.mark.parametrize(("damage", "needle"), CASES)
def test_wrong_type_is_a_one_line_input_error(
    demo_copy: Callable[[str], Path],
    run_cli: Callable[..., CliOutcome],
    damage: Callable[[Path], None],
    needle: str,
) -> None:
    root = demo_copy("kubenet-route-limit")
    damage(root)
    outcome = run_cli("check", "--bundle", str(root))
    assert (outcome.code, outcome.stdout) == (2, ""), outcome
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith(f"kopscheck: error: {root.name}/{needle}"), lines[0]


def test_report_with_suppressed_not_a_list_is_refused(
    tmp_path: Path, run_cli: Callable[..., CliOutcome]
) -> None:
    good = run_cli("demo", "healthy", "-o", "json")
    doc = json.loads(good.stdout)
    doc["results"][0]["suppressed"] = 5
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(good.stdout)
    new.write_text(json.dumps(doc))
    outcome = run_cli("diff", str(old), str(new))
    assert outcome.code == 2
    assert outcome.stderr.strip() == f"kopscheck: error: {new}: malformed report: report results[0]"


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        pytest.param(
            "/usr/local/bin/kubelet\x00--network-plugin=cni\x00\x00",
            ("/usr/local/bin/kubelet", "--network-plugin=cni"),
            id="nul-separated",
        ),
        pytest.param("kubelet\n\n  \n--v=2\n", ("kubelet", "--v=2"), id="blank-lines"),
        pytest.param("", (), id="empty"),
    ],
)
def test_cmdline_split(text: str, argv: tuple[str, ...]) -> None:
    assert split_cmdline(text) == argv


def test_sysconfig_with_unbalanced_quotes_still_gives_the_flags() -> None:
    found = daemon_args('DAEMON_ARGS="--network-plugin=kubenet --node-labels=\'a=b"\n')
    assert found is not None
    assert parse_args(found[1])["network-plugin"] == "kubenet"
