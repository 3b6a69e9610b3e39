"""The networking fixture bundles: up to date with their generator, and diagnosed by evidence.

Each bundle shows one failure; the report must lead with the check that names it and fold the
symptoms under it (CONTRACT §3 `root_causes`, `caused_by`).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import Report, Status

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CHECKS = load_checks(include_plugins=False)


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "make_network_fixtures", ROOT / "tools" / "make_network_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_network_fixtures", module)
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_committed_fixtures_match_their_generator(tmp_path: Path) -> None:
    generator = _generator()
    generator.main(tmp_path)  # type: ignore[attr-defined]
    names = sorted(generator.SCENARIOS)  # type: ignore[attr-defined]
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == names
    for name in names:
        assert _files(tmp_path / name) == _files(FIXTURES / name), (
            f"regenerate: python tools/make_network_fixtures.py ({name})"
        )


def _report(root: Path) -> Report:
    return build_report(read_bundle(root), CHECKS)


def _failing(report: Report) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        r.check: (r.status.value, r.caused_by)
        for r in report.results
        if r.status in (Status.FAIL, Status.WARN)
    }


def test_origin_document_case_traces_everything_to_the_missing_provider() -> None:
    report = _report(DEMO_ROOT / "cni-no-provider")
    assert report.root_causes == ("cni.provider-deployed",)
    failing = _failing(report)
    assert failing["cni.provider-deployed"] == ("fail", ())
    assert "cni.provider-deployed" in failing["node.network-ready"][1]
    assert "node.network-ready" in failing["dns.rollout"][1]
    assert report.result("kubelet.network-plugin").status is Status.PASS
    assert report.result("cni.provider-healthy").status is Status.SKIP  # nothing to judge
    for check in (
        "cni.node-config",
        "pod.node-logs",
    ):
        assert "cni.provider-deployed" in failing[check][1], check
    assert report.result("kops.networking-supported").status is Status.PASS
    assert report.result("pod.sandbox-errors").status is Status.PASS


@pytest.mark.parametrize(
    ("bundle", "roots", "failing"),
    [
        pytest.param(
            "calico-bgp-not-established",
            ("cni.provider-healthy",),
            {"cni.provider-healthy": ("fail", ())},
            id="calico-bgp",
        ),
        pytest.param(
            "kubelet-network-plugin-after-1.24",
            ("kubelet.network-plugin",),
            {
                "kubelet.network-plugin": ("fail", ()),
                "node.network-ready": ("fail", ("kubelet.network-plugin",)),
                "cni.provider-healthy": ("fail", ("node.network-ready",)),
            },
            id="kubelet-flag-after-1.24",
        ),
        pytest.param(
            "weave-upgrade-to-1.23",
            ("kops.networking-supported",),
            {"kops.networking-supported": ("fail", ())},
            id="weave-upgrade",
        ),
        pytest.param(
            "aws-vpc-ip-exhausted",
            ("pod.sandbox-errors", "cni.provider-healthy"),
            {
                "pod.sandbox-errors": ("fail", ()),
                "pod.node-logs": ("fail", ("pod.sandbox-errors",)),
                "cni.provider-healthy": ("warn", ()),
            },
            id="aws-ip-exhausted",
        ),
    ],
)
def test_fixture_is_diagnosed_by_evidence(
    bundle: str, roots: tuple[str, ...], failing: dict[str, tuple[str, tuple[str, ...]]]
) -> None:
    report = _report(FIXTURES / bundle)
    assert report.root_causes == roots
    assert _failing(report) == failing


@pytest.mark.parametrize(
    "root",
    [DEMO_ROOT / "cni-no-provider", *sorted(p for p in FIXTURES.iterdir() if p.is_dir())],
    ids=lambda p: p.name,
)
def test_causes_never_form_a_cycle(root: Path) -> None:
    report = _report(root)
    causes = {r.check: set(r.caused_by) for r in report.results}

    def upstream(check: str) -> set[str]:
        found: set[str] = set()
        frontier = list(causes[check])
        while frontier:
            cause = frontier.pop()
            if cause not in found:
                found.add(cause)
                frontier += causes[cause]
        return found

    assert [c for c in causes if c in upstream(c)] == []
    assert all(not causes[root_cause] for root_cause in report.root_causes)


def test_healthy_demo_raises_no_alarm() -> None:
    report = _report(DEMO_ROOT / "healthy")
    alarms = (Status.FAIL, Status.WARN, Status.ERROR)
    assert [(r.check, r.status) for r in report.results if r.status in alarms] == []
    skipped = {r.check for r in report.results if r.status is Status.SKIP}
    # no aws/ files; a bundle holds no probe outcomes; calico routes no bare pod packets
    assert skipped <= {
        "aws.route-table-capacity",
        "aws.route-table-health",
        "aws.source-dest-check",
        "dns.resolution",
        "pod.lifecycle",
    }


@pytest.mark.parametrize(("scenario", "code"), [("cni-no-provider", 1), ("healthy", 0)])
def test_demo_exit_codes(run_cli: Callable[..., CliOutcome], scenario: str, code: int) -> None:
    assert run_cli("demo", scenario, "--output", "json").code == code


def test_fixture_bundle_exit_code_and_root_cause_in_json(
    run_cli: Callable[..., CliOutcome],
) -> None:
    import json

    outcome = run_cli(
        "check", "--bundle", str(FIXTURES / "kubelet-network-plugin-after-1.24"), "--output", "json"
    )
    assert outcome.code == 1
    doc = json.loads(outcome.stdout)
    assert doc["root_causes"] == ["kubelet.network-plugin"]
    assert (
        doc["target"]["networking"] == "calico"
        and doc["target"]["networking_source"] == "kops spec"
    )
    result = next(r for r in doc["results"] if r["check"] == "kubelet.network-plugin")
    [finding] = [f for f in result["findings"] if f["status"] == "fail"]
    assert finding["object"] == {
        "kind": "Kubelet",
        "namespace": None,
        "name": "i-0c1a0000000000004",
    }
    assert finding["evidence"]["flag_source"] == "/etc/sysconfig/kubelet DAEMON_ARGS"
    assert "--network-plugin=cni" in finding["evidence"]["flag_line"]
