"""The hostile-string matrix: every output format x every shipped scenario, the corpus in the data.

The corpus (tests/hostile/strings.json) is written into each bundle's files on disk (event
messages, pod log lines, a CoreDNS pod's name with its log directory and header, as `collect`
writes them), so the readers carry it through to the reports. Every output must
parse, show no raw control character, and keep the verdict and exit code of the clean input.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kopscheck.demo import DEMO_ROOT
from tests.cli_outcome import CliOutcome
from tests.hostile_reports import (
    CORPUS,
    NAME_ATTACKS,
    assert_no_structure_from_data,
    assert_reports_alike,
    edit_json_strings,
    move_pod_logs,
    raw_controls,
)

# Lone surrogates as JSON escapes are refused by the JSON decoder (exit 2, an input-side
# matter of issue 19): they are rendered straight through every reporter below instead.
ON_DISK = [v for v in CORPUS.values() if not any(0xD800 <= ord(c) <= 0xDFFF for c in v)]
FIXTURES = Path(__file__).parent / "fixtures"
SCENARIOS = [
    DEMO_ROOT / d for d in ("cni-no-provider", "coredns-loop", "healthy", "kubenet-route-limit")
]
SCENARIOS += sorted(p for p in FIXTURES.iterdir() if (p / "cluster-info").is_dir())
FORMATS = ("table", "json", "yaml", "junit", "markdown")


def _inject(bundle: Path, offset: int) -> int:
    """The corpus into every event message and log in `bundle`; how many strings went in."""
    values = ON_DISK
    used = 0
    for events in sorted(bundle.glob("cluster-info/*/events.json")):
        doc = json.loads(events.read_text())
        for item in doc.get("items") or []:
            item["message"] = f"{item.get('message', '')} {values[(offset + used) % len(values)]}"
            used += 1
        events.write_text(json.dumps(doc))
    for log in sorted(bundle.glob("cluster-info/*/*/logs.txt")):
        lines = [values[(offset + used + i) % len(values)] for i in range(3)]
        used += 3
        # lone surrogates go in through the JSON only: UTF-8 cannot encode them ("?" here)
        with log.open("a", encoding="utf-8", errors="replace") as out:
            out.write("\n" + "\n".join(v.replace("\n", " ") for v in lines) + "\n")
    return used


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_hostile_strings_never_break_forge_or_change_a_report(
    scenario: Path, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    hostile = tmp_path / scenario.name
    shutil.copytree(scenario, hostile)
    assert _inject(hostile, SCENARIOS.index(scenario) * 5) > 0
    for format_ in FORMATS:
        clean = run_cli("check", "--bundle", str(scenario), "-o", format_)
        dirty = run_cli("check", "--bundle", str(hostile), "-o", format_)
        assert dirty.code == clean.code, (format_, dirty.stderr)
        assert raw_controls(dirty.stdout) == [], format_
        if format_ == "json":
            doc = json.loads(dirty.stdout)
            assert doc["status"] == json.loads(clean.stdout)["status"]
        elif format_ == "yaml":
            json_doc = json.loads(run_cli("check", "--bundle", str(hostile), "-o", "json").stdout)
            ydoc = yaml.safe_load(dirty.stdout)
            ydoc.pop("generated_at"), json_doc.pop("generated_at")
            assert ydoc == json_doc
        elif format_ == "junit":
            ET.fromstring(dirty.stdout.split("\n", 1)[1])
        elif format_ == "markdown":
            assert_no_structure_from_data(clean.stdout, dirty.stdout)


def test_every_corpus_entry_reaches_some_scenario(tmp_path: Path) -> None:
    seen: set[str] = set()
    values = ON_DISK
    for index, scenario in enumerate(SCENARIOS):
        shutil.copytree(scenario, tmp_path / scenario.name)
        used = _inject(tmp_path / scenario.name, index * 5)
        seen |= {values[(index * 5 + i) % len(values)] for i in range(used)}
    assert seen == set(values)


@pytest.mark.parametrize("format_", FORMATS)
def test_every_reporter_encodes_every_corpus_entry(format_: str) -> None:
    from dataclasses import replace
    from io import StringIO

    from kopscheck.model.facts import ObjectRef
    from kopscheck.model.results import Report
    from kopscheck.reporters import get_reporter
    from tests.test_reporters import _report

    base = _report("cni-no-provider")
    first = base.results[2]

    def with_strings(values: list[str]) -> Report:
        findings = tuple(
            replace(
                first.findings[0],
                message=v,
                evidence={"log": v, "name": v},
                object=ObjectRef("Pod", v, v),  # the names too: a pod's and its namespace's
            )
            for v in values
        )
        return replace(base, results=(replace(first, findings=findings), *base.results[3:]))

    def rendered(one: Report) -> str:
        out = StringIO()
        get_reporter(format_).write(one, out)
        return out.getvalue()

    values = list(CORPUS.values())
    report, clean = with_strings(values), with_strings([f"plain-{i}" for i in range(len(values))])
    out = StringIO(rendered(report))
    assert raw_controls(out.getvalue()) == []
    if format_ == "junit":
        ET.fromstring(out.getvalue().split("\n", 1)[1])
    if format_ == "yaml":
        surrogate = yaml.safe_load(out.getvalue())["results"][0]["findings"][15]
        assert surrogate["message"] == CORPUS["lone-surrogate"]
        assert surrogate["object"]["name"] == CORPUS["lone-surrogate"]
    if format_ == "markdown":
        assert_no_structure_from_data(rendered(clean), out.getvalue())


RENAMED_POD = "coredns-7d8f9c6b5-4xk2m"  # a CoreDNS pod with logs in three demo bundles


def _rename_pod(bundle: Path, old: str, new: str) -> None:
    """`old` renamed to `new` everywhere in `bundle`, as `kopscheck collect` would have
    written a pod of that name: JSON strings, its log section header and its log directory."""
    for path in bundle.rglob("*.json"):
        edit_json_strings(path, lambda _key, value: value.replace(old, new))
    move_pod_logs(bundle / "cluster-info", ("kube-system", old), ("kube-system", new), {})


@pytest.mark.parametrize("attack", NAME_ATTACKS)
@pytest.mark.parametrize("scenario", ["healthy", "coredns-loop", "cni-no-provider"])
def test_a_hostile_pod_name_keeps_the_verdict_and_breaks_no_output(
    scenario: str, attack: str, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    hostile = tmp_path / scenario
    shutil.copytree(DEMO_ROOT / scenario, hostile)
    _rename_pod(hostile, RENAMED_POD, CORPUS[attack])
    _, doc = assert_reports_alike(run_cli, DEMO_ROOT / scenario, hostile)
    named = {f["object"]["name"] for r in doc["results"] for f in r["findings"] if f.get("object")}
    assert (CORPUS[attack] in named) == (scenario != "healthy")  # a finding names the pod
