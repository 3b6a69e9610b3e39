"""Plugins as another package ships them: an installed distribution (a `.dist-info` with
`entry_points.txt`) on sys.path, found through the `kopscheck.checks` and `kopscheck.reporters`
entry-point groups, never by importing kopscheck's own modules."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from kopscheck_checks import BUILTIN_CHECKS
from readme_example import readme_example_code

from kopscheck.demo import DEMO_ROOT

HEALTHY = str(DEMO_ROOT / "healthy")

# The README's worked example check, shipped as a plugin, and two reporters: one that says
# what it renders, and one written before the catalog existed (`frozenset(Document)`, no
# write_catalog), which must not be offered for `kopscheck checks`.
REPORTERS = """

from kopscheck.reporters import Document


class OneLineReporter:
    renders = frozenset({Document.REPORT, Document.CATALOG})

    def write(self, report, out):
        out.write(f"{report.status.value}: {len(report.results)} checks\\n")

    def write_catalog(self, catalog, out):
        out.write(" ".join(e.id for e in catalog.entries) + "\\n")


class OlderReporter:
    renders = frozenset(Document)

    def write(self, report, out):
        out.write("older\\n")

    def write_fleet(self, fleet, out):
        out.write("older fleet\\n")

    def write_diff(self, diff, out):
        out.write("older diff\\n")


class NotACheck:
    id = "Not An Id"


class NodesListed(Check):
    '''The API server lists nodes

    Why: a check written before finding codes existed declares none.

    Fix: register the nodes.
    '''

    id = "site.nodes-listed"
    family = "site"
    needs = frozenset({Fact.NODES})
    wants = frozenset()
    explains = frozenset()

    def run(self, context):
        listed = f"{len(context.nodes_by_name)} nodes listed"
        return Verdict(listed, (Finding(Status.PASS, listed),))
"""


def _install(site: Path, checks: str) -> None:
    (site / "site_plugin.py").write_text(readme_example_code() + REPORTERS)
    info = site / "kopscheck_site_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kopscheck-site-plugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[kopscheck.checks]\n{checks}\n\n"
        "[kopscheck.reporters]\noneline = site_plugin:OneLineReporter\n"
        "older = site_plugin:OlderReporter\n"
    )


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def install(checks: str = "example = site_plugin:PodCidrAssigned") -> None:
        _install(tmp_path, checks)
        monkeypatch.syspath_prepend(str(tmp_path))

    return install


def test_a_plugin_check_runs_beside_the_built_ins(
    plugin: Callable[[str], None], run_cli: Callable[..., CliOutcome]
) -> None:
    plugin("example = site_plugin:PodCidrAssigned")
    catalog = json.loads(run_cli("checks", "-o", "json").stdout)
    assert catalog[-1]["id"] == "example.pod-cidr-assigned"
    assert catalog[-1]["codes"] == {
        "example.pod-cidr-assigned/no-pod-cidr": "the node has no pod CIDR"
    }
    kubenet = run_cli("check", "--bundle", str(DEMO_ROOT / "kubenet-route-limit"), "-o", "json")
    assert kubenet.code == 1, kubenet.stderr  # the demo's full route table, not the plugin
    result = {r["check"]: r for r in json.loads(kubenet.stdout)["results"]}[
        "example.pod-cidr-assigned"
    ]
    assert (result["status"], result["summary"]) == ("pass", "all 60 nodes have a pod CIDR")
    calico = json.loads(run_cli("check", "--bundle", HEALTHY, "-o", "json").stdout)
    result = {r["check"]: r for r in calico["results"]}["example.pod-cidr-assigned"]
    assert (result["status"], result["skip_reason"]) == ("skip", "not-applicable")


def test_explain_reads_a_plugin_checks_docstring(
    plugin: Callable[[str], None], run_cli: Callable[..., CliOutcome]
) -> None:
    # the catalog data holds the built-ins only: with a plugin installed, the checks are loaded
    plugin("example = site_plugin:PodCidrAssigned")
    outcome = run_cli("explain", "example.pod-cidr-assigned/no-pod-cidr")
    assert outcome.code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert lines[:4] == [
        "example.pod-cidr-assigned/no-pod-cidr: the node has no pod CIDR",
        "",
        "example.pod-cidr-assigned: Every node has a pod CIDR",
        "family: example",
    ]
    assert "Why: with kubenet, the route controller writes one VPC route per node's pod CIDR;" in (
        outcome.stdout
    )


def test_a_plugin_reporter_renders_what_it_declares(
    plugin: Callable[[str], None], run_cli: Callable[..., CliOutcome]
) -> None:
    plugin("example = site_plugin:PodCidrAssigned")
    every = len(BUILTIN_CHECKS) + 1  # the built-ins and the plugin's
    assert (
        run_cli("check", "--bundle", HEALTHY, "-o", "oneline").stdout == f"pass: {every} checks\n"
    )
    listed = run_cli("checks", "-o", "oneline").stdout.split()
    assert listed[0] == "kops.networking-supported" and listed[-1] == "example.pod-cidr-assigned"
    older = run_cli("checks", "-o", "older")
    assert (older.code, older.stderr) == (
        2,
        "kopscheck: error: --output: 'older' cannot render the check catalog (use table, json,"
        " yaml, markdown)\n",
    )
    assert run_cli("check", "--bundle", HEALTHY, "-o", "older").stdout == "older\n"


def test_a_plugin_check_without_finding_codes_still_loads_and_runs(
    plugin: Callable[[str], None], run_cli: Callable[..., CliOutcome]
) -> None:
    plugin("listed = site_plugin:NodesListed")
    catalog = json.loads(run_cli("checks", "-o", "json").stdout)
    assert (catalog[-1]["id"], catalog[-1]["codes"]) == ("site.nodes-listed", {})
    outcome = run_cli("check", "--bundle", HEALTHY, "-o", "json")
    assert outcome.code == 0, outcome.stderr
    result = {r["check"]: r for r in json.loads(outcome.stdout)["results"]}["site.nodes-listed"]
    assert (result["status"], result["summary"]) == ("pass", "4 nodes listed")


def test_a_plugin_that_is_not_a_check_is_one_line_and_exit_2(
    plugin: Callable[[str], None], run_cli: Callable[..., CliOutcome]
) -> None:
    plugin("broken = site_plugin:NotACheck")
    outcome = run_cli("check", "--bundle", HEALTHY)
    assert outcome.code == 2
    assert outcome.stderr.startswith(
        "kopscheck: error: site_plugin.NotACheck is not a valid kopscheck check (subclass"
    )
