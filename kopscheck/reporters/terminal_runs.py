"""The terminal views of several reports: a fleet, a diff, a provision run.

A fleet is each cluster's view under a rule, then one overall line; a diff lists status
changes, new and resolved findings per cluster; a provision run is each cluster's kops steps
(a failed one with kops's last line), teardown and run log above its gate report, then one
line with provision's exit code (CONTRACT §2), not the fleet's.
"""

from __future__ import annotations

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from kopscheck.model.diff import ClusterDiff, DiffReport, FindingRef
from kopscheck.model.fleet import FleetReport
from kopscheck.model.provision import ProvisionedCluster, ProvisionReport, last_line
from kopscheck.model.results import Status
from kopscheck.reporters.encode import encoded, visible, visible_lines
from kopscheck.reporters.terminal_report import STYLE, badge, render


def render_fleet(fleet: FleetReport, console: Console, show_all: bool = False) -> None:
    """A section per cluster (its usual report), then one overall line."""
    fleet = encoded(fleet, visible)
    for cluster in fleet.clusters:
        console.print(Rule(Text(f"cluster {cluster.name}", style="bold"), align="left"))
        if cluster.report is not None:
            render(cluster.report, console, show_all)
        else:
            console.print(Text.assemble(("scan incomplete: ", "magenta"), cluster.error or ""))
        console.print()
    text = Text(f"Fleet of {len(fleet.clusters)} clusters: ")
    text.append_text(badge(fleet.status))
    counts = ", ".join(f"{n} {s.value}" for s, n in fleet.counts().items() if n)
    text.append(f" · {counts} · --fail-on {fleet.fail_on.value}")
    for status in (Status.FAIL, Status.ERROR, Status.WARN):
        names = [c.name for c in fleet.clusters if c.status is status]
        if names:
            text.append(f"\n{status.value}: {', '.join(names)}")
    console.print(text)


CHANGE_STYLE = {
    "worse": "bold red",
    "better": "green",
    "changed": "yellow",
    "added": "cyan",
    "removed": "dim",
}


def render_diff(diff: DiffReport, console: Console) -> None:
    diff = encoded(diff, visible)
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


OUTCOME_STYLE = {"ok": "green", "skipped": "dim"}  # anything else went wrong


def render_provision(run: ProvisionReport, console: Console, show_all: bool = False) -> None:
    run = encoded(run, visible_lines)  # kops output keeps its lines; reports are encoded again
    for outcome, cluster in run.pairs():
        title = Text(f"cluster {cluster.cluster} ({cluster.mode})", style="bold")
        console.print(Rule(title, align="left"))
        console.print(_story(cluster))
        if outcome.report is not None:
            render(outcome.report, console, show_all)
        else:
            console.print(Text.assemble(("no gate report: ", "magenta"), outcome.error or ""))
        console.print()
    console.print(_verdict(run))


def _story(cluster: ProvisionedCluster) -> Text:
    text = Text("Provision: ", style="bold")
    for index, step in enumerate(cluster.steps):
        if index:
            text.append(" · ")
        text.append(f"{step.step} ")
        text.append(step.outcome, style=OUTCOME_STYLE.get(step.outcome, "bold red"))
        if step.step == "validate" and cluster.validate_attempts:
            text.append(f" ({cluster.validate_attempts} attempts)", style="dim")
    if not cluster.steps:
        text.append("no kops call ran")
    for step in (s for s in cluster.steps if not s.ok and s.detail):
        text.append(f"\n  {step.step} {step.outcome}: ", style="bold")
        text.append(last_line(step.detail))
    if cluster.interrupted_by:
        text.append(f"\nInterrupted by {cluster.interrupted_by}", style="magenta")
    style = "bold red" if cluster.teardown.left_behind else ""
    text.append("\nTeardown: ", style="bold")
    text.append(cluster.teardown.summary or cluster.teardown.action, style=style)
    text.append(f"\nkops run log: {cluster.run_log}", style="dim")
    if cluster.kubeconfig:
        text.append(f"\nkubeconfig of the cluster: {cluster.kubeconfig}")
    return text


def _verdict(run: ProvisionReport) -> Text:
    fleet = run.fleet
    text = Text(f"Provisioned {len(run.runs)} cluster(s): ", style="bold")
    text.append_text(badge(fleet.status))
    text.append(f" (exit {int(run.exit_code)}) · --fail-on {fleet.fail_on.value}")
    for outcome, cluster in run.pairs():
        line = Text(f"\n  {cluster.cluster}: ")
        line.append(outcome.status.value, style=STYLE[outcome.status])
        line.append(f", exit {int(cluster.exit_code)}, teardown {cluster.teardown.action}")
        text.append_text(line)
    return text
