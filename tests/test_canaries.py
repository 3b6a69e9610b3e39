"""A bundle seeded with canary secrets in every place one can hide: no report format, no stderr
line, no `--out` file carries one, while the lines around them are still quoted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from canaries import ALL, found_in, plant
from cli_outcome import CliOutcome

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.output.redact import REDACTED
from kopscheck.collectors.output.sanitise import sanitise


@pytest.fixture
def seeded(demo_copy: Callable[[str], Path]) -> Path:
    root = demo_copy("cni-no-provider")
    plant(root)
    planted = "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())
    assert found_in(planted) == list(ALL)  # every canary is really in the bundle
    return root


@pytest.mark.parametrize("output", ["table", "json", "junit", "markdown"])
def test_no_canary_in_any_report_format_or_stderr(
    seeded: Path, run_cli: Callable[..., CliOutcome], tmp_path: Path, output: str
) -> None:
    out = tmp_path / f"report.{output}"
    to_stdout = run_cli("check", "--bundle", str(seeded), "-o", output)
    to_file = run_cli("check", "--bundle", str(seeded), "-o", output, "--out", str(out))
    assert (to_stdout.code, to_file.code) == (1, 1), to_stdout.stderr
    for text in (to_stdout.stdout, to_stdout.stderr, to_file.stderr, out.read_text()):
        assert found_in(text) == []
    if output == "json":
        assert REDACTED in to_stdout.stdout  # the secret-bearing lines are quoted, blanked


def test_the_quoted_evidence_keeps_the_line_around_the_blank(
    seeded: Path, run_cli: Callable[..., CliOutcome]
) -> None:
    report = json.loads(run_cli("check", "--bundle", str(seeded), "-o", "json").stdout)
    text = json.dumps(report)
    assert 'cni plugin not initialized\\" --token <redacted>"' in text
    assert 'plugin type=\\"calico\\" failed (add): password=<redacted>"' in text


def test_reading_the_bundle_keeps_no_canary_in_any_fact(seeded: Path) -> None:
    snapshot = read_bundle(seeded)
    assert found_in(repr(snapshot)) == []


def test_sanitiser_keeps_env_names_and_references_and_drops_values() -> None:
    pod = {
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "a": "b"},
        },
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "env": [
                        {"name": "A", "value": "secret-value"},
                        {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
                    ],
                    "args": ["--db-password", "pw-value", "--v=2"],
                }
            ]
        },
    }
    assert sanitise(pod) == {
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": {"a": "b"}},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "env": [
                        {"name": "A"},
                        {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
                    ],
                    "args": ["--db-password", REDACTED, "--v=2"],
                }
            ]
        },
    }
    clean = {"kind": "Pod", "metadata": {"name": "q"}, "spec": {"containers": [{"name": "c"}]}}
    assert sanitise(clean) is clean
