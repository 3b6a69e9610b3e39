"""Flags judged before any work: impossible values exit 2, flags the source ignores warn."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT

HEALTHY = str(DEMO_ROOT / "healthy")


def test_unknown_networking_mode_exits_2_listing_the_known_ones(
    run_cli: Callable[..., CliOutcome],
) -> None:
    outcome = run_cli("check", "--bundle", HEALTHY, "--networking", "calcio")
    assert (outcome.code, outcome.stdout) == (2, "")
    [line] = outcome.stderr.strip().splitlines()
    assert line.startswith("kopscheck: error: --networking: unknown networking mode 'calcio';")
    assert "known: kubenet, cni, calico, cilium," in line
    assert "flannel-vxlan" in line and ", ," not in line


@pytest.mark.parametrize("mode", ["calico", "flannel-vxlan", "Kubenet"])
def test_known_modes_and_aliases_are_accepted(
    run_cli: Callable[..., CliOutcome], mode: str
) -> None:
    outcome = run_cli("check", "--bundle", HEALTHY, "--networking", mode, "-o", "json")
    assert outcome.code in (0, 1), outcome.stderr
    assert "unknown networking mode" not in outcome.stderr


def test_a_context_not_in_the_kubeconfig_lists_the_ones_that_are(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    config = tmp_path / "kubeconfig"
    names = ["prod.k8s.example.com", "staging.k8s.example.com"]
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {"name": n, "cluster": {"server": "https://127.0.0.1:1"}} for n in names
                ],
                "users": [{"name": n, "user": {"token": "t"}} for n in names],
                "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in names],
                "current-context": names[0],
            }
        )
    )
    outcome = run_cli("check", "--kubeconfig", str(config), "--context", "nope")
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        f"kopscheck: error: {config}: context 'nope' is not in the kubeconfig; its contexts:"
        " prod.k8s.example.com, staging.k8s.example.com\n"
    )


def test_live_only_flags_with_a_bundle_warn_on_stderr_and_the_report_stays_clean(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KOPS_STATE_STORE", raising=False)
    outcome = run_cli(
        "check", "--bundle", HEALTHY, "--state-store", "s3://kops-state", "--region", "eu-west-1",
        "--wait", "1s", "--count", "1", "-o", "json",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["status"] == "pass"
    warnings = [line for line in outcome.stderr.splitlines() if "warning:" in line]
    assert warnings == [
        "kopscheck: warning: --state-store is ignored with --bundle: it applies to live clusters",
        "kopscheck: warning: --region is ignored with --bundle: it applies to live clusters",
        "kopscheck: warning: --wait re-reads the --bundle input, which does not change by"
        " itself: waiting only helps if something rewrites it",
    ]


def test_a_state_store_from_the_environment_is_not_warned_about(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOPS_STATE_STORE", "s3://kops-state")
    outcome = run_cli("check", "--bundle", HEALTHY, "-o", "json")
    assert outcome.code == 0
    assert "warning" not in outcome.stderr
