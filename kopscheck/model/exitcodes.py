"""Exit codes (CONTRACT §2), computed from the finished report and `--fail-on`."""

from __future__ import annotations

from enum import IntEnum

from kopscheck.model.results import Report, Status


class ExitCode(IntEnum):
    OK = 0
    UNHEALTHY = 1
    INPUT_ERROR = 2
    SCAN_INCOMPLETE = 3


def exit_code(report: Report) -> ExitCode:
    gate = {Status.FAIL} | ({Status.WARN} if report.fail_on is Status.WARN else set())
    statuses = {r.status for r in report.results}
    if statuses & gate:
        return ExitCode.UNHEALTHY
    if Status.ERROR in statuses or report.status is Status.ERROR:
        return ExitCode.SCAN_INCOMPLETE
    return ExitCode.OK
