"""The entry point: a catalog command goes the fast way, every other through the typer app.

`kopscheck checks [-o FORMAT]` and `kopscheck explain ID` are answered by `cli_fast` from the
catalog data, without typer, rich or a check module (start-up, issue 22); anything else, and
any of those two that would end in an error, runs through `cli_app` and its one error path.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path


def main() -> None:
    """Entry point for `kopscheck` and `kubectl-kopscheck`: one-line errors, documented codes."""
    from kopscheck.cli_fast import fast_path

    code = fast_path(sys.argv[1:])
    if code is None:
        code = run(sys.argv[1:])
    if code in STOPPED_CODES:  # a worker thread may still wait on a hung read: not joined
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


STOPPED_CODES = (128 + signal.SIGINT, 128 + signal.SIGTERM)  # CONTRACT §2
NOTHING_TO_CLEAN = "nothing to clean up (no probe was running)"


def _on_sigterm(signum: int, _frame: object) -> None:
    from kopscheck.model.errors import Stopped

    raise Stopped(signum)


def run(args: list[str]) -> int:
    """The typer app on `args`; its exit code (CONTRACT §2), errors said in one line. SIGTERM
    is said and exit 143 as SIGINT is 130 (its handler restored after)."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        return _run(args)
    finally:
        if previous is not None:  # a caller's own handler (tests run kopscheck in-process)
            signal.signal(signal.SIGTERM, previous)


def _run(args: list[str]) -> int:
    import typer

    from kopscheck.cli_app import app
    from kopscheck.cli_help import plain_metavars
    from kopscheck.model.errors import KopscheckError, Stopped

    try:
        plugin = Path(sys.argv[0]).name.startswith("kubectl-")
        command = typer.main.get_command(app)
        plain_metavars(command)
        code = command.main(
            args=args,
            prog_name="kubectl kopscheck" if plugin else "kopscheck",
            standalone_mode=False,
        )
    except typer.Exit as done:
        return int(done.exit_code)
    except KopscheckError as exc:
        _error(f"kopscheck: error: {exc}")
        return int(exc.exit_code)
    except KeyboardInterrupt:  # SIGINT outside a probe run: kopscheck had only read
        _error(f"kopscheck: stopped by SIGINT; {NOTHING_TO_CLEAN}")
        return 128 + signal.SIGINT
    except Stopped as stop:  # SIGINT/SIGTERM; during a probe run, after its cleanup
        cleaned = stop.cleaned or NOTHING_TO_CLEAN
        _error(f"kopscheck: stopped by {stop}; {cleaned}")
        return 128 + stop.signum
    except Exception as exc:  # a bug: say so in one line, show the traceback on request
        from kopscheck.model.exitcodes import ExitCode

        if isinstance(exc, typer.Abort):
            return 130
        message = getattr(exc, "format_message", None)
        if callable(message):  # typer's (vendored) click usage errors: bad flag, missing value
            ctx = getattr(exc, "ctx", None)
            where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            text = str(message()).rstrip(".")
            _error(f"kopscheck: error: {text}{where}")
            return int(getattr(exc, "exit_code", ExitCode.INPUT_ERROR))
        if os.environ.get("KOPSCHECK_DEBUG"):
            raise
        _error(
            f"kopscheck: internal error: {type(exc).__name__}: {exc}"
            " (set KOPSCHECK_DEBUG=1 for details)"
        )
        return int(ExitCode.SCAN_INCOMPLETE)
    if code == 128 + signal.SIGINT:  # typer's answer to a KeyboardInterrupt (no probe ran)
        _error(f"kopscheck: stopped by SIGINT; {NOTHING_TO_CLEAN}")
    return code if isinstance(code, int) else 0


def _error(line: str) -> None:
    from kopscheck.reporters.stderr_lines import say

    say(line)
