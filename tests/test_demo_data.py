"""The shipped demo bundles are exactly what tools/make_demo_bundles.py writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kopscheck.demo import DEMO_ROOT, scenarios

ROOT = Path(__file__).parents[1]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"
    }


def test_demo_bundles_match_their_generator(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_demo_bundles.py"), str(tmp_path)],
        check=True,
        cwd=ROOT,
    )
    assert _files(tmp_path) == _files(DEMO_ROOT)


def test_default_scenario_is_the_failing_one() -> None:
    from kopscheck.demo import DEFAULT_SCENARIO

    assert DEFAULT_SCENARIO == "cni-no-provider"
    assert scenarios()[DEFAULT_SCENARIO].startswith("Networking `cni` with no CNI provider")
