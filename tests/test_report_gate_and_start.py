"""Every format shows the gate; the human formats lead with the one thing to do first."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO

import pytest
from cli_outcome import CliOutcome
from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import Report, Status
from kopscheck.reporters.common import first_sentence
from kopscheck.reporters.markdown import render_markdown
from kopscheck.reporters.terminal_report import render

NOW = datetime(2026, 11, 27, 10, 20, tzinfo=UTC)


def _terminal(report: Report) -> str:
    out = StringIO()
    render(report, Console(file=out, width=100, color_system=None))
    return out.getvalue()


@pytest.mark.parametrize("gate", ["fail", "warn"])
@pytest.mark.parametrize("output", ["json", "table", "markdown", "junit"])
def test_every_format_shows_the_gate(
    run_cli: Callable[..., CliOutcome], output: str, gate: str
) -> None:
    outcome = run_cli(
        "check", "--bundle", str(DEMO_ROOT / "healthy"), "-o", output, "--fail-on", gate
    )
    text = outcome.stdout
    if output == "json":
        assert json.loads(text)["fail_on"] == gate
    elif output == "table":
        assert text.rstrip().splitlines()[-1].endswith(f" · --fail-on {gate}")
    elif output == "markdown":
        assert f"- **Gate:** `--fail-on {gate}`" in text
    else:
        props = {
            p.get("name"): p.get("value")
            for p in ET.fromstring(text.split("\n", 1)[1]).iter("property")
        }
        assert props["fail-on"] == gate


def test_terminal_starts_with_the_loop_fix_on_a_coredns_loop() -> None:
    screen = _terminal(
        build_report(read_bundle(DEMO_ROOT / "coredns-loop"), load_checks(), now=NOW)
    )
    lines = screen.splitlines()
    assert lines[2].startswith("Start here: dns.rollout — Give CoreDNS a real upstream resolver")
    assert "cni" not in " ".join(lines[2:4]).lower()
    assert screen.index("Start here:") < screen.index("Root cause: dns.rollout")
    assert "Root cause 2" not in screen
    cause = next(i for i, line in enumerate(lines) if line.startswith("Root cause: dns.rollout: "))
    assert lines[cause - 1].startswith("Verdict: FAIL")
    assert any(line.startswith("Fix: Give CoreDNS a real upstream") for line in lines[cause:])


def test_markdown_starts_with_the_loop_fix_on_a_coredns_loop() -> None:
    text = render_markdown(
        build_report(read_bundle(DEMO_ROOT / "coredns-loop"), load_checks(), now=NOW)
    )
    assert (
        "**Start here:** `dns.rollout` — Give CoreDNS a real upstream resolver instead of one that"
        " forwards back to it, then delete the CoreDNS pods so they restart."
    ) in text
    assert (
        text.index("**Start here:**")
        < text.index("### Root causes")
        < text.index("#### 1. `dns.rollout`")
    )


def test_healthy_reports_have_no_start_here() -> None:
    report = build_report(read_bundle(DEMO_ROOT / "healthy"), load_checks(), now=NOW)
    assert "Start here" not in _terminal(report)
    assert "Start here" not in render_markdown(report)


def _origin() -> Report:
    """The origin case: the whole chain folds under the missing CNI provider."""
    return build_report(read_bundle(DEMO_ROOT / "cni-no-provider"), load_checks(), now=NOW)


def test_terminal_folds_the_whole_chain_under_the_root_cause() -> None:
    screen = _terminal(_origin())
    # the advice of the finding that failed (networking cni, nothing deployed)
    assert "Start here: cni.provider-deployed — Deploy a CNI provider (calico, cilium, ...)" in (
        " ".join(screen.split())
    )
    assert "Root cause: cni.provider-deployed" in screen
    assert "Root cause 2" not in screen
    symptoms = screen[screen.index("Symptoms") : screen.index("Root cause: cni.provider")]
    assert "FAIL  node.network-ready: 4 of 4 nodes not network-ready" in symptoms
    assert "FAIL  dns.rollout: Deployment kube-system/coredns 0/2 ready" in symptoms
    assert "(caused by cni.node-config, node.network-ready)" in " ".join(symptoms.split())
    assert "─ node.network-ready —" not in screen  # no panel of its own: it is a symptom


def test_markdown_folds_the_whole_chain_under_the_root_cause() -> None:
    text = render_markdown(_origin())
    assert "#### 1. `cni.provider-deployed`" in text and "#### 2." not in text
    assert "- `node.network-ready` (fail): 4 of 4 nodes not network-ready" in text
    assert "(through `cni.node-config`)" in text


@pytest.mark.parametrize(
    ("text", "first"),
    [
        pytest.param(
            "read the condition message on each node listed (kubectl describe node NAME). Then more.",
            "read the condition message on each node listed (kubectl describe node NAME).",
            id="parenthesis-before-period",
        ),
        pytest.param(
            "set e.g. the forward target. Then restart.",
            "set e.g. the forward target.",
            id="abbreviation-inside",
        ),
        pytest.param("one sentence only", "one sentence only", id="no-period"),
        pytest.param(
            "Deploy a provider.\n  `kubectl apply -f x`.",
            "Deploy a provider.",
            id="wrapped-docstring",
        ),
    ],
)
def test_first_sentence(text: str, first: str) -> None:
    assert first_sentence(text) == first


def test_start_here_for_an_error_says_it_could_not_be_evaluated() -> None:
    from dataclasses import replace

    from kopscheck.reporters.common import start_here

    report = build_report(read_bundle(DEMO_ROOT / "healthy"), load_checks(), now=NOW)
    crashed = replace(
        report.result("dns.rollout"), status=Status.ERROR, summary="check crashed: KeyError: 'spec'"
    )
    report = replace(report, results=(report.results[0], crashed), root_causes=(crashed.check,))
    first = start_here(report)
    assert first is not None
    assert (first.check, first.action) == (
        "dns.rollout",
        "It could not be evaluated: check crashed: KeyError: 'spec'",
    )
