"""A provision run in every `-o` format, through the reporter registry like every report.

The run is a matrix against the stand-in kops: `calico-<name>` is created, validated, gated
and deleted; `cni-<name>` fails at `kops create cluster` (kops's real "cannot determine hash"
output) and has no gate report. Each format is read back as data (JSON, YAML), parsed with
xml.etree (JUnit) or as text (Markdown, the terminal), and its content asserted exactly.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cli_outcome import CliOutcome
from fake_apiserver import FakeApiServer
from provision_env import FakeKops

REPORTS = Path(__file__).parents[2] / "reports"
FLEET_SCHEMA = json.loads((REPORTS / "fleet.schema.json").read_text())
NAME = "formats.k8s.local"
CALICO, CNI = f"calico-{NAME}", f"cni-{NAME}"
KOPS_ERROR = (
    'Error: cannot determine hash for "https://artifacts.k8s.io/binaries/kops/1.32.0/linux/'
    'amd64/nodeup" (have you specified a valid file location?)'
)


@pytest.fixture
def matrix_run(
    fake_kops: FakeKops,
    aws_credentials: None,
    api_server: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> Callable[[str], tuple[CliOutcome, str]]:
    """Run the matrix with `-o FORMAT --out FILE`; the outcome and the file's text."""
    fake_kops.play(validate="settle", per_cluster={CNI: {"create": "asset-hash-error"}})
    fake_kops.serve(CALICO, api_server("healthy", kubelet_quiet=True))  # the gate warns

    def run(output: str) -> tuple[CliOutcome, str]:
        out = tmp_path / f"report.{output}"
        outcome = run_cli(
            "provision", "--name", NAME, "--zones", "us-east-1a", "--networking", "calico,cni",
            "--node-size", "t3.medium", "--node-count", "2", "--state-store",
            fake_kops.state_store, "--no-aws", "--parallel", "2", "--run-dir",
            str(tmp_path / "run"), "-o", output, "--out", str(out),
        )  # fmt: skip
        assert outcome.code == 3, outcome.stderr  # kops failed for cni: provision's 3
        return outcome, out.read_text()

    return run


def _check_document(doc: dict[str, Any], run_dir: Path) -> None:
    """The provision document, the same whether read from JSON or YAML."""
    jsonschema.validate(doc, FLEET_SCHEMA)
    assert (doc["schema"], doc["status"], doc["exit_code"]) == ("kopscheck/fleet/v1", "error", 3)
    calico, cni = doc["clusters"]
    assert (calico["name"], calico["status"], calico["exit_code"]) == (CALICO, "warn", 0)
    assert (cni["name"], cni["status"], cni["exit_code"], cni["report"]) == (CNI, "error", 3, None)
    assert cni["error"].startswith("kops create exited 1 after ")
    assert cni["error"].endswith(KOPS_ERROR)
    assert calico["report"]["target"]["networking"] == "calico"
    # the gate report's notes hold the scan's own notes only: the provision story is structured
    assert not [n for n in calico["report"]["notes"] if n.startswith("provision:")]
    assert [(s["step"], s["outcome"], s["exit_code"]) for s in calico["provision"]["steps"]] == [
        ("create", "ok", 0),
        ("update", "ok", 0),
        ("export kubecfg", "ok", 0),
        ("validate", "ok", 0),
        ("check", "ok", 0),
    ]
    assert calico["provision"]["steps"][-1]["detail"] == "warn"  # the gate's status
    [create] = cni["provision"]["steps"]
    assert (create["step"], create["outcome"], create["exit_code"]) == ("create", "failed", 1)
    assert create["detail"].splitlines()[-1] == KOPS_ERROR
    for entry, mode in ((calico, "calico"), (cni, "cni")):
        provision = entry["provision"]
        assert (provision["mode"], provision["cluster"]) == (mode, entry["name"])
        assert (provision["teardown"]["policy"], provision["teardown"]["action"]) == (
            "always",
            "deleted",
        )
        assert provision["run_log"] == str(run_dir / f"{entry['name']}.log")
        assert provision["kubeconfig"] is None  # deleted with the cluster
    assert (calico["provision"]["validated"], cni["provision"]["validated"]) == (True, False)


def test_json(matrix_run: Callable[[str], tuple[CliOutcome, str]], tmp_path: Path) -> None:
    _, text = matrix_run("json")
    _check_document(json.loads(text), tmp_path / "run")


def test_yaml_is_the_same_document(
    matrix_run: Callable[[str], tuple[CliOutcome, str]], tmp_path: Path
) -> None:
    _, text = matrix_run("yaml")
    _check_document(yaml.safe_load(text), tmp_path / "run")


