"""The one pipeline every report goes through: which clusters, baselines, waiting, the output.

`kopscheck check` and `kopscheck demo` parse flags into a CheckRequest (a demo cluster is a
bundle source like any other); `execute` returns the exit code (CONTRACT §2).
One cluster renders as `kopscheck/report/v1`; several (repeated `--bundle` or `--context`, or
`--all-contexts`) as one combined `kopscheck/fleet/v1` report.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.text import Text

from kopscheck.checkapi.check import Check
from kopscheck.collectors.options import SourceOptions
from kopscheck.collectors.output.atomic_files import (
    check_out_file,
    refuse_kubeconfigs,
    refuse_overwriting_inputs,
    write_atomically,
)
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import Selection, build_report
from kopscheck.gate import wait
from kopscheck.gate.baseline import apply_baseline, from_reports, read_baseline, write_baseline
from kopscheck.gate.durations import format_duration, parse_duration
from kopscheck.gate.fleet import ClusterTarget, run_fleet
from kopscheck.gate.sources import collect
from kopscheck.model.errors import InputError, ScanError, Stopped
from kopscheck.model.exitcodes import ExitCode, exit_code
from kopscheck.model.facts import Fact, Snapshot
from kopscheck.model.fleet import ClusterOutcome, fleet_exit_code
from kopscheck.model.results import Report, Status
from kopscheck.reporters import Document, get_reporter
from kopscheck.reporters.stderr_lines import say, shown

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass(frozen=True, slots=True)
class CheckRequest:
    options: SourceOptions
    bundles: tuple[Path, ...] = ()
    contexts: tuple[str, ...] = ()
    all_contexts: bool = False
    selection: Selection = field(default_factory=Selection)
    fail_on: Status = Status.FAIL
    output: str = "table"
    out: Path | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    wait: str | None = None
    interval: str | None = None
    count: int | None = None
    networking: str | None = None  # --networking: an input of mode resolution, not a fact
    warnings: tuple[str, ...] = ()  # flags the source ignores, said once the request is valid
    quiet: bool = False  # -q: no progress or info lines on stderr (warnings and errors stay)
    show_all: bool = False  # --show-all/-v: the terminal lists every check


def execute(request: CheckRequest) -> int:
    checks = load_checks()
    unknown = request.selection.unknown(checks)
    if unknown:
        raise InputError(
            "--select/--skip", f"unknown check id or family: {', '.join(sorted(unknown))}"
        )
    policy = _policy(request)
    if request.out is not None:
        check_out_file(request.out)
        refuse_overwriting_inputs(request.out, "--out", _inputs(request))
        refuse_kubeconfigs(request.out, "--out")
    if request.write_baseline is not None:
        check_out_file(request.write_baseline, "--write-baseline")
        reads = {k: v for k, v in _inputs(request).items() if k != "--baseline"}
        refuse_overwriting_inputs(request.write_baseline, "--write-baseline", reads)
        refuse_kubeconfigs(request.write_baseline, "--write-baseline")
    targets = cluster_targets(request)
    fleet = len(targets) > 1 or request.all_contexts
    _validate_output(request.output, fleet)
    if policy is not None and (fleet or request.write_baseline):
        other = "several clusters" if fleet else "--write-baseline"
        raise InputError(
            "--wait", f"waits for one cluster's health; it cannot be combined with {other}"
        )
    evaluate = _evaluator(request, checks)

    for warning in request.warnings:
        say(f"kopscheck: warning: {warning}")
    if fleet:
        return _run_fleet(request, targets, evaluate, checks)
    try:
        if policy is not None:
            report, code = wait_for_report(targets[0], evaluate, policy)
        else:
            snapshot = collect_with_progress(targets[0], request)
    except ScanError as exc:
        _emit_unscanned(request, exc, evaluate)
        raise
    except Stopped as stop:  # mid-probe: the report as far as it got, then exit 128 + signal
        if stop.snapshot is not None:
            _emit_report(evaluate(stop.snapshot), request)
        raise
    if policy is None:
        if snapshot.notes and not any(snapshot.has(fact) for fact in Fact):
            # nothing was read at all (an empty or unrecognised bundle): say so where a person
            # or a CI log looks, whatever --output is; the report still says it in `notes`
            say(f"kopscheck: error: {snapshot.notes[-1]}")
        report = evaluate(snapshot)
        if request.write_baseline:
            report = _record([report], request.write_baseline, checks)[0]
        code = exit_code(report)
    _emit_report(report, request)
    return int(code)


def _inputs(request: CheckRequest) -> dict[str, Path]:
    """What this run reads, by flag: an output never replaces one (--baseline may be
    rewritten by --write-baseline on purpose: that is how a baseline is refreshed)."""
    found = {f"--bundle {b}": b for b in request.bundles}
    if request.options.dump is not None:
        found["--dump"] = request.options.dump
    if request.options.kubeconfig is not None:
        found["--kubeconfig"] = request.options.kubeconfig
    if request.baseline is not None:
        found["--baseline"] = request.baseline
    if request.write_baseline is not None:
        found["--write-baseline"] = request.write_baseline
    return found


def scan(request: CheckRequest) -> Report:
    """One cluster's report as `check` builds it, without rendering (provision's gate)."""
    return _evaluator(request, load_checks())(collect(request.options))


def _evaluator(request: CheckRequest, checks: Sequence[Check]) -> Callable[[Snapshot], Report]:
    known = read_baseline(request.baseline) if request.baseline else None
    if request.write_baseline:
        known = None  # the baseline written from this run replaces the one given

    def evaluate(snapshot: Snapshot) -> Report:
        report = build_report(
            snapshot,
            checks,
            request.selection,
            fail_on=request.fail_on,
            networking=request.networking,
        )
        return apply_baseline(report, known, checks) if known is not None else report

    return evaluate


def collect_with_progress(target: ClusterTarget, request: CheckRequest) -> Snapshot:
    """Collect one cluster with a status line on stderr while it is read; only on a terminal
    and without -q, so logs and pipes never see spinner frames."""
    if request.quiet or not stderr.is_terminal:
        return target.collect()
    opts = request.options
    if request.bundles:
        what = f"reading bundle {target.name}"
    elif opts.dump is not None:
        what = f"reading dump {opts.dump}"
    else:
        what = f"listing {target.name}: nodes, pods, workloads, events, logs"
    with stderr.status(Text(shown(f"kopscheck: {what} ...")), spinner="dots"):
        return target.collect()


def cluster_targets(request: CheckRequest) -> list[ClusterTarget]:
    """One (name, collect) per cluster the flags name; a plain run is one cluster."""
    opts = request.options
    given = [
        flag
        for flag, present in (
            ("--bundle", bool(request.bundles)),
            ("--dump", opts.dump is not None),
            ("--context", bool(request.contexts) or request.all_contexts),
        )
        if present
    ]
    if len(given) > 1:
        raise InputError("/".join(given), "give one kind of source, not several")
    if request.bundles:
        return [
            ClusterTarget(str(b), partial(collect, replace(opts, bundle=b)), named_by_path=True)
            for b in request.bundles
        ]
    names = list(request.contexts)
    if request.all_contexts:
        from kopscheck.collectors.kube.kubeconfig import list_contexts

        names += list_contexts(opts.kubeconfig)
    if names:
        unique = dict.fromkeys(names)
        return [ClusterTarget(n, partial(collect, replace(opts, context=n))) for n in unique]
    if opts.demo is not None:
        name = f"demo {opts.demo}"
    else:
        name = str(opts.dump) if opts.dump is not None else "current context"
    return [ClusterTarget(name, partial(collect, opts))]


def _policy(request: CheckRequest) -> wait.WaitPolicy | None:
    if request.wait is None:
        if request.interval is not None or request.count is not None:
            raise InputError("--interval/--count", "only mean something with --wait DURATION")
        return None
    return wait.WaitPolicy(
        timeout=parse_duration(request.wait, "--wait", positive=True),
        interval=parse_duration(request.interval or "10s", "--interval", positive=True),
        count=1 if request.count is None else request.count,
    )


def _validate_output(output: str, fleet: bool) -> None:
    """Fail on a bad --output before doing any work."""
    get_reporter(output, Document.FLEET if fleet else Document.REPORT)


def wait_for_report(
    target: ClusterTarget, evaluate: Callable[[Snapshot], Report], policy: wait.WaitPolicy
) -> tuple[Report, ExitCode]:
    """Wait with live progress on stderr; the last attempt's report and the exit code.

    Exit 1 when the deadline came first even if the last run passed (not enough passes in a
    row); a ScanError when the last attempt could not scan, since there is no report to show.
    """
    with wait.WaitDisplay(stderr, policy) as display:
        outcome = wait.wait_for_health(target.collect, evaluate, policy, display)
    last = outcome.last
    if last.report is None:
        raise ScanError(
            f"{last.error} (the last of {last.number} attempts in"
            f" {format_duration(last.elapsed)} could not scan)"
        )
    report = replace(last.report, notes=(*last.report.notes, outcome.note(policy)))
    code = exit_code(report)
    if not outcome.healthy and code is ExitCode.OK:  # passed, but not often enough in a row
        code = ExitCode.UNHEALTHY
    return report, code


def _run_fleet(
    request: CheckRequest,
    targets: Sequence[ClusterTarget],
    evaluate: Callable[[Snapshot], Report],
    checks: Sequence[Check],
) -> int:
    def progress(outcome: ClusterOutcome) -> None:
        if request.quiet:
            return
        detail = f" ({outcome.error})" if outcome.error else ""
        say(f"kopscheck: cluster {outcome.name}: {outcome.status.value}{detail}")

    fleet = run_fleet(targets, evaluate, request.fail_on, on_done=progress)
    if request.write_baseline:
        scanned = [c.report for c in fleet.clusters if c.report is not None]
        unscanned = len(fleet.clusters) - len(scanned)
        gated = iter(_record(scanned, request.write_baseline, checks, unscanned))
        clusters = tuple(replace(c, report=next(gated)) if c.report else c for c in fleet.clusters)
        fleet = replace(fleet, clusters=clusters)
    reporter = get_reporter(request.output, Document.FLEET, show_all=request.show_all)
    _emit(partial(reporter.write_fleet, fleet), request)
    return int(fleet_exit_code(fleet))


def _record(
    reports: list[Report], path: Path, checks: Sequence[Check], unscanned: int = 0
) -> list[Report]:
    """Write every problem finding to `path` and apply that baseline to the reports; only
    from a completed scan: a scan that read nothing (status `error`) or a fleet with a
    cluster not scanned would replace a good baseline with an empty or partial one."""
    incomplete = [r for r in reports if r.status is Status.ERROR]
    if incomplete or unscanned or not reports:
        why = (
            f"{unscanned} cluster(s) could not be scanned"
            if unscanned or not reports
            else f"the scan did not complete (status error: {_first_note(incomplete[0])})"
        )
        kept = "left unchanged" if path.exists() else "not created"
        say(f"kopscheck: --write-baseline {path} not written: {why}; {path} {kept}")
        return reports
    baseline = replace(from_reports(reports), source=str(path))
    write_baseline(baseline, path)
    say(f"kopscheck: wrote {len(baseline.entries)} known findings to {path}")
    return [apply_baseline(report, baseline, checks) for report in reports]


def _emit_unscanned(
    request: CheckRequest,
    error: ScanError,
    evaluate: Callable[[Snapshot], Report],
) -> None:
    """A scan that could not start still leaves a machine-readable report (status `error`,
    every check `error` with the reason), so a CI step that parses or publishes it sees why;
    the terminal view is the one-line error alone."""
    if request.output == "table":
        return
    source = "bundle" if request.bundles else "dump" if request.options.dump else "live"
    snapshot = Snapshot(
        source=source,
        observed_at=datetime.now(UTC).replace(microsecond=0),
        cluster_name=request.options.cluster_name or request.options.context,
        missing=dict.fromkeys(Fact, f"not read: {error}"),
        failed=frozenset(Fact),
        notes=(f"scan incomplete: {error}",),
    )
    _emit_report(evaluate(snapshot), request)


def _emit_report(report: Report, request: CheckRequest) -> None:
    reporter = get_reporter(request.output, show_all=request.show_all)
    _emit(partial(reporter.write, report), request)


def _emit(write: Callable[[TextIO], None], request: CheckRequest) -> None:
    if request.out is None:
        write(sys.stdout)
        sys.stdout.flush()
        return
    write_atomically(request.out, write)
    if not request.quiet:
        say(f"kopscheck: wrote {request.output} report to {request.out}")


def _first_note(report: Report) -> str:
    return report.notes[0] if report.notes else "a check could not be evaluated"
