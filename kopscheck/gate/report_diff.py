"""`kopscheck diff OLD.json NEW.json`: what changed between two reports, e.g. around an upgrade.

Reads `kopscheck/report/v1` or `kopscheck/fleet/v1` documents (both the same kind; fleets are
paired by cluster name) and lists each check whose status changed, the problem findings that are
new and those that are resolved. Findings are matched like baselines match them: by check,
finding code and owner (a pod's top controller), so a reworded message or a recreated pod is not
a new finding. Reports written before findings had codes are matched by object and a
fingerprint of the message's stable part (a restart count going from 7 to 9 is no change).
Suppressed findings count as present: they are still in the cluster. Something got worse
(exit 1) when a check's status rose (pass/skip < warn < error < fail), a problem finding
appeared, or a cluster could no longer be scanned.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kopscheck.collectors.offline.files import MAX_DEPTH, read_json
from kopscheck.gate.baseline import fingerprint
from kopscheck.model.diff import CheckChange, ClusterDiff, DiffReport, FindingRef, rank
from kopscheck.model.errors import InputError
from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.results import Status
from kopscheck.reporters import Document, get_reporter
from kopscheck.reporters.stderr_lines import say

REPORT_SCHEMA = "kopscheck/report/v1"
FLEET_SCHEMA = "kopscheck/fleet/v1"
PROBLEMS = (Status.WARN.value, Status.FAIL.value)


def load_reports(path: Path) -> tuple[str, dict[str, dict[str, Any] | None]]:
    """The document's schema and its reports by cluster name (None: that scan did not complete)."""
    try:
        doc: Any = read_json(path, str(path), max_depth=MAX_DEPTH)
    except InputError as exc:
        invalid = exc.problem.startswith("invalid JSON")
        kind = "not a kopscheck JSON report" if invalid else "cannot read report"
        raise InputError(str(path), f"{kind}: {exc.problem}") from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema == REPORT_SCHEMA:
        return schema, {_cluster_name(doc): _checked(path, doc, "report")}
    if schema == FLEET_SCHEMA and isinstance(doc.get("clusters"), list):
        reports: dict[str, dict[str, Any] | None] = {}
        for i, entry in enumerate(doc["clusters"]):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise InputError(str(path), f"malformed fleet report: clusters[{i}] has no name")
            report = entry.get("report")
            reports[entry["name"]] = _checked(path, report, f"clusters[{i}]") if report else None
        return schema, reports
    expected = f"{REPORT_SCHEMA!r} or {FLEET_SCHEMA!r}"
    raise InputError(str(path), f"not a kopscheck JSON report (expected schema {expected})")


def _cluster_name(doc: Mapping[str, Any]) -> str:
    target = doc.get("target")
    name = target.get("cluster") if isinstance(target, dict) else None
    return name if isinstance(name, str) else "(unnamed)"


def _checked(path: Path, doc: Any, where: str) -> dict[str, Any]:
    """The report if its results have the fields diff reads; InputError naming the first gap."""
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list) or doc.get("status") not in tuple(Status):
        raise InputError(str(path), f"malformed report: {where} needs 'status' and 'results'")
    for i, result in enumerate(results):
        ok = isinstance(result, dict) and isinstance(result.get("check"), str)
        ok = ok and result.get("status") in tuple(Status)
        ok = ok and isinstance(result.get("findings", []), list)
        ok = ok and isinstance(result.get("suppressed", []), list)
        if not ok:
            raise InputError(str(path), f"malformed report: {where} results[{i}]")
    return dict(doc)


