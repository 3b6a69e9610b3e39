"""The report as JSON, exactly per CONTRACT §3 (schema kopscheck/report/v1)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import CheckResult, Finding, Report, Status

SCHEMA = "kopscheck/report/v1"


def _ref(ref: ObjectRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"kind": ref.kind, "namespace": ref.namespace or None, "name": ref.name}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "object": _ref(finding.object),
        "message": finding.message,
        "evidence": dict(finding.evidence),
        "status": finding.status.value,
        "related": [_ref(r) for r in finding.related],
        "signals": list(finding.signals),
    }


def result_to_dict(result: CheckResult) -> dict[str, Any]:
    return {
        "check": result.check,
        "title": result.title,
        "family": result.family,
        "status": result.status.value,
        "summary": result.summary,
        "findings": [finding_to_dict(f) for f in result.findings],
        "remediation": result.remediation,
        "caused_by": list(result.caused_by),
        "step": result.step or None,
        "skip_reason": result.skip_reason.value if result.skip_reason else None,
        "suppressed": [finding_to_dict(f) for f in result.suppressed],
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    target = report.target
    return {
        "schema": SCHEMA,
        "tool": {"name": "kopscheck", "version": report.tool_version},
        "generated_at": report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": {
            "cluster": target.cluster,
            "source": target.source,
            "kubernetes_version": target.kubernetes_version,
            "networking": target.networking,
            "networking_source": target.networking_source,
            "kubernetes_version_source": target.kubernetes_version_source,
        },
        "status": report.status.value,
        "fail_on": report.fail_on.value,
        "results": [result_to_dict(r) for r in report.results],
        "root_causes": list(report.root_causes),
        "counts": {status.value: n for status, n in report.counts().items()},
        "notes": list(report.notes),
        "baseline": _baseline(report),
    }


def _baseline(report: Report) -> dict[str, Any] | None:
    """Which baseline was applied and how many known findings it kept out of the status."""
    if report.baseline is None:
        return None
    known = sum(len(r.suppressed) for r in report.results)
    return {"file": report.baseline, "suppressed": known}


class JsonReporter:
    def write(self, report: Report, out: TextIO) -> None:
        json.dump(report_to_dict(report), out, indent=2, sort_keys=False)
        out.write("\n")


__all__ = ["JsonReporter", "Status", "report_to_dict"]
