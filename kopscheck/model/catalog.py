"""The check catalog as `kopscheck checks` prints it: what each check is, needs and may find."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One check: its id and title, the facts it needs and uses, its finding codes."""

    id: str
    title: str
    family: str
    needs: tuple[str, ...]
    wants: tuple[str, ...]
    codes: Mapping[str, str]  # full finding code -> one line on what it means


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every check kopscheck runs, built-ins and plugins, in the order they run."""

    entries: tuple[CatalogEntry, ...]
