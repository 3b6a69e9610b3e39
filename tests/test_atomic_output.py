"""`--out` is checked before the scan and written atomically: kill -9 at any moment leaves the
previous report whole."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome

SLOW_WRITER = """
import sys, time
from pathlib import Path
from kopscheck.collectors.output.atomic_files import write_atomically

def write(handle):
    handle.write('{"schema": "half a report", ')
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
    handle.write('"done": true}')

write_atomically(Path(sys.argv[1]), write)
"""
PREVIOUS = '{"schema": "kopscheck/report/v1", "previous": true}\n'


def test_kill_9_mid_write_leaves_the_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text(PREVIOUS)
    writer = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(out)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    assert out.read_text() == PREVIOUS
    leftovers = [p.name for p in tmp_path.iterdir() if p != out]
    assert len(leftovers) == 1 and leftovers[0].startswith(".report.json.")
    assert leftovers[0].endswith(".tmp")


def test_kill_9_at_random_moments_of_a_real_run_never_leaves_a_mix(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text(PREVIOUS)
    chooser = random.Random(11)
    command = [sys.executable, "-c", "from kopscheck.cli import main; main()"]
    outcomes = set()
    for _ in range(6):
        run = subprocess.Popen(
            [*command, "demo", "-o", "json", "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            run.wait(timeout=chooser.uniform(0.2, 3.0))
        except subprocess.TimeoutExpired:
            os.kill(run.pid, signal.SIGKILL)
            run.wait(timeout=10)
        text = out.read_text()
        doc = json.loads(text)  # never half a file
        outcomes.add("previous" if text == PREVIOUS else doc["schema"])
    assert outcomes <= {"previous", "kopscheck/report/v1"}


@pytest.mark.parametrize(
    ("out", "needle"),
    [
        pytest.param("missing-dir/report.json", "no such directory", id="parent-missing"),
        pytest.param(".", "is a directory; give a file name", id="a-directory"),
    ],
)
def test_bad_out_path_is_refused_before_the_scan(
    run_cli: Callable[..., CliOutcome], tmp_path: Path, out: str, needle: str
) -> None:
    target = tmp_path / out
    # the bundle does not exist either: the --out check comes first
    outcome = run_cli("check", "--bundle", str(tmp_path / "no-bundle"), "--out", str(target))
    assert outcome.code == 2
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"kopscheck: error: --out {target}: {needle}"), lines[0]


def test_write_baseline_path_is_checked_before_the_scan(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "baseline.json"
    outcome = run_cli(
        "check", "--bundle", str(tmp_path / "no-bundle"), "--write-baseline", str(target)
    )
    assert outcome.code == 2
    assert outcome.stderr.startswith(f"kopscheck: error: --write-baseline {target}: no such")


def test_provision_out_is_checked_before_any_kops_call(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    """The kops binary does not exist either: the --out check comes before looking for it."""
    target = tmp_path / "nowhere" / "matrix.json"
    outcome = run_cli(
        "provision", "--name", "c.example.com", "--zones", "us-east-1a", "--networking",
        "calico", "--kops", str(tmp_path / "no-kops"), "--out", str(target),
    )  # fmt: skip
    assert (outcome.code, outcome.stdout) == (2, "")
    assert (
        outcome.stderr == f"kopscheck: error: --out {target}: no such directory: {target.parent}\n"
    )


def test_a_report_is_written_whole_with_nothing_left_beside_it(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    out.write_text(PREVIOUS)
    outcome = run_cli("demo", "healthy", "-o", "json", "--out", str(out))
    assert outcome.code == 0
    assert json.loads(out.read_text())["schema"] == "kopscheck/report/v1"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & 0o644 & ~_umask())


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
