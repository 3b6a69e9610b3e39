"""A fact that could not be read is said once and never becomes a diagnosis.

The node list refused (403) or failing (500) on the fake API server, and a bundle without
`cluster-info/nodes.json`: the terminal names the request or file and its reason on one line,
the checks that need the nodes are `error` (a failed read) or `skip` (unavailable) under it, and
`root_causes` holds only checks that found something wrong with the cluster.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome
from live_env import LiveCluster

from kopscheck.demo import DEMO_ROOT

USER = "system:serviceaccount:monitoring:kopscheck"
NODE_CHECKS = [
    "kubelet.network-plugin",
    "cni.node-config",
    "node.network-ready",
    "node.kube-proxy",
]
SERVER_ERROR = (
    'list nodes: 500 InternalError: an error on the server ("") has prevented the request'
    " from succeeding (after 3 attempts)"
)
FORBIDDEN = f"RBAC: cannot list nodes at cluster scope (as User '{USER}')"


def _shown(stdout: str) -> str:
    """The terminal text as one line: panel borders off, rich's wrapping undone."""
    lines = [line.strip().strip("│").strip() for line in stdout.splitlines()]
    return " ".join(" ".join(lines).split())


def _lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {r["check"]: r["status"] for r in report["results"]}


@pytest.mark.parametrize(
    ("scenario", "code", "roots"),
    [
        pytest.param("healthy", 3, [], id="healthy-cluster-500-on-nodes-no-root-cause"),
        pytest.param(
            "cni-no-provider",
            1,
            ["dns.rollout", "cni.provider-deployed"],
            id="broken-cluster-500-on-nodes-roots-are-what-was-found",
        ),
    ],
)
def test_a_failing_node_list_is_said_once_and_its_checks_are_errors_under_it(
    scenario: str,
    code: int,
    roots: list[str],
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
) -> None:
    cluster = live_cluster(scenario)
    cluster.server.inject(r"^/api/v1/nodes$", "500")
    table = kopscheck_cli("check", *cluster.args(), "--no-aws")
    assert table.code == code
    shown = _shown(table.stdout)
    assert shown.count("list nodes: 500 InternalError") == 1
    assert f"nodes: {SERVER_ERROR}" in shown
    assert "not read because of it: node-files" in shown
    assert (
        "not evaluated (error): kubelet.network-plugin, cni.node-config, node.network-ready,"
        " node.kube-proxy, pod.node-logs" in shown
    )
    for line in _lines_with(table.stdout, "Root cause"):
        assert not any(check in line for check in [*NODE_CHECKS, "pod.node-logs"]), line
    assert "kubelet.network-plugin —" not in table.stdout  # no panel of its own
    report = json.loads(kopscheck_cli("check", *cluster.args("-o", "json"), "--no-aws").stdout)
    assert report["root_causes"] == roots
    statuses = _statuses(report)
    assert [statuses[c] for c in [*NODE_CHECKS, "pod.node-logs"]] == ["error"] * 5
    (nodes, *_) = report["unread_facts"]
    assert nodes["facts"] == ["nodes", "node-files"]
    assert (nodes["reason"], nodes["failed"]) == (SERVER_ERROR, True)
    assert nodes["checks"][:5] == [*NODE_CHECKS, "pod.node-logs"]


def test_a_forbidden_node_list_skips_its_checks_and_says_why_once(
    live_cluster: Callable[..., LiveCluster], kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(r"^/api/v1/nodes$", "403")
    table = kopscheck_cli("check", *cluster.args(), "--no-aws")
    assert table.code == 0  # unavailable is not failed: `--strict` gates on it
    shown = _shown(table.stdout)
    assert shown.count(FORBIDDEN) == 1
    assert "could not decide: kubelet.network-plugin, cni.node-config" in shown
    report = json.loads(kopscheck_cli("check", *cluster.args("-o", "json"), "--no-aws").stdout)
    assert report["root_causes"] == []
    nodes = report["unread_facts"][0]
    assert (nodes["facts"][0], nodes["reason"], nodes["failed"]) == ("nodes", FORBIDDEN, False)
    assert {
        r["check"]: r["skip_reason"] for r in report["results"] if r["check"] in NODE_CHECKS
    } == (dict.fromkeys(NODE_CHECKS, "facts-missing"))
    strict = kopscheck_cli("check", *cluster.args(), "--no-aws", "--strict")
    assert strict.code == 1


def test_a_bundle_without_nodes_json_names_the_file_once(
    tmp_path: Path, kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    bundle = tmp_path / "healthy"
    shutil.copytree(DEMO_ROOT / "healthy", bundle)
    (bundle / "cluster-info" / "nodes.json").unlink()
    table = kopscheck_cli("check", "--bundle", str(bundle))
    assert table.code == 0
    shown = _shown(table.stdout)
    assert shown.count("nodes.json") == 1
    assert (
        "Not read: nodes: cluster-info/nodes.json not in the bundle — could not decide:"
        " kubelet.network-plugin, cni.node-config, node.network-ready, node.kube-proxy" in shown
    )
    report = json.loads(kopscheck_cli("check", "--bundle", str(bundle), "-o", "json").stdout)
    assert report["root_causes"] == []
    assert report["unread_facts"] == [
        {
            "facts": ["nodes"],
            "reason": "cluster-info/nodes.json not in the bundle",
            "failed": False,
            "checks": NODE_CHECKS,
        }
    ]
