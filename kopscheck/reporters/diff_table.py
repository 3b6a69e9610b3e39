"""The table view of `kopscheck diff`: per cluster, status changes, new and resolved findings."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kopscheck.gate.report_diff import ClusterDiff, FindingRef

CHANGE_STYLE = {
    "worse": "bold red",
    "better": "green",
    "changed": "yellow",
    "added": "cyan",
    "removed": "dim",
}


def print_diff(
    old: Path, new: Path, diffs: list[ClusterDiff], console: Console | None = None
) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    worse = any(d.worse for d in diffs)
    head = Text(f"kopscheck diff {old} → {new}: ", style="bold")
    head.append("WORSE" if worse else "not worse", style="bold red" if worse else "green")
    console.print(head)
    for diff in diffs:
        console.print(_cluster_line(diff, len(diffs) > 1))
        if diff.checks:
            table = Table("change", "check", "old", "new", box=None, pad_edge=False)
            for change in diff.checks:
                style = CHANGE_STYLE[change.change]
                table.add_row(
                    Text(change.change, style=style),
                    change.check,
                    change.old or "-",
                    change.new or "-",
                )
            console.print(table)
        _findings(console, "New findings", "+", diff.new_findings)
        _findings(console, "Resolved findings", "-", diff.resolved_findings)
        if not (diff.checks or diff.new_findings or diff.resolved_findings):
            console.print("  no change in checks or findings")


def _cluster_line(diff: ClusterDiff, named: bool) -> Text:
    prefix = f"cluster {diff.name}: " if named else ""
    text = Text(f"{prefix}status {diff.old_status or 'absent'} → {diff.new_status or 'absent'}")
    if diff.worse:
        text.append(" (worse)", style="bold red")
    return text


def _findings(console: Console, title: str, mark: str, found: tuple[FindingRef, ...]) -> None:
    if not found:
        return
    console.print(Text(f"{title} ({len(found)}):", style="bold"))
    for finding in found:
        obj = f" {finding.object}" if finding.object else ""
        console.print(
            f"  {mark} {finding.status.upper():<4} {finding.check}{obj}: {finding.message}",
            markup=False,
        )
