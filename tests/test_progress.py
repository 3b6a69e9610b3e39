"""A status line on stderr while the input is read: on a terminal only, never with -q."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT

BUNDLE = str(DEMO_ROOT / "kubenet-route-limit")


def _on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run kopscheck with stderr on a pseudo-terminal, stdout on a pipe."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kopscheck", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    out, _ = proc.communicate(timeout=120)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is gone once the process exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


def test_reading_a_bundle_shows_a_status_line_on_a_terminal() -> None:
    code, out, err = _on_a_terminal("check", "--bundle", BUNDLE, "-o", "json")
    assert code == 1
    assert out.lstrip().startswith("{")  # the report on stdout is untouched
    assert f"kopscheck: reading bundle {BUNDLE} ..." in err


def test_quiet_keeps_the_terminal_silent() -> None:
    code, _, err = _on_a_terminal("check", "--bundle", BUNDLE, "-o", "json", "-q")
    assert code == 1
    assert err == ""


def test_no_status_line_when_stderr_is_not_a_terminal(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    outcome = run_cli("check", "--bundle", BUNDLE, "-o", "json", "--out", str(tmp_path / "r"))
    assert outcome.code == 1
    assert outcome.stderr == f"kopscheck: wrote json report to {tmp_path / 'r'}\n"
    quiet = run_cli("check", "--bundle", BUNDLE, "-o", "json", "--out", str(tmp_path / "r"), "-q")
    assert quiet.stderr == ""
