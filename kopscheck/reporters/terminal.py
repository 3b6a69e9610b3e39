"""The terminal view for a person in trouble: root causes first, then what they explain.

A fleet is each cluster's view under a rule, then one overall line; a diff lists status
changes, new and resolved findings per cluster.
"""

from __future__ import annotations

import json
from typing import TextIO

from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from kopscheck.model.diff import ClusterDiff, DiffReport, FindingRef
from kopscheck.model.fleet import FleetReport
from kopscheck.model.results import CheckResult, Finding, Report, Status, symptoms_of
from kopscheck.reporters import Document
from kopscheck.reporters.common import start_here, suppressed_results

STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.SKIP: "dim",
    Status.ERROR: "magenta",
}
MAX_FINDINGS = 8


def badge(status: Status) -> Text:
    return Text(f"{status.value.upper():<5}", style=STYLE[status])


def render(report: Report, console: Console) -> None:
    console.print(_header(report))
    first = start_here(report)
    if first is not None:
        console.print(
            Text.assemble(("Start here: ", "bold"), (first.check, "bold"), " — ", first.action)
        )
    by_id = {r.check: r for r in report.results}
    shown: set[str] = set()
    for index, root in enumerate(report.root_causes, start=1):
        symptoms = symptoms_of(report.results, root)
        shown.add(root)
        shown.update(r.check for r, _ in symptoms)
        console.print(_root_panel(index, by_id[root], symptoms))
    rest = [r for r in report.results if r.check not in shown and r.problems]
    for result in rest:
        console.print(_root_panel(0, result, []))
        shown.add(result.check)
    console.print(_overview(report))
    suppressed = _suppressed(report)
    if suppressed is not None:
        console.print(suppressed)
    console.print(_footer(report))


def _header(report: Report) -> Text:
    t = report.target
    text = Text("kopscheck · ", style="bold")
    text.append(f"cluster {t.cluster or '(unnamed)'} · source {t.source}")
    details = [f"Kubernetes {t.kubernetes_version or 'version unknown'}"]
    if t.networking:
        details.append(f"networking {t.networking} (from {t.networking_source})")
    else:
        details.append("networking mode unknown")
    text.append("\n" + " · ".join(details))
    return text


def _root_panel(
    index: int, result: CheckResult, symptoms: list[tuple[CheckResult, str | None]]
) -> Panel:
    body: list[Text | Table] = [Text(result.summary, style="bold")]
    problems = result.problems or result.findings
    if problems:
        body.append(_findings_table(problems))
    if result.remediation:
        body.append(Text.assemble(("Fix: ", "bold green"), result.remediation))
    if result.step:
        body.append(Text.assemble(("Origin document step: ", "dim"), (result.step, "dim")))
    if symptoms:
        body.append(Text("Symptoms this explains:", style="bold"))
        for symptom, via in symptoms:
            line = Text("  ")
            line.append_text(badge(symptom.status))
            line.append(f" {symptom.check}: {symptom.summary}")
            if via:
                line.append(f" (through {via})", style="dim")
            body.append(line)
    title = f"{result.check} — {result.title}"
    if index:
        title = f"Root cause {index}: {title}"
    return Panel(Group(*body), title=title, title_align="left", border_style=STYLE[result.status])


