"""`kopscheck diff OLD.json NEW.json`: status changes per check, new and resolved findings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT


@pytest.fixture
def report_of(run_cli: Callable[..., CliOutcome], tmp_path: Path) -> Callable[..., Path]:
    """Save `kopscheck check ... -o json` of the given bundles (several: a fleet report)."""

    def save(name: str, *bundles: str | Path) -> Path:
        args = [
            a
            for b in bundles
            for a in ("--bundle", str(b if isinstance(b, Path) else DEMO_ROOT / b))
        ]
        outcome = run_cli("check", *args, "-o", "json")
        path = tmp_path / f"{name}.json"
        path.write_text(outcome.stdout)
        return path

    return save


def _diff(run_cli: Callable[..., CliOutcome], old: Path, new: Path) -> tuple[int, dict[str, Any]]:
    outcome = run_cli("diff", str(old), str(new), "--output", "json")
    return outcome.code, json.loads(outcome.stdout)


def test_a_check_that_breaks_is_worse_with_its_new_findings(
    run_cli: Callable[..., CliOutcome], report_of: Callable[..., Path]
) -> None:
    before, after = report_of("before", "healthy"), report_of("after", "coredns-loop")
    code, doc = _diff(run_cli, before, after)
    assert code == 1
    assert doc["schema"] == "kopscheck/diff/v1"
    assert doc["worse"] is True
    [cluster] = doc["clusters"]
    assert (cluster["old_status"], cluster["new_status"]) == ("pass", "fail")
    assert cluster["checks"] == [
        {"check": "dns.rollout", "old": "pass", "new": "fail", "change": "worse"},
        # the healthy demo carries probe outcomes, the coredns-loop one none
        {"check": "net.connectivity", "old": "pass", "new": "skip", "change": "changed"},
    ]
    assert {f["object"] for f in cluster["new_findings"]} == {
        "Deployment/kube-system/coredns",
        "Pod/kube-system/coredns-7d8f9c6b5-4xk2m",
        "Pod/kube-system/coredns-7d8f9c6b5-p9wqz",
        "Service/kube-system/kube-dns",
    }
    assert cluster["resolved_findings"] == []


def test_a_fix_is_better_with_resolved_findings_and_exit_0(
    run_cli: Callable[..., CliOutcome], report_of: Callable[..., Path]
) -> None:
    code, doc = _diff(run_cli, report_of("before", "coredns-loop"), report_of("after", "healthy"))
    assert code == 0
    [cluster] = doc["clusters"]
    assert cluster["checks"] == [
        {"check": "dns.rollout", "old": "fail", "new": "pass", "change": "better"},
        {"check": "net.connectivity", "old": "skip", "new": "pass", "change": "changed"},
    ]
    assert len(cluster["resolved_findings"]) == 4 and cluster["new_findings"] == []


def test_the_same_problem_a_few_restarts_later_is_not_new(
    run_cli: Callable[..., CliOutcome],
    report_of: Callable[..., Path],
    demo_copy: Callable[[str], Path],
) -> None:
    root = demo_copy("coredns-loop")
    pods = root / "cluster-info" / "kube-system" / "pods.json"
    pods.write_text(pods.read_text().replace('"restartCount": 7', '"restartCount": 11'))
    code, doc = _diff(run_cli, report_of("before", "coredns-loop"), report_of("after", root))
    assert code == 0
    assert doc["clusters"][0]["checks"] == []
    assert (
        doc["clusters"][0]["new_findings"] == [] and doc["clusters"][0]["resolved_findings"] == []
    )


def test_a_new_failing_object_in_a_check_that_already_failed_is_worse(
    run_cli: Callable[..., CliOutcome],
    report_of: Callable[..., Path],
    demo_copy: Callable[[str], Path],
) -> None:
    root = demo_copy("coredns-loop")
    nodes = root / "cluster-info" / "nodes.json"
    original = nodes.read_text()

    def not_ready(*indices: int) -> None:
        doc = json.loads(original)
        for index in indices:  # Ready is the last condition the builder writes
            doc["items"][index]["status"]["conditions"][-1].update(
                status="False", message="PLEG is not healthy"
            )
        nodes.write_text(json.dumps(doc))

    not_ready(2)
    broken_node = report_of("one-node", root)
    not_ready(2, 3)
    code, diff = _diff(run_cli, broken_node, report_of("two-nodes", root))
    assert code == 1
    [cluster] = diff["clusters"]
    assert cluster["checks"] == []  # node.network-ready failed before and after
    assert [f["object"] for f in cluster["new_findings"]] == ["Node/i-0a1b2c3d4e5f60004"]


def test_fleets_pair_clusters_by_name(
    run_cli: Callable[..., CliOutcome], report_of: Callable[..., Path], tmp_path: Path
) -> None:
    before = report_of("before", "healthy", "coredns-loop")
    after_doc = json.loads(report_of("after", "healthy", "healthy").read_text())
    after_doc["clusters"][1]["name"] = after_doc["clusters"][0]["name"].replace(
        "healthy", "coredns-loop"
    )
    after_doc["clusters"][0].update(
        status="error", exit_code=3, error="connection refused", report=None
    )
    after = tmp_path / "after-edited.json"
    after.write_text(json.dumps(after_doc))
    code, doc = _diff(run_cli, before, after)
    assert code == 1  # healthy could no longer be scanned
    # two bundles of one cluster: named "calico-demo.k8s.local (PATH)"
    by_name = {Path(c["name"].rstrip(")")).name: c for c in doc["clusters"]}
    assert (by_name["healthy"]["old_status"], by_name["healthy"]["new_status"]) == ("pass", "error")
    assert by_name["healthy"]["worse"] is True
    assert by_name["coredns-loop"]["worse"] is False
    assert by_name["coredns-loop"]["checks"] == [
        {"check": "dns.rollout", "old": "fail", "new": "pass", "change": "better"},
        {"check": "net.connectivity", "old": "skip", "new": "pass", "change": "changed"},
    ]


def test_table_output_says_worse_and_lists_changes(
    run_cli: Callable[..., CliOutcome], report_of: Callable[..., Path]
) -> None:
    before, after = report_of("before", "healthy"), report_of("after", "coredns-loop")
    outcome = run_cli("diff", str(before), str(after))
    assert outcome.code == 1
    lines = outcome.stdout.splitlines()
    assert lines[0] == f"kopscheck diff {before} → {after}: WORSE"
    assert lines[1] == "status pass → fail (worse)"
    assert any(line.split() == ["worse", "dns.rollout", "pass", "fail"] for line in lines)
    assert "New findings (4):" in outcome.stdout
    assert (
        "  + FAIL dns.rollout Service/kube-system/kube-dns: no ready endpoints behind 100.64.0.10"
        in lines
    )


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param(None, "cannot read report", id="missing-file"),
        pytest.param(
            '{"schema": "kopscheck/report/v1", "results": [', "invalid JSON", id="truncated-json"
        ),
        pytest.param("[1, 2]", "not a kopscheck JSON report", id="not-an-object"),
        pytest.param(
            '{"schema": "kopscheck/baseline/v1", "findings": []}',
            "not a kopscheck JSON report",
            id="a-baseline-not-a-report",
        ),
        pytest.param(
            '{"schema": "kopscheck/report/v1", "status": "fail", "results": [{"status": "fail"}]}',
            "malformed report: report results[0]",
            id="result-without-check",
        ),
        pytest.param(
            '{"schema": "kopscheck/report/v1", "status": "bad", "results": []}',
            "needs 'status' and 'results'",
            id="unknown-status",
        ),
        pytest.param(
            '{"schema": "kopscheck/fleet/v1", "clusters": [{"report": null}]}',
            "clusters[0] has no name",
            id="fleet-cluster-without-name",
        ),
    ],
)
def test_bad_report_files_are_one_line_errors(
    run_cli: Callable[..., CliOutcome],
    report_of: Callable[..., Path],
    tmp_path: Path,
    content: str | None,
    needle: str,
) -> None:
    good = report_of("good", "healthy")
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    outcome = run_cli("diff", str(bad), str(good))
    assert outcome.code == 2
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith(f"kopscheck: error: {bad}: ") and needle in lines[0]
    )


def test_a_fleet_and_a_single_report_cannot_be_compared(
    run_cli: Callable[..., CliOutcome], report_of: Callable[..., Path]
) -> None:
    outcome = run_cli(
        "diff", str(report_of("one", "healthy")), str(report_of("two", "healthy", "healthy"))
    )
    assert outcome.code == 2
    assert "one is a fleet report and one is not" in outcome.stderr


def test_diff_renders_only_in_formats_that_have_a_diff_form(
    run_cli: Callable[..., CliOutcome], report_of: Callable[..., Path]
) -> None:
    path = report_of("one", "healthy")
    outcome = run_cli("diff", str(path), str(path), "--output", "junit")
    assert outcome.code == 2
    assert "'junit' cannot render a diff (use table, json, yaml, markdown)" in outcome.stderr
