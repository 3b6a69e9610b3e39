"""A live run against the fake API server and `check --bundle` on the same data agree."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome
from live_env import LiveCluster

from kopscheck.collectors.kube.reader import Tuning
from kopscheck.collectors.live import collect_live
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.options import SourceOptions
from kopscheck.collectors.output.bundle_writer import write_bundle
from kopscheck.model.facts import Fact, Snapshot

NOW = datetime(2026, 11, 27, 10, 20, 0, tzinfo=UTC)
SCENARIOS = [
    pytest.param("healthy", 0, id="healthy-calico"),
    pytest.param("cni-no-provider", 1, id="cni-mode-without-provider"),
]
KUBE_FACTS = ("nodes", "pods", "workloads", "events", "services", "endpoints")


def _results(outcome: CliOutcome) -> list[dict[str, Any]]:
    report = json.loads(outcome.stdout)
    return list(report["results"])


def _sorted_findings(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bundle files list objects in their own order; the API returns them name-sorted."""
    return [
        {
            **r,
            "findings": sorted(r["findings"], key=lambda f: json.dumps(f, sort_keys=True)),
            # AWS facts are missing on both sides, each source naming its own reason
            "summary": "skipped"
            if r["family"] == "aws" and r["status"] == "skip"
            else r["summary"],
        }
        for r in results
    ]


@pytest.mark.parametrize(("scenario", "code"), SCENARIOS)
def test_live_check_gives_the_bundle_check_results(
    scenario: str,
    code: int,
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster(scenario, kops=True)
    # the demo bundle holds no aws/ files: the live run must not read moto's empty account
    live = kopscheck_cli("check", *cluster.args("-o", "json", "--no-aws"))
    # nor does the live run probe: the bundle is read without the probe outcomes it carries
    bundle = shutil.copytree(
        cluster.bundle, tmp_path / "bundle", ignore=shutil.ignore_patterns("probes")
    )
    offline = kopscheck_cli("check", "--bundle", str(bundle), "-o", "json")
    assert (live.code, offline.code) == (code, code), live.stderr
    assert _sorted_findings(_results(live)) == _sorted_findings(_results(offline))
    live_report, offline_report = json.loads(live.stdout), json.loads(offline.stdout)
    assert live_report["root_causes"] == offline_report["root_causes"]
    assert live_report["target"] == offline_report["target"] | {"source": "live"}
    assert live_report["target"]["cluster"] == cluster.name  # from the state store


@pytest.mark.parametrize(("scenario", "code"), SCENARIOS)
def test_live_snapshot_holds_the_bundle_facts(
    scenario: str, code: int, live_cluster: Callable[..., LiveCluster]
) -> None:
    cluster = live_cluster(scenario, kops=True)
    (cluster.bundle / "observed-at.txt").write_text("2026-11-27T10:20:00Z\n")
    options = SourceOptions(kubeconfig=cluster.kubeconfig, state_store=cluster.state_store)
    live = collect_live(options, now=lambda: NOW).snapshot
    offline = read_bundle(cluster.bundle)
    assert (live.kops_cluster, live.kops_instance_groups) == (
        offline.kops_cluster,
        offline.kops_instance_groups,
    )
    for name in KUBE_FACTS:
        key: Callable[[Any], str] = lambda o: repr(o)  # noqa: E731 - order differs, content not
        assert sorted(getattr(live, name), key=key) == sorted(getattr(offline, name), key=key)
    assert live.version == offline.version
    assert live.observed_at == offline.observed_at == NOW
    assert live.node_files is not None and offline.node_files is not None
    assert live.node_files == {name: files for name, files in offline.node_files.items()}, (
        "kubelet configz and logs through the node proxy are the bundle's nodes/ files"
    )
    assert live.failed == frozenset()


@pytest.mark.parametrize(("scenario", "code"), SCENARIOS)
def test_collect_then_check_bundle_reproduces_the_live_run(
    scenario: str,
    code: int,
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster(scenario, kops=True)
    out = tmp_path / "collected"
    live = kopscheck_cli("check", *cluster.args("-o", "json"))
    collected = kopscheck_cli("collect", *cluster.args("--out", str(out)))
    replay = kopscheck_cli("check", "--bundle", str(out), "-o", "json")
    assert collected.code == 0, collected.stderr
    assert f"wrote bundle {out}" in collected.stderr
    assert (live.code, replay.code) == (code, code)
    assert _results(live) == _results(replay)  # same order too: no sorting needed
    assert json.loads(live.stdout)["root_causes"] == json.loads(replay.stdout)["root_causes"]


@pytest.mark.parametrize(("scenario", "code"), SCENARIOS)
def test_collected_bundle_reads_back_as_the_same_snapshot(
    scenario: str, code: int, live_cluster: Callable[..., LiveCluster], tmp_path: Path
) -> None:
    cluster = live_cluster(scenario, kops=True)
    options = SourceOptions(kubeconfig=cluster.kubeconfig, state_store=cluster.state_store)
    collection = collect_live(options, Tuning(keep_raw=True), now=lambda: NOW)
    write_bundle(collection, tmp_path / "out")
    replay = read_bundle(tmp_path / "out")
    live = collection.snapshot
    for fact in Fact:
        name = fact.value.replace("-", "_")
        assert getattr(replay, name) == getattr(live, name), name
    assert replay.observed_at == live.observed_at == NOW
    assert set(replay.missing) == set(live.missing)


def _snapshot_sizes(snapshot: Snapshot) -> dict[str, int]:
    return {name: len(getattr(snapshot, name) or ()) for name in KUBE_FACTS}
