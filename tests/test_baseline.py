"""Baselines: known findings are listed but not counted, so CI fails only on new ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from cli_outcome import CliOutcome
from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.gate.baseline import (
    Baseline,
    Entry,
    apply_baseline,
    fingerprint,
    from_reports,
    read_baseline,
    stable_message,
)
from kopscheck.model.results import Status
from kopscheck.reporters.terminal_report import render

LOOP = str(DEMO_ROOT / "coredns-loop")
LOOP_PODS = {"coredns-7d8f9c6b5-4xk2m", "coredns-7d8f9c6b5-p9wqz"}
REPORT_SCHEMA = json.loads(
    (Path(__file__).parents[1] / "reports" / "report.schema.json").read_text()
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "CrashLoopBackOff on i-0a1b2c3d4e5f60002 after 7 restarts",
            "CrashLoopBackOff on i-0a1b2c3d4e5f60002 after 9 restarts",
            id="restart-count",
        ),
        pytest.param(
            "FailedScheduling: 0/4 nodes are available (x31)",
            "FailedScheduling: 0/5 nodes are available (x212)",
            id="event-count-and-node-count",
        ),
        pytest.param(
            "since 2026-11-27T09:00:00+00:00", "since 2026-11-28T10:14:52Z", id="timestamp"
        ),
        pytest.param(
            "in pod coredns-x_kube-system(e9131886-662a-613d-a241-2974ac3c9765)",
            "in pod coredns-x_kube-system(0f0c6b1e-1b7a-4c1e-9a53-2f1f6c7d8e9a)",
            id="pod-uid",
        ),
        pytest.param(
            'sandbox container "16661acb98fff81aaa316ac07df43bf7ec76650086d43e4300fed333afcd461b"',
            'sandbox container "54593dffc8c5447186c19e2a349789d214bdff220392f4fce577906abf77eedd"',
            id="container-id",
        ),
    ],
)
def test_fingerprint_ignores_what_changes_between_runs(before: str, after: str) -> None:
    assert fingerprint("dns.rollout", before) == fingerprint("dns.rollout", after)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(
            "CrashLoopBackOff on i-0a1b2c3d4e5f60002",
            "CrashLoopBackOff on i-0a1b2c3d4e5f60003",
            id="node-names-are-kept",
        ),
        pytest.param(
            "NotReady: cni plugin not initialized",
            "NotReady: PLEG is not healthy",
            id="different-reason",
        ),
        pytest.param(
            "kubelet uses --network-plugin=kubenet on v1.24",
            "kubelet uses --network-plugin=cni on v1.24",
            id="different-flag",
        ),
    ],
)
def test_fingerprint_keeps_what_tells_problems_apart(one: str, other: str) -> None:
    assert fingerprint("node.network-ready", one) != fingerprint("node.network-ready", other)


def test_stable_message_masks_counts_times_and_ids() -> None:
    assert stable_message(
        "0/2 pods ready, 0 available; Back-off (x29) at 2026-11-27T10:14:30Z"
    ) == ("#/# pods ready, # available; Back-off (x#) at <time>")


def test_write_baseline_records_problems_and_applies_them(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    path = tmp_path / "baseline.json"
    outcome = run_cli("check", "--bundle", LOOP, "--write-baseline", str(path), "-o", "json")
    assert outcome.code == 0
    assert f"kopscheck: wrote 4 known findings to {path}" in outcome.stderr
    doc = json.loads(path.read_text())
    assert doc["schema"] == "kopscheck/baseline/v1"
    assert {(f["cluster"], f["check"], f["object"]) for f in doc["findings"]} == {
        ("calico-demo.k8s.local", "dns.rollout", "Deployment/kube-system/coredns"),
        ("calico-demo.k8s.local", "dns.rollout", "Pod/kube-system/coredns-7d8f9c6b5-4xk2m"),
        ("calico-demo.k8s.local", "dns.rollout", "Pod/kube-system/coredns-7d8f9c6b5-p9wqz"),
        ("calico-demo.k8s.local", "dns.rollout", "Service/kube-system/kube-dns"),
    }
    assert all(len(f["fingerprint"]) == 16 for f in doc["findings"])
    report = json.loads(outcome.stdout)
    assert report["status"] == "pass"
    assert report["baseline"] == {"file": str(path), "suppressed": 4}


def test_baseline_suppresses_known_findings_but_lists_them(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    path = tmp_path / "baseline.json"
    run_cli("check", "--bundle", LOOP, "--write-baseline", str(path))
    outcome = run_cli("check", "--bundle", LOOP, "--baseline", str(path), "-o", "json")
    assert outcome.code == 0
    doc = json.loads(outcome.stdout)
    jsonschema.validate(doc, REPORT_SCHEMA)
    dns = next(r for r in doc["results"] if r["check"] == "dns.rollout")
    assert dns["status"] == "pass"
    assert dns["summary"].startswith(
        "4 known findings suppressed by the baseline; Deployment kube-system/coredns 0/2"
    )
    assert dns["remediation"] is None
    assert [f["object"]["name"] for f in dns["findings"]] == []
    suppressed = {f["object"]["name"] for f in dns["suppressed"]}
    assert suppressed == {"coredns", "kube-dns", *LOOP_PODS}
    assert doc["root_causes"] == []
    assert doc["counts"]["fail"] == 0
    assert doc["baseline"] == {"file": str(path), "suppressed": 4}


def test_a_new_problem_fails_while_known_ones_stay_suppressed(
    run_cli: Callable[..., CliOutcome], demo_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    path = tmp_path / "baseline.json"
    run_cli("check", "--bundle", LOOP, "--write-baseline", str(path))
    root = demo_copy("coredns-loop")
    pods = root / "cluster-info" / "kube-system" / "pods.json"
    doc = json.loads(pods.read_text())
    for pod in doc["items"]:
        for status in pod["status"].get("containerStatuses", []):
            if status["name"] == "coredns":
                status["restartCount"] = 12  # the same crash-loop, five restarts later
    pods.write_text(json.dumps(doc))
    nodes = root / "cluster-info" / "nodes.json"
    doc = json.loads(nodes.read_text())
    worker = next(n for n in doc["items"] if n["metadata"]["name"] == "i-0a1b2c3d4e5f60004")
    ready = next(c for c in worker["status"]["conditions"] if c["type"] == "Ready")
    ready.update(
        status="False",
        reason="KubeletNotReady",
        message="PLEG is not healthy: pleg was last seen active 3m0s ago",
    )
    nodes.write_text(json.dumps(doc))

    outcome = run_cli("check", "--bundle", str(root), "--baseline", str(path), "-o", "json")
    assert outcome.code == 1
    report = json.loads(outcome.stdout)
    results = {r["check"]: r for r in report["results"]}
    assert results["dns.rollout"]["status"] == "pass"
    assert "after 12 restarts" in results["dns.rollout"]["suppressed"][1]["message"]
    assert results["node.network-ready"]["status"] == "fail"
    assert [f["object"]["name"] for f in results["node.network-ready"]["findings"]] == [
        "i-0a1b2c3d4e5f60004"
    ]
    assert report["root_causes"] == ["node.network-ready"]


def test_partly_known_result_keeps_failing_on_the_new_findings() -> None:
    raw = build_report(read_bundle(DEMO_ROOT / "coredns-loop"), load_checks())
    only_the_rollout = Baseline(
        tuple(e for e in from_reports([raw]).entries if e.code == "dns.rollout/pods-not-ready"),
        "b.json",
    )
    report = apply_baseline(raw, only_the_rollout, load_checks())
    dns = report.result("dns.rollout")
    assert dns.status is Status.FAIL
    assert dns.summary.endswith("(+1 known finding suppressed by the baseline)")
    assert [str(f.object) for f in dns.suppressed] == ["Deployment/kube-system/coredns"]
    assert [str(f.object) for f in dns.findings] == [
        "Pod/kube-system/coredns-7d8f9c6b5-4xk2m",
        "Pod/kube-system/coredns-7d8f9c6b5-p9wqz",
        "Service/kube-system/kube-dns",
    ]
    assert report.root_causes == ("dns.rollout",)


def test_a_baseline_for_another_cluster_suppresses_nothing() -> None:
    loop = build_report(read_bundle(DEMO_ROOT / "coredns-loop"), load_checks())
    other = build_report(read_bundle(DEMO_ROOT / "cni-no-provider"), load_checks())
    report = apply_baseline(other, from_reports([loop]), load_checks())
    assert report.result("dns.rollout").status is Status.FAIL
    assert all(not r.suppressed for r in report.results)
    anywhere = Baseline(tuple(replace(e, cluster=None) for e in from_reports([other]).entries))
    assert apply_baseline(other, anywhere, load_checks()).status is Status.PASS


def test_errors_are_never_suppressed() -> None:
    raw = build_report(read_bundle(DEMO_ROOT / "coredns-loop"), load_checks())
    broken = replace(
        raw.result("dns.rollout"), status=Status.ERROR, summary="check crashed: KeyError: 'x'"
    )
    raw = replace(
        raw, results=tuple(broken if r.check == "dns.rollout" else r for r in raw.results)
    )
    everything = Baseline(
        (Entry("dns.rollout", "", fingerprint("dns.rollout", "check crashed: KeyError: 'x'")),)
    )
    report = apply_baseline(raw, everything, load_checks())
    assert report.result("dns.rollout").status is Status.ERROR
    assert report.root_causes == ()  # an error is never a root cause (revision 4)


def test_terminal_lists_suppressed_findings_and_names_the_baseline() -> None:
    raw = build_report(read_bundle(DEMO_ROOT / "coredns-loop"), load_checks())
    report = apply_baseline(
        raw, replace(from_reports([raw]), source="ci/kopscheck-baseline.json"), load_checks()
    )
    out = StringIO()
    render(report, Console(file=out, width=200, color_system=None))
    screen = out.getvalue()
    assert "Suppressed by the baseline (4 known, not counted)" in screen
    assert "Pod/kube-system/coredns-7d8f9c6b5-4xk2m" in screen
    counts = ", ".join(f"{n} {s.value}" for s, n in report.counts().items() if n)
    assert report.counts()[Status.FAIL] == 0
    assert screen.rstrip().splitlines()[-1] == (
        f"Verdict: PASS  (exit 0) · {counts} · --fail-on fail"
        " · baseline ci/kopscheck-baseline.json: 4 known suppressed"
    )
    assert "Start here" not in screen


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param(None, "cannot read baseline", id="missing-file"),
        pytest.param(
            '{"schema": "kopscheck/baseline/v1", "findings": [', "invalid JSON", id="truncated-json"
        ),
        pytest.param(
            '{"schema": "kopscheck/report/v1", "results": []}',
            "not a kopscheck baseline",
            id="a-report-not-a-baseline",
        ),
        pytest.param('{"schema": "kopscheck/baseline/v1"}', "no 'findings' list", id="no-findings"),
        pytest.param(
            '{"schema": "kopscheck/baseline/v1", "findings": [{"check": "dns.rollout"}]}',
            "findings[0] needs a string 'code' or 'fingerprint'",
            id="entry-without-fingerprint",
        ),
        pytest.param(
            '{"schema": "kopscheck/baseline/v1", "findings": [{"check": "a.b", "fingerprint": "f", "object": 3}]}',
            "findings[0]: 'cluster', 'object', 'owner', 'code', 'fingerprint' are strings or null",
            id="object-not-a-string",
        ),
    ],
)
def test_bad_baseline_is_a_one_line_error(
    run_cli: Callable[..., CliOutcome], tmp_path: Path, content: str | None, needle: str
) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    outcome = run_cli("check", "--bundle", LOOP, "--baseline", str(path))
    assert outcome.code == 2
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kopscheck: error: {path}: ")
    assert needle in lines[0]


def test_read_baseline_round_trips(tmp_path: Path) -> None:
    raw = build_report(read_bundle(DEMO_ROOT / "cni-no-provider"), load_checks())
    written = from_reports([raw])
    from kopscheck.gate.baseline import write_baseline

    write_baseline(written, tmp_path / "b.json")
    read = read_baseline(tmp_path / "b.json")
    assert read.entries == written.entries
    assert read.source == str(tmp_path / "b.json")


def test_fleet_baseline_is_per_cluster(run_cli: Callable[..., CliOutcome], tmp_path: Path) -> None:
    path = tmp_path / "fleet-baseline.json"
    no_cni = str(DEMO_ROOT / "cni-no-provider")
    outcome = run_cli(
        "check", "--bundle", LOOP, "--bundle", no_cni, "--write-baseline", str(path), "-o", "json"
    )
    assert outcome.code == 0
    clusters = {f["cluster"] for f in json.loads(path.read_text())["findings"]}
    assert clusters == {"calico-demo.k8s.local", "cni-demo.k8s.local"}
    again = run_cli(
        "check", "--bundle", LOOP, "--bundle", no_cni, "--baseline", str(path), "-o", "json"
    )
    assert again.code == 0
    assert [
        c["report"]["baseline"]["suppressed"] for c in json.loads(again.stdout)["clusters"]
    ] == [4, 16]
