"""Several live clusters at once: `--context` repeated over a merged KUBECONFIG."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from live_env import LiveCluster


def test_two_contexts_are_checked_into_one_fleet_report(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    healthy = live_cluster("healthy")
    broken = live_cluster("cni-no-provider")
    monkeypatch.setenv(
        "KUBECONFIG", os.pathsep.join([str(healthy.kubeconfig), str(broken.kubeconfig)])
    )
    outcome = kopscheck_cli(
        "check", "--context", healthy.name, "--context", broken.name, "--no-aws", "-o", "json"
    )
    assert outcome.code == 1, outcome.stderr
    doc = json.loads(outcome.stdout)
    assert doc["schema"] == "kopscheck/fleet/v1"
    assert [(c["name"], c["status"], c["exit_code"]) for c in doc["clusters"]] == [
        (healthy.name, "pass", 0),
        (broken.name, "fail", 1),
    ]
    assert [c["report"]["target"]["source"] for c in doc["clusters"]] == ["live", "live"]
    assert (doc["status"], doc["exit_code"]) == ("fail", 1)
    # each cluster was read from its own API server, not the other's
    assert healthy.server.requests and broken.server.requests


def test_all_contexts_reads_every_context_of_the_merged_kubeconfig(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    healthy = live_cluster("healthy")
    broken = live_cluster("cni-no-provider")
    monkeypatch.setenv(
        "KUBECONFIG", os.pathsep.join([str(broken.kubeconfig), str(healthy.kubeconfig)])
    )
    outcome = kopscheck_cli("check", "--all-contexts", "--no-aws", "-o", "json")
    doc = json.loads(outcome.stdout)
    assert outcome.code == 1, outcome.stderr
    assert [(c["name"], c["status"]) for c in doc["clusters"]] == [
        (broken.name, "fail"),
        (healthy.name, "pass"),
    ]
