"""Every finding carries a stable code its check declares (CONTRACT §3 "Next").

The codes are what baselines, `diff` and `explain` go by, so a finding without one, or with one
its check never declared, is a bug: this walks every demo, fixture and scenario bundle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from check_scenarios import FIXTURES, SCENARIOS, bundle
from cli_outcome import CliOutcome

from kopscheck.checkapi.check import CODE_REASON, Check, code_of
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT, scenarios
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Finding, Report, Status

CHECKS = load_checks(include_plugins=False)
DECLARED = {code_of(c, reason) for c in CHECKS for reason in c.codes}


def _bundles(tmp_path: Path) -> dict[str, Path]:
    found = {f"demo {name}": DEMO_ROOT / name for name in scenarios()}
    found |= {f"fixture {p.name}": p for p in sorted(FIXTURES.iterdir()) if p.is_dir()}
    for check, (failing, passing) in SCENARIOS.items():
        found[f"{check} fails"] = bundle(failing, tmp_path / check / "fail")
        found[f"{check} passes"] = bundle(passing, tmp_path / check / "pass")
    return found


def _findings(report: Report) -> list[tuple[str, Finding]]:
    return [(r.check, f) for r in report.results for f in (*r.findings, *r.suppressed)]


def test_codes_are_kebab_case_and_unique() -> None:
    full = [code_of(c, reason) for c in CHECKS for reason in c.codes]
    assert len(full) == len(set(full))
    for check in CHECKS:
        assert check.codes, f"{check.id} declares no finding codes"
        bad = [r for r in check.codes if not CODE_REASON.match(r)]
        assert bad == [], check.id
        assert all(code.summary and "\n" not in code.summary for code in check.codes.values())


def test_every_finding_of_every_bundle_has_a_declared_code(tmp_path: Path) -> None:
    for name, root in _bundles(tmp_path).items():
        for check, finding in _findings(build_report(read_bundle(root), CHECKS)):
            assert finding.code in DECLARED, f"{name}: {check}: {finding.message!r}"
            assert finding.code.startswith(f"{check}/")


def test_a_pod_finding_is_owned_by_its_deployment_not_its_replicaset() -> None:
    report = build_report(read_bundle(DEMO_ROOT / "coredns-loop"), CHECKS)
    pods = [f for f in report.result("dns.rollout").findings if f.object and f.object.kind == "Pod"]
    assert [(str(f.object), f.code, f.owner) for f in pods] == [
        (
            "Pod/kube-system/coredns-7d8f9c6b5-4xk2m",
            "dns.rollout/forwarding-loop",
            ObjectRef("Deployment", "coredns", "kube-system"),
        ),
        (
            "Pod/kube-system/coredns-7d8f9c6b5-p9wqz",
            "dns.rollout/forwarding-loop",
            ObjectRef("Deployment", "coredns", "kube-system"),
        ),
    ]
    others = [f for f in report.result("dns.rollout").findings if f not in pods]
    assert [(str(f.object), f.code, f.owner) for f in others] == [
        (
            "Deployment/kube-system/coredns",
            "dns.rollout/pods-not-ready",
            ObjectRef("Deployment", "coredns", "kube-system"),
        ),
        (
            "Service/kube-system/kube-dns",
            "dns.rollout/no-ready-endpoints",
            ObjectRef("Service", "kube-dns", "kube-system"),
        ),
    ]


def test_a_code_fix_reaches_the_result() -> None:
    result = build_report(read_bundle(DEMO_ROOT / "coredns-loop"), CHECKS).result("dns.rollout")
    assert set(result.fixes) == {
        "dns.rollout/forwarding-loop",
        "dns.rollout/pods-not-ready",
        "dns.rollout/no-ready-endpoints",
    }
    assert result.fixes["dns.rollout/forwarding-loop"].startswith("Give CoreDNS a real upstream")
    # the remediation leads with the fix of the findings that say why (the loop), each fix once
    assert result.remediation is not None
    assert result.remediation.startswith(result.fixes["dns.rollout/forwarding-loop"])
    assert result.remediation.count("Give CoreDNS a real upstream") == 1


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_explain_lists_the_codes(check: Check, run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("explain", check.id)
    assert outcome.code == 0
    listed = outcome.stdout.split("Finding codes:\n", 1)[1]
    for reason, code in check.codes.items():
        assert f"  {check.id}/{reason}: {code.summary}\n" in listed


def test_fail_and_warn_findings_of_the_demos_all_carry_codes() -> None:
    for name in scenarios():
        report = build_report(read_bundle(DEMO_ROOT / name), CHECKS)
        problems = [f for r in report.results for f in r.problems]
        assert all(f.code for f in problems), name
        assert all(f.status in (Status.FAIL, Status.WARN) for f in problems)
