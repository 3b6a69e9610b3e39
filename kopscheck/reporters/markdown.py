"""Markdown for pull-request comments and tickets: root causes first, then every check.

A fleet is a summary table then each cluster's report; a diff lists changes per cluster; a
provision run is a summary table, then per cluster its kops steps, teardown and gate report.
"""

from __future__ import annotations

from typing import TextIO

from kopscheck.model.catalog import Catalog
from kopscheck.model.diff import DiffReport, FindingRef
from kopscheck.model.fleet import FleetReport
from kopscheck.model.provision import ProvisionedCluster, ProvisionReport, last_line
from kopscheck.model.results import CheckResult, Report, Status, symptoms_of
from kopscheck.reporters import Document, grid
from kopscheck.reporters import catalog as catalog_formats
from kopscheck.reporters.common import start_here, suppressed_results
from kopscheck.reporters.encode import encoded, markdown, markdown_code, visible

ICON = {
    Status.PASS: "✅ pass",
    Status.WARN: "⚠️ warn",
    Status.FAIL: "❌ fail",
    Status.SKIP: "⏭️ skip",
    Status.ERROR: "💥 error",
}


# Check ids are kopscheck's own and shown as code; every other string is `markdown`-escaped
# by the reporter before rendering, so the functions below never see raw data.
IDS = frozenset({"check", "caused_by", "root_causes"})


def render_markdown(report: Report) -> str:
    """A report as Markdown, every string from the data escaped; the connectivity grids are
    read from the report as it is: they sit in a code block, where escapes would show (the grid
    defuses its names itself)."""
    return _report_markdown(encoded(report, markdown, IDS), _grid_section(report))


def _report_markdown(report: Report, grids: list[str]) -> str:
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
        lines.append(f"- **Baseline:** {report.baseline} ({known} known findings suppressed)")
    lines.append("")
    first = start_here(report)
    if first is not None:
        lines += [f"**Start here:** `{first.check}` — {first.action}", ""]
    by_id = {r.check: r for r in report.results}
    if report.root_causes:
        lines += ["### Root causes", ""]
        for index, root in enumerate(report.root_causes, start=1):
            lines += _root_section(index, by_id[root], report)
    if report.unread:
        lines += ["### Not read", ""]
        for unread in report.unread:
            what = "not evaluated" if unread.failed else "could not decide"
            checks = ", ".join(f"`{c}`" for c in unread.checks)
            lines.append(f"- **{unread.facts[0]}**: {unread.reason} ({what}: {checks})")
        lines.append("")
    lines += ["### All checks", "", "| status | check | summary |", "|---|---|---|"]
    for result in report.results:
        caused = f" (caused by {', '.join(result.caused_by)})" if result.caused_by else ""
        lines.append(f"| {ICON[result.status]} | `{result.check}` | {result.summary}{caused} |")
    lines += grids
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
        obj = f"{finding.object}: " if finding.object else ""
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
            obj = f"{finding.object}: " if finding.object else ""
            lines.append(f"- `{result.check}` {obj}{finding.message}")
    return [*lines, "", "</details>"]


def render_fleet_markdown(fleet: FleetReport) -> str:
    grids = [_grid_section(c.report) if c.report else [] for c in fleet.clusters]
    fleet = encoded(fleet, markdown, IDS)
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
    for c, grid_lines in zip(fleet.clusters, grids, strict=True):
        lines.append(f"# Cluster {c.name}")
        lines.append("")
        scanned = _report_markdown(c.report, grid_lines) if c.report else ""
        lines.append(scanned or f"Scan incomplete: {c.error}\n")
    return "\n".join(lines)


