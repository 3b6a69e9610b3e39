"""Reporters render a finished report; they decide nothing (the exit code is computed elsewhere).

Built-ins are chosen through `OutputFormat`; other packages add reporters through the
`kopscheck.reporters` entry-point group, named by their `--output` value.
"""

from __future__ import annotations

from enum import StrEnum
from importlib.metadata import entry_points
from typing import Protocol, TextIO

from kopscheck.model.errors import KopscheckError
from kopscheck.model.results import Report


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"


class Reporter(Protocol):
    def write(self, report: Report, out: TextIO) -> None: ...


def get_reporter(name: str) -> Reporter:
    """The built-in reporter for an `OutputFormat` value, else a `kopscheck.reporters` plugin."""
    if name == OutputFormat.TABLE:
        from kopscheck.reporters.terminal import TerminalReporter

        return TerminalReporter()
    if name == OutputFormat.JSON:
        from kopscheck.reporters.json_report import JsonReporter

        return JsonReporter()
    if name == OutputFormat.JUNIT:
        from kopscheck.reporters.junit import JunitReporter

        return JunitReporter()
    if name == OutputFormat.MARKDOWN:
        from kopscheck.reporters.markdown import MarkdownReporter

        return MarkdownReporter()
    for entry in entry_points(group="kopscheck.reporters", name=name):
        reporter: Reporter = entry.load()()
        return reporter
    known = ", ".join(f.value for f in OutputFormat)
    raise KopscheckError(f"unknown --output {name!r} (built-in: {known})")
