"""What checks produce and what reporters render: frozen results and the finished report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI's start-up needs Status, not the fact model
    from kopscheck.model.facts import JSON, ObjectRef


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Severity order used to pick the worst status; skip ranks with pass."""
        return _RANK[self]


_RANK = {Status.SKIP: 0, Status.PASS: 0, Status.WARN: 1, Status.ERROR: 2, Status.FAIL: 3}


class SkipReason(StrEnum):
    """Why a result is `skip`: `--fail-on skip` gates on missing facts only, not on probes that
    were not asked for."""

    DESELECTED = "deselected"  # --select/--skip left it out
    NOT_APPLICABLE = "not-applicable"  # the check does not apply to this cluster
    FACTS_MISSING = "facts-missing"  # what it needs was not collected
    NOT_REQUESTED = "not-requested"  # it needs probes, and --probe was not given


def worst(statuses: Iterable[Status], default: Status = Status.PASS) -> Status:
    return max(statuses, key=lambda s: s.rank, default=default)


@dataclass(frozen=True, slots=True)
class Code:
    """What one finding code means (one line), and the fix for it when it differs from the
    check's own."""

    summary: str
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation about one object.

    `related` names other objects this finding depends on (the node a Pending pod waits for);
    `signals` classify the failure (see knowledge.signals). Diagnosis links results through both.

    `code` is the finding's stable identity: a check sets the kebab-case reason it declared
    (`missing-daemonset`), and the engine qualifies it with the check id
    (`cni.provider-deployed/missing-daemonset`). `owner` is set by the engine: a pod's top
    controller, else the object itself. Baselines and `diff` match on (check, code, owner).
    """

    status: Status
    message: str
    object: ObjectRef | None = None
    evidence: Mapping[str, JSON] = field(default_factory=dict)
    related: tuple[ObjectRef, ...] = ()
    signals: tuple[str, ...] = ()
    code: str = ""
    owner: ObjectRef | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check returns: its findings and the line a person reads first.

    A check that does not apply says so through its `does_not_apply` hook, not in a verdict.
    """

    summary: str
    findings: tuple[Finding, ...] = ()
    remediation: str | None = None

    @property
    def status(self) -> Status:
        return worst(f.status for f in self.findings)


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    title: str
    family: str
    status: Status
    summary: str
    findings: tuple[Finding, ...] = ()
    remediation: str | None = None
    caused_by: tuple[str, ...] = ()
    step: str = ""
    skip_reason: SkipReason | None = None
    # Problem findings a baseline marks as known: listed, but not counted for the status.
    suppressed: tuple[Finding, ...] = ()
    # The fix of each finding code present that declares its own (code -> fix text).
    fixes: Mapping[str, str] = field(default_factory=dict)

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status in (Status.WARN, Status.FAIL))


@dataclass(frozen=True, slots=True)
class Target:
    cluster: str | None
    source: str
    kubernetes_version: str | None = None
    networking: str | None = None
    networking_source: str | None = None
    kubernetes_version_source: str | None = None  # "API server", "kops spec", "node kubelets"


@dataclass(frozen=True, slots=True)
class UnreadFact:
    """A fact that could not be read, said once: why, and the checks it left undecided.

    `facts` is the fact first, then those that could not be read because of it (the node files
    need the node list). `failed`: the read failed (those checks are `error`), else the fact
    was unavailable (forbidden, not in the bundle: they are `skip`).
    """

    facts: tuple[str, ...]
    reason: str
    failed: bool
    checks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    target: Target
    generated_at: datetime
    results: tuple[CheckResult, ...]
    root_causes: tuple[str, ...] = ()
    fail_on: Status = Status.FAIL
    tool_version: str = ""
    notes: tuple[str, ...] = ()
    baseline: str | None = None  # the --baseline file applied, if any
    unread: tuple[UnreadFact, ...] = ()  # facts not read, each with the checks it left undecided

    @property
    def status(self) -> Status:
        """pass|warn|fail|error; a report where nothing could be evaluated is `error`."""
        evaluated = [r.status for r in self.results if r.status is not Status.SKIP]
        if not evaluated:
            return Status.ERROR
        return worst(evaluated)

    def counts(self) -> Mapping[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    def result(self, check_id: str) -> CheckResult:
        return next(r for r in self.results if r.check == check_id)


def symptoms_of(results: Sequence[CheckResult], root: str) -> list[tuple[CheckResult, str | None]]:
    """Every result `root` explains, directly or through others, in report order.

    Each comes with the cause it is reached through, or None when `root` causes it directly.
    """
    causes = {r.check: list(r.caused_by) for r in results}
    reached = reach(root, causes)
    found = []
    for result in results:
        if result.check not in reached:
            continue
        via = None if root in result.caused_by else _first_in(result.caused_by, reached)
        found.append((result, via))
    return found


def _first_in(candidates: Sequence[str], pool: set[str]) -> str | None:
    return next((c for c in candidates if c in pool), None)


def reach(root: str, causes: Mapping[str, Sequence[str]]) -> set[str]:
    """Every result that `root` explains, directly or through others (never `root` itself)."""
    seen: set[str] = set()
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for symptom, its_causes in causes.items():
            if current in its_causes and symptom not in seen:
                seen.add(symptom)
                frontier.append(symptom)
    return seen - {root}
