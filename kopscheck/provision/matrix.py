"""Several networking modes in one run, one after another or `--parallel N`, one fleet document.

The document is `kopscheck/fleet/v1` (one entry per mode, even for one mode, since a run can
end before there is a cluster report), each cluster with a `provision` object: its kops steps,
the teardown and what was left. Exit codes: 3 when kops failed, was interrupted or left
something behind, else 1 when a gate failed, else 0; the run's code is the worst of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any, TextIO

from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.fleet import ClusterOutcome, FleetReport
from kopscheck.model.results import Status
from kopscheck.provision.cluster import ClusterRun, with_notes

EXIT_SEVERITY = (ExitCode.OK, ExitCode.UNHEALTHY, ExitCode.SCAN_INCOMPLETE)


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
    codes = [run.exit_code for run in runs]
    return max(codes, key=EXIT_SEVERITY.index, default=ExitCode.SCAN_INCOMPLETE)


def fleet_of(
    runs: Sequence[ClusterRun], fail_on: Status, now: datetime | None = None
) -> FleetReport:
    clusters = tuple(ClusterOutcome(r.name, with_notes(r).report, _error(r)) for r in runs)
    return FleetReport(clusters, fail_on, now or datetime.now(UTC))


def _error(run: ClusterRun) -> str | None:
    problems = [run.error] if run.error else []
    if run.teardown.left_behind:
        problems.append(run.teardown.describe(run.name))
    return "; ".join(problems) or None


def provision_to_dict(runs: Sequence[ClusterRun], fleet: FleetReport) -> dict[str, Any]:
    """The fleet document with provision's exit codes and each cluster's `provision` object."""
    from kopscheck.reporters.json_report import fleet_to_dict

    doc = fleet_to_dict(fleet)
    doc["exit_code"] = int(worst_exit(runs))
    for entry, run in zip(doc["clusters"], runs, strict=True):
        entry["exit_code"] = int(run.exit_code)
        if run.report is None:
            entry["status"] = Status.ERROR.value
        entry["provision"] = provision_dict(run)
    return doc


def provision_dict(run: ClusterRun) -> dict[str, Any]:
    teardown = run.teardown
    return {
        "mode": run.mode,
        "cluster": run.name,
        "validated": run.validated,
        "validate_attempts": run.attempts,
        "interrupted_by": run.interrupted,
        "steps": [
            {
                "step": s.step.value,
                "command": s.command,
                "outcome": s.outcome,
                "exit_code": s.exit_code,
                "seconds": s.seconds,
                "detail": s.detail or None,
            }
            for s in run.steps
        ],
        "teardown": {
            "policy": teardown.policy.value,
            "action": teardown.action.value,
            "detail": teardown.detail,
            "left": list(teardown.left),
        },
        "run_log": str(run.run_log),
        "kubeconfig": str(run.kubeconfig) if run.kubeconfig.is_file() else None,
    }


def write_document(
    runs: Sequence[ClusterRun], fleet: FleetReport, output: str, out: TextIO
) -> None:
    if output == "json":
        json.dump(provision_to_dict(runs, fleet), out, indent=2)
        out.write("\n")
        return
    from kopscheck.reporters import Document, get_reporter

    get_reporter(output, Document.FLEET).write_fleet(fleet, out)
