"""The terminal report a person in trouble reads: one screen, verdict/root cause/fix last."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT

NODES = {f"i-0a1b2c3d4e5f6000{n}" for n in range(1, 5)}
ALL_CHECKS = (
    "kops.networking-supported", "kubelet.network-plugin", "cni.provider-deployed",
    "cni.provider-healthy", "cni.node-config", "node.network-ready", "dns.rollout",
    "pod.sandbox-errors", "pod.node-logs", "aws.route-table-capacity", "aws.route-table-health",
)  # fmt: skip


def _demo(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch, width: int, *args: str
) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(width))
    outcome = run_cli("demo", *args)
    assert outcome.code == 1, outcome.stderr
    return outcome.stdout.rstrip("\n").splitlines()


@pytest.mark.parametrize("width", [80, 100, 120])
def test_origin_case_fits_one_screen_and_ends_with_verdict_cause_and_fix(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    lines = _demo(run_cli, monkeypatch, width)
    if width >= 100:
        assert len(lines) <= 45, "\n".join(lines)
    assert all(len(line) <= width for line in lines)
    tail = "\n".join(lines[-9:])
    verdict = next(i for i, line in enumerate(lines) if line.startswith("Verdict: FAIL  (exit 1)"))
    assert verdict >= len(lines) - 9
    assert lines[verdict + 1].startswith("Root cause: cni.provider-deployed: networking is `cni`")
    assert "\nFix: Deploy a CNI provider (calico, cilium, ...) as its documentation" in tail
    assert lines[-1].endswith("https://kops.sigs.k8s.io/networking/")
    text = "\n".join(lines)
    # node ids are never cut or wrapped: every token that starts like one is a whole one
    assert set(re.findall(r"i-0a1b\w*", text)) <= NODES
    assert "i-0a1b2c3d4e5f60001 +3 more" in text
    assert "←" not in text and "CONTRACT" not in text and "origin document" not in text.lower()


def test_passing_and_skipped_checks_fold_into_one_line(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _demo(run_cli, monkeypatch, 100)
    assert "Other checks: 4 pass, 4 not applicable, 3 need --probe (--show-all lists them)" in lines
    text = "\n".join(lines)
    assert "pod.sandbox-errors" not in text and "aws.route-table-health" not in text


@pytest.mark.parametrize("flag", ["--show-all", "-v"])
def test_show_all_lists_every_check(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    text = "\n".join(_demo(run_cli, monkeypatch, 120, flag))
    assert all(check in text for check in ALL_CHECKS)
    assert "Other checks:" not in text


def test_select_leaves_the_other_checks_out(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\n".join(_demo(run_cli, monkeypatch, 100, "--select", "cni.provider-deployed,node"))
    assert "dns.rollout" not in text and "pod.node-logs" not in text
    assert "kubelet.network-plugin" not in text
    assert "not selected" not in text


def test_advice_follows_the_finding_not_the_check(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--networking kubenet` on a healthy calico cluster: the findings say calico is valid
    # and running, so the advice is about the flag, not a migration or a missing provider.
    monkeypatch.setenv("COLUMNS", "100")
    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / "healthy"), "--networking", "kubenet")
    text = outcome.stdout
    assert "Migrate to a networking mode kops supports" not in text
    assert "deploy the CNI provider" not in text.lower()
    assert "Fix: `--networking` names another mode than the kops spec: drop the flag" in text
    # Markdown escapes every backtick of the text (data and prose share the strings)
    for format_, quoted in (("markdown", "\\`--networking\\`"), ("junit", "`--networking`")):
        other = run_cli(
            "check", "--bundle", str(DEMO_ROOT / "healthy"), "--networking", "kubenet",
            "-o", format_,
        )  # fmt: skip
        assert "migrate to a networking mode kops supports" not in other.stdout.lower()
        assert f"{quoted} names another mode than the kops spec" in other.stdout


def test_an_unrecognised_bundle_is_one_line_not_a_list_of_skips(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "notes.txt").write_text("support ticket 4711\n")
    outcome = run_cli("check", "--bundle", str(tmp_path))
    assert outcome.code == 3
    lines = outcome.stdout.strip().splitlines()
    assert lines[2] == "Verdict: ERROR (exit 3) · 16 skip · --fail-on fail"
    assert " ".join(" ".join(lines[3:]).split()) == (
        f"Note: {tmp_path}: not a kopscheck bundle: expected cluster-info/ (kubectl cluster-info"
        " dump --output-directory), kops/, aws/ or nodes/; it holds notes.txt"
    )
