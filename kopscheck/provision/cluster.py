"""One cluster's run: create, update, export kubecfg, validate, the gate, then teardown.

The teardown guard is armed just before `kops create cluster` starts and finished in a
`finally`, so a failure, a deadline or an interrupt at any step ends in `--teardown`'s
decision. When kops validate does not settle but reached the API, the gate still runs: its
report says why the cluster is not healthy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kopscheck.gate.durations import format_duration
from kopscheck.model.errors import KopscheckError
from kopscheck.model.exitcodes import ExitCode, exit_code
from kopscheck.model.results import Report
from kopscheck.provision.plan import ClusterPlan, KopsCall, ProvisionRequest, Step, check_command
from kopscheck.provision.runner import KopsResult, KopsRunner, RunLog
from kopscheck.provision.teardown import (
    Interrupts,
    TeardownAction,
    TeardownGuard,
    TeardownOutcome,
)
from kopscheck.provision.validation import Attempt, AttemptStream

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class StepRecord:
    step: Step
    command: str
    outcome: str  # ok, failed, timed out, interrupted, skipped
    seconds: float
    exit_code: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ClusterRun:
    """How one mode's cluster went: the steps, the gate's report, the teardown."""

    mode: str
    name: str
    steps: tuple[StepRecord, ...]
    report: Report | None
    error: str | None
    teardown: TeardownOutcome
    run_log: Path
    kubeconfig: Path
    validated: bool = False
    attempts: int = 0
    interrupted: str | None = None

    @property
    def exit_code(self) -> ExitCode:
        """3 when kops failed, was interrupted or left something; else the gate's, at least 1
        when kops validate never passed."""
        kops_failed = any(
            s.outcome != "ok" and s.step not in (Step.VALIDATE, Step.CHECK) for s in self.steps
        )
        if kops_failed or self.teardown.left_behind or self.interrupted or self.report is None:
            return ExitCode.SCAN_INCOMPLETE
        gate = exit_code(self.report)
        if gate is ExitCode.OK and not self.validated:
            return ExitCode.UNHEALTHY
        return gate


class _Stop(Exception):
    """A step that ends the run (the teardown still follows)."""


@dataclass
class _State:
    """One cluster's run as it goes: each kops call through `kops`, what came of it."""

    plan: ClusterPlan
    runner: KopsRunner
    guard: TeardownGuard
    interrupts: Interrupts
    say: Say
    steps: list[StepRecord] = field(default_factory=list)
    report: Report | None = None
    error: str | None = None
    validated: bool = False
    attempts: int = 0

    def kops(self, call: KopsCall, on_stdout: Callable[[str], None] | None = None) -> KopsResult:
        """Run one kops call; a failure (validate's aside) ends the run with _Stop."""
        name = self.plan.name
        if self.interrupts.cancel.is_set():
            self.steps.append(StepRecord(call.step, str(call), "skipped", 0.0))
            raise _Stop(
                f"interrupted ({self.interrupts.signal_name}) before kops {call.step.value}"
            )
        self.say(f"kopscheck: {name}: {call}")
        if call.step is Step.CREATE:
            self.guard.arm()  # from here on something may exist that must be torn down
        result = self.runner.run(call, on_stdout)
        detail = "" if result.ok or call.step is Step.VALIDATE else "\n".join(result.tail[-5:])
        self.steps.append(
            StepRecord(
                call.step, str(call), result.outcome, round(result.elapsed, 1), result.code, detail
            )
        )
        if not result.ok:
            self.say(f"kopscheck: {name}: {result.describe()}")
            if call.step is not Step.VALIDATE:
                _quote(self.say, name, result, self.runner.log)
                raise _Stop(result.describe())
        return result

    @property
    def passed(self) -> bool:
        """What --teardown on-success means: validated and the gate passed."""
        report = self.report
        return report is not None and self.validated and exit_code(report) is ExitCode.OK


