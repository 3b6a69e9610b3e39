"""JSON documents: a report (CONTRACT §3, kopscheck/report/v1), a fleet and a diff.

The fleet, `kopscheck/fleet/v1` (reports/fleet.schema.json), lists the clusters in input order,
each with its exit code and either a full report or the reason its scan could not complete; a
provision run is a fleet whose entries carry a `provision` object and provision's exit codes.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from kopscheck.model.catalog import Catalog
from kopscheck.model.diff import DiffReport, FindingRef
from kopscheck.model.facts import ObjectRef
from kopscheck.model.fleet import FleetReport, fleet_exit_code
from kopscheck.model.provision import ProvisionedCluster, ProvisionReport
from kopscheck.model.results import CheckResult, Finding, Report, Status
from kopscheck.reporters import Document
from kopscheck.reporters import catalog as catalog_formats
from kopscheck.reporters.encode import plain

SCHEMA = "kopscheck/report/v1"
FLEET_SCHEMA = "kopscheck/fleet/v1"
DIFF_SCHEMA = "kopscheck/diff/v1"


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
        "code": finding.code or None,
        "owner": _ref(finding.owner),
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
        "unread_facts": [
            {
                "facts": list(u.facts),
                "reason": u.reason,
                "failed": u.failed,
                "checks": list(u.checks),
            }
            for u in report.unread
        ],
    }


def _baseline(report: Report) -> dict[str, Any] | None:
    """Which baseline was applied and how many known findings it kept out of the status."""
    if report.baseline is None:
        return None
    known = sum(len(r.suppressed) for r in report.results)
    return {"file": report.baseline, "suppressed": known}


def fleet_to_dict(fleet: FleetReport) -> dict[str, Any]:
    return {
        "schema": FLEET_SCHEMA,
        "tool": {"name": "kopscheck", "version": fleet.tool_version},
        "generated_at": fleet.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": fleet.status.value,
        "fail_on": fleet.fail_on.value,
        "exit_code": int(fleet_exit_code(fleet)),
        "counts": {status.value: n for status, n in fleet.counts().items()},
        "clusters": [
            {
                "name": c.name,
                "status": c.status.value,
                "exit_code": int(c.exit_code),
                "error": c.error,
                "report": report_to_dict(c.report) if c.report is not None else None,
            }
            for c in fleet.clusters
        ],
    }


def provision_to_dict(run: ProvisionReport) -> dict[str, Any]:
    """The fleet document with provision's exit codes and each cluster's `provision` object."""
    doc = fleet_to_dict(run.fleet)
    doc["exit_code"] = int(run.exit_code)
    for entry, cluster in zip(doc["clusters"], run.runs, strict=True):
        entry["exit_code"] = int(cluster.exit_code)
        entry["provision"] = provisioned_to_dict(cluster)
    return doc


def provisioned_to_dict(run: ProvisionedCluster) -> dict[str, Any]:
    teardown = run.teardown
    return {
        "mode": run.mode,
        "cluster": run.cluster,
        "validated": run.validated,
        "validate_attempts": run.validate_attempts,
        "interrupted_by": run.interrupted_by,
        "steps": [
            {
                "step": s.step,
                "command": s.command,
                "outcome": s.outcome,
                "exit_code": s.exit_code,
                "seconds": s.seconds,
                "detail": s.detail or None,
            }
            for s in run.steps
        ],
        "teardown": {
            "policy": teardown.policy,
            "action": teardown.action,
            "detail": teardown.detail,
            "left": list(teardown.left),
        },
        "run_log": run.run_log,
        "kubeconfig": run.kubeconfig,
    }


def diff_to_dict(diff: DiffReport) -> dict[str, Any]:
    def finding(f: FindingRef) -> dict[str, Any]:
        return {
            "check": f.check,
            "code": f.code or None,
            "owner": f.owner or None,
            "object": f.object or None,
            "status": f.status,
            "message": f.message,
        }

    return {
        "schema": DIFF_SCHEMA,
        "old": diff.old,
        "new": diff.new,
        "worse": diff.worse,
        "clusters": [
            {
                "name": d.name,
                "old_status": d.old_status,
                "new_status": d.new_status,
                "worse": d.worse,
                "checks": [
                    {"check": c.check, "old": c.old, "new": c.new, "change": c.change}
                    for c in d.checks
                ],
                "new_findings": [finding(f) for f in d.new_findings],
                "resolved_findings": [finding(f) for f in d.resolved_findings],
            }
            for d in diff.clusters
        ],
    }


def _dump(doc: dict[str, Any] | list[dict[str, Any]], out: TextIO) -> None:
    # ASCII only: every control, bidi or invalid character in the data is a \u escape
    json.dump(plain(doc), out, indent=2, sort_keys=False, ensure_ascii=True)
    out.write("\n")


class JsonReporter:
    renders = frozenset(Document)

    def write(self, report: Report, out: TextIO) -> None:
        _dump(report_to_dict(report), out)

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None:
        _dump(fleet_to_dict(fleet), out)

    def write_diff(self, diff: DiffReport, out: TextIO) -> None:
        _dump(diff_to_dict(diff), out)

    def write_catalog(self, catalog: Catalog, out: TextIO) -> None:
        catalog_formats.write_json(catalog, out)

    def write_provision(self, run: ProvisionReport, out: TextIO) -> None:
        _dump(provision_to_dict(run), out)


class YamlReporter:
    """`--output yaml`: the same documents as JSON, as YAML (same schema)."""

    renders = frozenset(Document)

    def write(self, report: Report, out: TextIO) -> None:
        _yaml(report_to_dict(report), out)

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None:
        _yaml(fleet_to_dict(fleet), out)

    def write_diff(self, diff: DiffReport, out: TextIO) -> None:
        _yaml(diff_to_dict(diff), out)

    def write_catalog(self, catalog: Catalog, out: TextIO) -> None:
        catalog_formats.write_yaml(catalog, out)

    def write_provision(self, run: ProvisionReport, out: TextIO) -> None:
        _yaml(provision_to_dict(run), out)


def _yaml(doc: dict[str, Any] | list[dict[str, Any]], out: TextIO) -> None:
    import yaml

    # Plain types (a finding's signals are enums) and ASCII: what JSON says, escapes included,
    # so `yaml.safe_load` gives back the JSON document and no raw control character is printed.
    yaml.safe_dump(plain(doc), out, sort_keys=False, allow_unicode=False, width=100)


__all__ = [
    "JsonReporter",
    "Status",
    "YamlReporter",
    "diff_to_dict",
    "fleet_to_dict",
    "provision_to_dict",
    "report_to_dict",
]
