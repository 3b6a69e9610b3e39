"""Read the single-stream `kubectl cluster-info dump > FILE` form into a snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kopscheck.collectors.formats.assemble import KubeObjects, bulk_read
from kopscheck.collectors.formats.kube_decode import decode_list, end_of_document
from kopscheck.collectors.offline.bundle import container_log
from kopscheck.collectors.offline.files import (
    LOG_END,
    LOG_START,
    log_sections,
    read_bytes,
    tail_lines,
)
from kopscheck.collectors.offline.limits import DEFAULT_LIMITS, FileLimits, size_text
from kopscheck.model.errors import InputError
from kopscheck.model.facts import NEEDS_PROBE, PROBE_FACTS, Fact, Snapshot

STREAM_FACTS = (Fact.NODES, Fact.PODS, Fact.WORKLOADS, Fact.EVENTS, Fact.SERVICES, Fact.POD_LOGS)


def read_dump(path: Path, limits: FileLimits = DEFAULT_LIMITS) -> Snapshot:
    label = str(path)
    if path.is_dir():
        raise InputError(label, "is a directory (use --bundle for an --output-directory dump)")
    data = read_bytes(path, label, limits)
    if not data or data.isspace():
        raise InputError(label, "file is empty")
    kube = KubeObjects()
    with bulk_read():
        cut = parse_stream(data, label, kube, limits)
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
        notes=(*_cut_note(cut, limits), *skew),
        **kube.fields(),
    )


_LOG_START = LOG_START.encode()
_NEWLINE = b"\n"
_SPACE = frozenset(b" \t\r\n")


def _cut_note(cut: int, limits: FileLimits) -> tuple[str, ...]:
    if not cut:
        return ()
    bound = f"{limits.log_lines} lines / {size_text(limits.log_bytes)}"
    return (f"{cut} container log(s) read as their last {bound} (--log-lines/--log-bytes)",)


def parse_stream(
    data: bytes, label: str, kube: KubeObjects, limits: FileLimits = DEFAULT_LIMITS
) -> int:
    """JSON lists and log sections one after another, each decoded where it lies; the
    number of logs cut to their tail."""
    view = memoryview(data)
    lines = _LineCounter(data)
    pos = 0
    cut = 0
    while True:
        while pos < len(data) and data[pos] in _SPACE:
            pos += 1
        if pos >= len(data):
            return cut
        if data.startswith(_LOG_START, pos):
            pos, more = _read_log_section(data, pos, label, kube, limits)
            cut += more
            continue
        line = lines.at(pos)
        if data[pos] != ord("{"):
            raise InputError(label, f"line {line}: expected a JSON list or a log section")
        where = f"{label} (object starting at line {line})"
        end = pos + end_of_document(view[pos:], where, first_line=line)
        last = end
        while data[last - 1] in _SPACE:
            last -= 1
        line_label = f"{label} (object ending at line {lines.at(last)})"
        kube.add_groups(decode_list(view[pos:last], line_label).groups)
        pos = end


class _LineCounter:
    """Line numbers of increasing offsets, counting each newline once."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.line = data, 0, 1

    def at(self, pos: int) -> int:
        if pos < self.pos:
            return self.data.count(_NEWLINE, 0, pos) + 1
        self.line += self.data.count(_NEWLINE, self.pos, pos)
        self.pos = pos
        return self.line


def _read_log_section(
    data: bytes, pos: int, label: str, kube: KubeObjects, limits: FileLimits
) -> tuple[int, int]:
    header_end = data.find(b"\n", pos)
    header = data[pos : header_end if header_end != -1 else len(data)].decode("utf-8", "replace")
    name = header[len(LOG_START) :].rstrip("= ").strip()
    end_marker = f"{LOG_END}{name} ====".encode()
    end = data.find(end_marker, pos)
    if end == -1:
        line = data.count(b"\n", 0, pos) + 1
        raise InputError(label, f"line {line}: log section for {name!r} has no END marker")
    stop = end + len(end_marker)
    try:
        text = data[pos:stop].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(label, f"not UTF-8 text (byte {pos + exc.start})") from None
    cut = 0
    for namespace, pod, container, body in log_sections(text):
        tail = tail_lines(body, limits)
        cut += tail.cut
        kube.add_log(container_log(namespace, pod, container, tail.text))
    return stop, cut
