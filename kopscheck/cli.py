"""The command line: wires sources, engine and reporters together and sets the exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kopscheck import demo as demo_data
from kopscheck.checkapi.check import check_doc
from kopscheck.collectors.files import FileLimits
from kopscheck.collectors.outfiles import check_out_file, write_atomically
from kopscheck.engine.registry import find_check, load_checks
from kopscheck.engine.runner import Selection, build_report
from kopscheck.gate.exitcodes import ExitCode, exit_code
from kopscheck.gate.run import CheckRequest, execute
from kopscheck.gate.sources import SourceOptions
from kopscheck.model.errors import InputError, KopscheckError
from kopscheck.model.facts import Snapshot
from kopscheck.model.results import Report, Status
from kopscheck.reporters import OutputFormat, get_reporter

app = typer.Typer(
    name="kopscheck",
    help="Validate and troubleshoot the networking of kops-built Kubernetes clusters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

OutputOpt = Annotated[
    str, typer.Option("--output", "-o", help="table, json, junit, markdown or a plugin's name.")
]
OutFileOpt = Annotated[
    Path | None, typer.Option("--out", help="Write the report here, not stdout.")
]
FailOnOpt = Annotated[
    str, typer.Option("--fail-on", help="Lowest status that makes the exit code 1: fail or warn.")
]
IdsOpt = Annotated[
    list[str] | None, typer.Option(help="Check ids or families, comma-separated or repeated.")
]
KubeconfigOpt = Annotated[Path | None, typer.Option(help="kubeconfig file (live).")]
NameOpt = Annotated[str | None, typer.Option("--name", help="kops cluster name.")]
StateStoreOpt = Annotated[
    str | None, typer.Option(envvar="KOPS_STATE_STORE", help="kops state store, s3://...")
]
RegionOpt = Annotated[str | None, typer.Option(help="AWS region (default: the nodes').")]
ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile.")]
AwsOpt = Annotated[
    bool,
    typer.Option("--aws/--no-aws", help="Live: read route tables, instances and quotas from AWS."),
]
RequestTimeoutOpt = Annotated[
    str,
    typer.Option(help="Timeout of each Kubernetes API request (live), e.g. 30s, 2m; 0: none."),
]

MaxFileSizeOpt = Annotated[
    str, typer.Option(help="Refuse input files larger than this (bundle, dump), e.g. 512MiB.")
]
LogLinesOpt = Annotated[
    int, typer.Option(min=0, help="Read the last N lines of each log (per node, per container).")
]
LogBytesOpt = Annotated[
    str, typer.Option(help="Read at most this many bytes of the end of each log, e.g. 512KiB.")
]


TimeoutOpt = Annotated[
    str, typer.Option(help="Wall-clock limit of a whole live scan, e.g. 5m; 0: none.")
]
MaxResponseOpt = Annotated[
    str, typer.Option(help="Refuse a Kubernetes API response larger than this (live).")
]
MaxPagesOpt = Annotated[int, typer.Option(min=1, help="Pages read per list before giving up.")]


def _live_bounds(timeout: str, max_response_size: str, max_pages: int) -> dict[str, Any]:
    from kopscheck.gate.durations import parse_duration, parse_size

    return {
        "timeout": parse_duration(timeout, "--timeout", bare_seconds=True),
        "max_response_bytes": parse_size(max_response_size, "--max-response-size"),
        "max_pages": max_pages,
    }


def _file_limits(max_file_size: str, log_lines: int, log_bytes: str) -> FileLimits:
    from kopscheck.gate.durations import parse_size

    return FileLimits(
        max_bytes=parse_size(max_file_size, "--max-file-size"),
        log_lines=log_lines,
        log_bytes=parse_size(log_bytes, "--log-bytes"),
    )


def _split(values: list[str] | None) -> frozenset[str]:
    return frozenset(v.strip() for value in values or () for v in value.split(",") if v.strip())


def _fail_on(value: str) -> Status:
    if value not in (Status.FAIL, Status.WARN):
        raise InputError("--fail-on", f"must be 'fail' or 'warn', not {value!r}")
    return Status(value)


def _emit(report: Report, output: str, out: Path | None) -> None:
    reporter = get_reporter(output)
    if out is None:
        reporter.write(report, sys.stdout)
        sys.stdout.flush()
        return
    write_atomically(out, lambda handle: reporter.write(report, handle))
    stderr.print(f"kopscheck: wrote {output} report to {out}")


def _run(
    snapshot: Snapshot,
    select: list[str] | None,
    skip: list[str] | None,
    fail_on: str,
    output: str,
    out: Path | None,
) -> None:
    checks = load_checks()
    selection = Selection(select=_split(select), skip=_split(skip))
    unknown = selection.unknown(checks)
    if unknown:
        raise InputError(
            "--select/--skip", f"unknown check id or family: {', '.join(sorted(unknown))}"
        )
    get_reporter(output)  # fail on a bad --output or --out before doing the work
    if out is not None:
        check_out_file(out)
    report = build_report(snapshot, checks, selection, fail_on=_fail_on(fail_on))
    _emit(report, output, out)
    raise typer.Exit(int(exit_code(report)))


@app.command()
def check(
    bundle: Annotated[
        list[Path] | None,
        typer.Option(help="A bundle directory (CONTRACT §4); repeat for several clusters."),
    ] = None,
    dump: Annotated[Path | None, typer.Option(help="A `kubectl cluster-info dump` file.")] = None,
    context: Annotated[
        list[str] | None, typer.Option(help="kubeconfig context (live); repeat for several.")
    ] = None,
    kubeconfig: KubeconfigOpt = None,
    name: NameOpt = None,
    state_store: StateStoreOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    networking: Annotated[
        str | None, typer.Option(help="Override the networking mode (kubenet, cni, calico, ...).")
    ] = None,
    probe: Annotated[bool, typer.Option(help="Allow probes that create objects.")] = False,
    select: IdsOpt = None,
    skip: IdsOpt = None,
    fail_on: FailOnOpt = "fail",
    output: OutputOpt = "table",
    out: OutFileOpt = None,
    all_contexts: Annotated[
        bool, typer.Option("--all-contexts", help="Check every kubeconfig context.")
    ] = False,
    wait: Annotated[
        str | None, typer.Option(help="Re-check until healthy or this long (30s, 2m, 1h30m).")
    ] = None,
    interval: Annotated[
        str | None, typer.Option(help="With --wait: time between runs (default 10s).")
    ] = None,
    count: Annotated[
        int | None, typer.Option(help="With --wait: consecutive passing runs needed (default 1).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Suppress the known findings this file lists.")
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option(help="Record this run's problem findings as known.")
    ] = None,
    request_timeout: RequestTimeoutOpt = "30s",
    aws: AwsOpt = True,
    timeout: TimeoutOpt = "5m",
    max_response_size: MaxResponseOpt = "64MiB",
    max_pages: MaxPagesOpt = 1000,
    max_file_size: MaxFileSizeOpt = "1GiB",
    log_lines: LogLinesOpt = 1000,
    log_bytes: LogBytesOpt = "512KiB",
) -> None:
    """Check a cluster: live, or from a --bundle directory or a --dump file."""
    from kopscheck.gate.durations import parse_duration

    options = SourceOptions(
        bundle=None,  # set per cluster by kopscheck.gate.run
        dump=dump,
        context=None,
        kubeconfig=kubeconfig,
        cluster_name=name,
        state_store=state_store,
        region=region,
        profile=profile,
        networking=networking,
        probe=probe,
        request_timeout=parse_duration(request_timeout, "--request-timeout", bare_seconds=True),
        aws=aws,
        files=_file_limits(max_file_size, log_lines, log_bytes),
        **_live_bounds(timeout, max_response_size, max_pages),
    )
    if probe:
        stderr.print(
            "kopscheck: --probe: this build has no probe checks yet (dns.resolution,"
            " pod.lifecycle); nothing is created on the cluster",
            markup=False,
        )
    request = CheckRequest(
        options,
        tuple(bundle or ()),
        tuple(context or ()),
        all_contexts,
        Selection(select=_split(select), skip=_split(skip)),
        _fail_on(fail_on),
        output,
        out,
        baseline,
        write_baseline,
        wait,
        interval,
        count,
    )
    raise typer.Exit(execute(request))


@app.command("collect")
def collect_bundle(
    out: Annotated[Path, typer.Option("--out", help="Bundle directory to write (new or empty).")],
    context: Annotated[str | None, typer.Option(help="kubeconfig context.")] = None,
    kubeconfig: KubeconfigOpt = None,
    name: NameOpt = None,
    state_store: StateStoreOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    request_timeout: RequestTimeoutOpt = "30s",
    aws: AwsOpt = True,
    timeout: TimeoutOpt = "5m",
    max_response_size: MaxResponseOpt = "64MiB",
    max_pages: MaxPagesOpt = 1000,
    log_lines: LogLinesOpt = 1000,
    log_bytes: LogBytesOpt = "512KiB",
) -> None:
    """Collect a live cluster into a bundle directory (CONTRACT §4) for `check --bundle`."""
    from kopscheck.collectors.bundle_writer import collect_to_bundle
    from kopscheck.gate.durations import parse_duration

    options = SourceOptions(
        context=context,
        kubeconfig=kubeconfig,
        cluster_name=name,
        state_store=state_store,
        region=region,
        profile=profile,
        request_timeout=parse_duration(request_timeout, "--request-timeout", bare_seconds=True),
        aws=aws,
        files=_file_limits("1GiB", log_lines, log_bytes),
        **_live_bounds(timeout, max_response_size, max_pages),
    )
    raise typer.Exit(collect_to_bundle(options, out, lambda line: stderr.print(line, markup=False)))


@app.command()
def demo(
    scenario: Annotated[
        str, typer.Argument(help="Which demo cluster; `--list` shows them.")
    ] = demo_data.DEFAULT_SCENARIO,
    list_: Annotated[bool, typer.Option("--list", help="List the demo scenarios.")] = False,
    select: IdsOpt = None,
    skip: IdsOpt = None,
    fail_on: FailOnOpt = "fail",
    output: OutputOpt = "table",
    out: OutFileOpt = None,
) -> None:
    """Run the main job on a built-in demo cluster (the failing one by default)."""
    found = demo_data.scenarios()
    if list_:
        for key, title in found.items():
            typer.echo(f"{key:<24} {title}")
        return
    path = demo_data.scenario_path(scenario)
    if path is None:
        raise InputError(scenario, f"no such demo scenario (choose from {', '.join(found)})")
    from kopscheck.collectors.bundle import read_bundle

    snapshot = replace(read_bundle(path), source="demo")
    stderr.print(f"kopscheck demo: {found[scenario]} (bundle {path})")
    _run(snapshot, select, skip, fail_on, output, out)


@app.command("checks")
def list_checks(output: OutputOpt = "table") -> None:
    """List the check catalog: id, title, family, the facts each needs."""
    import json

    checks = load_checks()
    rows: list[dict[str, Any]] = [
        {
            "id": c.id,
            "title": check_doc(c).title,
            "family": c.family,
            "needs": sorted(f.value for f in c.needs),
            "wants": sorted(f.value for f in c.wants),
        }
        for c in checks
    ]
    if output == OutputFormat.JSON:
        typer.echo(json.dumps(rows, indent=2))
        return
    if output != OutputFormat.TABLE:
        raise InputError("--output", "checks prints table or json")
    from rich.table import Table

    table = Table("id", "family", "title", "needs")
    table.columns[0].no_wrap = True
    for row in rows:
        table.add_row(row["id"], row["family"], row["title"], ", ".join(row["needs"]))
    Console(highlight=False).print(table)


@app.command()
def explain(check_id: Annotated[str, typer.Argument(help="A check id, e.g. dns.rollout.")]) -> None:
    """Why a check matters, how to fix what it finds, and the origin-document step."""
    checks = load_checks()
    found = find_check(checks, check_id)
    if found is None:
        raise InputError(check_id, f"unknown check (known: {', '.join(c.id for c in checks)})")
    doc = check_doc(found)
    lines = [
        f"{found.id}: {doc.title}",
        f"family: {found.family}",
        f"needs: {', '.join(sorted(f.value for f in found.needs)) or '-'}",
    ]
    if found.wants:
        lines.append(f"uses when present: {', '.join(sorted(f.value for f in found.wants))}")
    lines += ["", f"Why: {doc.why}", "", f"Fix: {doc.fix}"]
    if doc.step:
        lines += ["", f"Origin document step: {doc.step}"]
    if doc.body:
        lines += ["", doc.body]
    typer.echo("\n".join(lines))


@app.command("diff")
def diff_reports(
    old: Annotated[Path, typer.Argument(help="The earlier JSON report (--output json).")],
    new: Annotated[Path, typer.Argument(help="The later JSON report.")],
    output: OutputOpt = "table",
) -> None:
    """What changed between two JSON reports; exit 1 if anything got worse."""
    from kopscheck.gate.report_diff import run_diff

    raise typer.Exit(run_diff(old, new, output))


def main() -> None:
    """Entry point for `kopscheck` and `kubectl-kopscheck`: one-line errors, documented codes."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except KopscheckError as exc:
        stderr.print(f"kopscheck: error: {exc}", markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        stderr.print("kopscheck: interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line, show the traceback on request
        if isinstance(exc, typer.Abort):
            sys.exit(130)
        show = getattr(exc, "show", None)
        if callable(show):  # typer's (vendored) click usage errors: bad flag, missing value
            show()
            sys.exit(int(getattr(exc, "exit_code", ExitCode.INPUT_ERROR)))
        if os.environ.get("KOPSCHECK_DEBUG"):
            raise
        stderr.print(
            f"kopscheck: internal error: {type(exc).__name__}: {exc}"
            " (set KOPSCHECK_DEBUG=1 for details)",
            markup=False,
        )
        sys.exit(ExitCode.SCAN_INCOMPLETE)
    sys.exit(code if isinstance(code, int) else 0)
