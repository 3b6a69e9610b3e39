"""Errors that end a run with a documented exit code and a one-line message."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kopscheck.model.facts import Snapshot


class KopscheckError(Exception):
    exit_code = 2


class InputError(KopscheckError):
    """Unreadable or malformed input (bundle, dump, spec, kubeconfig): exit 2."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class ScanError(KopscheckError):
    """The scan itself could not complete (API unreachable, auth refused): exit 3."""

    exit_code = 3


class Stopped(BaseException):
    """Raised into the main thread by SIGINT, SIGTERM or a probe run's deadline (SIGALRM).

    A BaseException, so that no `except Exception` on the way swallows it before the probe
    workspace has deleted what it created. Exit 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.cleaned = ""  # what the probe workspace deleted (and could not), said on exit
        self.probes: object = None  # a probe run's outcomes as far as it got (ProbeResults)
        self.snapshot: Snapshot | None = None  # the scan with them merged: still reported
