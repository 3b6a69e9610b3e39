"""Link symptoms to causes by evidence: shared objects and explained signals, never a fixed table.

A finding is explained by another failing result B when
- it carries a signal that B's check declares it `explains`, or
- it names as `related` an object that one of B's problem findings is about,
and B's evidence is at least as severe as the finding: a warning (facts not enough to decide)
never explains a failure. Only a result's decisive findings, those at the result's own status,
link it: result A is caused by B when one of them is explained by B.

Root causes, most fundamental first:
- failing (fail or warn) results that nothing explains;
- results partly explained that also hold a decisive finding with signals of its own that
  nothing explains: CoreDNS in a forwarding loop on a Ready node next to a CoreDNS pod Pending
  on a NotReady node is two problems, and the loop must not hide behind the CNI;
- for each cycle of mutual causes no other root reaches, the member that explains the most.
An erroring result (the check could not be evaluated) is never a root cause: it found nothing
about the cluster. The report says why once, under the fact that could not be read
(`Report.unread`), or as a check that crashed.
Ordered fail, then warn; within that by how many results each explains, directly
or through others; then in report order (the catalog lists the fundamental layers first).
One rule overrides the order: a root whose decisive findings carry a signal another root's
check explains depends on that check's answer, and never ranks above it, even when the other
only warns (provider pods judged "none deployed" after "which provider is needed?").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from kopscheck.checkapi.check import Check
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import CheckResult, Finding, Status, reach

FAILING = (Status.FAIL, Status.WARN)
_ROOT_ORDER = {Status.FAIL: 0, Status.WARN: 1}


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What a failing result can explain: its check's signals and the objects it is about."""

    rank: int
    signals: frozenset[str]
    objects: Mapping[ObjectRef, int]  # object -> rank of the worst problem finding about it

    def explains(self, finding: Finding) -> bool:
        needed = finding.status.rank
        if self.rank < needed:
            return False
        if self.signals.intersection(finding.signals):
            return True
        return any(self.objects.get(ref, -1) >= needed for ref in finding.related)


def diagnose(
    results: Sequence[CheckResult], checks: Sequence[Check]
) -> tuple[list[CheckResult], list[str]]:
    """Fill each result's `caused_by` and return the results with the root causes in order."""
    explains = {c.id: frozenset(c.explains) for c in checks}
    failing = [r for r in results if r.status in FAILING]
    evidence = {r.check: _evidence(r, explains.get(r.check, frozenset())) for r in failing}
    causes: dict[str, list[str]] = {}
    roots: list[str] = []
    for symptom in failing:
        causes[symptom.check], stands_alone = _link(symptom, failing, evidence)
        if stands_alone or not causes[symptom.check]:
            roots.append(symptom.check)
    roots += _cycle_roots([r.check for r in failing], causes, roots)
    status = {r.check: r.status for r in results}
    order = {r.check: i for i, r in enumerate(results)}
    reached = {root: reach(root, causes) for root in roots}
    roots.sort(key=lambda root: (_ROOT_ORDER[status[root]], -len(reached[root]), order[root]))
    roots = _answers_first(roots, {r.check: r for r in results}, explains)
    linked = [replace(r, caused_by=tuple(causes.get(r.check, ()))) for r in results]
    return linked, roots


def _answers_first(
    roots: list[str], results: Mapping[str, CheckResult], explains: Mapping[str, frozenset[str]]
) -> list[str]:
    """Move each root after the roots whose answer it depends on (see the module docstring)."""

    def depends(root: str, on: str) -> bool:
        if results[on].status not in FAILING:  # an error has no answer to depend on
            return False
        result = results[root]
        signals = {s for f in result.findings if f.status is result.status for s in f.signals}
        return bool(signals & explains.get(on, frozenset()))

    ordered: list[str] = []
    for root in roots:
        first_dependent = next(
            (i for i, placed in enumerate(ordered) if depends(placed, root)), len(ordered)
        )
        if any(depends(root, placed) for placed in ordered[first_dependent:]):
            ordered.append(root)  # mutual: keep the severity order
        else:
            ordered.insert(first_dependent, root)
    return ordered


def _evidence(result: CheckResult, signals: frozenset[str]) -> _Evidence:
    objects: dict[ObjectRef, int] = {}
    for finding in result.problems:
        if finding.object is not None:
            objects[finding.object] = max(objects.get(finding.object, -1), finding.status.rank)
    return _Evidence(result.status.rank, signals, objects)


def _link(
    symptom: CheckResult, failing: Sequence[CheckResult], evidence: Mapping[str, _Evidence]
) -> tuple[list[str], bool]:
    """The results explaining `symptom`, and whether it also shows a problem of its own."""
    others = [c.check for c in failing if c.check != symptom.check]
    linked: set[str] = set()
    stands_alone = False
    for finding in symptom.findings:
        if finding.status is not symptom.status:
            continue
        by = {cause for cause in others if evidence[cause].explains(finding)}
        linked |= by
        stands_alone = stands_alone or (not by and bool(finding.signals))
    return [cause for cause in others if cause in linked], stands_alone


def _cycle_roots(
    failing: Sequence[str], causes: Mapping[str, Sequence[str]], roots: Sequence[str]
) -> list[str]:
    """One root for each cycle of mutual causes that no root reaches: the one explaining most."""
    covered = set(roots)
    for root in roots:
        covered |= reach(root, causes)
    picked: list[str] = []
    left = [check for check in failing if check not in covered]
    while left:
        best = max(left, key=lambda c: (len(reach(c, causes) - covered), -failing.index(c)))
        picked.append(best)
        covered |= {best} | reach(best, causes)
        left = [check for check in left if check not in covered]
    return picked
