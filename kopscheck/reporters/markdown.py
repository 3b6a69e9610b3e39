"""Markdown for pull-request comments and tickets: root causes first, then every check.

A fleet is a summary table then each cluster's report; a diff lists changes per cluster.
"""

from __future__ import annotations

from typing import TextIO

from kopscheck.model.catalog import Catalog
from kopscheck.model.diff import DiffReport, FindingRef
from kopscheck.model.fleet import FleetReport
from kopscheck.model.results import CheckResult, Report, Status, symptoms_of
from kopscheck.reporters import Document, grid
from kopscheck.reporters.common import start_here, suppressed_results

ICON = {
    Status.PASS: "✅ pass",
    Status.WARN: "⚠️ warn",
    Status.FAIL: "❌ fail",
    Status.SKIP: "⏭️ skip",
    Status.ERROR: "💥 error",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    t = report.target
    lines = [
        f"## kopscheck: {ICON[report.status]}",
        "",
        f"- **Cluster:** {t.cluster or '(unnamed)'} (source: {t.source})",
        f"- **Kubernetes:** {t.kubernetes_version or 'unknown'}",
        f"- **Networking:** {t.networking or 'unknown'}"
        + (f" (from {t.networking_source})" if t.networking_source else ""),
        f"- **Gate:** `--fail-on {report.fail_on.value}`",
    ]
    if report.baseline is not None:
        known = sum(len(r.suppressed) for r in report.results)
        lines.append(f"- **Baseline:** `{report.baseline}` ({known} known findings suppressed)")
    lines.append("")
    first = start_here(report)
    if first is not None:
        lines += [f"**Start here:** `{first.check}` — {first.action}", ""]
    by_id = {r.check: r for r in report.results}
    if report.root_causes:
        lines += ["### Root causes", ""]
        for index, root in enumerate(report.root_causes, start=1):
            lines += _root_section(index, by_id[root], report)
    lines += ["### All checks", "", "| status | check | summary |", "|---|---|---|"]
    for result in report.results:
        caused = f" (caused by {', '.join(result.caused_by)})" if result.caused_by else ""
        lines.append(
            f"| {ICON[result.status]} | `{result.check}` | {_cell(result.summary)}{caused} |"
        )
    lines += _grid_section(report)
    lines += _suppressed_section(report)
    counts = ", ".join(f"{n} {s.value}" for s, n in report.counts().items() if n)
    lines += ["", f"_{counts}; generated {report.generated_at:%Y-%m-%d %H:%M:%SZ}_", ""]
    return "\n".join(lines)


def _grid_section(report: Report) -> list[str]:
    every = grid.grids(report)
    if not every:
        return []
    lines = ["", "### Connectivity matrix", "", grid.LEGEND, "", "```text"]
    for one in every:
        lines += grid.grid_lines(one)
    return [*lines, "```"]


def _root_section(index: int, result: CheckResult, report: Report) -> list[str]:
    lines = [f"#### {index}. `{result.check}`: {result.title}", "", result.summary, ""]
    for finding in result.problems[:20]:
        obj = f"`{finding.object}`: " if finding.object else ""
        lines.append(f"- {obj}{finding.message}")
    if len(result.problems) > 20:
        lines.append(f"- … and {len(result.problems) - 20} more")
    symptoms = symptoms_of(report.results, result.check)
    if symptoms:
        lines += ["", "<details><summary>Symptoms this explains</summary>", ""]
        for symptom, via in symptoms:
            through = f" (through `{via}`)" if via else ""
            lines.append(
                f"- `{symptom.check}` ({symptom.status.value}): {symptom.summary}{through}"
            )
        lines += ["", "</details>"]
    if result.remediation:
        lines += ["", f"**Fix:** {result.remediation}"]
    lines.append("")
    return lines


def _suppressed_section(report: Report) -> list[str]:
    results = suppressed_results(report)
    if not results:
        return []
    lines = ["", "<details><summary>Suppressed by the baseline (known, not counted)</summary>", ""]
    for result in results:
        for finding in result.suppressed:
            obj = f"`{finding.object}`: " if finding.object else ""
            lines.append(f"- `{result.check}` {obj}{finding.message}")
    return [*lines, "", "</details>"]


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


def render_diff_markdown(diff: DiffReport) -> str:
    verdict = "**worse**" if diff.worse else "not worse"
    lines = [f"## kopscheck diff `{diff.old}` → `{diff.new}`: {verdict}", ""]
    for d in diff.clusters:
        if len(diff.clusters) > 1:
            lines += [f"### Cluster {d.name}", ""]
        lines += [f"Status {d.old_status or 'absent'} → {d.new_status or 'absent'}", ""]
        if d.checks:
            lines += ["| change | check | old | new |", "|---|---|---|---|"]
            lines += [
                f"| {c.change} | `{c.check}` | {c.old or '-'} | {c.new or '-'} |" for c in d.checks
            ]
            lines.append("")
        lines += _diff_findings("New findings", d.new_findings)
        lines += _diff_findings("Resolved findings", d.resolved_findings)
    return "\n".join(lines)


def _diff_findings(title: str, found: tuple[FindingRef, ...]) -> list[str]:
    if not found:
        return []
    lines = [f"**{title} ({len(found)}):**", ""]
    for f in found:
        obj = f" `{f.object}`" if f.object else ""
        lines.append(f"- {f.status} `{f.check}`{obj}: {_cell(f.message)}")
    return [*lines, ""]


class MarkdownReporter:
    renders = frozenset(Document)

    def write(self, report: Report, out: TextIO) -> None:
        out.write(render_markdown(report))

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None:
        out.write(render_fleet_markdown(fleet))

    def write_diff(self, diff: DiffReport, out: TextIO) -> None:
        out.write(render_diff_markdown(diff))

    def write_catalog(self, catalog: Catalog, out: TextIO) -> None:
        out.write(render_catalog_markdown(catalog))


def render_catalog_markdown(catalog: Catalog) -> str:
    lines = ["| check | family | passes when | needs |", "|---|---|---|---|"]
    lines += [
        f"| `{e.id}` | {e.family} | {e.title} | {', '.join(e.needs) or '-'} |"
        for e in catalog.entries
    ]
    return "\n".join(lines) + "\n"
