"""The terminal view of one report, for a person in trouble: root causes first, then what
they explain, and last the verdict with the root cause and its fix.

The fleet, diff and provision views (terminal_runs.py) reuse `render` and `badge`.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kopscheck import DOCS_URL
from kopscheck.model.exitcodes import exit_code
from kopscheck.model.results import (
    CheckResult,
    Finding,
    Report,
    SkipReason,
    Status,
    symptoms_of,
)
from kopscheck.reporters import grid
from kopscheck.reporters.common import evidence_lines, short_lists, start_here, suppressed_results
from kopscheck.reporters.encode import encoded, visible

STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.SKIP: "dim",
    Status.ERROR: "magenta",
}
MAX_FINDINGS = 8
MAX_GROUPS = 3


def badge(status: Status) -> Text:
    return Text(f"{status.value.upper():<5}", style=STYLE[status])


def render(report: Report, console: Console, show_all: bool = False) -> None:
    """Header, the symptoms, each root cause with its evidence, one line for the rest, and
    last the verdict, the root cause and its fix: what a person reads after the scroll.

    Every string is shown with its control characters escaped first (`visible`)."""
    report = encoded(report, visible)
    console.print(_header(report))
    if _nothing_evaluated(report):
        console.print(_footer(report))
        return
    first = start_here(report)
    if first is not None:
        console.print(
            Text.assemble(("Start here: ", "bold"), (first.check, "bold"), " — ", first.action)
        )
    elif any(u.failed for u in report.unread):
        console.print(Text.assemble(("Start here: ", "bold"), _unread_line(report)))
    by_id = {r.check: r for r in report.results}
    roots = [by_id[c] for c in report.root_causes]
    explained = {
        c for root in roots for c in (r.check for r, _ in symptoms_of(report.results, root.check))
    }
    symptoms = [
        r for r in report.results if r.check in explained and r.check not in report.root_causes
    ]
    if symptoms:
        console.print(Text("Symptoms", style="bold"))
        for result in symptoms:
            console.print(_symptom_line(result))
    for index, root in enumerate(roots, start=1):
        console.print(_root_panel(index, root, len(roots)))
    shown = {*explained, *report.root_causes}
    for result in (r for r in report.results if r.check not in shown and r.problems):
        console.print(_root_panel(0, result, 0))
        shown.add(result.check)
    _unread(report, console)
    shown |= {c for u in report.unread for c in u.checks}
    for result in (r for r in report.results if r.check not in shown and r.status is Status.ERROR):
        console.print(_root_panel(0, result, 0))  # a check that crashed: no fact explains it
        shown.add(result.check)
    for line in grid.text_lines(report, show_all):
        console.print(Text(line), overflow="fold")
    if show_all:
        console.print(_overview(report))
    else:
        rest = _rest_line(report, shown)
        if rest is not None:
            console.print(rest)
    suppressed = _suppressed(report)
    if suppressed is not None:
        console.print(suppressed)
    console.print(_footer(report))


def _nothing_evaluated(report: Report) -> bool:
    """An empty or unrecognised input: its note says everything, eleven skips say nothing."""
    return bool(report.notes) and all(r.status is Status.SKIP for r in report.results)


def _header(report: Report) -> Text:
    t = report.target
    text = Text("kopscheck · ", style="bold")
    text.append(f"cluster {t.cluster or '(unnamed)'} · source {t.source}")
    version = f"Kubernetes {t.kubernetes_version or 'version unknown'}"
    if t.kubernetes_version and t.kubernetes_version_source not in (None, "API server"):
        version += f" (from {t.kubernetes_version_source})"
    details = [version]
    if t.networking:
        details.append(f"networking {t.networking} (from {t.networking_source})")
    else:
        details.append("networking mode unknown")
    text.append("\n" + " · ".join(details))
    return text


def _symptom_line(result: CheckResult) -> Text:
    line = Text("  ")
    line.append_text(badge(result.status))
    line.append(f" {result.check}: ", style="bold")
    line.append(short_lists(result.summary))
    if result.caused_by:
        line.append(f" (caused by {', '.join(result.caused_by)})", style="dim")
    return line


def _root_panel(index: int, result: CheckResult, of: int) -> Panel:
    body: list[Text] = [Text(short_lists(result.summary), style="bold")]
    problems = result.problems or result.findings
    groups: dict[tuple[Status, str], list[Finding]] = {}
    for finding in problems:
        groups.setdefault((finding.status, finding.message), []).append(finding)
    for count, ((status, message), group) in enumerate(groups.items()):
        if count == MAX_GROUPS:
            rest = sum(len(g) for g in list(groups.values())[MAX_GROUPS:])
            body.append(Text(f"  +{rest} more finding(s): --output json lists them", style="dim"))
            break
        if message != result.summary or len(groups) > 1:
            line = Text("  ")
            line.append_text(badge(status))
            line.append(f" {_objects(group)}: {short_lists(message)}")
            body.append(line)
        body += [Text(f"      {label}", style="dim") for label in evidence_lines(group[0])]
    if result.step:
        body.append(Text(f"Troubleshooting step: {result.step}", style="dim"))
    which = "Root cause" if index else "Problem"
    number = f" {index} of {of}" if index and of > 1 else ""
    title = f"{which}{number}: {result.check} — {result.title}"
    return Panel(Group(*body), title=title, title_align="left", border_style=STYLE[result.status])


def _unread_line(report: Report, where: str = "below") -> str:
    """Which facts could not be read and what that cost, without the reasons (said once)."""
    failed = [u for u in report.unread if u.failed]
    facts = ", ".join(u.facts[0] for u in failed)
    checks = len({c for u in failed for c in u.checks})
    return f"{facts} could not be read (why: {where}); {checks} check(s) could not be evaluated"


def _unread(report: Report, console: Console) -> None:
    """Each fact not read, its reason once, and the checks it left undecided under it: a panel
    for reads that failed (their checks are errors), a dim line for facts not available."""
    failed = [u for u in report.unread if u.failed]
    if failed:
        body: list[Text] = []
        for unread in failed:
            line = Text(f"{unread.facts[0]}: ", style="bold")
            line.append(unread.reason)
            body.append(line)
            if len(unread.facts) > 1:
                because = ", ".join(unread.facts[1:])
                body.append(Text(f"  not read because of it: {because}", style="dim"))
            body.append(Text(f"  not evaluated (error): {', '.join(unread.checks)}", style="dim"))
        title = "Not read: what the checks below could not see"
        console.print(
            Panel(Group(*body), title=title, title_align="left", border_style=STYLE[Status.ERROR])
        )
    for unread in (u for u in report.unread if not u.failed):
        said = f"Not read: {unread.facts[0]}: {unread.reason}"
        console.print(Text(f"{said} — could not decide: {', '.join(unread.checks)}", style="dim"))


def _objects(group: list[Finding]) -> str:
    names = [str(f.object) for f in group if f.object] or ["-"]
    return names[0] + (f" +{len(names) - 1} more" if len(names) > 1 else "")


_SKIP_LABELS: dict[SkipReason | None, str] = {
    SkipReason.FACTS_MISSING: "could not decide",
    SkipReason.NOT_REQUESTED: "need --probe",
}


def _rest_line(report: Report, shown: set[str]) -> Text | None:
    """Passing, skipped and deselected checks in one line (`--show-all` lists them)."""
    rest = [r for r in report.results if r.check not in shown]
    kinds: dict[str, int] = {}
    for result in rest:
        if result.skip_reason is SkipReason.DESELECTED:
            continue  # --select left them out
        key = {
            Status.PASS: "pass",
            Status.SKIP: _SKIP_LABELS.get(result.skip_reason, "not applicable"),
        }.get(result.status, result.status.value)
        kinds[key] = kinds.get(key, 0) + 1
    if not kinds:
        return None
    counts = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    return Text(f"Other checks: {counts} (--show-all lists them)", style="dim")


def _overview(report: Report) -> Table:
    table = Table(title="All checks", title_justify="left", show_lines=False, expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("summary")
    for result in report.results:
        cause = f" (caused by {', '.join(result.caused_by)})" if result.caused_by else ""
        table.add_row(badge(result.status), result.check, short_lists(result.summary) + cause)
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
    """The last lines: the verdict, then the root cause and its fix."""
    counts = report.counts()
    text = Text("Verdict: ", style="bold")
    text.append_text(badge(report.status))
    text.append(f" (exit {int(exit_code(report))})")
    text.append(" · " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n))
    text.append(f" · --fail-on {report.fail_on.value}")
    if report.baseline is not None:
        known = sum(len(r.suppressed) for r in report.results)
        text.append(f" · baseline {report.baseline}: {known} known suppressed")
    for note in report.notes:
        text.append(f"\nNote: {note}")
    first = start_here(report)
    if first is not None:
        root = report.result(first.check)
        text.append("\nRoot cause: ", style="bold")
        text.append(f"{root.check}: {short_lists(root.summary)}")
        text.append("\nFix: ", style="bold green")
        text.append(first.action)
        text.append(f"\nMore: kopscheck explain {root.check} · {DOCS_URL}", style="dim")
    elif any(u.failed for u in report.unread):
        text.append("\nNot read: ", style="bold")
        text.append(_unread_line(report, "above"))
    return text
