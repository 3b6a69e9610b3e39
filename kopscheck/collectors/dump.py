"""Read the single-stream `kubectl cluster-info dump > FILE` form into a snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kopscheck.collectors.assemble import KubeObjects
from kopscheck.collectors.bundle import add_parsed, container_log, list_items
from kopscheck.collectors.files import (
    DEFAULT_LIMITS,
    LOG_END,
    LOG_START,
    FileLimits,
    log_sections,
    read_text,
    reject_constant,
    size_text,
    tail_lines,
)
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Fact, Snapshot

STREAM_FACTS = (Fact.NODES, Fact.PODS, Fact.WORKLOADS, Fact.EVENTS, Fact.SERVICES, Fact.POD_LOGS)


def read_dump(
    path: Path, networking: str | None = None, limits: FileLimits = DEFAULT_LIMITS
) -> Snapshot:
    label = str(path)
    if path.is_dir():
        raise InputError(label, "is a directory (use --bundle for an --output-directory dump)")
    text = read_text(path, label, limits)
    if not text.strip():
        raise InputError(label, "file is empty")
    kube = KubeObjects()
    cut = parse_stream(text, label, kube, limits)
    if kube.nodes is None and kube.pods is None:
        raise InputError(label, "no NodeList or PodList found: not a kubectl cluster-info dump")
    missing = {
        fact: f"{fact.value} not in a cluster-info dump"
        for fact in Fact
        if fact not in STREAM_FACTS or kube.fields().get(fact.value.replace("-", "_")) is None
    }
    observed = kube.latest_time() or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return Snapshot(
        source="dump",
        observed_at=observed,
        networking_override=networking,
        missing=missing,
        notes=_cut_note(cut, limits),
        **kube.fields(),
    )


def _cut_note(cut: int, limits: FileLimits) -> tuple[str, ...]:
    if not cut:
        return ()
    bound = f"{limits.log_lines} lines / {size_text(limits.log_bytes)}"
    return (f"{cut} container log(s) read as their last {bound} (--log-lines/--log-bytes)",)


def parse_stream(
    text: str, label: str, kube: KubeObjects, limits: FileLimits = DEFAULT_LIMITS
) -> int:
    """Add the stream's lists and logs to `kube`; the number of logs cut to their tail."""
    decoder = json.JSONDecoder(parse_constant=reject_constant)
    pos = 0
    cut = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return cut
        if text.startswith(LOG_START, pos):
            pos, more = _read_log_section(text, pos, label, kube, limits)
            cut += more
            continue
        if text[pos] != "{":
            line = text.count("\n", 0, pos) + 1
            raise InputError(label, f"line {line}: expected a JSON list or a log section")
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(label, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        except RecursionError:
            raise InputError(label, "invalid JSON: nested too deeply") from None
        except ValueError as exc:  # a 5000-digit integer
            raise InputError(label, f"invalid JSON: {exc}") from None
        line_label = f"{label} (object ending at line {text.count(chr(10), 0, pos) + 1})"
        kind, items = list_items(doc, line_label)
        add_parsed(kube, kind, items, line_label)


def _read_log_section(
    text: str, pos: int, label: str, kube: KubeObjects, limits: FileLimits
) -> tuple[int, int]:
    header_end = text.find("\n", pos)
    header = text[pos : header_end if header_end != -1 else len(text)]
    name = header[len(LOG_START) :].rstrip("= ").strip()
    end_marker = f"{LOG_END}{name} ===="
    end = text.find(end_marker, pos)
    if end == -1:
        line = text.count("\n", 0, pos) + 1
        raise InputError(label, f"line {line}: log section for {name!r} has no END marker")
    stop = end + len(end_marker)
    cut = 0
    for namespace, pod, container, body in log_sections(text[pos:stop]):
        tail = tail_lines(body, limits)
        cut += tail.cut
        kube.add_log(container_log(namespace, pod, container, tail.text))
    return stop, cut
