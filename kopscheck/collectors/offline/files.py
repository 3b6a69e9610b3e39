"""Reading input files, bounded, with errors that name the file and the problem in one line.

Every input file goes through here: only regular files are opened (a FIFO, device or socket is
refused after `os.stat`, and the open is non-blocking so nothing can hang), a byte cap is
checked before reading, the binary test looks at the first 4 KB before the rest is read, a
symlink may not lead out of the bundle, logs are read as a tail (seeking from the end), and
parsed JSON/YAML is held to a depth, a size and finite numbers. Text is read as kubectl users
on any system save it: a byte-order mark (UTF-16 from PowerShell 5.1's `>`, UTF-8 from
PowerShell 7) is transcoded to UTF-8 and CRLF read as LF.
"""

from __future__ import annotations

import codecs
import io
import json
import math
import os
import stat
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import yaml

from kopscheck.collectors.offline.limits import DEFAULT_LIMITS, FileLimits, MiB, size_text
from kopscheck.model.errors import InputError

MAX_YAML_BYTES = 16 * MiB  # kops specs are kilobytes; PyYAML is slow on large input
MAX_DEPTH = 100  # Kubernetes, kops and AWS documents nest about 15 levels
MAX_NODES = 2_000_000  # values in one YAML document: stops alias ("billion laughs") bombs
BINARY_PROBE = 4096
_CHUNK = MiB
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),  # PowerShell 5.1's `>` and Out-File
    (codecs.BOM_UTF16_BE, "utf-16"),
)
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True, slots=True)
class Tail:
    """The last lines of a log; `cut` says older lines were left out."""

    text: str
    cut: bool = False
    replaced: bool = False  # bytes that were not UTF-8 read as U+FFFD


def present(path: Path) -> bool:
    """Something is at `path` (a FIFO or a dangling symlink too: reading it says what)."""
    return os.path.lexists(path)


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def open_regular(path: Path, label: str, limits: FileLimits = DEFAULT_LIMITS) -> BinaryIO:
    """Open a regular file for reading, or raise InputError saying why not."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(label, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(label, f"{_kind(info.st_mode)}, not a regular file: refused")
    if limits.root is not None and not Path(os.path.realpath(path)).is_relative_to(limits.root):
        raise InputError(label, "a symlink to a file outside the bundle: refused")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(label, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the stat
        os.close(fd)
        raise InputError(label, "not a regular file: refused")
    return os.fdopen(fd, "rb")


def _too_big(label: str, size: int, limit: int, flag: str = "--max-file-size") -> InputError:
    return InputError(label, f"larger than {size_text(limit)} ({flag}): {size_text(size)}")


def read_bytes(
    path: Path,
    label: str,
    limits: FileLimits = DEFAULT_LIMITS,
    limit: int | None = None,
    allow_nul: bool | None = None,
) -> bytes:
    """The whole file as UTF-8 with LF line ends, at most `limit` bytes (default
    --max-file-size). The first 4 KB are tested for binary data (a NUL byte outside UTF-16)
    before the rest is read, unless `allow_nul` (by default only for a kubelet.cmdline)."""
    if allow_nul is None:
        allow_nul = label.endswith("kubelet.cmdline")
    data = read_raw(path, label, limits, limit, allow_nul)
    return as_utf8(data, label)


def read_raw(
    path: Path,
    label: str,
    limits: FileLimits = DEFAULT_LIMITS,
    limit: int | None = None,
    allow_nul: bool = True,
) -> bytes:
    """The file's bytes as they are, within the bounds (see read_bytes)."""
    cap = limits.max_bytes if limit is None else limit
    with open_regular(path, label, limits) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > cap:
            raise _too_big(label, size, cap)
        head = handle.read(BINARY_PROBE)
        if not allow_nul and b"\x00" in head and not head.startswith(UTF16_BOMS):
            raise InputError(label, "binary data, not text")
        handle.seek(0)
        data = handle.read(size + 1)  # one read, no copy: the size the stat said, and a byte
        if len(data) <= size:
            return data
        chunks = [data]  # grew since the stat: read on in pieces, up to the cap
        total = len(data)
        while chunk := handle.read(min(_CHUNK, cap + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
        if total > cap:
            raise _too_big(label, total, cap)
    return b"".join(chunks)


def read_head(path: Path, label: str, size: int, limits: FileLimits = DEFAULT_LIMITS) -> str:
    """The first `size` bytes of a regular file as text, however large the file is: for a file
    that holds one short value. A byte-order mark is honoured; what does not decode (a cut
    UTF-16 unit too) reads as U+FFFD, never an error."""
    with open_regular(path, label, limits) as handle:
        data = handle.read(size)
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), "utf-8")
    return data.decode(encoding, "replace").replace("\r\n", "\n")


def as_utf8(data: bytes, label: str) -> bytes:
    """Bytes with a byte-order mark transcoded to UTF-8; CRLF read as LF."""
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), None)
    if encoding is not None:
        try:
            data = data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(label, f"not {encoding.upper()} text (byte {exc.start})") from None
    return data.replace(b"\r\n", b"\n") if b"\r\n" in data else data


def decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(label, f"not UTF-8 text (byte {exc.start})") from None


def read_text(
    path: Path, label: str, limits: FileLimits = DEFAULT_LIMITS, limit: int | None = None
) -> str:
    return decode(read_bytes(path, label, limits, limit), label)


class NotJsonNumber(ValueError):
    """NaN or Infinity in a JSON text."""


def reject_constant(name: str) -> object:
    """`parse_constant` for json: NaN and Infinity are not JSON."""
    raise NotJsonNumber(f"{name} is not a JSON number")


