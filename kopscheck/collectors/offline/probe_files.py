"""Probe outcomes in a bundle: `probes/pod-lifecycle.json`, `probes/dns-resolution.json` and
`probes/connectivity.json` (its format in connectivity_file).

No standard command prints what a probe saw, so these files are kopscheck's own JSON
(`kopscheck/probe/v1`), written by `collect --probe` and read back by `check --bundle`, so a
probe run replays offline like every other fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from kopscheck.collectors.offline.connectivity_file import CONNECTIVITY_FILE, parse_connectivity
from kopscheck.collectors.offline.files import MAX_DEPTH, read_json
from kopscheck.collectors.offline.limits import DEFAULT_LIMITS, FileLimits
from kopscheck.collectors.output.redact import redact
from kopscheck.model.errors import InputError
from kopscheck.model.probes import (
    DnsProbe,
    DnsQuery,
    LifecycleProbe,
    LogMention,
    Lookup,
    PodProbe,
    Step,
    StepOutcome,
)

SCHEMA = "kopscheck/probe/v1"
LIFECYCLE_FILE = "probes/pod-lifecycle.json"
DNS_FILE = "probes/dns-resolution.json"


def lifecycle_doc(probe: LifecycleProbe) -> dict[str, Any]:
    doc = asdict(redact_lifecycle(probe))
    return {"schema": SCHEMA, "kind": "PodLifecycle", **doc}


def dns_doc(probe: DnsProbe) -> dict[str, Any]:
    return {"schema": SCHEMA, "kind": "DnsResolution", **asdict(redact_dns(probe))}


def redact_lifecycle(probe: LifecycleProbe) -> LifecycleProbe:
    """The probe with its free text (pod messages, events, log lines) through the redactor."""
    pods = tuple(
        replace(
            pod,
            message=redact(pod.message),
            events=tuple(redact(e) for e in pod.events),
            log_mentions=tuple(replace(m, line=redact(m.line)) for m in pod.log_mentions),
            logs_unavailable=tuple(redact(u) for u in pod.logs_unavailable),
            log_sources=tuple(redact(u) for u in pod.log_sources),
            steps=tuple(replace(s, note=redact(s.note)) for s in pod.steps),
        )
        for pod in probe.pods
    )
    return replace(probe, pods=pods, note=redact(probe.note))


def redact_dns(probe: DnsProbe) -> DnsProbe:
    """The probe with its free text (lookup details, the reason) through the redactor."""
    queries = tuple(replace(q, detail=redact(q.detail)) for q in probe.queries)
    return replace(probe, queries=queries, reason=redact(probe.reason))


def read_probe_files(
    root: Path, fields: dict[str, Any], limits: FileLimits = DEFAULT_LIMITS
) -> None:
    """Set `pod_lifecycle` / `dns_probe` from the bundle's probe files, when present (their
    free text redacted: a hand-made file may carry anything)."""
    for name, key, parse in (
        (LIFECYCLE_FILE, "pod_lifecycle", _lifecycle),
        (DNS_FILE, "dns_probe", _dns),
        (CONNECTIVITY_FILE, "connectivity", parse_connectivity),
    ):
        path = root / name
        if not path.is_file():
            continue
        doc = read_json(path, name, limits, MAX_DEPTH)
        if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA:
            raise InputError(name, f"not a {SCHEMA} document")
        try:
            fields[key] = parse(doc)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                name, f"malformed probe outcome: {type(exc).__name__}: {exc}"
            ) from None


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings; anything else is a malformed file (a TypeError the caller names)."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list of strings, got {type(value).__name__}")
    odd = [v for v in value if not isinstance(v, str)]
    if odd:
        raise TypeError(f"expected a list of strings, got a {type(odd[0]).__name__} in it")
    return tuple(value)


def _count(value: Any) -> int | None:
    """An optional count; anything else is a malformed file (a TypeError the caller names)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"expected a count (a whole number, 0 or more), got {type(value).__name__}")
    return value


def _lifecycle(doc: Mapping[str, Any]) -> LifecycleProbe:
    pods = tuple(
        PodProbe(
            node=str(p["node"]),
            pod=str(p["pod"]),
            namespace=str(p["namespace"]),
            steps=tuple(
                StepOutcome(Step(s["step"]), s["seconds"], float(s["deadline"]), str(s["note"]))
                for s in p["steps"]
            ),
            pod_ip=str(p["pod_ip"]),
            node_pod_cidrs=_strings(p["node_pod_cidrs"]),
            phase=str(p["phase"]),
            reason=str(p["reason"]),
            message=str(p["message"]),
            conditions=tuple(str(c) for c in p["conditions"]),
            events=_strings(p["events"]),
            log_mentions=tuple(
                LogMention(str(m["source"]), str(m["line"])) for m in p["log_mentions"]
            ),
            logs_unavailable=_strings(p["logs_unavailable"]),
            log_sources=tuple(str(s) for s in p.get("log_sources", ())),
            log_cut_at=_count(p.get("log_cut_at")),
        )
        for p in doc["pods"]
    )
    return redact_lifecycle(
        LifecycleProbe(
            str(doc["run_id"]),
            str(doc["namespace"]),
            str(doc["image"]),
            pods,
            int(doc["nodes_total"]),
            str(doc["selection"]),
            str(doc["note"]),
        )
    )


def _dns(doc: Mapping[str, Any]) -> DnsProbe:
    queries = tuple(
        DnsQuery(
            str(q["server"]),
            str(q["via"]),
            str(q["target"]),
            str(q["name"]),
            bool(q["external"]),
            Lookup(q["outcome"]),
            _strings(q["addresses"]),
            str(q["detail"]),
        )
        for q in doc["queries"]
    )
    return redact_dns(
        DnsProbe(
            str(doc["run_id"]),
            str(doc["namespace"]),
            str(doc["pod"]),
            str(doc["node"]),
            str(doc["image"]),
            str(doc["cluster_domain"]),
            queries,
            bool(doc["observed"]),
            str(doc["reason"]),
        )
    )
