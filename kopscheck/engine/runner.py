"""Run checks over a snapshot: selection, missing facts, crashes; then build the report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from kopscheck import __version__
from kopscheck.checkapi.check import Check, check_doc, code_of
from kopscheck.checkapi.context import CheckContext
from kopscheck.engine.diagnosis import diagnose
from kopscheck.model.facts import Fact, Snapshot
from kopscheck.model.results import (
    CheckResult,
    Finding,
    Report,
    SkipReason,
    Status,
    Target,
    UnreadFact,
)


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


def run_check(check: Check, context: CheckContext, selection: Selection) -> CheckResult:
    doc = check_doc(check)
    snapshot = context.snapshot

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
        return result(
            Status.SKIP, "not selected (--select/--skip)", skip_reason=SkipReason.DESELECTED
        )
    missing = [fact for fact in sorted(check.needs) if not snapshot.has(fact)]
    reasons = "; ".join(dict.fromkeys(snapshot.why_missing(fact) for fact in missing))
    try:
        does_not_apply = check.does_not_apply(context)
        verdict = None if does_not_apply or missing else check.run(context)
    except Exception as exc:  # a broken check must not end the run
        return result(Status.ERROR, f"check crashed: {type(exc).__name__}: {exc}")
    if does_not_apply:  # what was not collected would not have mattered
        summary = f"{does_not_apply} ({reasons})" if missing else does_not_apply
        return result(Status.SKIP, summary, skip_reason=SkipReason.NOT_APPLICABLE)
    if verdict is None:
        if any(fact in snapshot.failed for fact in missing):
            return result(Status.ERROR, f"cannot decide: {reasons}")
        if all(snapshot.not_requested(fact) for fact in missing):
            return result(Status.SKIP, f"not run: {reasons}", skip_reason=SkipReason.NOT_REQUESTED)
        return result(
            Status.SKIP, f"cannot decide: {reasons}", skip_reason=SkipReason.FACTS_MISSING
        )
    status = verdict.status
    findings = tuple(_identified(check, context, f) for f in verdict.findings)
    fixes = _fixes(check, findings)
    remediation = verdict.remediation or _remediation(findings, status, fixes, doc.fix)
    return result(
        status,
        verdict.summary,
        findings=findings,
        remediation=remediation,
        fixes=fixes,
        skip_reason=SkipReason.FACTS_MISSING if status is Status.SKIP else None,
    )


def _identified(check: Check, context: CheckContext, finding: Finding) -> Finding:
    """The finding with its full code (`<check id>/<reason>`) and its owner."""
    code = code_of(check, finding.code) if finding.code else ""
    return replace(finding, code=code, owner=context.owner(finding.object))


def _remediation(
    findings: Sequence[Finding], status: Status, fixes: Mapping[str, str], check_fix: str
) -> str | None:
    """The fixes of the decisive findings' codes, each once: those with a classified cause
    (signals) first, as they say what to do; the check's own fix only for a finding whose code
    declares none. Nothing for a pass."""
    if status in (Status.PASS, Status.SKIP):
        return None
    decisive = sorted((f for f in findings if f.status is status), key=lambda f: not f.signals)
    texts = [fixes.get(f.code) or check_fix for f in decisive]
    return " ".join(dict.fromkeys(t for t in texts if t)) or None


def _fixes(check: Check, findings: Sequence[Finding]) -> dict[str, str]:
    fixes = {}
    for finding in findings:
        declared = check.codes.get(finding.code.rpartition("/")[2]) if finding.code else None
        if declared is not None and declared.fix:
            fixes[finding.code] = declared.fix
    return fixes


def run_checks(
    context: CheckContext, checks: Sequence[Check], selection: Selection = Selection()
) -> list[CheckResult]:
    return [run_check(check, context, selection) for check in checks]


def build_report(
    snapshot: Snapshot,
    checks: Sequence[Check],
    selection: Selection = Selection(),
    fail_on: Status = Status.FAIL,
    now: datetime | None = None,
    networking: str | None = None,
) -> Report:
    """Run `checks` on one snapshot and diagnose; `networking` is the user's --networking."""
    context = CheckContext(snapshot, networking)
    results = run_checks(context, checks, selection)
    results, root_causes = diagnose(results, checks)
    unread = unread_facts(snapshot, checks, results)
    mode = context.networking
    version = context.kubernetes_version
    return Report(
        target=Target(
            cluster=snapshot.cluster_name,
            source=snapshot.source,
            kubernetes_version=version.text if version else None,
            networking=mode.name if mode else None,
            networking_source=mode.source if mode else None,
            kubernetes_version_source=version.source if version else None,
        ),
        generated_at=now or datetime.now(UTC),
        results=tuple(results),
        root_causes=tuple(root_causes),
        fail_on=fail_on,
        tool_version=__version__,
        notes=snapshot.notes,
        unread=unread,
    )


def unread_facts(
    snapshot: Snapshot, checks: Sequence[Check], results: Sequence[CheckResult]
) -> tuple[UnreadFact, ...]:
    """Each needed fact that was not read, once, with the checks left `error` or `skip` by it.

    A fact whose reason quotes another's (the node files "need the node list (...)") is said
    under that one, not again.
    """
    needs = {c.id: c.needs for c in checks}
    undecided: dict[Fact, list[str]] = {}
    for result in results:
        if result.status is not Status.ERROR and result.skip_reason is not SkipReason.FACTS_MISSING:
            continue
        for fact in sorted(needs.get(result.check, ())):
            if not snapshot.has(fact) and not snapshot.not_requested(fact):
                undecided.setdefault(fact, []).append(result.check)
    reasons = {fact: snapshot.why_missing(fact) for fact in undecided}
    under = {
        fact: next((o for o in undecided if o != fact and reasons[o] in reasons[fact]), None)
        for fact in undecided
    }
    found = []
    for fact in (f for f in Fact if f in undecided and under[f] is None):
        folded = [f for f in undecided if under[f] is fact]
        checks_of = sorted(
            {c for f in (fact, *folded) for c in undecided[f]}, key=[r.check for r in results].index
        )
        failed = any(f in snapshot.failed for f in (fact, *folded))
        names = (fact.value, *(f.value for f in folded))
        found.append(UnreadFact(names, reasons[fact], failed, tuple(checks_of)))
    return tuple(found)
