"""Baselines: record today's known problems so a CI gate fails only on new ones.

`--write-baseline FILE` records every problem finding of a run as (cluster, check, code,
owner); `--baseline FILE` suppresses the findings it lists. A suppressed finding is still
reported (JSON `suppressed`, the terminal's "Suppressed by the baseline") but no longer counts
for the check's status or the exit code. Errors are never suppressed: a check that could not be
evaluated is not a known problem.

The code is the finding's stable identity (`dns.rollout/forwarding-loop`) and the owner is a
pod's top controller, so rewording a message changes nothing and a recreated pod (new
ReplicaSet hash, new name) is still the known finding of its Deployment.

Entries written before findings had codes carry a fingerprint instead: the stable part of the
message hashed (timestamps, counts, ages, UIDs and container ids masked) with the object as it
was. They still load and match that way, and the report notes that the file should be rewritten.
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
from kopscheck.collectors.offline.files import MAX_DEPTH, read_json
from kopscheck.collectors.output.atomic_files import write_atomically
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
    code: str = ""  # "" in entries written before findings had codes
    owner: str = ""  # the finding's owner as "Kind/namespace/name"

    def matches(self, cluster: str | None, check: str, finding: Finding) -> bool:
        if self.cluster is not None and cluster is not None and self.cluster != cluster:
            return False
        if self.code:
            return (self.check, self.code, self.owner) == (
                check,
                finding.code,
                object_key(finding.owner),
            )
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

    @property
    def by_message(self) -> int:
        """Entries without a code (an older file): matched by message text."""
        return sum(not e.code for e in self.entries)


def from_reports(reports: Iterable[Report]) -> Baseline:
    """Every problem finding (suppressed ones included) of every report."""
    entries: dict[tuple[str, ...], Entry] = {}
    for report in reports:
        for result in report.results:
            for f in (*result.problems, *result.suppressed):
                entry = Entry(
                    check=result.check,
                    object=object_key(f.object),
                    fingerprint=fingerprint(result.check, f.message),
                    cluster=report.target.cluster,
                    message=f.message,
                    code=f.code,
                    owner=object_key(f.owner),
                )
                # one entry per finding, pods of one controller included: the file shows them
                key = (entry.cluster or "", entry.check, entry.code, entry.owner, entry.object)
                if not entry.code:  # a plugin's finding without a code
                    key = (entry.cluster or "", entry.check, "", entry.object, entry.fingerprint)
                entries.setdefault(key, entry)
    return Baseline(tuple(entries[key] for key in sorted(entries)))


def write_baseline(baseline: Baseline, path: Path, now: datetime | None = None) -> None:
    doc = {
        "schema": SCHEMA,
        "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "findings": [
            {
                "cluster": e.cluster,
                "check": e.check,
                "code": e.code or None,
                "owner": e.owner or None,
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
    if not isinstance(item, dict) or not isinstance(item.get("check"), str):
        raise InputError(str(path), f"findings[{index}] needs a string 'check'")
    if not isinstance(item.get("code"), str) and not isinstance(item.get("fingerprint"), str):
        raise InputError(str(path), f"findings[{index}] needs a string 'code' or 'fingerprint'")
    optional = ("cluster", "object", "owner", "code", "fingerprint")
    if not all(isinstance(item.get(k), str | None) for k in optional):
        raise InputError(
            str(path), f"findings[{index}]: {', '.join(map(repr, optional))} are strings or null"
        )
    return Entry(
        item["check"],
        item.get("object") or "",
        item.get("fingerprint") or "",
        item.get("cluster"),
        str(item.get("message", "")),
        item.get("code") or "",
        item.get("owner") or "",
    )


def apply_baseline(report: Report, baseline: Baseline, checks: Sequence[Check]) -> Report:
    """The report with known findings moved to `suppressed`, statuses and diagnosis redone."""
    results = [_apply(result, report.target.cluster, baseline) for result in report.results]
    linked, roots = diagnose(results, checks)
    notes = report.notes
    if baseline.by_message:
        notes = (
            *notes,
            f"baseline {baseline.source}: {baseline.by_message} entries have no finding code"
            " (written by an older kopscheck) and were matched by message text; rewrite it"
            " with --write-baseline",
        )
    return replace(
        report,
        results=tuple(linked),
        root_causes=tuple(roots),
        baseline=baseline.source,
        notes=notes,
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
