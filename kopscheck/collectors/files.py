"""Reading input files with errors that name the file and the problem in one line."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

import yaml

from kopscheck.model.errors import InputError

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),  # PowerShell 5.1's `>` and Out-File
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_bytes(path: Path, label: str) -> bytes:
    """The file's bytes as UTF-8, as kubectl users on any system save them: a file with a
    byte-order mark (UTF-16 from PowerShell 5.1's `>`, UTF-8 from PowerShell 7) is transcoded;
    binary data (a NUL in the first 4 KiB of a file without one) is refused."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror or exc}") from None
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), None)
    if encoding is None:
        if b"\x00" in data[:4096] and not label.endswith("kubelet.cmdline"):
            raise InputError(label, "binary data, not text")
    else:
        try:
            data = data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(label, f"not {encoding.upper()} text (byte {exc.start})") from None
    return data.replace(b"\r\n", b"\n") if b"\r\n" in data else data  # CRLF read as LF


def read_text(path: Path, label: str) -> str:
    """A text file (see read_bytes)."""
    data = read_bytes(path, label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(label, f"not UTF-8 text (byte {exc.start})") from None
    return text


def read_json(path: Path, label: str) -> object:
    text = read_text(path, label)
    if not text.strip():
        raise InputError(label, "file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InputError(label, f"invalid JSON at {where}: {exc.msg}") from None


def read_yaml_documents(path: Path, label: str) -> list[object]:
    return read_yaml_text(read_text(path, label), label)


def read_yaml_text(text: str, label: str) -> list[object]:
    if not text.strip():
        raise InputError(label, "file is empty")
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed"
        raise InputError(label, f"invalid YAML{where}: {problem}") from None


LOG_START = "==== START logs for container "
LOG_END = "==== END logs for container "


def log_sections(text: str) -> Iterator[tuple[str, str, str, str]]:
    """Yield (namespace, pod, container, body) for each kubectl dump log section."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.startswith(LOG_START):
            continue
        header = line[len(LOG_START) :].rstrip("= ").strip()
        container, _, pod_ref = header.partition(" of pod ")
        namespace, _, pod = pod_ref.partition("/")
        body: list[str] = []
        end = f"{LOG_END}{header} ===="
        while index < len(lines) and lines[index].rstrip() != end:
            body.append(lines[index])
            index += 1
        index += 1
        yield namespace, pod, container, "\n".join(body)
