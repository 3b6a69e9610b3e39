"""`kopscheck checks` and `kopscheck explain`: the catalog, printed without typer or rich.

`fast_path` recognises only the plain forms (`checks`, `checks -o FORMAT`, `checks --output
FORMAT`, `checks --output=FORMAT`, `explain ID[/CODE]`); anything else, `--help` included, and
anything that would end in an error (an unknown id, format or code) returns None, so the typer
app runs the same command and says what is wrong the usual way. `cli_catalog` registers the
same two functions as typer commands.
"""

from __future__ import annotations

import sys
from typing import TextIO

from kopscheck import DOCS_URL
from kopscheck.model.errors import InputError, KopscheckError

OUTPUT_FLAGS = ("-o", "--output")


def fast_path(args: list[str]) -> int | None:
    """The exit code of a catalog command answered here, or None: let the typer app run it."""
    try:
        if args[:1] == ["checks"]:
            output = _output(args[1:])
            if output is None:
                return None
            show_catalog(output, sys.stdout)
            return 0
        if len(args) == 2 and args[0] == "explain" and not args[1].startswith("-"):
            sys.stdout.write(explain_check(args[1]) + "\n")
            return 0
    except KopscheckError:
        return None  # the typer app says it, in its words and with its exit code
    return None


def _output(rest: list[str]) -> str | None:
    if not rest:
        return "table"
    if len(rest) == 2 and rest[0] in OUTPUT_FLAGS and not rest[1].startswith("-"):
        return rest[1]
    if len(rest) == 1 and rest[0].startswith("--output="):
        return rest[0].removeprefix("--output=") or None
    return None


def show_catalog(output: str, out: TextIO) -> None:
    """`kopscheck checks -o OUTPUT`: the catalog through the reporter registry."""
    from kopscheck.engine.catalog import load_catalog
    from kopscheck.reporters import catalog_writer

    write = catalog_writer(output)  # an unknown format is refused before the catalog is read
    write(load_catalog(), out)


def explain_check(ref: str) -> str:
    """`kopscheck explain ID` or `ID/CODE`: InputError for an unknown check or code."""
    from kopscheck.engine.catalog import load_catalog
    from kopscheck.reporters.catalog import explain_text

    catalog = load_catalog()
    wanted, _, reason = ref.partition("/")
    entry = catalog.find(wanted)
    if entry is None:
        known = ", ".join(e.id for e in catalog.entries)
        raise InputError(ref, f"unknown check (known: {known})")
    if reason and f"{entry.id}/{reason}" not in entry.codes:
        known = ", ".join(code.partition("/")[2] for code in entry.codes) or "none"
        raise InputError(ref, f"{entry.id} has no finding code {reason!r} (known: {known})")
    return explain_text(entry, DOCS_URL, reason)
