"""Run checks over a snapshot: selection, missing facts, crashes; then build the report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kopscheck import __version__
from kopscheck.checkapi.check import Check, check_doc
from kopscheck.engine.diagnosis import diagnose
from kopscheck.knowledge.networking import resolve_networking
from kopscheck.model.facts import Snapshot
from kopscheck.model.results import CheckResult, Report, Status, Target


@dataclass(frozen=True, slots=True)
class Selection:
    """`--select` / `--skip`: check ids or family names. An empty select means all."""

    select: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()

    def chosen(self, check: Check) -> bool:
        keys = {check.id, check.family}
        if self.select and not keys & self.select:
            return False
        return not keys & self.skip

    def unknown(self, checks: Iterable[Check]) -> frozenset[str]:
        known = {c.id for c in checks} | {c.family for c in checks}
        return (self.select | self.skip) - known


def run_check(check: Check, snapshot: Snapshot, selection: Selection) -> CheckResult:
    doc = check_doc(check)

    def result(status: Status, summary: str, **extra: object) -> CheckResult:
        return CheckResult(
            check=check.id,
            title=doc.title,
            family=check.family,
            status=status,
            summary=summary,
            step=doc.step,
            **extra,  # type: ignore[arg-type]
        )

    if not selection.chosen(check):
        return result(Status.SKIP, "not selected (--select/--skip)")
    missing = [fact for fact in sorted(check.needs) if not snapshot.has(fact)]
    if missing:
        reasons = "; ".join(snapshot.why_missing(fact) for fact in missing)
        out_of_scope = _out_of_scope(check, snapshot)
        if out_of_scope:  # what was not collected would not have mattered
            return result(Status.SKIP, f"{out_of_scope} ({reasons})")
        failed = any(fact in snapshot.failed for fact in missing)
        return result(Status.ERROR if failed else Status.SKIP, f"cannot decide: {reasons}")
    try:
        verdict = check.run(snapshot)
    except Exception as exc:  # a broken check must not end the run
        return result(Status.ERROR, f"check crashed: {type(exc).__name__}: {exc}")
    status = verdict.status
    if status is Status.SKIP:  # the check itself says it does not apply
        return result(Status.SKIP, verdict.summary)
    remediation = verdict.remediation or (doc.fix if status is not Status.PASS else None)
    return result(status, verdict.summary, findings=verdict.findings, remediation=remediation)


def _out_of_scope(check: Check, snapshot: Snapshot) -> str | None:
    """A check may say from the facts it has that it does not apply (AWS route checks on a
    calico cluster): optional `out_of_scope(snapshot) -> str | None`, asked only when facts
    it needs are missing, so the skip names the real reason instead of the missing file."""
    ask = getattr(check, "out_of_scope", None)
    if not callable(ask):
        return None
    try:
        reason = ask(snapshot)
    except Exception:  # a broken scope test must not hide the missing-fact reason
        return None
    return reason if isinstance(reason, str) and reason else None


def run_checks(
    snapshot: Snapshot, checks: Sequence[Check], selection: Selection = Selection()
) -> list[CheckResult]:
    return [run_check(check, snapshot, selection) for check in checks]


def build_report(
    snapshot: Snapshot,
    checks: Sequence[Check],
    selection: Selection = Selection(),
    fail_on: Status = Status.FAIL,
    now: datetime | None = None,
) -> Report:
    results = run_checks(snapshot, checks, selection)
    results, root_causes = diagnose(results, checks)
    mode = resolve_networking(snapshot)
    return Report(
        target=Target(
            cluster=snapshot.cluster_name,
            source=snapshot.source,
            kubernetes_version=snapshot.version.git_version if snapshot.version else None,
            networking=mode.name if mode else None,
            networking_source=mode.source if mode else None,
        ),
        generated_at=now or datetime.now(UTC),
        results=tuple(results),
        root_causes=tuple(root_causes),
        fail_on=fail_on,
        tool_version=__version__,
        notes=snapshot.notes,
    )
