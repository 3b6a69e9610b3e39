"""How untrusted strings leave kopscheck: one encoder per medium, applied by its reporter.

Names, messages, log lines and evidence come from a cluster, a bundle, a dump or AWS, so
anyone who can create a pod or an event writes them. The snapshot and the JSON keep them raw
(DESIGN "Decisions"); each reporter encodes them for its medium at the boundary:

- terminal and JUnit: `visible` — every character Python does not call printable (C0 and C1
  controls, ESC and so every CSI/OSC/DCS sequence, DEL, bidi overrides, zero-width and other
  format characters, line separators, lone surrogates, unassigned code points such as U+FFFF)
  is shown as its escape (`\\x1b`, `\\u202e`), so data never moves the cursor, writes the
  clipboard, forges a link or a line, or makes XML ill-formed;
- Markdown: `markdown` — `visible`, then every character Markdown or HTML reads as structure
  escaped, so data never makes a heading, a list, a table cell, a link or a comment;
- JSON and YAML: `plain` — plain types only (enums as their values, tuples as lists), so the
  YAML is the JSON document and `yaml.safe_load` gives back exactly what `json.load` does.

`encoded` applies an encoder to every string of a finished document (report, fleet, diff),
leaving enums and the fields a reporter names as its own (check ids) alone.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def visible(text: str) -> str:
    """`text` with every non-printable character shown as its escape (the space stays)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escape(c) for c in text)


def visible_lines(text: str) -> str:
    """`visible`, line by line: multi-line output (kops's) keeps its lines, nothing else."""
    return "\n".join(visible(line) for line in text.split("\n"))


# Inline structure: emphasis, code, links and images, HTML, table cells, strikethrough,
# headings and the escape character itself. `&`, `<`, `>` become entities, so no renderer
# sees a tag or a comment (`<!--` would hide the rest of a ticket).
_MARKDOWN_PUNCT = re.compile(r"([\\`*_\[\]|~#!])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML = re.compile(r"[&<>]")
# What makes a block when it starts a line: a list item, a quote, a setext underline, a
# numbered item ("1." or "1)"), indentation that makes a code block.
_LEADING_MARK = re.compile(r"^( *)([-+=]|\d+(?=[.)]))")


def markdown(text: str) -> str:
    """`text` as inline Markdown text: shown as it is, never read as structure."""
    text = _MARKDOWN_PUNCT.sub(r"\\\1", visible(text))
    text = _HTML.sub(lambda m: _ENTITIES[m.group(0)], text)
    return _LEADING_MARK.sub(_escape_leading, text, count=1)


def markdown_code(text: str) -> str:
    """`text` (a check id) as a code span when Markdown would read nothing in it, else as
    escaped inline text: a backtick, a pipe or a newline never leaves the span."""
    escaped = markdown(text)
    return f"`{text}`" if escaped == text else escaped


def _escape_leading(match: re.Match[str]) -> str:
    space, mark = match.groups()
    return space + (mark + "\\" if mark.isdigit() else "\\" + mark)


def plain(value: Any) -> Any:
    """A document as plain JSON types: str, int, float, bool, None, list, dict with str keys."""
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, str):
        return str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


T = TypeVar("T")


def encoded(document: T, encode: Callable[[str], str], keep: frozenset[str] = frozenset()) -> T:
    """A copy of a frozen document with `encode` applied to every string in it, except enums
    and the dataclass fields named in `keep` (ids the reporter itself formats)."""
    return _walk(document, encode, keep)  # type: ignore[no-any-return]


def _walk(value: Any, encode: Callable[[str], str], keep: frozenset[str]) -> Any:
    if isinstance(value, Enum) or value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return encode(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), encode, keep)
            for f in dataclasses.fields(value)
            if f.init and f.name not in keep
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, Mapping):
        return {_walk(k, encode, keep): _walk(v, encode, keep) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_walk(v, encode, keep) for v in value)
    return value