def render_diff_markdown(diff: DiffReport) -> str:
    """A diff as Markdown; its check ids come from the two JSON reports given, so they are
    data too: shown as code only when they are plain text (`markdown_code`)."""
    diff = encoded(diff, markdown, IDS)
    verdict = "**worse**" if diff.worse else "not worse"
    lines = [f"## kopscheck diff {diff.old} → {diff.new}: {verdict}", ""]
    for d in diff.clusters:
        if len(diff.clusters) > 1:
            lines += [f"### Cluster {d.name}", ""]
        lines += [f"Status {d.old_status or 'absent'} → {d.new_status or 'absent'}", ""]
        if d.checks:
            lines += ["| change | check | old | new |", "|---|---|---|---|"]
            lines += [
                f"| {c.change} | {markdown_code(c.check)} | {c.old or '-'} | {c.new or '-'} |"
                for c in d.checks
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
        obj = f" {f.object}" if f.object else ""
        lines.append(f"- {f.status} {markdown_code(f.check)}{obj}: {f.message}")
    return [*lines, ""]


class MarkdownReporter:
    renders = frozenset(Document)

    """`--output markdown`: data is escaped text, never a heading, list, table cell, link,
    HTML tag or comment (see `encode.markdown`)."""

    def write(self, report: Report, out: TextIO) -> None:
        out.write(render_markdown(report))

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None:
        out.write(render_fleet_markdown(fleet))

    def write_diff(self, diff: DiffReport, out: TextIO) -> None:
        out.write(render_diff_markdown(diff))

    def write_catalog(self, catalog: Catalog, out: TextIO) -> None:
        catalog_formats.write_markdown(catalog, out)

    def write_provision(self, run: ProvisionReport, out: TextIO) -> None:
        out.write(render_provision_markdown(run))


def _literal(text: str) -> str:
    """A path or a resource id as a code span (nothing inside one is structure) unless it holds
    a backtick or a character `visible` escapes; then as escaped inline text."""
    return f"`{text}`" if "`" not in text and visible(text) == text else markdown(text)


def _cell(text: str) -> str:
    """Provision's own strings (cluster names, kops output) as inline Markdown; the gate
    reports inside are encoded by render_markdown."""
    return markdown(text)


def render_provision_markdown(run: ProvisionReport) -> str:
    fleet = run.fleet
    lines = [
        f"# kopscheck provision: {ICON[fleet.status]} (exit {int(run.exit_code)})",
        "",
        f"- **Gate:** `--fail-on {fleet.fail_on.value}`",
        "",
        "| cluster | mode | gate | exit | teardown |",
        "|---|---|---|---|---|",
    ]
    for outcome, cluster in run.pairs():
        lines.append(
            f"| {_cell(cluster.cluster)} | {_cell(cluster.mode)} | {ICON[outcome.status]}"
            f" | {int(cluster.exit_code)} | {_cell(cluster.teardown.action)} |"
        )
    lines.append("")
    for outcome, cluster in run.pairs():
        lines += [f"# Cluster {_cell(cluster.cluster)}", "", *_steps(cluster), ""]
        if outcome.report is not None:
            lines.append(render_markdown(outcome.report))
        else:
            lines += [f"No gate report: {_cell(outcome.error or '')}", ""]
    return "\n".join(lines)


def _steps(cluster: ProvisionedCluster) -> list[str]:
    lines = ["| step | outcome | exit | seconds | last line |", "|---|---|---|---|---|"]
    for step in cluster.steps:
        code = "-" if step.exit_code is None else str(step.exit_code)
        lines.append(
            f"| {step.step} | {step.outcome} | {code} | {step.seconds:g}"
            f" | {_cell(last_line(step.detail)) or '-'} |"
        )
    if cluster.validate_attempts:
        validated = "validated" if cluster.validated else "never validated"
        attempts = cluster.validate_attempts
        lines += ["", f"- **kops validate:** {validated} after {attempts} attempts"]
    else:
        lines.append("")
    if cluster.interrupted_by:
        lines.append(f"- **Interrupted by:** {_cell(cluster.interrupted_by)}")
    lines.append(f"- **Teardown:** {_cell(cluster.teardown.summary or cluster.teardown.action)}")
    if cluster.teardown.left:
        lines.append(f"- **Left behind:** {', '.join(_literal(r) for r in cluster.teardown.left)}")
    lines.append(f"- **kops run log:** {_literal(cluster.run_log)}")
    if cluster.kubeconfig:
        lines.append(f"- **kubeconfig of the cluster:** {_literal(cluster.kubeconfig)}")
    return lines
