"""Baselines: record today's known problems so a CI gate fails only on new ones.

`--write-baseline FILE` records every problem finding of a run as (cluster, check, object,
fingerprint); `--baseline FILE` suppresses the findings it lists. A suppressed finding is still
reported (JSON `suppressed`, the terminal's "Suppressed by the baseline") but no longer counts
for the check's status or the exit code. Errors are never suppressed: a check that could not be
evaluated is not a known problem.

The fingerprint hashes the stable part of the message: timestamps, counts, ages, UIDs and
container ids are masked, so "CrashLoopBackOff after 7 restarts" stays the same finding after
the 8th restart. The object is part of the key as it is, so a recreated pod with a new name is a
new finding.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from kopscheck.checkapi.check import Check
from kopscheck.collectors.files import MAX_DEPTH, read_json
from kopscheck.collectors.outfiles import write_atomically
from kopscheck.engine.diagnosis import diagnose
from kopscheck.model.errors import InputError
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import CheckResult, Finding, Report, Status, worst

SCHEMA = "kopscheck/baseline/v1"

_VOLATILE = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uid>"),
    (re.compile(r"(?<![\w-])[0-9a-f]{12,64}(?![\w-])"), "<id>"),
    (re.compile(r"\(x\d+( over [\w.]+)?\)"), "(x#)"),
    (re.compile(r"(?<![\w.-])\d+(\.\d+)*(?![\w-])"), "#"),
)


def stable_message(message: str) -> str:
    """The message with everything that changes between runs of the same problem masked."""
    text = " ".join(message.split())
    for pattern, mask in _VOLATILE:
        text = pattern.sub(mask, text)
    return text


def fingerprint(check: str, message: str) -> str:
    digest = hashlib.sha256(f"{check}\0{stable_message(message)}".encode()).hexdigest()
    return digest[:16]


def object_key(ref: ObjectRef | None) -> str:
    return str(ref) if ref is not None else ""


@dataclass(frozen=True, slots=True)
class Entry:
    check: str
    object: str  # ObjectRef's "Kind/namespace/name", "" when the finding names no object
    fingerprint: str
    cluster: str | None = None
    message: str = ""  # for the person reading the file; never matched

    def matches(self, cluster: str | None, check: str, finding: Finding) -> bool:
        if self.cluster is not None and cluster is not None and self.cluster != cluster:
            return False
        return (self.check, self.object, self.fingerprint) == (
            check,
            object_key(finding.object),
            fingerprint(check, finding.message),
        )


@dataclass(frozen=True, slots=True)
class Baseline:
    entries: tuple[Entry, ...]
    source: str = ""

    def knows(self, cluster: str | None, check: str, finding: Finding) -> bool:
        return any(e.matches(cluster, check, finding) for e in self.entries)


def from_reports(reports: Iterable[Report]) -> Baseline:
    """Every problem finding (suppressed ones included) of every report."""
    entries = {
        (
            r.target.cluster or "",
            result.check,
            object_key(f.object),
            fingerprint(result.check, f.message),
        ): Entry(
            check=result.check,
            object=object_key(f.object),
            fingerprint=fingerprint(result.check, f.message),
            cluster=r.target.cluster,
            message=f.message,
        )
        for r in reports
        for result in r.results
        for f in (*result.problems, *result.suppressed)
    }
    return Baseline(tuple(entries[key] for key in sorted(entries)))


def write_baseline(baseline: Baseline, path: Path, now: datetime | None = None) -> None:
    doc = {
        "schema": SCHEMA,
        "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "findings": [
            {
                "cluster": e.cluster,
                "check": e.check,
                "object": e.object or None,
                "fingerprint": e.fingerprint,
                "message": e.message,
            }
            for e in baseline.entries
        ],
    }
    text = json.dumps(doc, indent=2) + "\n"

    def write(handle: TextIO) -> None:
        handle.write(text)

    write_atomically(path, write, "--write-baseline")


def read_baseline(path: Path) -> Baseline:
    try:
        doc = read_json(path, str(path), max_depth=MAX_DEPTH)
    except InputError as exc:
        invalid = exc.problem.startswith("invalid JSON")
        kind = "not a kopscheck baseline" if invalid else "cannot read baseline"
        raise InputError(str(path), f"{kind}: {exc.problem}") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise InputError(str(path), f"not a kopscheck baseline (expected schema {SCHEMA!r})")
    items = doc.get("findings")
    if not isinstance(items, list):
        raise InputError(str(path), "baseline has no 'findings' list")
    return Baseline(tuple(_entry(path, i, item) for i, item in enumerate(items)), str(path))


def _entry(path: Path, index: int, item: Any) -> Entry:
    fields = ("check", "fingerprint")
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in fields):
        raise InputError(str(path), f"findings[{index}] needs string 'check' and 'fingerprint'")
    cluster, obj = item.get("cluster"), item.get("object")
    if not isinstance(cluster, str | None) or not isinstance(obj, str | None):
        raise InputError(
            str(path), f"findings[{index}]: 'cluster' and 'object' are strings or null"
        )
    return Entry(
        item["check"], obj or "", item["fingerprint"], cluster, str(item.get("message", ""))
    )


def apply_baseline(report: Report, baseline: Baseline, checks: Sequence[Check]) -> Report:
    """The report with known findings moved to `suppressed`, statuses and diagnosis redone."""
    results = [_apply(result, report.target.cluster, baseline) for result in report.results]
    linked, roots = diagnose(results, checks)
    return replace(
        report, results=tuple(linked), root_causes=tuple(roots), baseline=baseline.source
    )


def _apply(result: CheckResult, cluster: str | None, baseline: Baseline) -> CheckResult:
    if result.status not in (Status.FAIL, Status.WARN):
        return result
    known = tuple(f for f in result.problems if baseline.knows(cluster, result.check, f))
    if not known:
        return result
    kept = tuple(f for f in result.findings if f not in known)
    status = worst(f.status for f in kept)
    n = f"{len(known)} known finding{'s' if len(known) > 1 else ''}"
    if status is Status.PASS:
        summary = f"{n} suppressed by the baseline; {result.summary}"
    else:
        summary = f"{result.summary} (+{n} suppressed by the baseline)"
    return replace(
        result,
        status=status,
        summary=summary,
        findings=kept,
        suppressed=known,
        remediation=None if status is Status.PASS else result.remediation,
        caused_by=(),
    )
