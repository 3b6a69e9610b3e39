"""Reporters render a finished document; they decide nothing (exit codes are the model's).

One registry for every document kopscheck prints: a cluster's report, a fleet of them, a
diff of two reports, the check catalog and a `provision` run. Each reporter declares in
`renders` which documents it writes; the built-ins are listed in `BUILTIN`, and other packages
add reporters through the `kopscheck.reporters` entry-point group, named by their `--output`
value.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TextIO

from kopscheck.model.errors import InputError, KopscheckError

if TYPE_CHECKING:  # annotations only: `--help` lists formats without loading the model
    from kopscheck.model.catalog import Catalog
    from kopscheck.model.diff import DiffReport
    from kopscheck.model.fleet import FleetReport
    from kopscheck.model.provision import ProvisionReport
    from kopscheck.model.results import Report

REPORTER_GROUP = "kopscheck.reporters"


class Document(StrEnum):
    """What a reporter can be asked to render."""

    REPORT = "report"  # kopscheck/report/v1: one cluster
    FLEET = "fleet"  # kopscheck/fleet/v1: several clusters
    DIFF = "diff"  # kopscheck/diff/v1: `kopscheck diff`
    CATALOG = "catalog"  # `kopscheck checks`
    PROVISION = "provision"  # kopscheck/fleet/v1 with each cluster's `provision` object

    @property
    def noun(self) -> str:
        return {
            "report": "a report",
            "fleet": "several clusters",
            "diff": "a diff",
            "catalog": "the check catalog",
            "provision": "a provision run",
        }[self.value]


class Reporter(Protocol):
    """Renders the documents it lists in `renders`; the others are never asked of it.

    A plugin that renders only single reports implements `write` and sets
    `renders = frozenset({Document.REPORT})` (the default when it sets nothing).
    """

    renders: frozenset[Document]

    def write(self, report: Report, out: TextIO) -> None: ...

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None: ...

    def write_diff(self, diff: DiffReport, out: TextIO) -> None: ...

    def write_catalog(self, catalog: Catalog, out: TextIO) -> None: ...

    def write_provision(self, run: ProvisionReport, out: TextIO) -> None: ...


# --output value -> "module:Class", in the order --help lists them.
BUILTIN: dict[str, str] = {
    "table": "kopscheck.reporters.terminal:TerminalReporter",
    "json": "kopscheck.reporters.json_report:JsonReporter",
    "yaml": "kopscheck.reporters.json_report:YamlReporter",
    "junit": "kopscheck.reporters.junit:JunitReporter",
    "markdown": "kopscheck.reporters.markdown:MarkdownReporter",
}
# What each built-in renders, known without importing it (for --help and error messages).
BUILTIN_RENDERS: dict[str, frozenset[Document]] = {
    "table": frozenset(Document),
    "json": frozenset(Document),
    "yaml": frozenset(Document),
    # test cases: no diff, no catalog
    "junit": frozenset({Document.REPORT, Document.FLEET, Document.PROVISION}),
    "markdown": frozenset(Document),
}


def formats(document: Document = Document.REPORT) -> list[str]:
    """The built-in --output values that render `document`."""
    return [name for name, renders in BUILTIN_RENDERS.items() if document in renders]


def get_reporter(
    name: str, document: Document = Document.REPORT, show_all: bool = False
) -> Reporter:
    """The reporter for an --output value that renders `document`; InputError when none does.

    `show_all` (`--show-all`/`-v`) makes the terminal list every check, not only problems."""
    reporter = _builtin(name, show_all) if name in BUILTIN else next(_plugins(name), None)
    if reporter is None:
        if document is not Document.REPORT:
            raise _cannot(name, document)
        known = ", ".join(BUILTIN)
        raise KopscheckError(f"unknown --output {name!r} (built-in: {known})")
    if document not in renders(reporter):
        raise _cannot(name, document)
    return reporter


def catalog_writer(name: str) -> Callable[[Catalog, TextIO], None]:
    """What writes `kopscheck checks -o NAME`: a built-in format's light writer (no rich, no
    report model: the command starts fast), or a plugin reporter's `write_catalog`."""
    if name in BUILTIN:
        if Document.CATALOG not in BUILTIN_RENDERS[name]:
            raise _cannot(name, Document.CATALOG)
        from kopscheck.reporters.catalog import WRITERS

        return WRITERS[name]
    return get_reporter(name, Document.CATALOG).write_catalog


_WRITERS = {
    Document.REPORT: "write",
    Document.FLEET: "write_fleet",
    Document.DIFF: "write_diff",
    Document.CATALOG: "write_catalog",
    Document.PROVISION: "write_provision",
}


def renders(reporter: object) -> frozenset[Document]:
    """What a reporter declares it renders and has the method for; a plugin that declares
    nothing renders reports (one that declared `frozenset(Document)` before the catalog
    existed does not render the catalog)."""
    declared = getattr(reporter, "renders", None)  # plugins written before `renders` existed
    documents = frozenset(declared) if declared else frozenset({Document.REPORT})
    found = frozenset(d for d in documents if callable(getattr(reporter, _WRITERS[d], None)))
    if Document.FLEET in found and not callable(getattr(reporter, "write_provision", None)):
        found |= {Document.PROVISION}  # a fleet plugin renders provision's fleet (write_provision)
    return found


def write_provision(reporter: Reporter, run: ProvisionReport, out: TextIO) -> None:
    """A provision run through `reporter`: its own form, else (a plugin that predates it) the
    fleet of gate reports."""
    if callable(getattr(reporter, "write_provision", None)):
        reporter.write_provision(run, out)
    else:
        reporter.write_fleet(run.fleet, out)


def _cannot(name: str, document: Document) -> InputError:
    return InputError(
        "--output", f"{name!r} cannot render {document.noun} (use {', '.join(formats(document))})"
    )


def _builtin(name: str, show_all: bool = False) -> Reporter:
    module, _, cls = BUILTIN[name].partition(":")
    factory = getattr(importlib.import_module(module), cls)
    reporter: Reporter = factory(show_all=show_all) if name == "table" else factory()
    return reporter


def _plugins(name: str) -> Iterator[Reporter]:
    from importlib.metadata import entry_points

    for entry in entry_points(group=REPORTER_GROUP, name=name):
        yield entry.load()()
