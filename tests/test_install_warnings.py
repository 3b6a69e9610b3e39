"""Building the package says nothing: no setuptools deprecation warnings on install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_building_the_wheel_raises_no_deprecation_warning(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
            "-w", str(tmp_path), str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "Deprecat" not in output and "deprecated" not in output, output[-3000:]
