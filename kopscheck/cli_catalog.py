"""The catalog commands: `checks`, `explain` and `rbac` print what kopscheck knows, reading
nothing from a cluster (and importing the checks only when they run)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kopscheck import DOCS_URL
from kopscheck.model.errors import InputError
from kopscheck.reporters import Document, formats, get_reporter


def list_checks(
    output: Annotated[
        str, typer.Option("--output", "-o", help=f"{', '.join(formats(Document.CATALOG))}.")
    ] = "table",
) -> None:
    """List the check catalog: id, title, family, the facts each needs, its finding codes."""
    from kopscheck.engine.registry import catalog_of, load_checks

    reporter = get_reporter(output, Document.CATALOG)
    reporter.write_catalog(catalog_of(load_checks()), sys.stdout)


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
    from kopscheck.checkapi.check import check_doc, code_of
    from kopscheck.engine.registry import find_check, load_checks

    checks = load_checks()
    wanted, _, reason = check.partition("/")
    found = find_check(checks, wanted)
    if found is None:
        raise InputError(check, f"unknown check (known: {', '.join(c.id for c in checks)})")
    lines: list[str] = []
    if reason:
        code = found.codes.get(reason)
        if code is None:
            known = ", ".join(sorted(found.codes)) or "none"
            raise InputError(check, f"{found.id} has no finding code {reason!r} (known: {known})")
        lines += [f"{check}: {code.summary}"]
        lines += [f"fix: {code.fix}", ""] if code.fix else [""]
    doc = check_doc(found)
    lines += [
        f"{found.id}: {doc.title}",
        f"family: {found.family}",
        f"needs: {', '.join(sorted(f.value for f in found.needs)) or '-'}",
    ]
    if found.wants:
        lines.append(f"uses when present: {', '.join(sorted(f.value for f in found.wants))}")
    lines += ["", f"Why: {doc.why}", "", f"Fix: {doc.fix}"]
    if doc.step:
        lines += ["", f"Troubleshooting step ({DOCS_URL}): {doc.step}"]
    if doc.body:
        lines += ["", doc.body]
    if found.codes and not reason:
        lines += ["", "Finding codes:"]
        for name, each in sorted(found.codes.items()):
            lines.append(f"  {code_of(found, name)}: {each.summary}")
            if each.fix:
                lines.append(f"      fix: {each.fix}")
    typer.echo("\n".join(lines))


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
