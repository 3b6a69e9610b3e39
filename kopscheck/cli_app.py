"""The typer app: every command, in the order `--help` lists them, and their exit codes.

`check` and `demo` are in `cli_check`; `checks`, `explain` and `rbac` in `cli_catalog`;
`provision` in `kopscheck.provision.options`. `kopscheck.cli.main` imports this only when the
command is not a catalog fast path.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from kopscheck import DOCS_URL, __version__
from kopscheck.cli_catalog import explain, list_checks, print_rbac
from kopscheck.cli_check import check, demo
from kopscheck.cli_options import (
    AwsOpt,
    DiffOutputOpt,
    KubeconfigOpt,
    NameOpt,
    ProfileOpt,
    RegionOpt,
    RequestTimeoutOpt,
    StateStoreOpt,
    say,
)
from kopscheck.collectors.probes.options import DEFAULT_NODES, LIFECYCLE_IMAGE, TOOLS_IMAGE
from kopscheck.gate.bound_flags import (
    LogBytesOpt,
    LogLinesOpt,
    MaxPagesOpt,
    MaxResponseOpt,
    TimeoutOpt,
    file_limits,
    live_bounds,
)
from kopscheck.gate.probe_flags import (
    ProbeImageOpt,
    ProbeNodesOpt,
    ProbeTimeoutOpt,
    ProbeToolsImageOpt,
    probe_options,
)
from kopscheck.provision.options import provision_command

# Start-up (issue 12): `--help`, `checks` and `explain` stay fast, so the engine, the gate and
# the checks are imported by the commands that use them, and help is plain text (typer's
# rich help pulls in rich.markdown).
app = typer.Typer(
    name="kopscheck",
    help="Validate and troubleshoot the networking of kops-built Kubernetes clusters"
    f" (what healthy means: {DOCS_URL}).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"max_content_width": 110},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kopscheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Validate and troubleshoot the networking of kops-built Kubernetes clusters."""


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
    probe: Annotated[
        bool, typer.Option(help="Also run the node agent (writes nodes/<node>/) and the probes.")
    ] = False,
    probe_nodes: ProbeNodesOpt = str(DEFAULT_NODES),
    probe_image: ProbeImageOpt = LIFECYCLE_IMAGE,
    probe_tools_image: ProbeToolsImageOpt = TOOLS_IMAGE,
    probe_timeout: ProbeTimeoutOpt = "5m",
    timeout: TimeoutOpt = "5m",
    max_response_size: MaxResponseOpt = "64MiB",
    max_pages: MaxPagesOpt = 1000,
    log_lines: LogLinesOpt = 1000,
    log_bytes: LogBytesOpt = "512KiB",
) -> None:
    """Collect a live cluster into a bundle directory, to check later with --bundle."""
    from kopscheck.collectors.options import SourceOptions
    from kopscheck.collectors.output.bundle_writer import collect_to_bundle
    from kopscheck.gate.durations import parse_duration

    probes = probe_options(
        probe_nodes,
        probe_image,
        probe_tools_image,
        probe_timeout,
        None,
        "60s",
        "registry.k8s.io",
        True,
    )
    probes = dataclasses.replace(probes, log_lines=log_lines)
    options = SourceOptions(
        probe=probe,
        probes=probes,
        context=context,
        kubeconfig=kubeconfig,
        cluster_name=name,
        state_store=state_store,
        region=region,
        profile=profile,
        request_timeout=parse_duration(request_timeout, "--request-timeout", bare_seconds=True),
        aws=aws,
        files=file_limits("1GiB", log_lines, log_bytes),
        **live_bounds(timeout, max_response_size, max_pages),
    )
    raise typer.Exit(collect_to_bundle(options, out, say))


def cleanup_command(
    context: Annotated[str | None, typer.Option(help="kubeconfig context.")] = None,
    kubeconfig: KubeconfigOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be deleted.")
    ] = False,
    request_timeout: RequestTimeoutOpt = "30s",
) -> None:
    """Delete every kopscheck-owned namespace, DaemonSet and pod an earlier run left behind."""
    from kopscheck.collectors.options import SourceOptions
    from kopscheck.gate.cleanup import run_cleanup
    from kopscheck.gate.durations import parse_duration

    options = SourceOptions(
        context=context,
        kubeconfig=kubeconfig,
        request_timeout=parse_duration(request_timeout, "--request-timeout", bare_seconds=True),
    )
    raise typer.Exit(run_cleanup(options, dry_run, say))


def diff_reports(
    old: Annotated[Path, typer.Argument(help="The earlier JSON report (--output json).")],
    new: Annotated[Path, typer.Argument(help="The later JSON report.")],
    output: DiffOutputOpt = "table",
) -> None:
    """What changed between two JSON reports; exit 1 if anything got worse."""
    from kopscheck.gate.report_diff import run_diff

    raise typer.Exit(run_diff(old, new, output))


app.command()(check)
app.command("collect")(collect_bundle)
app.command("cleanup")(cleanup_command)
app.command()(demo)
app.command("checks")(list_checks)
app.command()(explain)
app.command("rbac")(print_rbac)
app.command("diff")(diff_reports)
app.command("provision")(provision_command)
