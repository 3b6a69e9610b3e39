"""The JSON report is CONTRACT §3 and validates against reports/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks

SCHEMA = json.loads((Path(__file__).parents[1] / "reports" / "report.schema.json").read_text())


@pytest.mark.parametrize("scenario", ["cni-no-provider", "healthy"])
def test_bundle_report_is_schema_valid(run_cli: Callable[..., CliOutcome], scenario: str) -> None:
    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / scenario), "--output", "json")
    doc = json.loads(outcome.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert [r["check"] for r in doc["results"]] == [c.id for c in load_checks()]
    assert sum(doc["counts"].values()) == len(doc["results"])
    assert doc["target"]["source"] == "bundle"


def test_failing_report_names_objects_evidence_and_causes(
    run_cli: Callable[..., CliOutcome],
) -> None:
    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / "cni-no-provider"), "--output", "json")
    assert outcome.code == 1
    doc = json.loads(outcome.stdout)
    assert doc["schema"] == "kopscheck/report/v1"
    assert doc["status"] == "fail"
    assert doc["target"] == {
        "cluster": "cni-demo.k8s.local",
        "source": "bundle",
        "kubernetes_version": "v1.32.4",
        "networking": "cni",
        "networking_source": "kops spec",
        "kubernetes_version_source": "API server",
    }
    results = {r["check"]: r for r in doc["results"]}
    nodes = results["node.network-ready"]
    assert nodes["status"] == "fail"
    assert {f["object"]["name"] for f in nodes["findings"]} == {
        "i-0a1b2c3d4e5f60001",
        "i-0a1b2c3d4e5f60002",
        "i-0a1b2c3d4e5f60003",
        "i-0a1b2c3d4e5f60004",
    }
    first = nodes["findings"][0]
    assert first["object"] == {"kind": "Node", "namespace": None, "name": "i-0a1b2c3d4e5f60001"}
    assert first["evidence"]["reason"] == "KubeletNotReady"
    assert "cni-not-initialized" in first["signals"]
    dns = results["dns.rollout"]
    assert dns["status"] == "fail"
    assert "node.network-ready" in dns["caused_by"]
    pods = {f["object"]["name"]: f for f in dns["findings"] if f["object"]["kind"] == "Pod"}
    assert set(pods) == {"coredns-7d8f9c6b5-4xk2m", "coredns-7d8f9c6b5-p9wqz"}
    assert (
        "node.kubernetes.io/not-ready" in pods["coredns-7d8f9c6b5-4xk2m"]["evidence"]["scheduling"]
    )
    assert dns["remediation"].startswith("Look at why each DNS pod listed is not ready")
    assert doc["root_causes"][0] != "dns.rollout"
    assert "dns.rollout" not in doc["root_causes"]


def test_healthy_report_passes_and_exits_0(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / "healthy"), "--output", "json")
    doc = json.loads(outcome.stdout)
    assert outcome.code == 0, doc
    assert doc["status"] == "pass"
    assert doc["root_causes"] == []
    statuses = {r["check"]: r["status"] for r in doc["results"]}
    assert statuses["node.network-ready"] == "pass"
    assert statuses["dns.rollout"] == "pass"
    assert all(r["remediation"] is None for r in doc["results"] if r["status"] == "pass")


def test_json_goes_to_stdout_and_progress_to_stderr(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("demo", "--output", "json")
    json.loads(outcome.stdout)
    assert "kopscheck demo:" in outcome.stderr
    assert outcome.code == 1
