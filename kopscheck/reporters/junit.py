"""JUnit XML: one testcase per check (and per connectivity class and pair group), for CI
systems that publish test reports.

A fleet is one testsuite per cluster; a cluster that could not be scanned is one erroring case.
A provision run is, per cluster, a suite of its kops steps (a step that did not end ok is a
failure, a timeout or an interrupt too; teardown fails when kops left something behind), then
the gate's usual suite.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from kopscheck.model.fleet import FleetReport
from kopscheck.model.provision import ProvisionedCluster, ProvisionReport
from kopscheck.model.results import CheckResult, Finding, Report, Status
from kopscheck.reporters import Document
from kopscheck.reporters.encode import encoded, visible, visible_lines


def _details(result: CheckResult) -> str:
    lines = [result.summary]
    for finding in result.problems:
        obj = f"{finding.object}: " if finding.object else ""
        lines.append(f"- {obj}{finding.message}")
    if result.caused_by:
        lines.append(f"caused by: {', '.join(result.caused_by)}")
    if result.remediation:
        lines.append(f"fix: {result.remediation}")
    return "\n".join(lines)


def render_junit(report: Report) -> str:
    """A report as JUnit XML, every string from the data with its controls escaped."""
    suites = ET.Element("testsuites", name="kopscheck")
    add_testsuite(suites, encoded(report, visible))
    return to_xml(suites)


def to_xml(suites: ET.Element) -> str:
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def add_testsuite(suites: ET.Element, report: Report, name: str | None = None) -> ET.Element:
    """One testsuite for one cluster's report (already `visible`-encoded): a testcase per check."""
    counts = report.counts()
    failing = {Status.FAIL} | ({Status.WARN} if report.fail_on is Status.WARN else set())
    subs = [(r, f) for r in report.results for f in sub_results(r)]
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"kopscheck {name or report.target.cluster or report.target.source}",
        tests=str(len(report.results) + len(subs)),
        failures=str(
            sum(counts[s] for s in failing) + sum(1 for _r, f in subs if f.status in failing)
        ),
        errors=str(counts[Status.ERROR]),
        skipped=str(counts[Status.SKIP]),
        timestamp=report.generated_at.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="fail-on", value=report.fail_on.value)
    ET.SubElement(props, "property", name="root-causes", value=",".join(report.root_causes))
    if report.baseline is not None:
        known = sum(len(r.suppressed) for r in report.results)
        ET.SubElement(props, "property", name="baseline-suppressed", value=str(known))
    for result in report.results:
        case = ET.SubElement(
            suite, "testcase", name=result.check, classname=f"kopscheck.{result.family}"
        )
        if result.status in failing:
            node = ET.SubElement(case, "failure", message=result.summary, type=result.status.value)
            node.text = _details(result)
        elif result.status is Status.ERROR:
            ET.SubElement(case, "error", message=result.summary, type="error").text = result.summary
        elif result.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=result.summary)
        elif result.status is Status.WARN:
            ET.SubElement(case, "system-out").text = _details(result)
    for result, finding in subs:
        _sub_case(suite, result, finding, failing)
    return suite


def sub_results(result: CheckResult) -> list[Finding]:
    """Findings that are test cases of their own: `net.connectivity`'s, one per class and
    pair group (object kind ProbeClass)."""
    if result.status is Status.SKIP:
        return []
    return [f for f in result.findings if f.object is not None and f.object.kind == "ProbeClass"]


def _sub_case(
    suite: ET.Element, result: CheckResult, finding: Finding, failing: set[Status]
) -> None:
    assert finding.object is not None
    case = ET.SubElement(
        suite,
        "testcase",
        name=f"{result.check}/{finding.object.name}",
        classname=f"kopscheck.{result.check}",
    )
    if finding.status in failing:
        node = ET.SubElement(case, "failure", message=finding.message, type=finding.status.value)
        node.text = "\n".join([finding.message, *_pair_lines(finding.evidence.get("pairs"))])
    elif finding.status is Status.SKIP:
        ET.SubElement(case, "skipped", message=finding.message)