def diff_files(old_path: Path, new_path: Path) -> list[ClusterDiff]:
    old_schema, old = load_reports(old_path)
    new_schema, new = load_reports(new_path)
    if old_schema != new_schema:
        raise InputError(f"{old_path} / {new_path}", "one is a fleet report and one is not")
    if old_schema == REPORT_SCHEMA:  # one cluster each: compare them even if renamed
        [(name, new_doc)] = new.items()
        [old_name] = old
        if "(unnamed)" not in (old_name, name) and old_name != name:
            say(
                f"kopscheck: warning: {old_path} is of cluster {old_name} and {new_path} of"
                f" cluster {name}: comparing two different clusters"
            )
        return [diff_reports(name, next(iter(old.values())), new_doc)]
    names = [*new, *(n for n in old if n not in new)]
    return [diff_reports(n, old.get(n), new.get(n), n in old, n in new) for n in names]


def diff_reports(
    name: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    in_old: bool = True,
    in_new: bool = True,
) -> ClusterDiff:
    old_results = _results(old)
    new_results = _results(new)
    checks = []
    for check in [*new_results, *(c for c in old_results if c not in new_results)]:
        change = _change(old_results.get(check), new_results.get(check))
        if change is not None:
            checks.append(
                CheckChange(check, old_results.get(check), new_results.get(check), change)
            )
    old_list, new_list = list(_findings(old)), list(_findings(new))
    coded = all(f.code for f in (*old_list, *new_list))
    key = _key if coded else _message_key
    old_keys = {key(f) for f in old_list}
    new_keys = {key(f) for f in new_list}
    return ClusterDiff(
        name,
        _status(old) if in_old else None,
        _status(new) if in_new else None,
        tuple(checks),
        tuple(_unique(f for f in new_list if key(f) not in old_keys)),
        tuple(_unique(f for f in old_list if key(f) not in new_keys)),
    )


def _unique(found: Iterable[FindingRef]) -> list[FindingRef]:
    """Each finding once (a finding may be both listed and suppressed)."""
    return list(dict.fromkeys(found))


def _key(finding: FindingRef) -> tuple[str, str, str]:
    return (finding.check, finding.code, finding.owner)


def _message_key(finding: FindingRef) -> tuple[str, str, str]:
    return (finding.check, finding.object, fingerprint(finding.check, finding.message))


def _status(doc: Mapping[str, Any] | None) -> str:
    return str(doc["status"]) if doc is not None else Status.ERROR.value  # no report: not scanned


def _results(doc: Mapping[str, Any] | None) -> dict[str, str]:
    return {r["check"]: r["status"] for r in doc["results"]} if doc else {}


def _change(old: str | None, new: str | None) -> str | None:
    if old == new:
        return None
    if old is None:
        return "worse" if rank(new) > 0 else "added"
    if new is None:
        return "removed"
    if rank(new) != rank(old):
        return "worse" if rank(new) > rank(old) else "better"
    return "changed"


def _findings(doc: Mapping[str, Any] | None) -> Iterable[FindingRef]:
    for result in doc["results"] if doc else ():
        for finding in [*result.get("findings", []), *result.get("suppressed", [])]:
            status = finding.get("status", result["status"]) if isinstance(finding, dict) else None
            if status not in PROBLEMS:
                continue
            code = finding.get("code")
            yield FindingRef(
                result["check"],
                _object(finding.get("object")),
                str(finding.get("message", "")),
                status,
                code if isinstance(code, str) else "",
                _object(finding.get("owner") or finding.get("object")),
            )


def _object(ref: Any) -> str:
    """The same "Kind/namespace/name" form baselines use (ObjectRef's str)."""
    if not isinstance(ref, dict):
        return ""
    scope = f"{ref['namespace']}/" if ref.get("namespace") else ""
    return f"{ref.get('kind', '')}/{scope}{ref.get('name', '')}"


def run_diff(old: Path, new: Path, output: str) -> ExitCode:
    """Render the diff in `output` and return 1 if anything got worse, else 0."""
    reporter = get_reporter(output, Document.DIFF)
    diff = DiffReport(str(old), str(new), tuple(diff_files(old, new)))
    reporter.write_diff(diff, sys.stdout)
    sys.stdout.flush()
    return ExitCode.UNHEALTHY if diff.worse else ExitCode.OK
