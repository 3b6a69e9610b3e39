"""The check catalog (`kopscheck checks`) and one check's explanation (`kopscheck explain`).

Light on purpose: these two commands start in under 150 ms (issue 22), so nothing here imports
rich, yaml (unless `-o yaml`) or the report model. The terminal's catalog is a plain aligned
table; the built-in reporters' `write_catalog` all come here, so each format has one form.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from typing import Any, TextIO

from kopscheck.model.catalog import Catalog, CatalogEntry

MIN_TITLE = 24  # narrower than this, the table wraps rather than squeezing the title


def catalog_to_list(catalog: Catalog) -> list[dict[str, Any]]:
    """`kopscheck checks -o json`: one object per check, in the order they run."""
    return [
        {
            "id": e.id,
            "title": e.title,
            "family": e.family,
            "needs": list(e.needs),
            "wants": list(e.wants),
            "codes": dict(e.codes),
        }
        for e in catalog.entries
    ]


def write_json(catalog: Catalog, out: TextIO) -> None:
    json.dump(catalog_to_list(catalog), out, indent=2)
    out.write("\n")


def write_yaml(catalog: Catalog, out: TextIO) -> None:
    import yaml

    # ASCII, as every YAML kopscheck writes: a plugin's strings print no raw control character
    yaml.safe_dump(catalog_to_list(catalog), out, sort_keys=False, allow_unicode=False, width=100)


def write_markdown(catalog: Catalog, out: TextIO) -> None:
    from kopscheck.reporters.encode import markdown, markdown_code

    lines = ["| check | family | passes when | needs |", "|---|---|---|---|"]
    lines += [
        f"| {markdown_code(e.id)} | {markdown(e.family)} | {markdown(e.title)}"
        f" | {markdown(', '.join(e.needs)) or '-'} |"
        for e in catalog.entries
    ]
    out.write("\n".join(lines) + "\n")


def write_table(catalog: Catalog, out: TextIO, width: int | None = None) -> None:
    """Columns id, family, title, needs; the title wraps to fit the terminal."""
    rows = [("id", "family", "title", "needs")]
    from kopscheck.reporters.encode import visible

    rows += [
        (visible(e.id), visible(e.family), visible(e.title), visible(", ".join(e.needs)) or "-")
        for e in catalog.entries
    ]
    id_w, family_w = (max(len(r[i]) for r in rows) for i in (0, 1))
    needs_w = max(len(r[3]) for r in rows)
    total = width or shutil.get_terminal_size((100, 24)).columns
    title_w = max(MIN_TITLE, total - id_w - family_w - needs_w - 6)
    title_w = min(title_w, max(len(r[2]) for r in rows))
    lines = []
    for index, (check, family, title, needs) in enumerate(rows):
        wrapped = _wrap(title, title_w)
        for part, text in enumerate(wrapped):
            first = part == 0
            lines.append(
                f"{check if first else '':<{id_w}}  {family if first else '':<{family_w}}  "
                f"{text:<{title_w}}  {needs if first else ''}".rstrip()
            )
        if index == 0:
            lines.append(f"{'-' * id_w}  {'-' * family_w}  {'-' * title_w}  {'-' * needs_w}")
    out.write("\n".join(lines) + "\n")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current or not lines else lines


WRITERS: dict[str, Callable[[Catalog, TextIO], None]] = {
    "table": write_table,
    "json": write_json,
    "yaml": write_yaml,
    "markdown": write_markdown,
}


def explain_text(entry: CatalogEntry, docs_url: str, reason: str = "") -> str:
    """`kopscheck explain ID[/CODE]`: a finding code's meaning and fix first, then the check's
    title, facts, Why, Fix, its troubleshooting step and (for a whole check) its codes."""
    lines: list[str] = []
    if reason:
        code = f"{entry.id}/{reason}"
        lines.append(f"{code}: {entry.codes[code]}")
        fix = entry.code_fixes.get(code)
        lines += [f"fix: {fix}", ""] if fix else [""]
    lines += [
        f"{entry.id}: {entry.title}",
        f"family: {entry.family}",
        f"needs: {', '.join(entry.needs) or '-'}",
    ]
    if entry.wants:
        lines.append(f"uses when present: {', '.join(entry.wants)}")
    lines += ["", f"Why: {entry.why}", "", f"Fix: {entry.fix}"]
    if entry.step:
        lines += ["", f"Troubleshooting step ({docs_url}): {entry.step}"]
    if entry.body:
        lines += ["", entry.body]
    if entry.codes and not reason:
        lines += ["", "Finding codes:"]
        for code, summary in entry.codes.items():
            lines.append(f"  {code}: {summary}")
            if code in entry.code_fixes:
                lines.append(f"      fix: {entry.code_fixes[code]}")
    from kopscheck.reporters.encode import visible_lines

    return visible_lines("\n".join(lines))  # a plugin's docstring keeps its lines, no controls