def render_fleet_junit(fleet: FleetReport) -> str:
    fleet = encoded(fleet, visible)
    suites = ET.Element("testsuites", name="kopscheck")
    for c in fleet.clusters:
        if c.report is not None:
            add_testsuite(suites, c.report, name=c.name)
        else:
            suite = ET.SubElement(
                suites, "testsuite", name=f"kopscheck {c.name}", tests="1", failures="0", errors="1"
            )
            case = ET.SubElement(suite, "testcase", name="scan", classname="kopscheck.scan")
            ET.SubElement(case, "error", message=c.error or "", type="error").text = c.error
    return to_xml(suites)


class JunitReporter:
    renders = frozenset({Document.REPORT, Document.FLEET, Document.PROVISION})

    """`--output junit`: every string from the data shown with its controls escaped, so the
    XML is always well-formed (XML 1.0 has no form for most C0 characters or lone surrogates)."""

    def write(self, report: Report, out: TextIO) -> None:
        out.write(render_junit(report))

    def write_fleet(self, fleet: FleetReport, out: TextIO) -> None:
        out.write(render_fleet_junit(fleet))

    def write_provision(self, run: ProvisionReport, out: TextIO) -> None:
        out.write(render_provision_junit(run))

    def write_diff(self, diff: object, out: TextIO) -> None:
        raise NotImplementedError("JUnit has no form for a diff")

    def write_catalog(self, catalog: object, out: TextIO) -> None:
        raise NotImplementedError("JUnit has no form for the check catalog")


def render_provision_junit(run: ProvisionReport) -> str:
    suites = ET.Element("testsuites", name="kopscheck provision")
    run = encoded(run, visible_lines)  # kops output keeps its lines in a failure's text
    for outcome, cluster in run.pairs():
        _provision_suite(suites, cluster)
        if outcome.report is not None:
            add_testsuite(suites, outcome.report, name=outcome.name)
    return to_xml(suites)


def _provision_suite(suites: ET.Element, cluster: ProvisionedCluster) -> None:
    failed = [s for s in cluster.steps if not s.ok and s.outcome != "skipped"]
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"kopscheck provision {cluster.cluster}",
        tests=str(len(cluster.steps) + 1),
        failures=str(len(failed) + int(cluster.teardown.left_behind)),
        errors="0",
        skipped=str(sum(s.outcome == "skipped" for s in cluster.steps)),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("mode", cluster.mode),
        ("exit-code", str(int(cluster.exit_code))),
        ("validated", str(cluster.validated).lower()),
        ("run-log", cluster.run_log),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    classname = f"kopscheck.provision.{cluster.mode}"
    for step in cluster.steps:
        case = ET.SubElement(
            suite, "testcase", name=step.step, classname=classname, time=f"{step.seconds:g}"
        )
        if step.outcome == "skipped":
            ET.SubElement(case, "skipped", message=step.command)
        elif not step.ok:
            node = ET.SubElement(case, "failure", message=step.command, type=step.outcome)
            node.text = step.detail or step.outcome
    case = ET.SubElement(suite, "testcase", name="teardown", classname=classname)
    summary = cluster.teardown.summary or cluster.teardown.action
    if cluster.teardown.left_behind:
        node = ET.SubElement(case, "failure", message=summary, type=cluster.teardown.action)
        node.text = "\n".join([summary, *cluster.teardown.left])
    else:
        ET.SubElement(case, "system-out").text = summary


def _pair_lines(pairs: object) -> list[str]:
    lines = []
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, dict):
            detail = f" ({pair.get('detail')})" if pair.get("detail") else ""
            lines.append(
                f"{pair.get('source')} -> {pair.get('destination')} {pair.get('target')}:"
                f" {pair.get('outcome')}{detail}"
            )
        else:
            lines.append(str(pair))
    return lines
