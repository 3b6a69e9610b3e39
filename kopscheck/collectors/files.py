"""Reading input files with errors that name the file and the problem in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import yaml

from kopscheck.model.errors import InputError


def read_bytes(path: Path, label: str) -> bytes:
    """The file's bytes; binary data (a NUL in the first 4 KiB) is refused."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(label, exc.strerror or str(exc)) from None
    if b"\x00" in data[:4096] and not label.endswith("kubelet.cmdline"):
        raise InputError(label, "binary data, not text")
    return data


def read_text(path: Path, label: str) -> str:
    data = read_bytes(path, label)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(label, f"not UTF-8 text (byte {exc.start})") from None


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
