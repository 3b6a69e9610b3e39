"""The hostile-string matrix on stderr, provision: kops's own output is data (it prints what the
cloud and the state store hold), so the last lines of a failed kops step are quoted on stderr
escaped, one quoted line per kops line, and the run ends as it does with kops's plain output."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from fake_apiserver import FakeApiServer
from provision_env import FIXTURES, FakeKops

from kopscheck.reporters.encode import visible
from tests.hostile_reports import CORPUS, assert_stderr_lines

NAME = "gate.k8s.local"
ERROR = "create-cluster-asset-hash-error.txt"


def _provision(fake: FakeKops, tmp_path: Path) -> list[str]:
    return [
        "provision", "--name", NAME, "--zones", "us-east-1a", "--networking", "calico",
        "--state-store", fake.state_store, "--no-aws", "--run-dir", str(tmp_path / "run"),
        "-o", "json", "--out", str(tmp_path / "report.json"), "--teardown", "always",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "key", ["c1", "csi-hide", "osc52-clipboard", "bidi", "newline-heading", "line-separators"]
)
def test_kops_output_is_quoted_escaped_one_line_each(
    key: str,
    fake_kops: FakeKops,
    aws_credentials: None,
    api_server: Callable[[str], FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    fixtures = tmp_path / "kops-cli"
    shutil.copytree(FIXTURES, fixtures)
    with (fixtures / ERROR).open("a", encoding="utf-8") as out:
        out.write(f"\nW1128 10:00:00 instance group {CORPUS[key]} has no subnets\n")
    fake_kops.play(fixtures=str(fixtures), create="asset-hash-error")
    fake_kops.serve(NAME, api_server("healthy"))

    outcome = run_cli(*_provision(fake_kops, tmp_path))

    assert outcome.code == 3, outcome.stderr
    lines = assert_stderr_lines(outcome.stderr, ("kopscheck", "preflight ", "  "))
    # the stand-in kops prints its file's lines (str.splitlines: also at U+0085, U+2028)
    printed = f"W1128 10:00:00 instance group {CORPUS[key]} has no subnets".splitlines()
    quoted = [f"    {visible(line)}" for line in printed if line.strip()]
    assert lines[lines.index(quoted[0]) : lines.index(quoted[0]) + len(quoted)] == quoted
    head = f"kopscheck: {NAME}: last lines of kops create (all in "
    assert sum(line.startswith(head) for line in lines) == 1
