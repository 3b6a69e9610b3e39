"""The catalog commands: `checks`, `explain` and `rbac` print what kopscheck knows, reading
nothing from a cluster (and importing the checks only when they run)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from kopscheck.model.errors import InputError

DOCS = "https://kops.sigs.k8s.io/networking/"


def list_checks(
    output: Annotated[str, typer.Option("--output", "-o", help="table or json.")] = "table",
) -> None:
    """List the check catalog: id, title, family, the facts each needs."""
    import json

    from kopscheck.checkapi.check import check_doc, code_of
    from kopscheck.engine.registry import load_checks

    checks = load_checks()
    rows: list[dict[str, Any]] = [
        {
            "id": c.id,
            "title": check_doc(c).title,
            "family": c.family,
            "needs": sorted(f.value for f in c.needs),
            "wants": sorted(f.value for f in c.wants),
            "codes": {code_of(c, r): code.summary for r, code in sorted(c.codes.items())},
        }
        for c in checks
    ]
    if output == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    if output != "table":
        raise InputError("--output", "checks prints table or json")
    from rich.table import Table

    table = Table("id", "family", "title", "needs")
    table.columns[0].no_wrap = True
    for row in rows:
        table.add_row(row["id"], row["family"], row["title"], ", ".join(row["needs"]))
    Console(highlight=False).print(table)


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
        lines += ["", f"Troubleshooting step ({DOCS}): {doc.step}"]
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
