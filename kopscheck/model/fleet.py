"""Several clusters' outcomes in one report, and the exit code they add up to (CONTRACT §2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from kopscheck import __version__
from kopscheck.model.exitcodes import ExitCode, exit_code
from kopscheck.model.results import Report, Status, worst


@dataclass(frozen=True, slots=True)
class ClusterOutcome:
    """One cluster's report, or why its scan could not complete."""

    name: str
    report: Report | None
    error: str | None = None

    @property
    def status(self) -> Status:
        return self.report.status if self.report is not None else Status.ERROR

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(self.report) if self.report is not None else ExitCode.SCAN_INCOMPLETE


@dataclass(frozen=True, slots=True)
class FleetReport:
    clusters: tuple[ClusterOutcome, ...]
    fail_on: Status
    generated_at: datetime
    tool_version: str = __version__

    @property
    def status(self) -> Status:
        return worst((c.status for c in self.clusters), default=Status.ERROR)

    def counts(self) -> Mapping[Status, int]:
        """Clusters per overall status (skip never occurs: a cluster is pass|warn|fail|error)."""
        counts = dict.fromkeys((Status.PASS, Status.WARN, Status.FAIL, Status.ERROR), 0)
        for cluster in self.clusters:
            counts[cluster.status] += 1
        return counts


def fleet_exit_code(fleet: FleetReport) -> ExitCode:
    """CONTRACT §2 across clusters: 1 if any is unhealthy, else 3 if any scan is incomplete."""
    codes = {cluster.exit_code for cluster in fleet.clusters}
    for code in (ExitCode.UNHEALTHY, ExitCode.SCAN_INCOMPLETE):
        if code in codes:
            return code
    return ExitCode.OK if fleet.clusters else ExitCode.SCAN_INCOMPLETE
