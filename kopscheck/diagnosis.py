"""Link symptoms to causes by evidence: shared objects and explained signals.

Result A is caused by failing result B when one of A's problem findings
- carries a signal that B's check declares it `explains`, or
- names as `related` an object that one of B's problem findings is about.
Root causes are the failing results nothing explains, the ones explaining most first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kopscheck.check import Check
from kopscheck.facts import ObjectRef
from kopscheck.results import CheckResult, Status

FAILING = (Status.FAIL, Status.WARN)


def diagnose(
    results: Sequence[CheckResult], checks: Sequence[Check]
) -> tuple[list[CheckResult], list[str]]:
    explains = {c.id: c.explains for c in checks}
    failing = [r for r in results if r.status in FAILING]
    objects = {r.check: {f.object for f in r.problems if f.object} for r in failing}
    causes: dict[str, list[str]] = {}
    for symptom in failing:
        causes[symptom.check] = [
            cause.check
            for cause in failing
            if cause.check != symptom.check
            and _explained(symptom, explains.get(cause.check, frozenset()), objects[cause.check])
        ]
    roots = [r.check for r in failing if not causes[r.check]]
    roots += _cycle_roots(causes, roots)
    roots += [r.check for r in results if r.status is Status.ERROR]
    reach = {root: _reach(root, causes) for root in roots}
    order = {r.check: i for i, r in enumerate(results)}
    errors = {r.check for r in results if r.status is Status.ERROR}
    roots.sort(key=lambda root: (root in errors, -len(reach[root]), order[root]))
    linked = [replace(r, caused_by=tuple(causes.get(r.check, ()))) for r in results]
    return linked, roots


def _explained(symptom: CheckResult, signals: frozenset[str], objects: set[ObjectRef]) -> bool:
    for finding in symptom.problems:
        if signals.intersection(finding.signals):
            return True
        if objects.intersection(finding.related):
            return True
    return False


def _reach(root: str, causes: dict[str, list[str]]) -> set[str]:
    """Every result that `root` explains, directly or through others."""
    seen: set[str] = set()
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for symptom, its_causes in causes.items():
            if current in its_causes and symptom not in seen:
                seen.add(symptom)
                frontier.append(symptom)
    return seen - {root}


def _cycle_roots(causes: dict[str, list[str]], roots: list[str]) -> list[str]:
    """Failing results only reachable through a cycle of mutual causes become roots too."""
    covered = set(roots).union(*(_reach(r, causes) for r in roots)) if roots else set()
    return sorted(check for check in causes if check not in covered)
