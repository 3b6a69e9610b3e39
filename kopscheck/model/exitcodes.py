"""Exit codes (CONTRACT §2), computed from the finished report and `--fail-on`."""

from __future__ import annotations

from enum import IntEnum

from kopscheck.model.results import CheckResult, Report, SkipReason, Status


class ExitCode(IntEnum):
    OK = 0
    UNHEALTHY = 1
    INPUT_ERROR = 2
    SCAN_INCOMPLETE = 3


def at_fail_on(result: CheckResult, fail_on: Status) -> bool:
    """Whether `result` is at or above `--fail-on`: fail; warn with `warn` or `skip`; with
    `skip` also a check that could not decide for missing facts (never a deselected one)."""
    if result.status is Status.FAIL:
        return True
    if result.status is Status.WARN:
        return fail_on in (Status.WARN, Status.SKIP)
    return (
        fail_on is Status.SKIP
        and result.status is Status.SKIP
        and result.skip_reason is SkipReason.FACTS_MISSING
    )


def exit_code(report: Report) -> ExitCode:
    statuses = {r.status for r in report.results}
    if any(at_fail_on(r, report.fail_on) for r in report.results):
        return ExitCode.UNHEALTHY
    if Status.ERROR in statuses or report.status is Status.ERROR:
        return ExitCode.SCAN_INCOMPLETE
    return ExitCode.OK
