"""The typed decoder gives the same reports as the stdlib decoder did, on every demo and fixture.

tests/golden/ holds the JSON reports of the stdlib `json` + dict parser path (main at c4e3a56, rewritten at the merge);
the reports now must match them field for field, but for `generated_at`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = Path(__file__).parent / "fixtures"
BUNDLES = sorted(
    path
    for parent in (DEMO_ROOT, FIXTURES)
    for path in parent.iterdir()
    if (path / "README.md").is_file()
)


def test_every_bundle_has_a_golden_report() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(b.name for b in BUNDLES)


@pytest.mark.parametrize("bundle", BUNDLES, ids=[b.name for b in BUNDLES])
def test_report_matches_the_stdlib_decoder(
    bundle: Path, run_cli: Callable[..., CliOutcome]
) -> None:
    outcome = run_cli("check", "--bundle", str(bundle), "-o", "json")
    report = json.loads(outcome.stdout)
    report.pop("generated_at")
    assert report == json.loads((GOLDEN / f"{bundle.name}.json").read_text())
