"""Reporters render the same report: JUnit parsed as XML, Markdown as text, the terminal captured."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from io import StringIO

import pytest
from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import Selection, build_report
from kopscheck.model.results import Report, Status
from kopscheck.reporters import get_reporter
from kopscheck.reporters.junit import render_junit
from kopscheck.reporters.markdown import render_markdown
from kopscheck.reporters.terminal_report import render

NOW = datetime(2026, 11, 27, 10, 20, tzinfo=UTC)


def _report(scenario: str, fail_on: Status = Status.FAIL, **select: frozenset[str]) -> Report:
    snap = read_bundle(DEMO_ROOT / scenario)
    return build_report(snap, load_checks(), Selection(**select), fail_on=fail_on, now=NOW)


def test_junit_has_one_testcase_per_check_with_failures_carrying_findings() -> None:
    report = _report("cni-no-provider", skip=frozenset({"nothing"}))
    root = ET.fromstring(render_junit(report).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {c.id for c in load_checks()}
    failure = cases["node.network-ready"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("4 of 4 nodes not network-ready")
    assert "Node/i-0a1b2c3d4e5f60002: NotReady" in (failure.text or "")
    dns_failure = cases["dns.rollout"].find("failure")
    assert dns_failure is not None and "caused by: " in (dns_failure.text or "")
    assert "node.network-ready" in (dns_failure.text or "").split("caused by: ", 1)[1]
    assert suite.get("failures") == str(report.counts()[Status.FAIL])
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["fail-on"] == "fail"


def test_junit_skipped_and_warn_as_failure_under_fail_on_warn() -> None:
    report = _report("healthy", Status.WARN, select=frozenset({"node"}))
    root = ET.fromstring(render_junit(report).split("\n", 1)[1])
    cases = {c.get("name"): c for c in root.iter("testcase")}
    skipped = cases["dns.rollout"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not selected (--select/--skip)"
    assert cases["node.network-ready"].find("failure") is None
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["fail-on"] == "warn"


def test_markdown_leads_with_root_cause_and_lists_every_check() -> None:
    text = render_markdown(_report("cni-no-provider"))
    assert text.startswith("## kopscheck: ❌ fail\n")
    assert "- **Gate:** `--fail-on fail`" in text
    root_at = text.index("### Root causes")
    table_at = text.index("### All checks")
    assert root_at < table_at
    assert "#### 1. `cni.provider-deployed`" in text
    assert "- Networking/cni: networking is \\`cni\\` and no CNI provider is deployed" in text
    assert "<details><summary>Symptoms this explains</summary>" in text
    assert "- `node.network-ready` (fail): 4 of 4 nodes not network-ready" in text
    assert "| ❌ fail | `dns.rollout` |" in text
    assert "(caused by cni.node-config, node.network-ready) |" in text


def test_markdown_escapes_pipes_in_table_cells() -> None:
    from dataclasses import replace

    report = _report("healthy")
    first = replace(report.results[0], summary="a | b")
    text = render_markdown(replace(report, results=(first, *report.results[1:])))
    assert "| a \\| b |" in text


def _terminal(report: Report) -> str:
    out = StringIO()
    render(report, Console(file=out, width=100, color_system=None))
    return out.getvalue()


def test_terminal_puts_root_cause_first_with_objects_evidence_and_fix() -> None:
    report = _report("cni-no-provider")
    screen = _terminal(report)
    lines = screen.splitlines()
    assert lines[0].startswith("kopscheck · cluster cni-demo.k8s.local · source bundle")
    assert "networking cni (from kops spec)" in screen
    assert lines[1] == "Kubernetes v1.32.4 · networking cni (from kops spec)"
    assert lines[2].startswith("Start here: cni.provider-deployed — ")
    assert screen.index("Start here:") < screen.index("Root cause: cni.provider-deployed")
    assert screen.index("Symptoms") < screen.index("Root cause: cni.provider-deployed")
    assert "nodes without cni config: i-0a1b2c3d4e5f60001, i-0a1b2c3d4e5f60002 +2 more" in screen
    assert "FAIL  node.network-ready:" in screen
    counts = ", ".join(f"{n} {s.value}" for s, n in report.counts().items() if n)
    verdict = lines.index(f"Verdict: FAIL  (exit 1) · {counts} · --fail-on fail")
    assert lines[verdict + 1].startswith("Root cause: cni.provider-deployed: ")
    assert "Fix: Deploy a CNI provider (calico, cilium, ...)" in "\n".join(lines[verdict:])
    assert lines[-1].startswith("More: kopscheck explain cni.provider-deployed")


def test_terminal_healthy_has_no_root_cause_panel() -> None:
    screen = _terminal(_report("healthy"))
    assert "Root cause" not in screen
    assert "Verdict: PASS  (exit 0)" in screen.splitlines()[-1]


@pytest.mark.parametrize("name", ["table", "json", "yaml", "junit", "markdown"])
def test_every_builtin_output_format_renders(name: str) -> None:
    out = StringIO()
    get_reporter(name, show_all=True).write(_report("healthy"), out)
    assert "node.network-ready" in out.getvalue()
