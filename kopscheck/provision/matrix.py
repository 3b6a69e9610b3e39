"""Several networking modes in one run, one after another or `--parallel N`, one document.

The runs become a `ProvisionReport` (kopscheck/model/provision.py: the fleet of gate reports and
each cluster's kops steps and teardown), which the reporters render like any other document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import TextIO

from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.fleet import ClusterOutcome, FleetReport
from kopscheck.model.provision import (
    ProvisionedCluster,
    ProvisionReport,
    ProvisionStep,
    ProvisionTeardown,
)
from kopscheck.model.provision import worst_exit as worst_of
from kopscheck.model.results import Status
from kopscheck.provision.cluster import ClusterRun


def run_matrix(jobs: Sequence[Callable[[], ClusterRun]], parallel: int) -> tuple[ClusterRun, ...]:
    """Run every job, at most `parallel` at once, results in the order given."""
    if parallel <= 1 or len(jobs) <= 1:
        return tuple(job() for job in jobs)
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="kopscheck-provision") as pool:
        futures: list[Future[ClusterRun]] = [pool.submit(job) for job in jobs]
        pending = set(futures)
        while pending:  # short waits keep the main thread free for SIGINT/SIGTERM handlers
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
        return tuple(f.result() for f in futures)


def worst_exit(runs: Sequence[ClusterRun]) -> ExitCode:
    return worst_of(run.exit_code for run in runs)


def provision_report(
    runs: Sequence[ClusterRun], fail_on: Status, now: datetime | None = None
) -> ProvisionReport:
    """What the reporters render: the gate reports as a fleet, and each cluster's run."""
    clusters = tuple(ClusterOutcome(r.name, r.report, _error(r)) for r in runs)
    fleet = FleetReport(clusters, fail_on, now or datetime.now(UTC))
    return ProvisionReport(fleet, tuple(_provisioned(r) for r in runs))


def _error(run: ClusterRun) -> str | None:
    problems = [run.error] if run.error else []
    if run.teardown.left_behind:
        problems.append(run.teardown.describe(run.name))
    return "; ".join(problems) or None


def _provisioned(run: ClusterRun) -> ProvisionedCluster:
    teardown = run.teardown
    return ProvisionedCluster(
        mode=run.mode,
        cluster=run.name,
        steps=tuple(
            ProvisionStep(s.step.value, s.command, s.outcome, s.seconds, s.exit_code, s.detail)
            for s in run.steps
        ),
        teardown=ProvisionTeardown(
            teardown.policy.value,
            teardown.action.value,
            teardown.detail,
            teardown.left,
            teardown.describe(run.name),
        ),
        run_log=str(run.run_log),
        exit_code=run.exit_code,
        validated=run.validated,
        validate_attempts=run.attempts,
        interrupted_by=run.interrupted,
        kubeconfig=str(run.kubeconfig) if run.kubeconfig.is_file() else None,
    )


def write_document(report: ProvisionReport, output: str, out: TextIO) -> None:
    """`-o FORMAT` of a provision run, through the reporter registry like every report."""
    from kopscheck.reporters import Document, get_reporter, write_provision

    write_provision(get_reporter(output, Document.PROVISION), report, out)