def test_junit(matrix_run: Callable[[str], tuple[CliOutcome, str]]) -> None:
    _, text = matrix_run("junit")
    root = ET.fromstring(text)
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == [
        f"kopscheck provision {CALICO}",
        f"kopscheck {CALICO}",  # the gate's suite, as `check -o junit` writes it
        f"kopscheck provision {CNI}",  # no gate suite: the cluster was never gated
    ]

    def cases(suite: ET.Element) -> list[tuple[str | None, str | None]]:
        return [
            (case.get("name"), next((child.tag for child in case), None))
            for case in suite.iter("testcase")
        ]

    calico, cni = suites[f"kopscheck provision {CALICO}"], suites[f"kopscheck provision {CNI}"]
    assert cases(calico) == [
        ("create", None),
        ("update", None),
        ("export kubecfg", None),
        ("validate", None),
        ("check", None),
        ("teardown", "system-out"),
    ]
    assert (calico.get("tests"), calico.get("failures")) == ("6", "0")
    props = {p.get("name"): p.get("value") for p in calico.iter("property")}
    assert (props["mode"], props["exit-code"], props["validated"]) == ("calico", "0", "true")
    assert cases(cni) == [("create", "failure"), ("teardown", "system-out")]
    assert (cni.get("tests"), cni.get("failures")) == ("2", "1")
    failure = cni.find("testcase/failure")
    assert failure is not None and failure.text is not None
    assert (failure.get("type"), failure.text.splitlines()[-1]) == ("failed", KOPS_ERROR)
    assert failure.get("message", "").startswith(f"kops create cluster --name {CNI} ")
    gate = {c.get("name"): c for c in suites[f"kopscheck {CALICO}"].iter("testcase")}
    assert gate["pod.lifecycle"].find("*") is None  # passed
    assert [child.tag for child in gate["pod.node-logs"]] == ["system-out"]  # the warn


def test_markdown(matrix_run: Callable[[str], tuple[CliOutcome, str]], tmp_path: Path) -> None:
    _, text = matrix_run("markdown")
    lines = text.splitlines()
    assert lines[:8] == [
        "# kopscheck provision: 💥 error (exit 3)",
        "",
        "- **Gate:** `--fail-on fail`",
        "",
        "| cluster | mode | gate | exit | teardown |",
        "|---|---|---|---|---|",
        f"| {CALICO} | calico | ⚠️ warn | 0 | deleted |",
        f"| {CNI} | cni | 💥 error | 3 | deleted |",
    ]
    calico = lines.index(f"# Cluster {CALICO}")
    assert [line.split(" | ")[:3] for line in lines[calico + 4 : calico + 9]] == [
        ["| create", "ok", "0"],
        ["| update", "ok", "0"],
        ["| export kubecfg", "ok", "0"],
        ["| validate", "ok", "0"],
        ["| check", "ok", "0"],
    ]
    assert "- **kops validate:** validated after 2 attempts" in lines
    assert "## kopscheck: ⚠️ warn" in lines  # the gate's own report follows its steps
    cni = lines.index(f"# Cluster {CNI}")
    assert lines[cni + 4].startswith("| create | failed | 1 | ")
    assert lines[cni + 4].endswith(f" | {KOPS_ERROR} |")
    assert f"- **kops run log:** `{tmp_path / 'run' / f'{CNI}.log'}`" in lines[cni:]
    assert lines[-1].startswith("No gate report: kops create exited 1 after ")


def test_table(matrix_run: Callable[[str], tuple[CliOutcome, str]], tmp_path: Path) -> None:
    _, text = matrix_run("table")
    # rich wraps at 80 columns in a file; the words are what a person reads (rules aside)
    words = " ".join(word for word in text.split() if set(word) != {"─"})
    calico, cni = words.split(f"cluster {CNI} (cni) ")
    assert calico.startswith(f"cluster {CALICO} (calico) ")
    assert (
        "Provision: create ok · update ok · export kubecfg ok · validate ok (2 attempts)"
        " · check ok Teardown: teardown (always): kops delete ok in " in calico
    )
    assert f"kops run log: {tmp_path / 'run' / f'{CALICO}.log'}" in calico
    assert "Verdict: WARN (exit 0) · 12 pass, 1 warn, 3 skip · --fail-on fail" in calico
    assert cni.startswith(f"Provision: create failed create failed: {KOPS_ERROR} Teardown: ")
    assert "no gate report: kops create exited 1 after " in cni
    assert cni.endswith(
        "Provisioned 2 cluster(s): ERROR (exit 3) · --fail-on fail"
        f" {CALICO}: warn, exit 0, teardown deleted {CNI}: error, exit 3, teardown deleted"
    )
