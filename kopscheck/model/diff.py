"""What `kopscheck diff` found between two reports: per cluster, check changes and findings."""

from __future__ import annotations

from dataclasses import dataclass

from kopscheck.model.results import Status


@dataclass(frozen=True, slots=True)
class CheckChange:
    check: str
    old: str | None  # None: the check is not in that report
    new: str | None
    change: str  # worse | better | changed | added | removed


@dataclass(frozen=True, slots=True)
class FindingRef:
    """A problem finding as a JSON report holds it."""

    check: str
    object: str  # "Kind/namespace/name", "" when the finding names no object
    message: str
    status: str
    code: str = ""  # "" in reports written before findings had codes
    owner: str = ""  # "Kind/namespace/name" of the finding's owner


@dataclass(frozen=True, slots=True)
class ClusterDiff:
    name: str
    old_status: str | None  # None: the cluster is not in that report
    new_status: str | None
    checks: tuple[CheckChange, ...]
    new_findings: tuple[FindingRef, ...]
    resolved_findings: tuple[FindingRef, ...]

    @property
    def worse(self) -> bool:
        if self.new_status is None:
            return False
        gone_bad = self.old_status is not None and rank(self.new_status) > rank(self.old_status)
        return gone_bad or bool(self.new_findings) or any(c.change == "worse" for c in self.checks)


@dataclass(frozen=True, slots=True)
class DiffReport:
    """`kopscheck/diff/v1`: the two files compared and each cluster's changes."""

    old: str
    new: str
    clusters: tuple[ClusterDiff, ...]

    @property
    def worse(self) -> bool:
        return any(d.worse for d in self.clusters)


def rank(status: str | None) -> int:
    """A status string's severity (pass/skip < warn < error < fail); unknown ranks as pass."""
    return Status(status).rank if status in tuple(Status) else 0