def _findings_table(findings: tuple[Finding, ...]) -> Table:
    """One row per distinct message: fifty nodes with the same condition are one row."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("object", overflow="fold")
    table.add_column("what was seen", overflow="fold")
    groups: dict[tuple[Status, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.status, finding.message), []).append(finding)
    for index, ((status, message), group) in enumerate(groups.items()):
        if index == MAX_FINDINGS:
            rest = sum(len(g) for g in list(groups.values())[MAX_FINDINGS:])
            table.add_row("", "", Text(f"... and {rest} more", style="dim"))
            break
        text = Text(message)
        evidence = _evidence_line(group[0])
        if evidence:
            text.append("\n" + evidence, style="dim")
        table.add_row(badge(status), _objects(group), text)
    return table


def _objects(group: list[Finding], limit: int = 4) -> str:
    names = [str(f.object) for f in group if f.object] or ["-"]
    shown = "\n".join(names[:limit])
    return shown + (f"\n(+{len(names) - limit} more)" if len(names) > limit else "")


def _evidence_line(finding: Finding, limit: int = 220) -> str:
    parts = []
    for key, value in finding.evidence.items():
        if value in (None, "", [], {}) or (isinstance(value, str) and value in finding.message):
            continue
        shown = value if isinstance(value, str) else json.dumps(value)
        parts.append(f"{key}={shown}")
    line = "; ".join(parts)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _overview(report: Report) -> Table:
    table = Table(title="All checks", title_justify="left", show_lines=False, expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("summary", overflow="fold")
    for result in report.results:
        cause = f"  ← {', '.join(result.caused_by)}" if result.caused_by else ""
        table.add_row(badge(result.status), result.check, result.summary + cause)
    return table


def _suppressed(report: Report) -> Table | None:
    results = suppressed_results(report)
    if not results:
        return None
    total = sum(len(r.suppressed) for r in results)
    table = Table(
        title=f"Suppressed by the baseline ({total} known, not counted)",
        title_justify="left",
        box=None,
        pad_edge=False,
    )
    table.add_column("check", no_wrap=True)
    table.add_column("object", overflow="fold")
    table.add_column("message", overflow="fold")
    rows = [(r.check, f) for r in results for f in r.suppressed]
    for check, finding in rows[:MAX_FINDINGS]:
        table.add_row(check, str(finding.object or "-"), finding.message)
    if len(rows) > MAX_FINDINGS:
        table.add_row("", "", Text(f"... and {len(rows) - MAX_FINDINGS} more", style="dim"))
    return table


def _footer(report: Report) -> Text:
    counts = report.counts()
    text = Text("Result: ")
    text.append_text(badge(report.status))
    text.append(" · " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n))
    text.append(f" · --fail-on {report.fail_on.value}")
    if report.baseline is not None:
        known = sum(len(r.suppressed) for r in report.results)
        text.append(f" · baseline {report.baseline}: {known} known suppressed")
    for note in report.notes:
        text.append(f"\nnote: {note}", style="dim")
    return text


def render_fleet(fleet: FleetReport, console: Console) -> None:
    """A section per cluster (its usual report), then one overall line."""
    for cluster in fleet.clusters:
        console.print(Rule(Text(f"cluster {cluster.name}", style="bold"), align="left"))
        if cluster.report is not None:
            render(cluster.report, console)
        else:
            console.print(Text.assemble(("scan incomplete: ", "magenta"), cluster.error or ""))
        console.print()
    text = Text(f"Fleet of {len(fleet.clusters)} clusters: ")
    text.append_text(badge(fleet.status))
    counts = ", ".join(f"{n} {s.value}" for s, n in fleet.counts().items() if n)
    text.append(f" · {counts} · --fail-on {fleet.fail_on.value}")
    worst = [c.name for c in fleet.clusters if c.status is fleet.status]
    if fleet.status is not Status.PASS:
        text.append(f"\n{fleet.status.value}: {', '.join(worst)}")
    console.print(text)


CHANGE_STYLE = {
    "worse": "bold red",
    "better": "green",
    "changed": "yellow",
    "added": "cyan",
    "removed": "dim",
}


def render_diff(diff: DiffReport, console: Console) -> None:
    head = Text(f"kopscheck diff {diff.old} → {diff.new}: ", style="bold")
    head.append("WORSE" if diff.worse else "not worse", style="bold red" if diff.worse else "green")
    console.print(head)
    for cluster in diff.clusters:
        console.print(_cluster_line(cluster, len(diff.clusters) > 1))
        if cluster.checks:
            table = Table("change", "check", "old", "new", box=None, pad_edge=False)
            for change in cluster.checks:
                table.add_row(
                    Text(change.change, style=CHANGE_STYLE[change.change]),
                    change.check,
                    change.old or "-",
                    change.new or "-",
                )
            console.print(table)
        _diff_findings(console, "New findings", "+", cluster.new_findings)
        _diff_findings(console, "Resolved findings", "-", cluster.resolved_findings)
        if not (cluster.checks or cluster.new_findings or cluster.resolved_findings):
            console.print("  no change in checks or findings")


def _cluster_line(diff: ClusterDiff, named: bool) -> Text:
    prefix = f"cluster {diff.name}: " if named else ""
    text = Text(f"{prefix}status {diff.old_status or 'absent'} → {diff.new_status or 'absent'}")
    if diff.worse:
        text.append(" (worse)", style="bold red")
    return text


def _diff_findings(console: Console, title: str, mark: str, found: tuple[FindingRef, ...]) -> None:
    if not found:
        return
    console.print(Text(f"{title} ({len(found)}):", style="bold"))
    for finding in found:
        obj = f" {finding.object}" if finding.object else ""
        console.print(
            f"  {mark} {finding.status.upper():<4} {finding.check}{obj}: {finding.message}",
            markup=False,
        )


class TerminalReporter:
    renders = frozenset(Document)

    def write(self, report: Report, out: TextIO) -> None:
        render(report, _console(out))

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None:
        render_fleet(fleet, _console(out))

    def write_diff(self, diff: DiffReport, out: TextIO) -> None:
        render_diff(diff, Console(file=out, highlight=False, soft_wrap=True))


def _console(out: TextIO) -> Console:
    return Console(file=out, soft_wrap=False, highlight=False)
