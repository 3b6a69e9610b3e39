"""The check catalog without importing a check: `kopscheck checks` and `explain` start fast.

The built-in checks' catalog (ids, titles, families, needs/wants, Why/Fix/Step, finding codes)
is data, `catalog.json` beside this module, written by `tools/make_catalog.py` from the checks'
own classes and docstrings; `tests/test_catalog_data.py` fails when the two differ, so the file
cannot drift. Plugins come through the `kopscheck.checks` entry-point group: whether any is
installed is answered by reading only the `entry_points.txt` files on `sys.path` (a few ms);
`importlib.metadata` and the check modules are imported only when one is, or when a path
entry is something this scan cannot read (a zip, an egg, another distribution finder).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from kopscheck.model.catalog import Catalog, CatalogEntry

CHECK_GROUP = "kopscheck.checks"
DATA = "catalog.json"
GENERATED_BY = "tools/make_catalog.py"


def load_catalog() -> Catalog:
    """Every check kopscheck would run: the data file, or with plugins the checks themselves."""
    if plugins_may_exist():
        from kopscheck.engine.registry import catalog_of, load_checks

        return catalog_of(load_checks())
    return builtin_catalog()


def builtin_catalog() -> Catalog:
    with open(os.path.join(os.path.dirname(__file__), DATA), encoding="utf-8") as handle:
        return catalog_from_data(json.load(handle))


def catalog_from_data(data: dict[str, Any]) -> Catalog:
    return Catalog(
        tuple(
            CatalogEntry(
                id=e["id"],
                title=e["title"],
                family=e["family"],
                needs=tuple(e["needs"]),
                wants=tuple(e["wants"]),
                codes=dict(e["codes"]),
                why=e["why"],
                fix=e["fix"],
                step=e["step"],
                body=e["body"],
                code_fixes=dict(e["code_fixes"]),
            )
            for e in data["checks"]
        )
    )


def catalog_data(catalog: Catalog) -> str:
    """The text of catalog.json for `catalog` (stable: a test compares it byte for byte)."""
    checks = [
        {
            "id": e.id,
            "title": e.title,
            "family": e.family,
            "needs": list(e.needs),
            "wants": list(e.wants),
            "codes": dict(e.codes),
            "why": e.why,
            "fix": e.fix,
            "step": e.step,
            "body": e.body,
            "code_fixes": dict(e.code_fixes),
        }
        for e in catalog.entries
    ]
    doc = {"generated_by": f"{GENERATED_BY}: do not edit", "checks": checks}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def plugins_may_exist(group: str = CHECK_GROUP) -> bool:
    """False only when no distribution on sys.path declares an entry point in `group`."""
    from importlib.machinery import PathFinder

    if any(
        finder is not PathFinder and hasattr(finder, "find_distributions")
        for finder in sys.meta_path
    ):
        return True  # a finder of its own may list distributions this scan does not see
    for entry in sys.path:
        path = entry or "."
        if not os.path.isdir(path):
            if os.path.exists(path):
                return True  # a zip or an egg on sys.path: let importlib.metadata read it
            continue
        try:
            names = os.listdir(path)
        except OSError:
            continue
        for name in names:
            if name.endswith(".egg"):
                return True
            if name.endswith((".dist-info", ".egg-info")) and _declares(
                os.path.join(path, name, "entry_points.txt"), group
            ):
                return True
    return False


def _declares(entry_points: str, group: str) -> bool:
    """Whether an entry_points.txt (INI) has at least one entry in the `[group]` section."""
    try:
        with open(entry_points, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return False  # most distributions have no entry points at all
    except UnicodeDecodeError:
        return True  # unreadable here: let importlib.metadata decide
    header = f"[{group}]"
    if header not in text:
        return False
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            inside = line == header
        elif inside and line and not line.startswith(("#", ";")):
            return True
    return False
