"""`kopscheck check` and `kopscheck demo`: their flags, parsed into a request for the gate.

Both end in `kopscheck.gate.run.execute` and its exit code; `cli_app` registers them.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kopscheck import demo as demo_data
from kopscheck.cli_options import (
    AwsOpt,
    BaselineOpt,
    CountOpt,
    FailOnOpt,
    IdsOpt,
    IntervalOpt,
    KubeconfigOpt,
    NameOpt,
    NetworkingOpt,
    OutFileOpt,
    OutputOpt,
    ProfileOpt,
    QuietOpt,
    RegionOpt,
    RequestTimeoutOpt,
    ShowAllOpt,
    StateStoreOpt,
    StrictOpt,
    WaitOpt,
    WriteBaselineOpt,
    say,
)
from kopscheck.collectors.probes.options import DEFAULT_NODES, LIFECYCLE_IMAGE, TOOLS_IMAGE
from kopscheck.gate.bound_flags import (
    LogBytesOpt,
    LogLinesOpt,
    MaxFileSizeOpt,
    MaxPagesOpt,
    MaxResponseOpt,
    TimeoutOpt,
    file_limits,
    live_bounds,
)
from kopscheck.gate.probe_flags import (
    ProbeAgentOpt,
    ProbeConnectivityOpt,
    ProbeDnsTimeoutOpt,
    ProbeExternalOpt,
    ProbeExternalTargetOpt,
    ProbeImageOpt,
    ProbeNodesOpt,
    ProbePairsOpt,
    ProbeStepsOpt,
    ProbeTimeoutOpt,
    ProbeToolsImageOpt,
    probe_options,
)
from kopscheck.model.errors import InputError

if TYPE_CHECKING:
    from kopscheck.engine.runner import Selection
    from kopscheck.model.results import Status


def check(
    bundle: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="DIR",
            help="A bundle directory (cluster-info/, kops/, aws/, nodes/, as `kopscheck collect`"
            " writes); repeat for several clusters.",
        ),
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
    networking: NetworkingOpt = None,
    probe: Annotated[bool, typer.Option(help="Allow probes that create objects.")] = False,
    select: IdsOpt = None,
    skip: IdsOpt = None,
    fail_on: FailOnOpt = "fail",
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    show_all: ShowAllOpt = False,
    output: OutputOpt = "table",
    out: OutFileOpt = None,
    all_contexts: Annotated[
        bool, typer.Option("--all-contexts", help="Check every kubeconfig context.")
    ] = False,
    wait: WaitOpt = None,
    interval: IntervalOpt = None,
    count: CountOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    request_timeout: RequestTimeoutOpt = "30s",
    aws: AwsOpt = True,
    probe_nodes: ProbeNodesOpt = str(DEFAULT_NODES),
    probe_image: ProbeImageOpt = LIFECYCLE_IMAGE,
    probe_tools_image: ProbeToolsImageOpt = TOOLS_IMAGE,
    probe_timeout: ProbeTimeoutOpt = "5m",
    probe_step_timeout: ProbeStepsOpt = None,
    probe_dns_timeout: ProbeDnsTimeoutOpt = "60s",
    probe_external_name: ProbeExternalOpt = "registry.k8s.io",
    probe_agent: ProbeAgentOpt = True,
    probe_connectivity: ProbeConnectivityOpt = True,
    probe_external_target: ProbeExternalTargetOpt = "",
    probe_pairs_per_node: ProbePairsOpt = 4,
    timeout: TimeoutOpt = "5m",
    max_response_size: MaxResponseOpt = "64MiB",
    max_pages: MaxPagesOpt = 1000,
    max_file_size: MaxFileSizeOpt = "1GiB",
    log_lines: LogLinesOpt = 1000,
    log_bytes: LogBytesOpt = "512KiB",
) -> None:
    """Check a cluster: live, or from a --bundle directory or a --dump file."""
    from kopscheck.collectors.options import SourceOptions
    from kopscheck.gate.durations import parse_duration
    from kopscheck.gate.flag_checks import GivenFlags, check_networking, ignored_flags

    check_networking(networking)
    given = GivenFlags(
        tuple(bundle or ()),
        dump,
        kubeconfig,
        state_store,
        region,
        profile,
        wait,
    )
    from kopscheck.gate.run import CheckRequest, execute

    probes = probe_options(
        probe_nodes,
        probe_image,
        probe_tools_image,
        probe_timeout,
        probe_step_timeout,
        probe_dns_timeout,
        probe_external_name,
        probe_agent,
        probe_external_target,
        probe_pairs_per_node,
    )
    probes = dataclasses.replace(probes, log_lines=log_lines, connectivity=probe_connectivity)

    options = SourceOptions(
        bundle=None,  # set per cluster by kopscheck.gate.run
        dump=dump,
        context=None,
        kubeconfig=kubeconfig,
        cluster_name=name,
        state_store=state_store,
        region=region,
        profile=profile,
        probe=probe,
        probes=probes,
        request_timeout=parse_duration(request_timeout, "--request-timeout", bare_seconds=True),
        aws=aws,
        files=file_limits(max_file_size, log_lines, log_bytes),
        **live_bounds(timeout, max_response_size, max_pages),
    )
    if probe and (bundle or dump):
        say("kopscheck: --probe: a bundle or dump is read as recorded; nothing is probed")
    request = CheckRequest(
        options,
        tuple(bundle or ()),
        tuple(context or ()),
        all_contexts,
        _selection(select, skip),
        _fail_on(fail_on, strict),
        output,
        out,
        baseline,
        write_baseline,
        wait,
        interval,
        count,
        networking,
        tuple(ignored_flags(given, os.environ)),
        quiet,
        show_all,
    )
    raise typer.Exit(execute(request))


def demo(
    scenario: Annotated[
        str, typer.Argument(help="Which demo cluster; `--list` shows them.")
    ] = demo_data.DEFAULT_SCENARIO,
    list_: Annotated[bool, typer.Option("--list", help="List the demo scenarios.")] = False,
    networking: NetworkingOpt = None,
    select: IdsOpt = None,
    skip: IdsOpt = None,
    fail_on: FailOnOpt = "fail",
    output: OutputOpt = "table",
    out: OutFileOpt = None,
    wait: WaitOpt = None,
    interval: IntervalOpt = None,
    count: CountOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    show_all: ShowAllOpt = False,
) -> None:
    """Run the main job on a built-in demo cluster (the failing one by default)."""
    found = demo_data.scenarios()
    if list_:
        for key, title in found.items():
            typer.echo(f"{key:<24} {title}")
        return
    from kopscheck.collectors.options import SourceOptions
    from kopscheck.gate.run import CheckRequest, execute
    from kopscheck.gate.sources import demo_path

    path = demo_path(scenario)
    if not quiet:
        say(f"kopscheck demo: {found[scenario]} (bundle {path})")
    request = CheckRequest(
        SourceOptions(demo=scenario),
        selection=_selection(select, skip),
        fail_on=_fail_on(fail_on, strict),
        output=output,
        out=out,
        baseline=baseline,
        write_baseline=write_baseline,
        wait=wait,
        interval=interval,
        count=count,
        networking=networking,
        quiet=quiet,
        show_all=show_all,
    )
    raise typer.Exit(execute(request))


def _split(values: list[str] | None) -> frozenset[str]:
    return frozenset(v.strip() for value in values or () for v in value.split(",") if v.strip())


def _selection(select: list[str] | None, skip: list[str] | None) -> Selection:
    from kopscheck.engine.runner import Selection

    return Selection(select=_split(select), skip=_split(skip))


def _fail_on(value: str, strict: bool = False) -> Status:
    from kopscheck.model.results import Status

    if strict:
        return Status.SKIP
    if value not in (Status.FAIL, Status.WARN, Status.SKIP):
        raise InputError("--fail-on", f"must be 'fail', 'warn' or 'skip', not {value!r}")
    return Status(value)
