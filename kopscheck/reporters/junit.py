"""JUnit XML: one testcase per check, for CI systems that publish test reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from kopscheck.model.results import CheckResult, Report, Status


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
    suites = ET.Element("testsuites", name="kopscheck")
    add_testsuite(suites, report)
    return to_xml(suites)


def to_xml(suites: ET.Element) -> str:
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def add_testsuite(suites: ET.Element, report: Report, name: str | None = None) -> ET.Element:
    """One testsuite for one cluster's report: a testcase per check."""
    counts = report.counts()
    failing = {Status.FAIL} | ({Status.WARN} if report.fail_on is Status.WARN else set())
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"kopscheck {name or report.target.cluster or report.target.source}",
        tests=str(len(report.results)),
        failures=str(sum(counts[s] for s in failing)),
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
    return suite


class JunitReporter:
    def write(self, report: Report, out: TextIO) -> None:
        out.write(render_junit(report))
