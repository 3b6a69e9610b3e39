"""Decode Kubernetes list documents straight from bytes into the structs of `kube_wire`.

One pass over the bytes per document: the list's kind is read from its first bytes (kubectl
and the API server write `kind` first), the items are decoded into the structs of that kind and
everything kopscheck does not read is skipped. A wrong type becomes the one-line `InputError`
naming the file and the JSON path: `nodes.json: items[0].status: expected an object, got a
string`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec

from kopscheck.collectors.formats import kube_wire as kw
from kopscheck.model.errors import InputError

LIST_KINDS = {f"{kind}List": kind for kind in kw.ITEM_TYPES}
Buffer = bytes | bytearray | memoryview
TypedItems = tuple[str, list[Any]]  # (item kind, items of kube_wire.ITEM_TYPES[kind])

_KIND_FIRST = re.compile(rb'\s*\{\s*"kind"\s*:\s*"(\w+)"')
_EXPECTED = re.compile(r"Expected `([^`]+)`, got `([^`]+)`(?: - at `\$(.*)`)?$")
_MISSING = re.compile(r"Object missing required field `([^`]+)`(?: - at `\$(.*)`)?$")
_AT = re.compile(r"^(.*?)(?: - at `\$(.*)`)?$")
_BYTE = re.compile(r"\(byte (\d+)\)")
_WORDS = {
    "object": "an object",
    "array": "a list",
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a bool",
    "null": "null",
}
_KIND_DECODER = msgspec.json.Decoder(kw.Kinded)
_MIXED_DECODER = msgspec.json.Decoder(kw.MixedList)
_NO_META = kw.ListMetadata()


@cache
def _list_decoder(kind: str) -> msgspec.json.Decoder[Any]:
    generic: Any = kw.ObjectList
    return msgspec.json.Decoder(generic[kw.ITEM_TYPES[kind]])


@cache
def _item_decoder(kind: str) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(kw.ITEM_TYPES[kind])


def peek_kind(data: Buffer, label: str) -> str | None:
    """The document's top-level `kind`, from its first bytes when it comes first."""
    head = _KIND_FIRST.match(bytes(memoryview(data)[:256]))
    if head:
        return head.group(1).decode()
    try:
        return _KIND_DECODER.decode(data).kind
    except msgspec.ValidationError as exc:
        raise _not_a_list(label, exc, data) from None
    except msgspec.DecodeError as exc:
        raise json_error(label, exc, data) from None


# kubectl of 2017 printed the API server's internal objects: Go field names, no `kind`.
_UNVERSIONED_KEYS = re.compile(rb'"(?:Items|ListMeta)"\s*:')
UNVERSIONED = (
    "an unversioned dump (`Items`, `Spec`, no `kind`): kubectl of 2017 wrote the API server's"
    " internal form, which no reader can map to v1 objects reliably; dump again with a kubectl"
    " of 1.8 or later (any kubectl within one minor version of the cluster)"
)


@dataclass(frozen=True, slots=True)
class DecodedList:
    """A list document: its items as (kind, items) groups, and the list's own metadata."""

    kind: str
    groups: list[TypedItems]
    api_version: str = ""
    resource_version: str = ""
    continue_token: str = ""


def decode_list(data: Buffer, label: str) -> DecodedList:
    """A `kind: XList` (or kubectl's mixed `kind: List`) document, decoded from bytes."""
    try:
        return _decode_list(data, label)
    except RecursionError:  # msgspec's, on nesting deeper than the interpreter's stack
        raise InputError(label, "invalid JSON: nested too deeply") from None
    except UnicodeDecodeError as exc:  # a structure file is text: no replacement here
        raise InputError(
            label, f"invalid JSON: a string is not UTF-8 text ({exc.reason})"
        ) from None


def _decode_list(data: Buffer, label: str) -> DecodedList:
    kind = peek_kind(data, label)
    if kind == "List":
        return _mixed(data, label)
    item_kind = LIST_KINDS.get(kind or "")
    if item_kind is None and kind is None and _UNVERSIONED_KEYS.search(bytes(data[:65536])):
        raise InputError(label, UNVERSIONED)
    if item_kind is None:
        raise InputError(label, f"expected a Kubernetes list, got kind {kind!r}")
    try:
        doc = _list_decoder(item_kind).decode(data)
    except msgspec.DecodeError as exc:
        raise shape_error(label, exc, data) from None
    items = doc.items or []
    if item_kind != "Event":
        _require_names(items, label)
    return _decoded(kind or "", [(item_kind, items)], doc)


def _decoded(kind: str, groups: list[TypedItems], doc: Any) -> DecodedList:
    meta = doc.metadata or _NO_META
    return DecodedList(
        kind, groups, doc.api_version or "", meta.resource_version or "", meta.continue_token or ""
    )


