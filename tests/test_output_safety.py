"""A baseline is only written from a completed scan; no output replaces what the run reads."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT

LOOP = DEMO_ROOT / "coredns-loop"


def _good_baseline(run_cli: Callable[..., CliOutcome], path: Path) -> str:
    outcome = run_cli("check", "--bundle", str(LOOP), "--write-baseline", str(path))
    assert outcome.code == 0, outcome.stderr
    text = path.read_text()
    assert json.loads(text)["findings"]  # the loop's findings are known
    return text


def test_write_baseline_from_a_scan_that_read_nothing_keeps_the_good_one(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    path = tmp_path / "baseline.json"
    good = _good_baseline(run_cli, path)
    empty = tmp_path / "empty-bundle"
    empty.mkdir()
    outcome = run_cli("check", "--bundle", str(empty), "--write-baseline", str(path))
    assert outcome.code == 3
    assert path.read_text() == good
    assert (
        f"kopscheck: --write-baseline {path} not written: the scan did not complete (status"
        f" error: {empty}: not a kopscheck bundle:" in " ".join(outcome.stderr.split())
    )
    assert f"{path} left unchanged" in " ".join(outcome.stderr.split())


def test_write_baseline_from_a_fleet_with_an_unscanned_cluster_keeps_the_good_one(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    path = tmp_path / "baseline.json"
    good = _good_baseline(run_cli, path)
    empty = tmp_path / "empty-bundle"
    empty.mkdir()
    outcome = run_cli(
        "check", "--bundle", str(LOOP), "--bundle", str(empty), "--write-baseline", str(path)
    )
    assert outcome.code == 1  # the fleet's worst: the loop fails (CONTRACT §2)
    assert path.read_text() == good
    assert (
        f"--write-baseline {path} not written: the scan did not complete (status error:"
        in " ".join(outcome.stderr.split())
    )


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        pytest.param(
            ["--dump", "{dump}", "--out", "{dump}"], "--dump {dump}", id="out-is-the-dump"
        ),
        pytest.param(
            ["--bundle", "{bundle}", "--out", "{bundle}/cluster-info/nodes.json"],
            "inside --bundle {bundle}",
            id="out-inside-the-bundle",
        ),
        pytest.param(
            ["--bundle", "{bundle}", "--baseline", "{baseline}", "--out", "{baseline}"],
            "--baseline {baseline}",
            id="out-is-the-baseline",
        ),
        pytest.param(
            ["--bundle", "{bundle}", "--write-baseline", "{baseline}", "--out", "{baseline}"],
            "--write-baseline {baseline}",
            id="out-is-the-baseline-being-written",
        ),
        pytest.param(
            ["--dump", "{dump}", "--write-baseline", "{dump}"],
            "--dump {dump}",
            id="write-baseline-over-the-dump",
        ),
    ],
)
def test_an_output_naming_an_input_is_refused_before_the_scan(
    run_cli: Callable[..., CliOutcome], tmp_path: Path, flags: list[str], named: str
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(LOOP, bundle)
    dump = tmp_path / "dump.txt"
    dump.write_text("{}")
    baseline = tmp_path / "baseline.json"
    _good_baseline(run_cli, baseline)
    places = {"bundle": str(bundle), "dump": str(dump), "baseline": str(baseline)}
    before = {p: p.read_bytes() for p in (dump, baseline, bundle / "cluster-info" / "nodes.json")}
    args = [f.format(**places) for f in flags]
    outcome = run_cli("check", *args)
    assert outcome.code == 2
    flag = args[-2]
    assert outcome.stderr == (
        f"kopscheck: error: {flag} {args[-1]}: is {named.format(**places)}, which this run reads;"
        " write the output somewhere else\n"
    )
    assert {p: p.read_bytes() for p in before} == before


KUBECONFIG_TEXT = """apiVersion: v1
kind: Config
clusters:
- name: prod.k8s.example.com
  cluster: {server: "https://api.prod.k8s.example.com"}
contexts:
- name: prod.k8s.example.com
  context: {cluster: prod.k8s.example.com, user: prod.k8s.example.com}
current-context: prod.k8s.example.com
users:
- name: prod.k8s.example.com
  user: {token: kubeconfig-token-not-to-lose}
"""


@pytest.mark.parametrize(
    ("flag", "env", "which", "named"),
    [
        pytest.param(
            "--out", None, "home", "the kubeconfig {home} (~/.kube/config)", id="out-home-config"
        ),
        pytest.param(
            "--write-baseline",
            None,
            "home",
            "the kubeconfig {home} (~/.kube/config)",
            id="write-baseline-home-config",
        ),
        pytest.param(
            "--out",
            "{first}:{second}",
            "second",
            "the kubeconfig {second} (KUBECONFIG lists it)",
            id="out-second-kubeconfig-listed",
        ),
        pytest.param(
            "--write-baseline",
            "{first}:{second}",
            "first",
            "the kubeconfig {first} (KUBECONFIG lists it)",
            id="write-baseline-first-kubeconfig-listed",
        ),
        pytest.param(
            "--out",
            "{first}",
            "home",
            "the kubeconfig {home} (~/.kube/config)",
            id="out-home-config-while-kubeconfig-names-another",
        ),
        pytest.param(
            "--out", None, "link", "the kubeconfig {home} (~/.kube/config)", id="out-a-symlink"
        ),
    ],
)
def test_an_output_naming_a_kubeconfig_is_refused_before_the_scan(
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    env: str | None,
    which: str,
    named: str,
) -> None:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    files = {
        "home": home / ".kube" / "config",
        "first": tmp_path / "prod.kubeconfig",
        "second": tmp_path / "staging.kubeconfig",
    }
    for path in files.values():
        path.write_text(KUBECONFIG_TEXT)
    (tmp_path / "link").symlink_to(files["home"])
    files["link"] = tmp_path / "link"
    places = {k: str(v) for k, v in files.items()}
    monkeypatch.setenv("HOME", str(home))
    if env is None:
        monkeypatch.delenv("KUBECONFIG", raising=False)
    else:
        monkeypatch.setenv("KUBECONFIG", env.format(**places))
    before = {p: p.read_bytes() for p in files.values()}
    outcome = run_cli("check", "--bundle", str(LOOP), flag, places[which])
    assert (outcome.code, outcome.stdout, outcome.stderr) == (
        2,
        "",
        f"kopscheck: error: {flag} {places[which]}: is {named.format(**places)};"
        " write the output somewhere else\n",
    )
    assert {p: p.read_bytes() for p in files.values()} == before


def test_out_over_the_kubeconfig_flag_is_refused_as_an_input(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "prod.kubeconfig"
    kubeconfig.write_text(KUBECONFIG_TEXT)
    outcome = run_cli("check", "--kubeconfig", str(kubeconfig), "--out", str(kubeconfig))
    assert (outcome.code, outcome.stderr) == (
        2,
        f"kopscheck: error: --out {kubeconfig}: is --kubeconfig {kubeconfig}, which this run"
        " reads; write the output somewhere else\n",
    )
    assert kubeconfig.read_text() == KUBECONFIG_TEXT
