"""The CLI in a process of its own, with its peak resident memory: bounded reads are asserted
on what the process held, not on the clock."""

from __future__ import annotations

import json
import subprocess
import sys

from cli_outcome import CliOutcome

# A wrapper whose only child is kopscheck, so RUSAGE_CHILDREN is kopscheck's own peak.
_WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run(
    [sys.executable, "-c", "from kopscheck.cli import main; main()", *sys.argv[1:]],
    capture_output=True, text=True, check=False,
)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(json.dumps([done.returncode, done.stdout, done.stderr, peak]))
"""


def run_measured(*args: str, timeout: float = 120) -> tuple[CliOutcome, float]:
    """`kopscheck ARGS`: its outcome and its peak RSS in MiB."""
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    code, out, err, peak_kib = json.loads(done.stdout)
    return CliOutcome(code, out, err), peak_kib / 1024
