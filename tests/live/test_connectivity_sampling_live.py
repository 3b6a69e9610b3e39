"""The connectivity probe on a 7-node cluster with `--probe-pairs-per-node 2`, run against the fake
API server: each node's clients try exactly the next two nodes by name (a ring, whatever order
the API lists the nodes in), the pairs grow linearly (7 x 2 cross-node pairs, not 7 x 6), and the
verdict and the JSON say what was sampled."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome
from fake_kubelet import AGENT_LOG, FakeKubelets, dns_message
from live_env import LiveCluster

# the healthy demo's four nodes, and three more that sort between them but are listed last
LISTED = [
    "i-0a1b2c3d4e5f60001",
    "i-0a1b2c3d4e5f60002",
    "i-0a1b2c3d4e5f60003",
    "i-0a1b2c3d4e5f60004",
]
ADDED = ["i-0a1b2c3d4e5f60001b", "i-0a1b2c3d4e5f60002b", "i-0a1b2c3d4e5f60003b"]
BY_NAME = sorted(LISTED + ADDED)
SAMPLED = "each node probes 2 of its 6 peers (the next ones by name, in a ring)"
FAST = ["--no-aws", "--probe-dns-timeout", "3s", "--probe-step-timeout", "bound=2s,sandbox=2s"]


def _seven_nodes(bundle: Path) -> None:
    path = bundle / "cluster-info" / "nodes.json"
    doc = json.loads(path.read_text())
    model = doc["items"][-1]
    for index, name in enumerate(ADDED, start=5):
        node = copy.deepcopy(model)
        node["metadata"]["name"] = name
        node["metadata"]["uid"] = f"5d0c7e2a-91b4-4c3e-8f6a-0000000000{index:02d}"
        node["metadata"]["labels"]["kubernetes.io/hostname"] = name
        node["spec"]["podCIDR"] = node["spec"]["podCIDRs"][0] = f"100.96.{index}.0/24"
        node["spec"]["providerID"] = f"aws:///us-east-1a/{name}"
        node["status"]["addresses"] = [
            {"type": "InternalIP", "address": f"172.20.40.{index}"},
            {"type": "Hostname", "address": name},
        ]
        doc["items"].append(node)
        shutil.copytree(bundle / "nodes" / model["metadata"]["name"], bundle / "nodes" / name)
    path.write_text(json.dumps(doc))


@pytest.fixture
def seven(live_cluster: Callable[..., LiveCluster]) -> Iterator[LiveCluster]:
    cluster = live_cluster("healthy", setup=_seven_nodes)
    fake = FakeKubelets(
        cluster.server, termination_message=dns_message(), agent_log=lambda _n: AGENT_LOG
    ).start()
    yield cluster
    fake.stop()


def _connectivity(outcome: CliOutcome) -> dict[str, Any]:
    try:
        doc = json.loads(outcome.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"exit {outcome.code}: {outcome.stderr}") from exc
    found: dict[str, Any] = next(r for r in doc["results"] if r["check"] == "net.connectivity")
    return found


def test_each_node_probes_the_next_two_by_name_and_the_report_says_so(
    seven: LiveCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    args = ["--probe", "--probe-nodes", "all", "--probe-pairs-per-node", "2", *FAST, "-o", "json"]
    result = _connectivity(run_cli("check", *seven.args(*args)))

    assert result["status"] == "pass", result
    assert result["summary"] == f"77 of 77 pairs passed (all 7 nodes; {SAMPLED})"
    by_class = {f["evidence"]["class"]: f for f in result["findings"]}
    ring = {n: {BY_NAME[(i + 1) % 7], BY_NAME[(i + 2) % 7]} for i, n in enumerate(BY_NAME)}
    for probe in ("pod-cross-node", "node-to-pod", "pod-to-node"):
        pairs = by_class[probe]["evidence"]["pairs"]
        assert len(pairs) == 7 * 2, probe
        tried: dict[str, set[str]] = {}
        for pair in pairs:
            tried.setdefault(pair["source"], set()).add(pair["destination"])
        assert tried == ring, probe
        grid = by_class[probe]["evidence"]["matrix"]
        assert grid["rows"] == grid["columns"] == BY_NAME
        assert grid["cells"][0] == " ..    "  # the first node: its next two, the rest unsampled
    mtu = by_class["path-mtu"]["evidence"]["pairs"]
    assert len(mtu) == 7 + 7 * 2  # its own node's server, then its two peers
    assert len(by_class["pod-same-node"]["evidence"]["pairs"]) == 7
    assert len(by_class["dns"]["evidence"]["pairs"]) == 7
