"""The fix follows the finding: every finding code has its own fix, and a result's remediation is
the fixes of its decisive findings' codes, each once.

Run over every check's failing and passing scenario (tests/check_scenarios.py) and every demo and
fixture bundle: a code raised at warn or fail declares a fix (`Code(summary, fix)`), that fix is
not the check's generic one and no other code of the check shares it, and the remediation holds
exactly those fixes. A code never seen passing must declare a fix even when no scenario raises it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from check_scenarios import FIXTURES, SCENARIOS, bundle
from test_diagnosis_edges import blackholes_fill_the_table

from kopscheck.checkapi.check import Check, check_doc
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import CheckResult, Report, Status

CHECKS = {c.id: c for c in load_checks()}
PROBLEM = (Status.WARN, Status.FAIL)
# Passing codes no scenario here raises (a pass needs no fix); never raised at warn or fail.
PASS_CODES = {
    ("cni.provider-deployed", "user-provider"),
    ("cni.provider-deployed", "static-pods"),
    ("cni.node-config", "kubenet-dockershim"),
}


def _reports(workdir: Path) -> list[Report]:
    paths = [
        b
        for parent in (DEMO_ROOT, FIXTURES)
        for b in sorted(parent.iterdir())
        if (b / "README.md").is_file()
    ]
    for index, (failing, passing) in enumerate(SCENARIOS.values()):
        for side, scenario in (("fail", failing), ("pass", passing)):
            where = workdir / f"{index}-{side}"
            where.mkdir()
            paths.append(bundle(scenario, where))
    paths.append(blackholes_fill_the_table(workdir / "blackholes"))
    return [build_report(read_bundle(p), list(CHECKS.values())) for p in paths]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Report]:
    return _reports(tmp_path_factory.mktemp("scenarios"))


def _reason(code: str) -> str:
    return code.rpartition("/")[2]


def _decisive_codes(result: CheckResult) -> list[str]:
    return [_reason(f.code) for f in result.findings if f.status is result.status and f.code]


def test_every_code_raised_at_warn_or_fail_has_a_specific_fix(reports: list[Report]) -> None:
    for report in reports:
        for result in (r for r in report.results if r.status in PROBLEM):
            check = CHECKS[result.check]
            generic = check_doc(check).fix
            for reason in _decisive_codes(result):
                fix = check.codes[reason].fix
                assert fix, f"{check.id}/{reason} raised at {result.status} has no fix"
                assert fix != generic, f"{check.id}/{reason}: the check's generic fix"


@pytest.mark.parametrize("check", list(CHECKS.values()), ids=lambda c: c.id)
def test_no_two_problem_codes_of_a_check_share_a_fix(check: Check) -> None:
    fixes = [code.fix for code in check.codes.values() if code.fix]
    assert len(fixes) == len(set(fixes)), check.id


def test_a_remediation_is_the_fixes_of_its_decisive_codes(reports: list[Report]) -> None:
    for report in reports:
        for result in report.results:
            check = CHECKS[result.check]
            if result.status not in PROBLEM:
                continue
            wanted = list(dict.fromkeys(check.codes[r].fix for r in _decisive_codes(result)))
            assert result.remediation is not None
            assert all(fix and fix in result.remediation for fix in wanted), result.check
            assert len(result.remediation) == sum(len(f or "") for f in wanted) + len(wanted) - 1


def test_codes_never_seen_passing_declare_a_fix(reports: list[Report]) -> None:
    passing = {
        (r.check, _reason(f.code))
        for report in reports
        for r in report.results
        for f in r.findings
        if f.code and f.status in (Status.PASS, Status.SKIP)
    }
    raised = {
        (r.check, _reason(f.code))
        for report in reports
        for r in report.results
        for f in r.findings
        if f.code and f.status in PROBLEM
    }
    for check in CHECKS.values():
        for reason, code in check.codes.items():
            seen_only_passing = (check.id, reason) in passing - raised
            declared_passing = (check.id, reason) in PASS_CODES - raised
            assert code.fix or seen_only_passing or declared_passing, f"{check.id}/{reason}"


def test_a_cluster_without_dns_is_told_to_deploy_dns(tmp_path: Path) -> None:
    root = tmp_path / "no-dns"
    shutil.copytree(DEMO_ROOT / "healthy", root)
    deployments = root / "cluster-info" / "kube-system" / "deployments.json"
    text = deployments.read_text()
    assert '"name": "coredns"' in text
    doc = json.loads(text)
    doc["items"] = [d for d in doc["items"] if d["metadata"]["name"] != "coredns"]
    deployments.write_text(json.dumps(doc))
    report = build_report(read_bundle(root), list(CHECKS.values()))
    dns = report.result("dns.rollout")
    assert dns.status is Status.FAIL
    assert [f.code for f in dns.problems] == ["dns.rollout/not-deployed"]
    assert dns.remediation is not None and dns.remediation.startswith("Deploy cluster DNS")
    assert "Look at why the pods listed are not ready" not in dns.remediation