def run_cluster(
    request: ProvisionRequest,
    plan: ClusterPlan,
    interrupts: Interrupts,
    say: Say,
    gate: Callable[[ProvisionRequest, ClusterPlan], Report],
) -> ClusterRun:
    log = RunLog(plan.kubeconfig.parent / f"{plan.name}.log")
    env = {**os.environ, "KUBECONFIG": str(plan.kubeconfig)}  # never the user's kubeconfig
    runner = KopsRunner(log, env, interrupts.cancel)
    guard = TeardownGuard(request.teardown, runner, plan.delete, plan.name)
    state = _State(plan, runner, guard, interrupts, say)
    try:
        state.kops(plan.create)
        state.kops(plan.update)
        state.kops(plan.export)
        stream = AttemptStream(_progress(say, plan.name))
        result = state.kops(plan.validate, stream.feed)
        state.attempts, state.validated = len(stream.attempts), result.ok
        if not result.ok:
            state.error = _unsettled(result, stream.last)
            if result.interrupted:
                raise _Stop(state.error)
        _gate(request, plan, gate, state, say)
    except _Stop as stop:
        state.error = state.error or str(stop)
    finally:
        if interrupts.cancel.is_set() and state.error is None:
            state.error = f"interrupted ({interrupts.signal_name})"
        teardown = guard.finish(state.passed)
        say(f"kopscheck: {plan.name}: {teardown.describe(plan.name)}")
    if teardown.action is TeardownAction.DELETED:
        plan.kubeconfig.unlink(missing_ok=True)  # its credentials are for a cluster now gone
    return ClusterRun(
        mode=plan.mode,
        name=plan.name,
        steps=tuple(state.steps),
        report=state.report,
        error=state.error,
        teardown=teardown,
        run_log=log.path,
        kubeconfig=plan.kubeconfig,
        validated=state.validated,
        attempts=state.attempts,
        interrupted=interrupts.signal_name,
    )


def _gate(
    request: ProvisionRequest,
    plan: ClusterPlan,
    gate: Callable[[ProvisionRequest, ClusterPlan], Report],
    state: _State,
    say: Say,
) -> None:
    command = check_command(request, plan)
    say(f"kopscheck: {plan.name}: {command}")
    start = time.monotonic()
    try:
        report = gate(request, plan)
    except KopscheckError as exc:
        took = round(time.monotonic() - start, 1)
        state.steps.append(StepRecord(Step.CHECK, command, "failed", took, exc.exit_code, str(exc)))
        state.error = state.error or f"kopscheck check could not scan {plan.name}: {exc}"
        return
    code = exit_code(report)
    outcome = "ok" if code is ExitCode.OK else "failed"
    state.steps.append(
        StepRecord(
            Step.CHECK,
            command,
            outcome,
            round(time.monotonic() - start, 1),
            int(code),
            report.status.value,
        )
    )
    state.report = report
    say(f"kopscheck: {plan.name}: gate {report.status.value} (exit {int(code)})")


def _progress(say: Say, name: str, every: int = 10) -> Callable[[Attempt], None]:
    """Say an attempt when what it found changed, and every `every` attempts anyway."""
    last: list[str] = []

    def show(attempt: Attempt) -> None:
        line = attempt.progress()
        found = line.split(":", 1)[1]
        if not last or found != last[-1] or attempt.number % every == 0 or attempt.passed:
            say(f"kopscheck: {name}: {line}")
        last[:] = [found]

    return show


def _unsettled(result: KopsResult, last: Attempt | None) -> str:
    if last is None:
        return f"kops validate never reached the cluster: {result.describe()}"
    took = format_duration(result.elapsed)
    if result.interrupted:
        return f"kops validate interrupted after {took} ({last.number} attempts): {last.progress()}"
    return (
        f"kops validate did not pass ({result.outcome} after {took}, {last.number} attempts):"
        f" {last.progress()}"
    )


def _quote(say: Say, name: str, result: KopsResult, log: RunLog) -> None:
    lines = [line for line in result.tail if line.strip()][-8:]
    if lines:
        say(f"kopscheck: {name}: last lines of kops {result.call.step.value} (all in {log.path}):")
        for line in lines:
            say(f"    {line}")
