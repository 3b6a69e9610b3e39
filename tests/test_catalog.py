"""Walk the registry: ids, documentation, declared facts, and a real fail and pass per check."""

from __future__ import annotations

from pathlib import Path

import pytest
from check_scenarios import SCENARIOS, bundle

from kopscheck.checkapi.check import CHECK_ID, Check, check_doc
from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import Selection, run_check
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import Fact
from kopscheck.model.results import Status

CONTRACT_IDS = {
    "kops.networking-supported",
    "kubelet.network-plugin",
    "cni.provider-deployed",
    "cni.provider-healthy",
    "cni.node-config",
    "node.network-ready",
    "dns.rollout",
    "dns.resolution",
    "net.connectivity",
    "pod.lifecycle",
    "pod.node-logs",
    "pod.sandbox-errors",
    "aws.route-table-capacity",
    "aws.route-table-health",
    "node.kube-proxy",
    "aws.source-dest-check",
}
CHECKS = load_checks(include_plugins=False)


def test_ids_are_unique_and_from_the_contract_catalog() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    assert set(ids) <= CONTRACT_IDS


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_check_is_well_formed_and_documented(check: Check) -> None:
    assert isinstance(check, Check)
    assert CHECK_ID.match(check.id)
    assert check.id.split(".")[0] == check.family
    assert (
        type(check).__module__
        == f"kopscheck_checks.{check.family}.{check.id.split('.')[1].replace('-', '_')}"
    )
    doc = check_doc(check)
    assert doc.title and not doc.title.endswith(".")
    assert len(doc.why) > 40 and len(doc.fix) > 40
    assert doc.step, "name the origin document's step (or say which DESIGN rule it implements)"
    assert check.needs and all(isinstance(f, Fact) for f in check.needs)
    assert all(isinstance(f, Fact) for f in check.wants)
    assert not check.needs & check.wants
    assert {str(s) for s in check.explains} <= {s.value for s in Signal}


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_check_really_fails_and_passes_on_realistic_bundles(check: Check, tmp_path: Path) -> None:
    assert check.id in SCENARIOS, f"add a failing and a passing bundle for {check.id}"
    failing, passing = SCENARIOS[check.id]
    failed = run_check(
        check, CheckContext(read_bundle(bundle(failing, tmp_path / "fail"))), Selection()
    )
    assert failed.status is Status.FAIL, failed.summary
    passed = run_check(
        check, CheckContext(read_bundle(bundle(passing, tmp_path / "pass"))), Selection()
    )
    assert passed.status is Status.PASS, passed.summary
