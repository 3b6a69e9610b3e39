"""The connectivity matrix as compact grids (nodes x nodes, one per class), for terminal and
Markdown. Read from `net.connectivity`'s findings (their `matrix` evidence): rendering only.

Node names are data: everything but letters, digits and `.-_:/` is shown as `?`, so a name can
neither drive a terminal nor close a Markdown code block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kopscheck.model.results import Report

CHECK = "net.connectivity"
LEGEND = '"." pass, "X" fail, "-" not run, " " not sampled; rows: source, columns: destination'
UNSAFE = re.compile(r"[^A-Za-z0-9._:/-]")
MARKS = re.compile(r"[^.X -]")


@dataclass(frozen=True, slots=True)
class Grid:
    """One class's matrix."""

    probe: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[str, ...]


def grids(report: Report) -> list[Grid]:
    """The connectivity check's grids, one per class that ran, in report order."""
    result = next((r for r in report.results if r.check == CHECK), None)
    found: dict[str, Grid] = {}
    for finding in result.findings if result else ():
        probe, grid = finding.evidence.get("class"), finding.evidence.get("matrix")
        if isinstance(probe, str) and isinstance(grid, Mapping) and probe not in found:
            found[probe] = Grid(
                probe,
                tuple(_safe(r) for r in _strings(grid.get("rows"))),
                tuple(_safe(c) for c in _strings(grid.get("columns"))),
                tuple(MARKS.sub("?", c) for c in _strings(grid.get("cells"))),
            )
    return list(found.values())


def grid_lines(grid: Grid) -> list[str]:
    """The grid as plain text: numbered columns, each row ending with its node's name."""
    same = grid.columns == grid.rows
    heads = [str(i) for i in range(1, len(grid.columns) + 1)]
    width = max((len(h) for h in heads), default=1)
    lines = [f"{grid.probe}:", "     " + " ".join(h.rjust(width) for h in heads)]
    for index, (row, cells) in enumerate(zip(grid.rows, grid.cells, strict=False), start=1):
        marks = " ".join(c.rjust(width) for c in cells.ljust(len(heads)))
        lines.append(f"  {str(index).rjust(2)} {marks}  {row}")
    if not same:
        lines.append(
            "     " + "; ".join(f"{h}={c}" for h, c in zip(heads, grid.columns, strict=False))
        )
    return lines


def broken(grid: Grid) -> bool:
    return any(c.strip(". ") for c in grid.cells)


def text_lines(report: Report, show_all: bool = False) -> list[str]:
    """The grids to print: those with a failure (all of them with `show_all`), and a legend."""
    every = grids(report)
    shown = [g for g in every if show_all or broken(g)]
    if not every:
        return []
    lines = ["Connectivity matrix (net.connectivity)"]
    for grid in shown:
        lines += grid_lines(grid)
    if shown:
        lines.append("  " + LEGEND)
    hidden = len(every) - len(shown)
    if hidden:
        lines.append(f"  {hidden} class(es) passed on every pair (-v shows their grids)")
    return lines


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _safe(name: str) -> str:
    return UNSAFE.sub("?", name)[:63]
