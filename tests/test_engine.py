"""The engine: selection, missing facts, crashing checks, report status and exit codes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import kube_builders as kb
import pytest
from snapshots import snapshot

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.engine.runner import Selection, build_report
from kopscheck.model.exitcodes import ExitCode, exit_code
from kopscheck.model.facts import Fact
from kopscheck.model.results import Finding, Status, Verdict


class Crashes(Check):
    """A check that crashes on any input.

    Why: to prove a broken check cannot stop the run or pass silently, whatever it looks at.

    Fix: nothing to fix in a cluster; this is a test double for the engine's error handling.

    Step: none.
    """

    id = "test.crashes"
    family = "test"
    needs = frozenset({Fact.NODES})
    wants: frozenset[Fact] = frozenset()
    explains: frozenset[str] = frozenset()

    def run(self, context: CheckContext) -> Verdict:
        raise KeyError("status")


class NeedsRoutes(Crashes):
    """A check that needs AWS route tables."""

    id = "test.needs-routes"
    needs = frozenset({Fact.AWS_ROUTE_TABLES, Fact.NODES})

    def run(self, context: CheckContext) -> Verdict:
        return Verdict("ok")


class Warns(Crashes):
    """A check that warns."""

    id = "test.warns"

    def run(self, context: CheckContext) -> Verdict:
        return Verdict("hmm", (Finding(Status.WARN, "not sure"),))


NODES = snapshot(nodes=[kb.node("i-1", "10.0.0.1", "100.96.1.0/24")])


def test_crashing_check_is_an_error_and_the_run_goes_on() -> None:
    report = build_report(NODES, [Crashes(), Warns()])
    crashed = report.result("test.crashes")
    assert (crashed.status, crashed.summary) == (Status.ERROR, "check crashed: KeyError: 'status'")
    assert report.result("test.warns").status is Status.WARN
    assert report.root_causes == ("test.warns",)  # an error explains nothing: never a root
    assert exit_code(report) is ExitCode.SCAN_INCOMPLETE


def test_missing_fact_skips_with_the_reason() -> None:
    snap = replace(
        NODES, missing={**NODES.missing, Fact.AWS_ROUTE_TABLES: "ec2:DescribeRouteTables denied"}
    )
    result = build_report(snap, [NeedsRoutes()]).result("test.needs-routes")
    assert (result.status, result.summary) == (
        Status.SKIP,
        "cannot decide: ec2:DescribeRouteTables denied",
    )


def test_all_skipped_is_an_error_never_a_pass() -> None:
    report = build_report(NODES, [NeedsRoutes()])
    assert report.status is Status.ERROR
    assert exit_code(report) is ExitCode.SCAN_INCOMPLETE


def test_fail_on_decides_whether_a_warning_fails_the_gate() -> None:
    assert exit_code(build_report(NODES, [Warns()])) is ExitCode.OK
    assert exit_code(build_report(NODES, [Warns()], fail_on=Status.WARN)) is ExitCode.UNHEALTHY


def test_deselected_check_is_skipped_with_a_reason() -> None:
    result = build_report(NODES, [Warns()], Selection(skip=frozenset({"test"}))).result(
        "test.warns"
    )
    assert (result.status, result.summary) == (Status.SKIP, "not selected (--select/--skip)")


class AwsOnly(NeedsRoutes):
    """A check that knows, from the nodes alone, when it does not apply."""

    id = "test.aws-only"

    def does_not_apply(self, context: CheckContext) -> str | None:
        return "not an AWS cluster" if context.snapshot.nodes else None


def test_missing_facts_a_check_would_not_use_say_why_it_does_not_apply() -> None:
    result = build_report(NODES, [AwsOnly()]).result("test.aws-only")
    assert (result.status, result.summary) == (
        Status.SKIP,
        "not an AWS cluster (not in this test)",
    )
    failed = replace(NODES, failed=frozenset({Fact.AWS_ROUTE_TABLES}))
    assert build_report(failed, [AwsOnly()]).result("test.aws-only").status is Status.SKIP
    assert build_report(failed, [NeedsRoutes()]).result("test.needs-routes").status is Status.ERROR


def test_derived_views_are_computed_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eleven checks, one snapshot: the networking mode and the events index are built once."""
    import kopscheck.checkapi.context as context_module
    from kopscheck.collectors.offline.bundle import read_bundle
    from kopscheck.demo import DEMO_ROOT
    from kopscheck.engine.registry import load_checks

    calls = {"mode": 0, "events": 0}
    resolve, index = context_module.resolve_networking, context_module.events_by_object

    def counted_resolve(*args: Any) -> Any:
        calls["mode"] += 1
        return resolve(*args)

    def counted_index(*args: Any) -> Any:
        calls["events"] += 1
        return index(*args)

    monkeypatch.setattr(context_module, "resolve_networking", counted_resolve)
    monkeypatch.setattr(context_module, "events_by_object", counted_index)
    report = build_report(read_bundle(DEMO_ROOT / "cni-no-provider"), load_checks())
    assert report.target.networking == "cni"
    assert calls == {"mode": 1, "events": 1}
