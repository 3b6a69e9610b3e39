"""A check may say it does not apply (its `does_not_apply` hook); the engine reports `skip`."""

from __future__ import annotations

from datetime import UTC, datetime

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.engine.runner import Selection, build_report, run_check
from kopscheck.model.facts import Fact, ObjectRef, Snapshot
from kopscheck.model.results import Finding, Status, Verdict

SNAPSHOT = Snapshot(source="bundle", observed_at=datetime(2026, 11, 27, 10, 15, tzinfo=UTC))


class KubenetOnly(Check):
    """Only kubenet clusters have per-node VPC routes.

    Why: a test check.

    Fix: nothing to fix.
    """

    id = "test.kubenet-only"
    family = "aws"
    needs: frozenset[Fact] = frozenset()
    wants: frozenset[Fact] = frozenset()
    explains: frozenset[str] = frozenset({"no-route-created"})

    def does_not_apply(self, context: CheckContext) -> str | None:
        return "networking is calico: no per-node routes to check"

    def run(self, context: CheckContext) -> Verdict:  # pragma: no cover - never asked
        raise AssertionError("a check that does not apply is not run")


class Failing(KubenetOnly):
    id = "test.failing"

    def does_not_apply(self, context: CheckContext) -> str | None:
        return None

    def run(self, context: CheckContext) -> Verdict:
        finding = Finding(
            Status.FAIL, "broken", ObjectRef("Node", "n1"), signals=("no-route-created",)
        )
        return Verdict("broken", (finding,))


def test_a_check_that_does_not_apply_is_a_skip_with_its_reason() -> None:
    result = run_check(KubenetOnly(), CheckContext(SNAPSHOT), Selection())
    assert (result.status, result.summary) == (
        Status.SKIP,
        "networking is calico: no per-node routes to check",
    )
    assert result.remediation is None and result.findings == ()


def test_a_skipped_check_explains_nothing() -> None:
    report = build_report(SNAPSHOT, [KubenetOnly(), Failing()])
    assert report.result("test.failing").caused_by == ()
    assert report.root_causes == ("test.failing",)
    assert report.counts()[Status.SKIP] == 1


class Kubenet(Failing):
    """Applies to kubenet only: the hook reads the mode the context resolved once."""

    id = "test.kubenet"

    def does_not_apply(self, context: CheckContext) -> str | None:
        mode = context.networking
        if mode is None or mode.name == "kubenet":
            return None
        return f"networking is {mode.name} (from {mode.source})"


def test_the_networking_flag_reaches_the_hook_through_the_context() -> None:
    report = build_report(SNAPSHOT, [Kubenet()], networking="calico")
    assert (report.result("test.kubenet").status, report.result("test.kubenet").summary) == (
        Status.SKIP,
        "networking is calico (from --networking)",
    )
    assert (report.target.networking, report.target.networking_source) == (
        "calico",
        "--networking",
    )
    assert build_report(SNAPSHOT, [Kubenet()]).result("test.kubenet").status is Status.FAIL


class CrashesInItsHook(Failing):
    id = "test.crashes-in-hook"

    def does_not_apply(self, context: CheckContext) -> str | None:
        raise KeyError("mode")


def test_a_crash_in_the_hook_is_an_error() -> None:
    result = build_report(SNAPSHOT, [CrashesInItsHook()]).result("test.crashes-in-hook")
    assert (result.status, result.summary) == (Status.ERROR, "check crashed: KeyError: 'mode'")