def _mixed(data: Buffer, label: str) -> DecodedList:
    try:
        doc = _MIXED_DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise shape_error(label, exc, data) from None
    groups: list[TypedItems] = []
    for index, raw in enumerate(doc.items or ()):
        where = f"items[{index}]"
        try:
            kind = _KIND_DECODER.decode(raw).kind or ""
            if kind not in kw.ITEM_TYPES:
                continue
            item = _item_decoder(kind).decode(raw)
        except msgspec.DecodeError as exc:
            raise shape_error(label, exc, raw, where) from None
        if kind != "Event" and item.metadata.name is None:
            raise InputError(label, f"{where}: no metadata.name")
        groups.append((kind, [item]))
    return _decoded("List", groups, doc)


def _require_names(items: list[Any], label: str) -> None:
    for index, item in enumerate(items):
        if item.metadata.name is None:
            raise InputError(label, f"items[{index}]: no metadata.name")


def shape_error(label: str, exc: msgspec.DecodeError, data: Buffer, prefix: str = "") -> InputError:
    """The one-line error for a decode failure: invalid JSON, or a wrong type at a JSON path."""
    if not isinstance(exc, msgspec.ValidationError):  # a ValidationError is a DecodeError too
        return json_error(label, exc, data)
    text = str(exc)
    expected = _EXPECTED.match(text)
    if expected:
        want = " or ".join(_WORDS.get(t, t) for t in expected.group(1).split(" | ") if t != "null")
        path = _path(prefix, expected.group(3))
        return InputError(label, f"{path}expected {want}, got {_WORDS.get(expected.group(2))}")
    missing = _MISSING.match(text)
    if missing:
        return InputError(label, f"{_path(prefix, missing.group(2))}no {missing.group(1)}")
    found = _AT.match(text)
    problem, at = (found.group(1), found.group(2)) if found else (text, None)
    return InputError(label, f"{_path(prefix, at)}{problem[:1].lower()}{problem[1:]}")


def _path(prefix: str, at: str | None) -> str:
    path = prefix + (at or "").removeprefix("." if not prefix else "")
    return f"{path}: " if path else ""


def json_error(
    label: str, exc: msgspec.DecodeError, data: Buffer, first_line: int = 1
) -> InputError:
    """`invalid JSON at line N: ...`; the line of the byte msgspec names, else the last line
    (counted from `first_line`, the line `data` starts on in its file)."""
    text = str(exc).removeprefix("JSON is malformed: ")
    found = _BYTE.search(text)
    view = memoryview(data)
    offset = max(int(found.group(1)) - 1, 0) if found else len(view)
    line = bytes(view[:offset]).count(b"\n") + first_line
    problem = _BYTE.sub("", text).strip() if found else text
    if not found and "truncated" in text:
        problem = "the document ends early"
    return InputError(label, f"invalid JSON at line {line}: {problem[:1].lower()}{problem[1:]}")


def _got(data: Buffer) -> str:
    first = bytes(memoryview(data)[:64]).lstrip()[:1]
    names = {b"[": "a list", b'"': "a string", b"n": "null", b"t": "a bool", b"f": "a bool"}
    return names.get(first, "a number")


def end_of_document(data: Buffer, label: str, first_line: int = 1) -> int:
    """The length of the first JSON document in `data` (for streams of documents)."""
    length = complete_length(data, label, first_line)
    if length is None:
        line = bytes(memoryview(data)).count(b"\n") + first_line
        raise InputError(label, f"invalid JSON at line {line}: the document ends early")
    return length


def complete_length(data: Buffer, label: str, first_line: int = 1) -> int | None:
    """The length of the first JSON document in `data`, or None when `data` ends before the
    document does (a stream reader then reads on)."""
    try:
        _KIND_DECODER.decode(data)
    except RecursionError:
        raise InputError(label, "invalid JSON: nested too deeply") from None
    except msgspec.ValidationError as exc:
        raise _not_a_list(label, exc, data) from None
    except msgspec.DecodeError as exc:
        found = _BYTE.search(str(exc))
        if "trailing characters" in str(exc) and found:
            return int(found.group(1)) - 1  # msgspec names the byte after the first extra one
        if "truncated" in str(exc):
            return None
        raise json_error(label, exc, data, first_line) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            label, f"invalid JSON: a string is not UTF-8 text ({exc.reason})"
        ) from None
    return len(memoryview(data))


def _not_a_list(label: str, exc: msgspec.ValidationError, data: Buffer) -> InputError:
    if bytes(memoryview(data)[:64]).lstrip().startswith(b"{"):  # an object, `kind` not a string
        return shape_error(label, exc, data)
    return InputError(label, "expected a Kubernetes list object, got " + _got(data))
