"""A check may say it does not apply; the engine reports that as `skip` with the reason."""

from __future__ import annotations

from datetime import UTC, datetime

from kopscheck.engine.runner import Selection, build_report, run_check
from kopscheck.model.facts import Fact, ObjectRef, Snapshot
from kopscheck.model.results import Finding, Status, Verdict

SNAPSHOT = Snapshot(source="bundle", observed_at=datetime(2026, 11, 27, 10, 15, tzinfo=UTC))


class KubenetOnly:
    """Only kubenet clusters have per-node VPC routes.

    Why: a test check.

    Fix: nothing to fix.
    """

    id = "test.kubenet-only"
    family = "aws"
    needs: frozenset[Fact] = frozenset()
    wants: frozenset[Fact] = frozenset()
    explains: frozenset[str] = frozenset({"no-route-created"})

    def run(self, snapshot: Snapshot) -> Verdict:
        return Verdict("networking is calico: no per-node routes to check", not_applicable=True)


class Failing(KubenetOnly):
    id = "test.failing"

    def run(self, snapshot: Snapshot) -> Verdict:
        finding = Finding(
            Status.FAIL, "broken", ObjectRef("Node", "n1"), signals=("no-route-created",)
        )
        return Verdict("broken", (finding,))


def test_not_applicable_verdict_is_a_skip_with_its_reason() -> None:
    verdict = KubenetOnly().run(SNAPSHOT)
    assert verdict.status is Status.SKIP
    result = run_check(KubenetOnly(), SNAPSHOT, Selection())
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
