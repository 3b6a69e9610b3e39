"""Several clusters in one run: checked concurrently, one combined report, the worst exit code.

The fleet does not know where snapshots come from: it takes (name, collect) pairs, so repeated
`--bundle`, repeated `--context` and `--all-contexts` all run the same way. A cluster whose scan
cannot complete (ScanError) is reported as such, and the others are still checked; bad input
(InputError) ends the run with exit 2 like it does for one cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from kopscheck.model.errors import ScanError
from kopscheck.model.facts import Snapshot
from kopscheck.model.fleet import ClusterOutcome, FleetReport
from kopscheck.model.results import Report, Status

MAX_WORKERS = 8


@dataclass(frozen=True, slots=True)
class ClusterTarget:
    name: str
    collect: Callable[[], Snapshot]


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
