"""Read the single-stream `kubectl cluster-info dump > FILE` form into a snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kopscheck.collectors import kube_objects as ko
from kopscheck.collectors.assemble import KubeObjects
from kopscheck.collectors.bundle import container_log
from kopscheck.collectors.files import LOG_END, LOG_START, log_sections, read_text
from kopscheck.model.errors import InputError
from kopscheck.model.facts import NEEDS_PROBE, PROBE_FACTS, Fact, Snapshot

STREAM_FACTS = (Fact.NODES, Fact.PODS, Fact.WORKLOADS, Fact.EVENTS, Fact.SERVICES, Fact.POD_LOGS)


def read_dump(path: Path) -> Snapshot:
    label = str(path)
    if path.is_dir():
        raise InputError(label, "is a directory (use --bundle for an --output-directory dump)")
    text = read_text(path, label)
    if not text.strip():
        raise InputError(label, "file is empty")
    kube = KubeObjects()
    parse_stream(text, label, kube)
    if kube.nodes is None and kube.pods is None:
        raise InputError(label, "no NodeList or PodList found: not a kubectl cluster-info dump")
    missing = {
        fact: NEEDS_PROBE if fact in PROBE_FACTS else f"{fact.value} not in a cluster-info dump"
        for fact in Fact
        if fact not in STREAM_FACTS or kube.fields().get(fact.value.replace("-", "_")) is None
    }
    observed = kube.latest_time() or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return Snapshot(
        source="dump",
        observed_at=observed,
        missing=missing,
        **kube.fields(),
    )


def parse_stream(text: str, label: str, kube: KubeObjects) -> None:
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        if text.startswith(LOG_START, pos):
            pos = _read_log_section(text, pos, label, kube)
            continue
        if text[pos] != "{":
            line = text.count("\n", 0, pos) + 1
            raise InputError(label, f"line {line}: expected a JSON list or a log section")
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(label, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        line_label = f"{label} (object ending at line {text.count(chr(10), 0, pos) + 1})"
        kind, items = ko.list_items(doc, line_label)
        kube.add(kind, items) if kind else kube.add_mixed(items)


def _read_log_section(text: str, pos: int, label: str, kube: KubeObjects) -> int:
    header_end = text.find("\n", pos)
    header = text[pos : header_end if header_end != -1 else len(text)]
    name = header[len(LOG_START) :].rstrip("= ").strip()
    end_marker = f"{LOG_END}{name} ===="
    end = text.find(end_marker, pos)
    if end == -1:
        line = text.count("\n", 0, pos) + 1
        raise InputError(label, f"line {line}: log section for {name!r} has no END marker")
    stop = end + len(end_marker)
    for namespace, pod, container, body in log_sections(text[pos:stop]):
        kube.add_log(container_log(namespace, pod, container, body))
    return stop
