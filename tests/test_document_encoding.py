"""What the document fuzzing (tests/test_fuzz_documents.py) found, each as its own case: the
provision run's Markdown printed kops's leftover resources, the run log and kubeconfig paths
and the interrupting signal raw; the check catalog printed a plugin's strings raw in YAML
(non-ASCII kept), Markdown (the id's code span, the facts it needs), the table (needs) and
`kopscheck explain`."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import yaml

from kopscheck.model.catalog import Catalog, CatalogEntry
from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.fleet import ClusterOutcome, FleetReport
from kopscheck.model.provision import (
    ProvisionedCluster,
    ProvisionReport,
    ProvisionStep,
    ProvisionTeardown,
)
from kopscheck.model.results import Status
from kopscheck.reporters.catalog import explain_text, write_markdown, write_table, write_yaml
from kopscheck.reporters.markdown import render_provision_markdown
from tests.hostile_reports import CORPUS, assert_no_structure_from_data, raw_controls

NOW = datetime(2026, 11, 27, 10, 12, tzinfo=UTC)


def _run(resource: str, path: str, signal: str) -> ProvisionReport:
    cluster = "calico.gate.k8s.local"
    run = ProvisionedCluster(
        mode="calico",
        cluster=cluster,
        steps=(ProvisionStep("create", f"kops create cluster --name {cluster}", "ok", 41.2, 0),),
        teardown=ProvisionTeardown(
            "always", "delete failed", "kops delete cluster exited 1", (resource,)
        ),
        run_log=f"{path}/kops.log",
        exit_code=ExitCode.SCAN_INCOMPLETE,
        interrupted_by=signal,
        kubeconfig=f"{path}/kubeconfig",
    )
    fleet = FleetReport((ClusterOutcome(cluster, None, "interrupted"),), Status.FAIL, NOW)
    return ProvisionReport(fleet, (run,))


def test_provision_markdown_encodes_left_resources_paths_and_the_signal() -> None:
    hostile = render_provision_markdown(
        _run(f"security-group:{CORPUS['osc8-link']}", CORPUS["newline-heading"], CORPUS["c0"])
    )
    clean = render_provision_markdown(_run("security-group:sg-0a1b2c3d", "runs/gate", "SIGINT"))
    assert raw_controls(hostile) == []
    assert_no_structure_from_data(clean, hostile)
    # Markdown source: each escape's backslash escaped, so the page shows `\x1b`, `\n`
    assert r"- **Left behind:** security-group:\\x1b\]8;;https://evil.example/" in hostile
    assert r"- **kops run log:** web\\n\#\# kopscheck: ✅ pass\\n/kops.log" in hostile
    assert r"- **Interrupted by:** a\\x00b\\x07c\\x08d\\x0be\\x1ff" in hostile
    assert "- **Left behind:** `security-group:sg-0a1b2c3d`" in clean
    assert "- **kops run log:** `runs/gate/kops.log`" in clean


def _entry(text: str) -> CatalogEntry:
    return CatalogEntry(
        id=f"plugin.{text}",
        title=f"Pods reach {text}",
        family="plugin",
        needs=(f"pods{text}",),
        wants=(),
        codes={f"plugin.{text}/down": f"{text} is down"},
        why=f"Why {text}",
        fix=f"Fix {text}",
        body=f"Body line one\n{text}",
    )


def test_catalog_from_a_plugin_prints_no_control_character_in_any_format() -> None:
    catalog = Catalog((_entry(CORPUS["csi-hide"] + "\U00018cd6`|"),))
    outputs = {}
    for name, writer in (("yaml", write_yaml), ("markdown", write_markdown)):
        out = StringIO()
        writer(catalog, out)
        outputs[name] = out.getvalue()
    out = StringIO()
    write_table(catalog, out, width=100)
    outputs["table"] = out.getvalue()
    outputs["explain"] = explain_text(catalog.entries[0], "https://kops.sigs.k8s.io/")
    assert {name: raw_controls(text) for name, text in outputs.items() if raw_controls(text)} == {}
    assert yaml.safe_load(outputs["yaml"])[0]["title"] == catalog.entries[0].title
    row = outputs["markdown"].splitlines()[2]
    assert row.count(" | ") == 3 and not row.startswith("| `")  # no code span to break out of
    assert "Body line one\n" in outputs["explain"]  # the docstring keeps its lines


def test_catalog_markdown_keeps_a_plain_check_id_as_code() -> None:
    out = StringIO()
    write_markdown(Catalog((_entry("dns"),)), out)
    assert out.getvalue().splitlines()[2] == (
        "| `plugin.dns` | plugin | Pods reach dns | podsdns |"
    )
