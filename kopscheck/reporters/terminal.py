"""`--output table`: kopscheck's documents on a terminal, drawn with rich.

One report's view is terminal_report.py (root causes first, then what they explain); a fleet,
a diff and a provision run are terminal_runs.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from rich.console import Console

from kopscheck.model.catalog import Catalog
from kopscheck.model.diff import DiffReport
from kopscheck.model.fleet import FleetReport
from kopscheck.model.provision import ProvisionReport
from kopscheck.model.results import Report
from kopscheck.reporters import Document
from kopscheck.reporters import catalog as catalog_formats
from kopscheck.reporters.terminal_report import render
from kopscheck.reporters.terminal_runs import render_diff, render_fleet, render_provision


@dataclass(frozen=True)
class TerminalReporter:
    """`--output table`; `show_all` lists every check, not only the problems.

    Every string of the document is shown with its control characters escaped (`visible`):
    data never reaches the terminal as an escape sequence. Rich markup and emoji codes in
    data stay literal (Text objects, `emoji=False`)."""

    show_all: bool = False
    renders = frozenset(Document)

    def write(self, report: Report, out: TextIO) -> None:
        render(report, _console(out), self.show_all)

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None:
        render_fleet(fleet, _console(out), self.show_all)

    def write_diff(self, diff: DiffReport, out: TextIO) -> None:
        render_diff(diff, _console(out, soft_wrap=True))

    def write_provision(self, run: ProvisionReport, out: TextIO) -> None:
        render_provision(run, _console(out), self.show_all)

    def write_catalog(self, catalog: Catalog, out: TextIO) -> None:
        catalog_formats.write_table(catalog, out)


def _console(out: TextIO, soft_wrap: bool = False) -> Console:
    return Console(file=out, soft_wrap=soft_wrap, highlight=False, emoji=False)
