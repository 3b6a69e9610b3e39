"""The combined report for several clusters, in every built-in format.

JSON is its own document, `kopscheck/fleet/v1` (reports/fleet.schema.json): the clusters in
input order, each with its exit code and either a full `kopscheck/report/v1` report or the
reason its scan could not complete. `kopscheck/report/v1` for one cluster is unchanged.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any, TextIO

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from kopscheck.gate.fleet import ClusterOutcome, FleetReport, fleet_exit_code
from kopscheck.model.errors import InputError
from kopscheck.model.results import Status
from kopscheck.reporters import OutputFormat
from kopscheck.reporters.json_report import report_to_dict
from kopscheck.reporters.junit import add_testsuite, to_xml
from kopscheck.reporters.markdown import ICON, render_markdown
from kopscheck.reporters.terminal import badge, render

SCHEMA = "kopscheck/fleet/v1"


def fleet_to_dict(fleet: FleetReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": {"name": "kopscheck", "version": fleet.tool_version},
        "generated_at": fleet.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": fleet.status.value,
        "fail_on": fleet.fail_on.value,
        "exit_code": int(fleet_exit_code(fleet)),
        "counts": {status.value: n for status, n in fleet.counts().items()},
        "clusters": [
            {
                "name": c.name,
                "status": c.status.value,
                "exit_code": int(c.exit_code),
                "error": c.error,
                "report": report_to_dict(c.report) if c.report is not None else None,
            }
            for c in fleet.clusters
        ],
    }


def render_terminal(fleet: FleetReport, console: Console) -> None:
    """A section per cluster (its usual report), then one overall line."""
    for cluster in fleet.clusters:
        console.print(Rule(Text(f"cluster {cluster.name}", style="bold"), align="left"))
        if cluster.report is not None:
            render(cluster.report, console)
        else:
            console.print(Text.assemble(("scan incomplete: ", "magenta"), cluster.error or ""))
        console.print()
    console.print(_overall(fleet))


def _overall(fleet: FleetReport) -> Text:
    text = Text(f"Fleet of {len(fleet.clusters)} clusters: ")
    text.append_text(badge(fleet.status))
    counts = ", ".join(f"{n} {s.value}" for s, n in fleet.counts().items() if n)
    text.append(f" · {counts} · --fail-on {fleet.fail_on.value}")
    worst = [c.name for c in fleet.clusters if c.status is fleet.status]
    if fleet.status is not Status.PASS:
        text.append(f"\n{fleet.status.value}: {', '.join(worst)}")
    return text


def render_fleet_markdown(fleet: FleetReport) -> str:
    lines = [
        f"# kopscheck fleet: {ICON[fleet.status]}",
        "",
        f"- **Gate:** `--fail-on {fleet.fail_on.value}`",
        "",
        "| cluster | status | root causes |",
        "|---|---|---|",
    ]
    for c in fleet.clusters:
        roots = ", ".join(f"`{r}`" for r in c.report.root_causes) if c.report else ""
        lines.append(f"| {c.name} | {ICON[c.status]} | {roots or c.error or '-'} |")
    lines.append("")
    for c in fleet.clusters:
        lines.append(f"# Cluster {c.name}")
        lines.append("")
        lines.append(render_markdown(c.report) if c.report else f"Scan incomplete: {c.error}\n")
    return "\n".join(lines)


def render_fleet_junit(fleet: FleetReport) -> str:
    """One testsuite per cluster; a cluster that could not be scanned is one erroring case."""
    suites = ET.Element("testsuites", name="kopscheck")
    for c in fleet.clusters:
        if c.report is not None:
            add_testsuite(suites, c.report, name=c.name)
        else:
            suite = ET.SubElement(
                suites, "testsuite", name=f"kopscheck {c.name}", tests="1", failures="0", errors="1"
            )
            case = ET.SubElement(suite, "testcase", name="scan", classname="kopscheck.scan")
            ET.SubElement(case, "error", message=c.error or "", type="error").text = c.error
    return to_xml(suites)


def write_fleet(fleet: FleetReport, output: str, out: TextIO) -> None:
    if output == OutputFormat.JSON:
        json.dump(fleet_to_dict(fleet), out, indent=2)
        out.write("\n")
    elif output == OutputFormat.TABLE:
        render_terminal(fleet, Console(file=out, soft_wrap=False, highlight=False))
    elif output == OutputFormat.MARKDOWN:
        out.write(render_fleet_markdown(fleet))
    elif output == OutputFormat.JUNIT:
        out.write(render_fleet_junit(fleet))
    else:
        check_fleet_output(output)


def check_fleet_output(output: str) -> None:
    """Several clusters render through the built-in formats only."""
    if output not in tuple(OutputFormat):
        known = ", ".join(f.value for f in OutputFormat)
        raise InputError("--output", f"{output!r} cannot render several clusters (use {known})")


__all__ = ["ClusterOutcome", "check_fleet_output", "fleet_to_dict", "write_fleet"]
