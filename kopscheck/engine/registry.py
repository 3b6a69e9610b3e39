"""The check and reporter catalogs: built-ins listed explicitly, plugins by entry point."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from kopscheck.checkapi.check import CHECK_ID, CODE_REASON, Check, check_doc, code_of
from kopscheck.model.catalog import Catalog, CatalogEntry
from kopscheck.model.errors import KopscheckError

CHECK_GROUP = "kopscheck.checks"
REPORTER_GROUP = "kopscheck.reporters"


class PluginError(KopscheckError):
    """A plugin could not be loaded or does not implement the interface."""


def load_checks(include_plugins: bool = True) -> list[Check]:
    builtin = importlib.import_module("kopscheck_checks").BUILTIN_CHECKS
    classes: list[type] = list(builtin)
    if include_plugins:
        for entry in entry_points(group=CHECK_GROUP):
            try:
                loaded = entry.load()
            except Exception as exc:
                raise PluginError(f"check plugin {entry.name!r} failed to load: {exc}") from None
            classes.extend(loaded if isinstance(loaded, list | tuple) else [loaded])
    checks: list[Check] = []
    seen: set[str] = set()
    for cls in classes:
        check = cls()
        if not isinstance(check, Check) or not CHECK_ID.match(str(check.id)):
            raise PluginError(
                f"{cls.__module__}.{cls.__qualname__} is not a valid kopscheck check (subclass"
                " kopscheck.checkapi.check.Check; set id, family, needs, wants, explains, codes)"
            )
        bad = [r for r in check.codes if not CODE_REASON.match(r)]
        if bad:
            raise PluginError(f"{check.id}: finding codes must be kebab-case, not {bad}")
        if check.id in seen:
            raise PluginError(f"two checks claim the id {check.id!r}")
        seen.add(check.id)
        checks.append(check)
    return checks


def catalog_of(checks: list[Check]) -> Catalog:
    """What `kopscheck checks` and `kopscheck explain` show of each check."""
    return Catalog(tuple(entry_of(c) for c in checks))


def entry_of(check: Check) -> CatalogEntry:
    doc = check_doc(check)
    codes = sorted(check.codes.items())
    return CatalogEntry(
        id=check.id,
        title=doc.title,
        family=check.family,
        needs=tuple(sorted(f.value for f in check.needs)),
        wants=tuple(sorted(f.value for f in check.wants)),
        codes={code_of(check, r): code.summary for r, code in codes},
        why=doc.why,
        fix=doc.fix,
        step=doc.step,
        body=doc.body,
        code_fixes={code_of(check, r): code.fix for r, code in codes if code.fix},
    )


def find_check(checks: list[Check], check_id: str) -> Check | None:
    return next((c for c in checks if c.id == check_id), None)