def parse_json(text: str | bytes, label: str) -> object:
    """JSON with errors as InputError: no NaN/Infinity, no nesting deeper than the stack."""
    if not text.strip():
        raise InputError(label, "file is empty")
    try:
        return json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InputError(label, f"invalid JSON at {where}: {exc.msg}") from None
    except RecursionError:
        raise InputError(label, "invalid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:  # NaN, 5000-digit integers, bad UTF-8
        raise InputError(label, f"invalid JSON: {exc}") from None


def read_json(
    path: Path, label: str, limits: FileLimits = DEFAULT_LIMITS, max_depth: int | None = None
) -> object:
    doc = parse_json(read_text(path, label, limits), label)
    if max_depth is not None:
        check_shape(doc, label, max_depth)
    return doc


def check_shape(doc: object, label: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse documents nested deeper than `max_depth` or holding more than MAX_NODES values
    (walked without recursion, so a hostile document cannot exhaust the stack)."""
    stack: list[tuple[object, int]] = [(doc, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise InputError(label, f"more than {MAX_NODES:,} values (YAML aliases?): refused")
        if isinstance(value, dict | list | tuple):
            if depth > max_depth:
                raise InputError(label, f"nested deeper than {max_depth} levels: refused")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError(label, "NaN or Infinity where a number belongs: refused")


def read_yaml_documents(
    path: Path, label: str, limits: FileLimits = DEFAULT_LIMITS
) -> list[object]:
    cap = min(limits.max_bytes, MAX_YAML_BYTES)
    return read_yaml_text(read_text(path, label, limits, limit=cap), label)


def read_yaml_text(text: str, label: str) -> list[object]:
    if not text.strip():
        raise InputError(label, "file is empty")
    if len(text) > MAX_YAML_BYTES:
        raise _too_big(label, len(text), MAX_YAML_BYTES, "the YAML limit")
    try:
        docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed"
        raise InputError(label, f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(label, "invalid YAML: nested too deeply") from None
    except ValueError as exc:  # PyYAML's constructors: a timestamp or number out of range
        raise InputError(label, f"invalid YAML: {exc}") from None
    for doc in docs:
        check_shape(doc, label)
    return docs


def tail_lines(text: str, limits: FileLimits = DEFAULT_LIMITS) -> Tail:
    """The last `log_lines` lines within `log_bytes` of text already in memory."""
    cut = False
    if len(text) > limits.log_bytes:
        text = text[-limits.log_bytes :]
        text = text[text.find("\n") + 1 :] if "\n" in text else text
        cut = True
    lines = text.splitlines()
    if len(lines) > limits.log_lines:
        lines, cut = lines[-limits.log_lines :] if limits.log_lines else [], True
        text = "\n".join(lines)
    return Tail(text, cut)


def read_log_tail(path: Path, label: str, limits: FileLimits = DEFAULT_LIMITS) -> Tail:
    """The tail of a log file, read from the end: a 500 MB log costs what its tail costs
    (a UTF-16 log, rare, is read whole within --max-file-size and transcoded first)."""
    with open_regular(path, label, limits) as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(BINARY_PROBE)
        if head.startswith(UTF16_BOMS):
            return tail_lines(decode(read_bytes(path, label, limits), label), limits)
        start = max(size - limits.log_bytes, 0)
        handle.seek(start)
        data = handle.read(limits.log_bytes)
    if start > 0:  # the first line is probably cut in half
        data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
    text, replaced = log_text(data)
    tail = tail_lines(text, limits)
    return Tail(tail.text, tail.cut or start > 0, replaced)


def log_text(data: bytes | bytearray) -> tuple[str, bool]:
    """A log's bytes as text, and whether some were not UTF-8: logs are evidence, not
    structure, so a stray byte is read as U+FFFD (and said), never a refusal. NUL bytes too:
    a log cut by a crash or an unclean shutdown often ends in a run of them."""
    try:
        text, replaced = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, replaced = data.decode("utf-8", errors="replace"), True
    if "\x00" in text:
        text, replaced = text.replace("\x00", "\ufffd"), True
    text = text.removeprefix("\ufeff")
    return (text.replace("\r\n", "\n") if "\r" in text else text), replaced


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


def read_log_sections(path: Path, label: str, limits: FileLimits = DEFAULT_LIMITS) -> Tail:
    """A pod's `logs.txt` (kubectl's START/END sections) with each section cut to its tail,
    streamed line by line so a large file never sits in memory whole."""
    with open_regular(path, label, limits) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limits.max_bytes:
            raise _too_big(label, size, limits.max_bytes)
        head = handle.read(BINARY_PROBE)
        if head.startswith(UTF16_BOMS):  # transcoded whole, within --max-file-size
            return _section_tails(io.BytesIO(read_bytes(path, label, limits)), limits)
        handle.seek(0)
        if size <= limits.log_bytes:
            text, replaced = log_text(handle.read())
            return Tail(text, replaced=replaced)
        return _section_tails(handle, limits)


def _section_tails(handle: BinaryIO, limits: FileLimits) -> Tail:
    out: list[str] = []
    body: deque[str] = deque()
    held = 0
    cut = replaced = False
    while raw := handle.readline(limits.log_bytes + 1):
        line, bad = log_text(raw)
        line, replaced = line.rstrip("\n"), replaced or bad
        if line.startswith((LOG_START, LOG_END)):
            out.extend(body)
            out.append(line)
            body.clear()
            held = 0
            continue
        body.append(line)
        held += len(line) + 1
        while body and (held > limits.log_bytes or len(body) > limits.log_lines):
            held -= len(body.popleft()) + 1
            cut = True
    out.extend(body)
    return Tail("\n".join(out), cut, replaced)
