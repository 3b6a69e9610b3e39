"""Several clusters in one run: concurrent, one combined report, the worst exit code."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from cli_outcome import CliOutcome
from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.options import SourceOptions
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import Selection, build_report
from kopscheck.gate.fleet import ClusterTarget, run_fleet
from kopscheck.gate.run import CheckRequest, cluster_targets
from kopscheck.model.errors import InputError, ScanError
from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.facts import Snapshot
from kopscheck.model.fleet import ClusterOutcome, FleetReport, fleet_exit_code
from kopscheck.model.results import Report, Status
from kopscheck.reporters.junit import render_fleet_junit
from kopscheck.reporters.markdown import render_fleet_markdown
from kopscheck.reporters.terminal_runs import render_fleet

REPORTS = Path(__file__).parents[1] / "reports"
FLEET_SCHEMA = json.loads((REPORTS / "fleet.schema.json").read_text())
REPORT_SCHEMA = json.loads((REPORTS / "report.schema.json").read_text())
NOW = datetime(2026, 11, 27, 10, 20, tzinfo=UTC)
HEALTHY, LOOP, NO_CNI = (str(DEMO_ROOT / s) for s in ("healthy", "coredns-loop", "cni-no-provider"))


def test_several_bundles_make_one_fleet_document(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli(
        "check", "--bundle", HEALTHY, "--bundle", LOOP, "--bundle", NO_CNI, "-o", "json"
    )
    assert outcome.code == 1
    doc = json.loads(outcome.stdout)
    jsonschema.validate(doc, FLEET_SCHEMA)
    assert doc["schema"] == "kopscheck/fleet/v1"
    assert (doc["status"], doc["exit_code"], doc["fail_on"]) == ("fail", 1, "fail")
    assert doc["counts"] == {"pass": 1, "warn": 0, "fail": 2, "error": 0}
    clusters = [(c["name"], c["status"], c["exit_code"], c["error"]) for c in doc["clusters"]]
    assert clusters == [  # by cluster name; two bundles of one name also say their path
        (f"calico-demo.k8s.local ({HEALTHY})", "pass", 0, None),
        (f"calico-demo.k8s.local ({LOOP})", "fail", 1, None),
        ("cni-demo.k8s.local", "fail", 1, None),
    ]
    for cluster in doc["clusters"]:
        jsonschema.validate(cluster["report"], REPORT_SCHEMA)
    assert doc["clusters"][1]["report"]["target"]["cluster"] == "calico-demo.k8s.local"
    assert doc["clusters"][1]["report"]["root_causes"] == ["dns.rollout"]
    assert doc["clusters"][2]["report"]["root_causes"][0] == "cni.provider-deployed"
    progress = sorted(
        line for line in outcome.stderr.splitlines() if line.startswith("kopscheck: cluster")
    )
    assert progress == sorted(
        [
            "kopscheck: cluster calico-demo.k8s.local: pass",
            "kopscheck: cluster calico-demo.k8s.local: fail",
            "kopscheck: cluster cni-demo.k8s.local: fail",
        ]
    )


def test_a_healthy_fleet_exits_0(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("check", "--bundle", HEALTHY, "--bundle", HEALTHY, "-o", "json")
    assert outcome.code == 0
    assert json.loads(outcome.stdout)["status"] == "pass"


def test_one_bundle_keeps_the_single_cluster_report(run_cli: Callable[..., CliOutcome]) -> None:
    doc = json.loads(run_cli("check", "--bundle", HEALTHY, "-o", "json").stdout)
    assert doc["schema"] == "kopscheck/report/v1"


def test_terminal_has_a_section_per_cluster_then_the_overall_line(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DEMO_ROOT)  # short relative names, as a person types them
    outcome = run_cli("check", "--bundle", "healthy", "--bundle", "coredns-loop")
    screen = outcome.stdout
    first = screen.index("cluster calico-demo.k8s.local (healthy) ─")
    second = screen.index("cluster calico-demo.k8s.local (coredns-loop) ─")
    assert first < screen.index("Verdict: PASS") < second < screen.index("Start here: dns.rollout")
    last = screen.rstrip().splitlines()[-2:]
    assert last == [
        "Fleet of 2 clusters: FAIL  · 1 pass, 1 fail · --fail-on fail",
        "fail: calico-demo.k8s.local (coredns-loop)",
    ]


def test_junit_has_a_testsuite_per_cluster(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    target = tmp_path / "fleet.xml"
    outcome = run_cli(
        "check",
        "--bundle",
        HEALTHY,
        "--bundle",
        LOOP,
        "-o",
        "junit",
        "--fail-on",
        "warn",
        "--out",
        str(target),
    )
    assert outcome.code == 1 and outcome.stdout == ""
    assert f"kopscheck: wrote junit report to {target}" in outcome.stderr
    root = ET.fromstring(target.read_text().split("\n", 1)[1])
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        f"kopscheck calico-demo.k8s.local ({HEALTHY})",
        f"kopscheck calico-demo.k8s.local ({LOOP})",
    ]
    loop_cases = {c.get("name"): c for c in suites[1].findall("testcase")}
    assert loop_cases["dns.rollout"].find("failure") is not None
    for suite in suites:
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["fail-on"] == "warn"


def test_fleet_markdown_lists_clusters_then_each_report() -> None:
    fleet = run_fleet(
        [ClusterTarget("prod", lambda: read_bundle(Path(LOOP))), ClusterTarget("dev", _down)],
        _evaluate,
        Status.FAIL,
        now=NOW,
    )
    text = render_fleet_markdown(fleet)
    assert text.startswith("# kopscheck fleet: ❌ fail\n")
    assert "| prod | ❌ fail | `dns.rollout` |" in text
    assert "| dev | 💥 error | https://api.dev: connection refused |" in text
    assert (
        text.index("# Cluster prod") < text.index("# Cluster dev") < text.index("Scan incomplete:")
    )


def _evaluate(snapshot: Snapshot) -> Report:
    return build_report(snapshot, load_checks(), Selection(), now=NOW)


def _down() -> Snapshot:
    raise ScanError("https://api.dev: connection refused")


def test_an_unreachable_cluster_is_reported_and_the_others_still_checked() -> None:
    fleet = run_fleet(
        [ClusterTarget("dev", _down), ClusterTarget("prod", lambda: read_bundle(Path(HEALTHY)))],
        _evaluate,
        Status.FAIL,
    )
    assert [(c.name, c.status, c.error) for c in fleet.clusters] == [
        ("dev", Status.ERROR, "https://api.dev: connection refused"),
        ("prod", Status.PASS, None),
    ]
    assert fleet.status is Status.ERROR
    assert fleet_exit_code(fleet) is ExitCode.SCAN_INCOMPLETE
    out = StringIO()
    render_fleet(fleet, Console(file=out, width=100, color_system=None))
    assert "scan incomplete: https://api.dev: connection refused" in out.getvalue()
    junit = ET.fromstring(render_fleet_junit(fleet).split("\n", 1)[1])
    error = junit.find("testsuite/testcase/error")
    assert error is not None and error.get("message") == "https://api.dev: connection refused"


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        pytest.param([ExitCode.OK, ExitCode.OK], ExitCode.OK, id="all-healthy"),
        pytest.param(
            [ExitCode.SCAN_INCOMPLETE, ExitCode.UNHEALTHY],
            ExitCode.UNHEALTHY,
            id="unhealthy-beats-incomplete",
        ),
        pytest.param(
            [ExitCode.OK, ExitCode.SCAN_INCOMPLETE],
            ExitCode.SCAN_INCOMPLETE,
            id="incomplete-beats-ok",
        ),
        pytest.param([], ExitCode.SCAN_INCOMPLETE, id="no-clusters-is-never-healthy"),
    ],
)
def test_fleet_exit_code_is_the_worst_per_contract(
    codes: list[ExitCode], expected: ExitCode
) -> None:
    scenario = {ExitCode.OK: "healthy", ExitCode.UNHEALTHY: "cni-no-provider"}
    clusters = tuple(
        ClusterOutcome(
            f"c{i}",
            _evaluate(read_bundle(DEMO_ROOT / scenario[code])) if code in scenario else None,
            "down",
        )
        for i, code in enumerate(codes)
    )
    assert [c.exit_code for c in clusters] == codes
    assert fleet_exit_code(FleetReport(clusters, Status.FAIL, NOW)) is expected


def test_clusters_are_checked_concurrently() -> None:
    barrier = threading.Barrier(3, timeout=10)

    def meet() -> Snapshot:
        barrier.wait()  # only returns once all three collections run at the same time
        return read_bundle(Path(HEALTHY))

    fleet = run_fleet([ClusterTarget(f"c{i}", meet) for i in range(3)], _evaluate, Status.FAIL)
    assert [c.status for c in fleet.clusters] == [Status.PASS] * 3


def test_concurrency_is_bounded() -> None:
    lock = threading.Lock()
    active = 0
    peak = 0
    pairs = threading.Barrier(2, timeout=10)  # at least two run at once

    def collect() -> Snapshot:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        pairs.wait()
        snapshot = read_bundle(Path(HEALTHY))
        with lock:
            active -= 1
        return snapshot

    fleet = run_fleet(
        [ClusterTarget(f"c{i}", collect) for i in range(6)], _evaluate, Status.FAIL, max_workers=2
    )
    assert len(fleet.clusters) == 6
    assert peak == 2


def test_bad_input_on_one_cluster_ends_the_run() -> None:
    def broken() -> Snapshot:
        raise InputError("bundles/prod/cluster-info/nodes.json", "invalid JSON at line 1")

    with pytest.raises(InputError, match="bundles/prod"):
        run_fleet(
            [
                ClusterTarget("dev", lambda: read_bundle(Path(HEALTHY))),
                ClusterTarget("prod", broken),
            ],
            _evaluate,
            Status.FAIL,
        )


def test_all_contexts_names_every_kubeconfig_context(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        "clusters:\n- name: a\n  cluster: {server: 'https://127.0.0.1:6443'}\n"
        "users:\n- name: u\n  user: {}\n"
        "contexts:\n- name: prod\n  context: {cluster: a, user: u}\n"
        "- name: staging\n  context: {cluster: a, user: u}\n"
    )
    request = CheckRequest(
        SourceOptions(kubeconfig=kubeconfig), contexts=("staging",), all_contexts=True
    )
    assert [t.name for t in cluster_targets(request)] == ["staging", "prod"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(
            ("--bundle", HEALTHY, "--context", "prod"),
            "--bundle/--context: give one kind of source",
            id="bundle-and-context",
        ),
        pytest.param(
            ("--bundle", HEALTHY, "--bundle", LOOP, "-o", "nope"),
            "'nope' cannot render several clusters (use table, json, yaml, junit, markdown)",
            id="plugin-output-for-a-fleet",
        ),
        pytest.param(
            ("--all-contexts", "--kubeconfig", "KUBECONFIG"),
            "unreadable kubeconfig: ParserError",
            id="unreadable-kubeconfig",
        ),
    ],
)
def test_fleet_usage_errors_are_one_line(
    run_cli: Callable[..., CliOutcome], tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    bad = tmp_path / "kubeconfig"
    bad.write_text("{not: [yaml")
    outcome = run_cli("check", *(str(bad) if a == "KUBECONFIG" else a for a in args))
    assert outcome.code == 2
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], outcome.stderr
