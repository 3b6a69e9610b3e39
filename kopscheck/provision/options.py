"""The `kopscheck provision` command line: flags in, a ProvisionRequest out, the exit code.

Registered by kopscheck.cli; kept here so the flags live next to what they drive. The
origin document's `--master-zones`/`--master-size` are accepted and passed to kops as the
current `--control-plane-zones`/`--control-plane-size`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kopscheck.model.errors import InputError

if TYPE_CHECKING:  # `--help` builds these flags without the report model (start-up)
    from kopscheck.model.results import Status


def _say(line: str) -> None:
    from kopscheck.reporters.stderr_lines import say

    say(line)


def _fail_on(value: str) -> Status:
    from kopscheck.model.results import Status

    if value not in (Status.FAIL, Status.WARN):
        raise InputError("--fail-on", f"must be 'fail' or 'warn', not {value!r}")
    return Status(value)


def _listed(value: str) -> tuple[str, ...]:
    """`a,b,,c ` -> (a, b, c), in the order given."""
    return tuple(v.strip() for v in value.split(",") if v.strip())


def provision_command(
    name: Annotated[str, typer.Option("--name", help="Cluster name (a matrix: <mode>-<name>).")],
    zones: Annotated[str, typer.Option(help="Zones for the nodes, comma-separated.")],
    networking: Annotated[
        str, typer.Option(help="Networking mode; several, comma-separated, make a matrix.")
    ],
    extra: Annotated[
        list[str] | None, typer.Argument(help="After --: more flags for kops create cluster.")
    ] = None,
    control_plane_zones: Annotated[
        str | None, typer.Option("--control-plane-zones", "--master-zones", help="Zones.")
    ] = None,
    control_plane_size: Annotated[
        str | None,
        typer.Option("--control-plane-size", "--master-size", help="Control-plane machine type."),
    ] = None,
    node_size: Annotated[str | None, typer.Option(help="Node machine type.")] = None,
    node_count: Annotated[int | None, typer.Option(help="Nodes in total.")] = None,
    topology: Annotated[str, typer.Option(help="public or private.")] = "public",
    kubernetes_version: Annotated[str | None, typer.Option(help="Kubernetes version.")] = None,
    state_store: Annotated[
        str | None, typer.Option(envvar="KOPS_STATE_STORE", help="kops state store, s3://...")
    ] = None,
    kops: Annotated[str, typer.Option("--kops", help="The kops binary.")] = "kops",
    teardown: Annotated[
        str, typer.Option(help="always, on-success (the gate passed) or never.")
    ] = "always",
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the kops commands and preflight; create nothing."),
    ] = False,
    parallel: Annotated[int, typer.Option(help="Modes provisioned at once.")] = 1,
    create_timeout: Annotated[str, typer.Option(help="Deadline of kops create cluster.")] = "10m",
    update_timeout: Annotated[str, typer.Option(help="Deadline of kops update cluster.")] = "30m",
    validate_timeout: Annotated[
        str, typer.Option(help="kops validate cluster --wait (the process gets 1m more).")
    ] = "20m",
    delete_timeout: Annotated[str, typer.Option(help="Deadline of kops delete cluster.")] = "20m",
    kops_timeout: Annotated[
        str, typer.Option(help="Deadline of the other kops calls (version, export, dry run).")
    ] = "2m",
    run_dir: Annotated[
        Path | None,
        typer.Option(help="Where run logs and kubeconfigs go (default: a new temp dir)."),
    ] = None,
    region: Annotated[str | None, typer.Option(help="AWS region (default: the zones').")] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile.")] = None,
    aws: Annotated[
        bool, typer.Option("--aws/--no-aws", help="Read the route quota and the gate's AWS facts.")
    ] = True,
    request_timeout: Annotated[
        str, typer.Option(help="The gate's Kubernetes API request timeout.")
    ] = "30s",
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Lowest status that fails the gate: fail or warn.")
    ] = "fail",
    output: Annotated[
        str, typer.Option("--output", "-o", help="table, json, yaml, junit or markdown.")
    ] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write the report here.")] = None,
) -> None:
    """Stand up a kops cluster per networking mode, gate it with kopscheck, tear it down."""
    from kopscheck.gate.durations import parse_duration
    from kopscheck.provision.command import provision as run_provision
    from kopscheck.provision.plan import Deadlines, ProvisionRequest, Teardown, Topology

    def choice(enum: Any, flag: str, value: str) -> Any:
        try:
            return enum(value)
        except ValueError:
            choices = ", ".join(e.value for e in enum)
            raise InputError(flag, f"must be one of {choices}, not {value!r}") from None

    def seconds(text: str, flag: str) -> float:
        return parse_duration(text, flag, positive=True)

    request = ProvisionRequest(
        name=name,
        zones=_listed(zones),
        modes=_listed(networking),
        state_store=state_store,
        control_plane_zones=_listed(control_plane_zones or ""),
        control_plane_size=control_plane_size,
        node_size=node_size,
        node_count=node_count,
        topology=choice(Topology, "--topology", topology),
        kubernetes_version=kubernetes_version,
        kops=kops,
        teardown=choice(Teardown, "--teardown", teardown),
        dry_run=dry_run,
        extra_args=tuple(extra or ()),
        deadlines=Deadlines(
            create=seconds(create_timeout, "--create-timeout"),
            update=seconds(update_timeout, "--update-timeout"),
            validate=seconds(validate_timeout, "--validate-timeout"),
            delete=seconds(delete_timeout, "--delete-timeout"),
            kops=seconds(kops_timeout, "--kops-timeout"),
        ),
        parallel=parallel,
        output=output,
        out=out,
        fail_on=_fail_on(fail_on),
        aws=aws,
        region=region,
        profile=profile,
        request_timeout=parse_duration(request_timeout, "--request-timeout", bare_seconds=True),
        run_dir=run_dir,
    )
    raise typer.Exit(run_provision(request, _say))
