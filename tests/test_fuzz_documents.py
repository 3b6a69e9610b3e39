"""Fuzzing every reporter with the documents other than a cluster's report: a fleet (`check
--bundle A --bundle B`), a diff (`kopscheck diff`), a `provision` run and the check catalog
(`kopscheck checks`, `kopscheck explain`), each built from drawn strings and rendered in every
format that renders it. Whatever the strings: no exception, JSON and YAML that load to the same
document, JUnit that parses as XML, and no raw control character in any output. Profiles as in
test_fuzz."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC
from io import StringIO
from typing import Any
from xml.etree import ElementTree

import yaml
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import FUZZ
from test_fuzz_more import TEXT, reports

from kopscheck.model.catalog import Catalog, CatalogEntry
from kopscheck.model.diff import CheckChange, ClusterDiff, DiffReport, FindingRef
from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.fleet import ClusterOutcome, FleetReport
from kopscheck.model.provision import (
    ProvisionedCluster,
    ProvisionReport,
    ProvisionStep,
    ProvisionTeardown,
)
from kopscheck.model.results import Status
from kopscheck.reporters import Document, catalog_writer, formats, get_reporter
from kopscheck.reporters.catalog import explain_text
from tests.hostile_reports import raw_controls

# kopscheck's own words (a change, a kops step and its outcome, a mode) are drawn from their
# closed sets; statuses come from the report files `diff` reads, so any string
STATUS_TEXT = st.none() | st.sampled_from([s.value for s in Status]) | TEXT
OUTCOMES = st.builds(ClusterOutcome, TEXT, st.none() | reports(), st.none() | TEXT)


@st.composite
def fleets(draw: st.DrawFn, size: int | None = None) -> FleetReport:
    count = draw(st.integers(0, 3)) if size is None else size
    return FleetReport(
        clusters=tuple(draw(OUTCOMES) for _ in range(count)),
        fail_on=draw(st.sampled_from([Status.FAIL, Status.WARN, Status.ERROR])),
        generated_at=draw(st.datetimes(timezones=st.just(UTC))),
    )


FINDING_REFS = st.builds(FindingRef, TEXT, TEXT, TEXT, STATUS_TEXT.map(str), TEXT, TEXT)
DIFFS = st.builds(
    DiffReport,
    TEXT,
    TEXT,
    st.lists(
        st.builds(
            ClusterDiff,
            TEXT,
            STATUS_TEXT,
            STATUS_TEXT,
            st.lists(
                st.builds(
                    CheckChange,
                    TEXT,
                    STATUS_TEXT,
                    STATUS_TEXT,
                    st.sampled_from(["worse", "better", "changed", "added", "removed"]),
                ),
                max_size=3,
            ).map(tuple),
            st.lists(FINDING_REFS, max_size=2).map(tuple),
            st.lists(FINDING_REFS, max_size=2).map(tuple),
        ),
        max_size=3,
    ).map(tuple),
)
STEPS = st.builds(
    ProvisionStep,
    st.sampled_from(["create", "update", "export kubecfg", "validate", "check"]),
    TEXT,
    st.sampled_from(["ok", "failed", "timed out", "interrupted", "skipped"]),
    st.floats(0, 1e6, allow_nan=False),
    st.none() | st.integers(-255, 255),
    TEXT,
)
TEARDOWNS = st.builds(
    ProvisionTeardown,
    st.sampled_from(["always", "on-success", "never"]),
    st.sampled_from(["not needed", "deleted", "kept", "delete failed", "delete timed out"]),
    TEXT,
    st.lists(TEXT, max_size=3).map(tuple),
    TEXT,
)
RUNS = st.builds(
    ProvisionedCluster,
    st.sampled_from(["calico", "cilium", "kubenet", "amazonvpc"]),
    TEXT,
    st.lists(STEPS, max_size=4).map(tuple),
    TEARDOWNS,
    TEXT,
    st.sampled_from([ExitCode.OK, ExitCode.UNHEALTHY, ExitCode.SCAN_INCOMPLETE]),
    st.booleans(),
    st.integers(0, 30),
    st.none() | st.sampled_from(["SIGINT", "SIGTERM"]),
    st.none() | TEXT,
)


@st.composite
def provision_runs(draw: st.DrawFn) -> ProvisionReport:
    count = draw(st.integers(1, 3))
    return ProvisionReport(draw(fleets(count)), tuple(draw(RUNS) for _ in range(count)))


ENTRIES = st.builds(
    CatalogEntry,
    TEXT,
    TEXT,
    TEXT,
    st.lists(TEXT, max_size=2).map(tuple),
    st.lists(TEXT, max_size=2).map(tuple),
    st.dictionaries(TEXT, TEXT, max_size=3),
    TEXT,
    TEXT,
    TEXT,
    TEXT,
    st.dictionaries(TEXT, TEXT, max_size=2),
)


def _rendered(document: Document, value: Any) -> dict[str, str]:
    """`value` in every built-in format that renders `document`, each checked as it must be."""
    method = {
        Document.FLEET: "write_fleet",
        Document.DIFF: "write_diff",
        Document.PROVISION: "write_provision",
    }[document]
    outputs: dict[str, str] = {}
    for name in formats(document):
        out = StringIO()
        getattr(get_reporter(name, document, show_all=True), method)(value, out)
        outputs[name] = out.getvalue()
    return _checked(outputs)


def _checked(outputs: dict[str, str]) -> dict[str, str]:
    for name, text in outputs.items():
        assert raw_controls(text) == [], name
    if "json" in outputs:
        doc = json.loads(outputs["json"])
        assert yaml.safe_load(outputs["yaml"]) == doc
    if "junit" in outputs:
        ElementTree.fromstring(outputs["junit"].encode("utf-8"))
    return outputs


@FUZZ
@given(fleets())
def test_fuzz_reporters_with_random_fleets(fleet: FleetReport) -> None:
    outputs = _rendered(Document.FLEET, fleet)
    assert json.loads(outputs["json"])["schema"] == "kopscheck/fleet/v1"


@FUZZ
@given(DIFFS)
def test_fuzz_reporters_with_random_diffs(diff: DiffReport) -> None:
    outputs = _rendered(Document.DIFF, diff)
    assert json.loads(outputs["json"])["schema"] == "kopscheck/diff/v1"


@FUZZ
@given(provision_runs())
def test_fuzz_reporters_with_random_provision_runs(run: ProvisionReport) -> None:
    outputs = _rendered(Document.PROVISION, run)
    assert len(json.loads(outputs["json"])["clusters"]) == len(run.runs)


@FUZZ
@given(st.lists(ENTRIES, min_size=1, max_size=3).map(tuple), st.data())
def test_fuzz_catalog_and_explain(entries: tuple[CatalogEntry, ...], data: st.DataObject) -> None:
    catalog = Catalog(entries)
    outputs: dict[str, str] = {}
    for name in formats(Document.CATALOG):
        out = StringIO()
        catalog_writer(name)(catalog, out)
        outputs[name] = out.getvalue()
    _checked(outputs)
    entry = data.draw(st.sampled_from(entries), label="explained")
    reason = data.draw(st.none() | TEXT, label="code")
    if reason is not None:
        entry = replace(entry, codes={**entry.codes, f"{entry.id}/{reason}": data.draw(TEXT)})
    assert raw_controls(explain_text(entry, "https://kops.sigs.k8s.io/", reason or "")) == []
