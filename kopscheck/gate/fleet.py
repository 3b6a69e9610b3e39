"""Several clusters in one run: checked concurrently, one combined report, the worst exit code.

The fleet does not know where snapshots come from: it takes (name, collect) pairs, so repeated
`--bundle`, repeated `--context` and `--all-contexts` all run the same way. A cluster whose scan
cannot complete (ScanError) is reported as such, and the others are still checked; bad input
(InputError) ends the run with exit 2 like it does for one cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from kopscheck import __version__
from kopscheck.gate.exitcodes import ExitCode, exit_code
from kopscheck.model.errors import ScanError
from kopscheck.model.facts import Snapshot
from kopscheck.model.results import Report, Status, worst

MAX_WORKERS = 8


@dataclass(frozen=True, slots=True)
class ClusterTarget:
    name: str
    collect: Callable[[], Snapshot]


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


def run_fleet(
    targets: Sequence[ClusterTarget],
    evaluate: Callable[[Snapshot], Report],
    fail_on: Status,
    max_workers: int = MAX_WORKERS,
    on_done: Callable[[ClusterOutcome], None] = lambda outcome: None,
    now: datetime | None = None,
) -> FleetReport:
    """Check every target concurrently (at most `max_workers` at a time), in input order."""

    def check_one(target: ClusterTarget) -> ClusterOutcome:
        try:
            outcome = ClusterOutcome(target.name, evaluate(target.collect()))
        except ScanError as exc:
            outcome = ClusterOutcome(target.name, None, str(exc))
        on_done(outcome)
        return outcome

    workers = max(1, min(max_workers, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kopscheck-cluster") as pool:
        futures = [pool.submit(check_one, target) for target in targets]
        try:
            outcomes = tuple(future.result() for future in futures)
        except BaseException:  # bad input on one cluster ends the run: start no more
            for future in futures:
                future.cancel()
            raise
    return FleetReport(outcomes, fail_on, now or datetime.now(UTC))
