"""The connectivity matrix as the terminal and Markdown show it: a nodes x nodes grid per class,
exactly, for a 3-node kubenet run whose last node has no VPC route and whose first node's
hostNetwork client gave no result; and a hostile node name that reaches neither medium raw."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO
from pathlib import Path

import aws_builders as ab
import connectivity_builders as cb
from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.connectivity import Outcome, ProbeClass
from kopscheck.model.results import Report
from kopscheck.reporters import terminal_report
from kopscheck.reporters.markdown import render_markdown
from tests.hostile_reports import CORPUS, raw_controls

LEGEND = '  "." pass, "X" fail, "-" not run, " " not sampled; rows: source, columns: destination'
NO_RESULT = "the client pod gave no result before the deadline"


def _report(tmp_path: Path, rename: dict[str, str] | None = None) -> tuple[Report, list[str]]:
    """Node 3 unrouted; node 1's hostNetwork client never reported (its node-to-pod pairs are
    not run). `rename` gives sampled nodes other names in the probe's record."""
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=3, nodes_max=8, routed=3))
    nodes = [replace(n, name=(rename or {}).get(n.name, n.name)) for n in cb.nodes_of(root)]
    probe = cb.matrix(nodes, cb.Faults(unrouted=frozenset({nodes[-1].name})))
    first = nodes[0].name
    pairs = tuple(
        replace(p, outcome=Outcome.NOT_RUN, seconds=None, detail=NO_RESULT)
        if p.probe is ProbeClass.NODE_TO_POD and p.source == first
        else p
        for p in probe.pairs
    )
    cb.write(root, replace(probe, pairs=pairs))
    return build_report(read_bundle(root), load_checks(), networking="kubenet"), [
        n.name for n in nodes
    ]


def _terminal(report: Report) -> str:
    out = StringIO()
    terminal_report.render(report, Console(file=out, width=100, color_system=None))
    return out.getvalue()


def _block(text: str, start: str, end: str) -> list[str]:
    lines = text.splitlines()
    first = lines.index(start)
    return lines[first : lines.index(end, first) + 1]


def test_the_terminal_shows_the_broken_classes_grids_exactly(tmp_path: Path) -> None:
    report, (a, b, c) = _report(tmp_path)
    shown = _block(_terminal(report), "Connectivity matrix (net.connectivity)", LEGEND)
    assert shown == [
        "Connectivity matrix (net.connectivity)",
        "pod-cross-node:",
        "     1 2 3",
        f"   1   . X  {a}",
        f"   2 .   X  {b}",
        f"   3 X X    {c}",
        "node-to-pod:",
        "     1 2 3",
        f"   1   - -  {a}",
        f"   2 .   X  {b}",
        f"   3 . .    {c}",
        "pod-to-node:",
        "     1 2 3",
        f"   1   . .  {a}",
        f"   2 .   .  {b}",
        f"   3 X X    {c}",
        "path-mtu:",
        "     1 2 3",
        f"   1 . . X  {a}",
        f"   2 . . X  {b}",
        f"   3 X X .  {c}",
        LEGEND,
    ]


def test_markdown_shows_every_classes_grid_in_one_text_block(tmp_path: Path) -> None:
    report, (a, b, c) = _report(tmp_path)
    markdown = render_markdown(report)
    section = _block(markdown, "### Connectivity matrix", "```text")
    assert section == ["### Connectivity matrix", "", LEGEND.strip(), "", "```text"]
    grids = _block(markdown, "```text", "path-mtu:")
    assert grids[1:9] == [
        "pod-same-node:",
        "     1 2 3",
        f"   1 .      {a}",
        f"   2   .    {b}",
        f"   3     .  {c}",
        "pod-cross-node:",
        "     1 2 3",
        f"   1   . X  {a}",
    ]
    cluster_ip = _block(markdown, "cluster-ip:", "     1=Service/probe")
    assert cluster_ip == [
        "cluster-ip:",
        "     1",
        f"   1 .  {a}",
        f"   2 .  {b}",
        f"   3 .  {c}",
        "     1=Service/probe",
    ]
    node_to_pod = _block(markdown, "node-to-pod:", f"   3 . .    {c}")
    assert node_to_pod[2:] == [f"   1   - -  {a}", f"   2 .   X  {b}", f"   3 . .    {c}"]
    assert markdown.count("```") == 2


# a name from a bundle is data: a terminal escape, a fence, a table cell, a heading
HOSTILE = f"ip-1|{CORPUS['newline-heading']}```{CORPUS['csi-hide']}"
# the terminal escapes control characters first ("\\x1b"), then the grid defuses the name
ON_TERMINAL = "ip-1?web?n???kopscheck:???pass?n???ok?x1b?2K?x1b?1A?x1b?8mhidde"
IN_MARKDOWN = "ip-1?web????kopscheck:???pass????ok??2K??1A??8mhidden??0m"


def test_a_hostile_node_name_reaches_the_grid_only_defused(tmp_path: Path) -> None:
    root = ab.write_bundle(tmp_path / "names", ab.KubenetCluster(workers=3, nodes_max=8))
    first = cb.nodes_of(root)[0].name
    report, names = _report(tmp_path, {first: HOSTILE})
    assert names[0] == HOSTILE
    terminal = _terminal(report)
    markdown = render_markdown(report)
    assert f"   1   . X  {ON_TERMINAL}" in terminal.splitlines()
    assert f"   1   - -  {IN_MARKDOWN}" in markdown.splitlines()
    assert raw_controls(terminal) == []
    assert raw_controls("\n".join(_block(markdown, "```text", "```")[1:])) == []
    assert markdown.count("```") == 2  # the name closes no fence
    assert "## kopscheck: ✅ pass" not in markdown
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == 2 for line in table[2:])  # no cell added by the name
