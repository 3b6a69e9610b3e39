"""`make demo` ends with one line saying exit 1 is the expected verdict, and make succeeds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (ROOT / ".venv" / ".installed").exists(), reason="make's venv not built")
def test_make_demo_explains_exit_1_without_makes_error_line() -> None:
    make = shutil.which("make")
    assert make is not None
    done = subprocess.run(
        # -o: never rebuild the venv from inside a test run that is using it
        [make, "--no-print-directory", "-o", ".venv/.installed", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "HOME": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1] == (
        "make demo: exit 1 is the expected verdict: this demo cluster is broken on purpose"
    )
    assert "Error 1" not in done.stderr
