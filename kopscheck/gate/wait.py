"""`--wait`: re-collect until N consecutive passing runs or the deadline.

Like `kops validate cluster --wait 10m --count 3`: a fresh cluster flaps while nodes join and
DaemonSets roll out, so one passing run is not enough for a CI gate. A run passes when its exit
code would be 0 under the gate (`--fail-on`, `--baseline`). A scan that cannot complete
(ScanError: API unreachable, auth refused) is a failing attempt, not the end: the API of a
cluster that is still coming up refuses connections for a while. The final report is the last
attempt's; if the last attempt could not scan there is no report and the exit code is 3.

The clock is injected (`clock`, a module-level seam) so tests run a 30-second wait instantly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from kopscheck.gate.durations import format_duration
from kopscheck.model.errors import InputError, ScanError
from kopscheck.model.exitcodes import ExitCode, at_fail_on, exit_code
from kopscheck.model.facts import Snapshot
from kopscheck.model.results import CheckResult, Report, Status
from kopscheck.reporters.stderr_lines import shown


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# The clock `kopscheck check --wait` uses; tests replace it with a fake that advances instantly.
clock: Clock = SystemClock()


@dataclass(frozen=True, slots=True)
class WaitPolicy:
    timeout: float
    interval: float
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise InputError("--count", f"must be at least 1, not {self.count}")


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    elapsed: float
    report: Report | None
    error: ScanError | None
    passes: int  # consecutive passing attempts, this one included


@dataclass(frozen=True, slots=True)
class WaitOutcome:
    last: Attempt
    healthy: bool  # `count` consecutive passes were reached before the deadline

    def note(self, policy: WaitPolicy) -> str:
        verdict = "healthy" if self.healthy else "deadline reached"
        return (
            f"--wait: {verdict} after {self.last.number}"
            f" attempt{'' if self.last.number == 1 else 's'} in"
            f" {format_duration(self.last.elapsed)}; {self.last.passes}/{policy.count}"
            " consecutive passing runs at the end"
        )


def still_failing(report: Report) -> list[CheckResult]:
    """The results that keep the gate closed: at or above --fail-on, or errors."""
    return [r for r in report.results if r.status is Status.ERROR or at_fail_on(r, report.fail_on)]


def wait_for_health(
    collect: Callable[[], Snapshot],
    evaluate: Callable[[Snapshot], Report],
    policy: WaitPolicy,
    on_attempt: Callable[[Attempt], None] = lambda attempt: None,
    wait_clock: Clock | None = None,
) -> WaitOutcome:
    """Collect and evaluate until `policy.count` passes in a row, or no time is left."""
    tick = wait_clock or clock
    start = tick.now()
    passes = 0
    number = 0
    while True:
        number += 1
        report: Report | None = None
        error: ScanError | None = None
        try:
            report = evaluate(collect())
        except ScanError as exc:
            error = exc
        passed = report is not None and exit_code(report) is ExitCode.OK
        passes = passes + 1 if passed else 0
        attempt = Attempt(number, tick.now() - start, report, error, passes)
        on_attempt(attempt)
        if passes >= policy.count:
            return WaitOutcome(attempt, healthy=True)
        left = policy.timeout - (tick.now() - start)
        if left <= 0:
            return WaitOutcome(attempt, healthy=False)
        tick.sleep(min(policy.interval, left))  # the last attempt runs at the deadline


class WaitDisplay:
    """Progress on stderr: attempt, time, passes in a row, and what is still failing.

    A live, redrawn view on a terminal; one line per attempt otherwise (CI logs).
    """

    def __init__(self, console: Console, policy: WaitPolicy) -> None:
        self.console = console
        self.policy = policy
        self.live = Live(console=console, auto_refresh=False) if console.is_terminal else None

    def __enter__(self) -> WaitDisplay:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.stop()

    def __call__(self, attempt: Attempt) -> None:
        head = (
            f"kopscheck: wait attempt {attempt.number} at {format_duration(attempt.elapsed)}"
            f" of {format_duration(self.policy.timeout)}:"
            f" {attempt.passes}/{self.policy.count} consecutive passes"
        )
        failing = still_failing(attempt.report) if attempt.report else []
        if self.live is None:
            self.console.print(Text(shown(head + "; " + _brief(attempt, failing))))
            return
        lines = [Text(head, style="bold")]
        if attempt.error is not None:
            lines.append(Text(shown(f"  scan failed: {attempt.error}"), style="magenta"))
        for result in failing:
            line = f"  {result.status.value.upper():<5} {result.check}: {result.summary}"
            lines.append(Text(shown(line)))
        if attempt.report is not None and not failing:
            lines.append(Text("  passing", style="green"))
        self.live.update(Group(*lines), refresh=True)


def _brief(attempt: Attempt, failing: Sequence[CheckResult]) -> str:
    if attempt.error is not None:
        return f"scan failed: {attempt.error}"
    if not failing:
        return "passing"
    return "still failing: " + ", ".join(f"{r.check} ({r.status.value})" for r in failing)
