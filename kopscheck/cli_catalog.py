"""The catalog commands as typer registers them: `checks`, `explain` and `rbac` print what
kopscheck knows, reading nothing from a cluster (the first two are `cli_fast`'s functions)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kopscheck.cli_fast import explain_check, show_catalog
from kopscheck.reporters import Document, formats


def list_checks(
    output: Annotated[
        str, typer.Option("--output", "-o", help=f"{', '.join(formats(Document.CATALOG))}.")
    ] = "table",
) -> None:
    """List the check catalog: id, title, family, the facts each needs, its finding codes."""
    show_catalog(output, sys.stdout)


def explain(
    check: Annotated[
        str,
        typer.Argument(
            help="A check id (dns.rollout), or a finding code from a report"
            " (cni.provider-deployed/no-provider).",
        ),
    ],
) -> None:
    """Why a check matters, how to fix what it finds, and its troubleshooting step; for a
    finding code, that finding's meaning and fix first."""
    typer.echo(explain_check(check))


def print_rbac(
    probe: Annotated[
        bool, typer.Option("--probe", help="The role for `check --probe` (adds the writes).")
    ] = False,
    with_node_proxy: Annotated[
        bool,
        typer.Option("--with-node-proxy", help="Add nodes/proxy: kubelet config and logs."),
    ] = False,
    service_account: Annotated[
        str, typer.Option(help="The ServiceAccount to bind, NAMESPACE:NAME.")
    ] = "kube-system:kopscheck",
) -> None:
    """Print the ClusterRole kopscheck needs, a ServiceAccount and its binding (YAML)."""
    from kopscheck.rbac import ServiceAccountRef, render

    account = ServiceAccountRef.parse(service_account)
    sys.stdout.write(render(probe=probe, node_proxy=with_node_proxy, service_account=account))
