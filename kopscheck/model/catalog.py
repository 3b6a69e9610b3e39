"""The check catalog as `kopscheck checks` and `kopscheck explain` print it.

What each check is, needs and may find, and its documentation (the docstring's Why, Fix and
Step). The built-in checks' catalog is also data (kopscheck/engine/catalog.json), so the two
commands start without importing a check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One check: its id and title, the facts it needs and uses, its finding codes."""

    id: str
    title: str
    family: str
    needs: tuple[str, ...]
    wants: tuple[str, ...]
    codes: Mapping[str, str]  # full finding code -> one line on what it means
    why: str = ""
    fix: str = ""
    step: str = ""  # the origin document's troubleshooting step it implements
    body: str = ""  # docstring text outside the Why/Fix/Step paragraphs
    code_fixes: Mapping[str, str] = field(default_factory=dict)  # code -> fix, where its own


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every check kopscheck runs, built-ins and plugins, in the order they run."""

    entries: tuple[CatalogEntry, ...]

    def find(self, check_id: str) -> CatalogEntry | None:
        return next((e for e in self.entries if e.id == check_id), None)
