"""Read the single-stream `kubectl cluster-info dump > FILE` form into a snapshot, streamed.

The file is read line by line: a JSON list is held only until it is complete, then decoded
into facts and dropped; a log section keeps only its tail (--log-lines/--log-bytes) while it is
read. A 300 MB dump costs its largest list and the facts, not the file several times over.

Lists are structure: one that is malformed or cut off is an InputError naming the line. Logs
are evidence: a byte that is not UTF-8 is read as U+FFFD, and a last section cut off (no END
marker: the dump was interrupted) is kept as far as it goes; both are said in `notes`.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from kopscheck.collectors.formats.assemble import KubeObjects, bulk_read
from kopscheck.collectors.formats.kube_decode import complete_length, decode_list
from kopscheck.collectors.offline.bundle import container_log
from kopscheck.collectors.offline.files import (
    BINARY_PROBE,
    LOG_END,
    LOG_START,
    UTF16_BOMS,
    log_text,
    open_regular,
    read_bytes,
    tail_lines,
)
from kopscheck.collectors.offline.limits import DEFAULT_LIMITS, FileLimits, MiB, size_text
from kopscheck.model.errors import InputError
from kopscheck.model.facts import NEEDS_PROBE, PROBE_FACTS, Fact, Snapshot

STREAM_FACTS = (Fact.NODES, Fact.PODS, Fact.WORKLOADS, Fact.EVENTS, Fact.SERVICES, Fact.POD_LOGS)
_LOG_START = LOG_START.encode()
_CHUNK = 4 * MiB
_NEXT_PART = re.compile(rb"\n(?:\{|====)")  # a list or a log section starting at column 0
_NOT_SPACE = re.compile(rb"\S")
_SPACE = frozenset(b" \t\r\n")


def read_dump(path: Path, limits: FileLimits = DEFAULT_LIMITS) -> Snapshot:
    label = str(path)
    if path.is_dir():
        raise InputError(label, "is a directory (use --bundle for an --output-directory dump)")
    kube = KubeObjects()
    stream = DumpStream(label, kube, limits)
    with _opened(path, label, limits) as handle, bulk_read():
        stream.read(handle)
    if not stream.content:
        raise InputError(label, "file is empty")
    if kube.nodes is None and kube.pods is None:
        raise InputError(label, "no NodeList or PodList found: not a kubectl cluster-info dump")
    missing = {
        fact: NEEDS_PROBE if fact in PROBE_FACTS else f"{fact.value} not in a cluster-info dump"
        for fact in Fact
        if fact not in STREAM_FACTS or kube.fields().get(fact.value.replace("-", "_")) is None
    }
    observed, skew = kube.capture_time(None, datetime.fromtimestamp(int(path.stat().st_mtime), UTC))
    return Snapshot(
        source="dump",
        observed_at=observed,
        missing=missing,
        notes=(*stream.notes(), *skew),
        **kube.fields(),
    )


@contextmanager
def _opened(path: Path, label: str, limits: FileLimits) -> Iterator[BinaryIO]:
    """The dump as UTF-8 bytes: a UTF-16 one (PowerShell's `>`) is transcoded whole, rare."""
    with open_regular(path, label, limits) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limits.max_bytes:
            raise _too_big(label, size, limits)
        head = handle.read(BINARY_PROBE)
        if head.startswith(UTF16_BOMS):
            yield io.BytesIO(read_bytes(path, label, limits))
            return
        if b"\x00" in head:
            raise InputError(label, "binary data, not text")
        handle.seek(len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0)
        yield handle


def _too_big(label: str, size: int, limits: FileLimits) -> InputError:
    cap = size_text(limits.max_bytes)
    return InputError(label, f"larger than {cap} (--max-file-size): {size_text(size)}")


class _LogTail:
    """The tail of one log section, kept while the section is read block by block."""

    def __init__(self, limits: FileLimits) -> None:
        self.limits, self.text, self.cut, self.replaced = limits, "", False, False

    def add(self, block: bytes | bytearray) -> None:
        text, replaced = log_text(block)
        self.text += text
        self.replaced = self.replaced or replaced
        limits = self.limits
        if len(self.text) > 2 * limits.log_bytes or self.text.count("\n") > 2 * limits.log_lines:
            tail = tail_lines(self.text, limits)
            self.text, self.cut = tail.text + "\n", self.cut or tail.cut

    def body(self) -> tuple[str, bool]:
        tail = tail_lines(self.text.removesuffix("\n"), self.limits)
        return tail.text, self.cut or tail.cut


class DumpStream:
    """JSON lists and log sections one after another, each decoded when it is complete.

    `buf[pos:]` is what has been read and not yet decoded; `line` is the line `pos` is on.
    A list ends where the next part starts at column 0 (`{` or `====`, as kubectl writes
    them) or at the end of the file; a line of JSON never starts with `====`.
    """

    def __init__(self, label: str, kube: KubeObjects, limits: FileLimits = DEFAULT_LIMITS):
        self.label, self.kube, self.limits = label, kube, limits
        self.buf = bytearray()
        self.pos = 0
        self.line = 1
        self.total = 0
        self.eof = False
        self.content = False
        self.cut = 0
        self.replaced: list[str] = []
        self.unterminated: list[tuple[str, int]] = []

    def read(self, handle: BinaryIO) -> None:
        self.handle = handle
        while self._skip_space():
            self.content = True
            self._fill(self.pos + len(_LOG_START))
            if self.buf.startswith(_LOG_START, self.pos):
                self._log_section()
            elif self.buf[self.pos] == ord("{"):
                self._document()
            else:
                raise InputError(
                    self.label, f"line {self.line}: expected a JSON list or a log section"
                )

    def _read_chunk(self) -> bool:
        if self.eof:
            return False
        data = self.handle.read(_CHUNK)
        if not data:
            self.eof = True
            return False
        self.total += len(data)
        if self.total > self.limits.max_bytes:  # grew since the stat
            raise _too_big(self.label, self.total, self.limits)
        if self.pos > _CHUNK:  # drop what was decoded (a new buffer: no view can pin it)
            self.buf, self.pos = self.buf[self.pos :], 0
        self.buf += data
        return True

    def _fill(self, size: int) -> None:
        while len(self.buf) < size and self._read_chunk():
            pass

    def _advance(self, to: int) -> None:
        self.line += self.buf.count(b"\n", self.pos, to)
        self.pos = to

    def _skip_space(self) -> bool:
        while True:
            found = _NOT_SPACE.search(self.buf, self.pos)
            if found:
                self._advance(found.start())
                return True
            self._advance(len(self.buf))
            if not self._read_chunk():
                return False

    def _document(self) -> None:
        """Decode the list at `pos`: tried where the next part starts (a `{` at column 0 only
        once the document has doubled since the last try, so a hand-made unindented list
        stays linear), else at the end of the file."""
        scan, tried = 0, 0  # offsets from `pos`: reading on may move the buffer
        while True:
            found = _NEXT_PART.search(self.buf, self.pos + scan)
            if found is None:
                scan = max(scan, len(self.buf) - self.pos - 5)
                if self._read_chunk():
                    continue
                end, final = len(self.buf), True
            else:
                end = found.start() + 1
                scan = end - self.pos
                final = self.buf[end] == ord("=")
                if not final and scan < 2 * tried:
                    continue
            length = self._try_document(end, final)
            if length is not None:
                self._advance(self.pos + length)
                return
            tried = end - self.pos

    def _try_document(self, end: int, final: bool) -> int | None:
        where = f"{self.label} (object starting at line {self.line})"
        view = memoryview(self.buf)[self.pos : end]
        length = complete_length(view, where, first_line=self.line)
        if length is None:
            del view
            if not final:
                return None
            line = self.line + self.buf.count(b"\n", self.pos, end)
            raise InputError(where, f"invalid JSON at line {line}: the document ends early")
        last = length
        while last and view[last - 1] in _SPACE:
            last -= 1
        ending = self.line + self.buf.count(b"\n", self.pos, self.pos + last)
        decoded = decode_list(view[:last], f"{self.label} (object ending at line {ending})")
        del view
        self.kube.add_groups(decoded.groups)
        return length

    def _log_section(self) -> None:
        """Read a section up to its END marker, keeping its tail; complete lines are handed
        on as they come (a marker is never split: the last partial line waits)."""
        while (newline := self.buf.find(b"\n", self.pos)) == -1 and self._read_chunk():
            pass
        header_end = newline if newline != -1 else len(self.buf)
        header = bytes(self.buf[self.pos : header_end]).decode("utf-8", "replace")
        name = header[len(LOG_START) :].rstrip("=\r ").strip()
        marker = f"{LOG_END}{name} ====".encode()
        first_line = self.line
        self._advance(min(header_end + 1, len(self.buf)))
        tail = _LogTail(self.limits)
        while (at := self.buf.find(marker, self.pos)) == -1:
            whole = self.buf.rfind(b"\n", self.pos) + 1
            if whole > self.pos:
                tail.add(self.buf[self.pos : whole])
                self._advance(whole)
            if not self._read_chunk():
                tail.add(self.buf[self.pos :])
                self._advance(len(self.buf))
                self.unterminated.append((name, first_line))
                break
        else:
            tail.add(self.buf[self.pos : at])
            self._advance(at + len(marker))
        self._add_section(name, tail)

    def _add_section(self, name: str, tail: _LogTail) -> None:
        container, _, pod_ref = name.partition(" of pod ")
        namespace, _, pod = pod_ref.partition("/")
        body, cut = tail.body()
        self.cut += cut
        if tail.replaced:
            self.replaced.append(f"container {name}")
        self.kube.add_log(container_log(namespace, pod, container, body))

    def notes(self) -> tuple[str, ...]:
        notes: list[str] = []
        if self.cut:
            bound = f"{self.limits.log_lines} lines / {size_text(self.limits.log_bytes)}"
            notes.append(
                f"{self.cut} container log(s) read as their last {bound} (--log-lines/--log-bytes)"
            )
        if self.replaced:
            few = ", ".join(self.replaced[:3]) + (" ..." if len(self.replaced) > 3 else "")
            notes.append(
                f"{self.label}: {len(self.replaced)} container log(s) hold bytes that are not"
                f" UTF-8, read as U+FFFD: {few}"
            )
        for name, line in self.unterminated:
            notes.append(
                f"{self.label}: the log section for container {name} (line {line}) has no END"
                " marker: the dump was cut off there; everything before it was read"
            )
        return tuple(notes)
