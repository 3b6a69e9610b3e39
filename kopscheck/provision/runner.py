"""The one place kops runs: a subprocess with a deadline, a run log, and bounded output.

Each call gets its own process group, so the deadline (or Ctrl-C) kills kops and anything it
started; the terminal's SIGINT reaches kopscheck only, which decides what happens next. Every
line kops prints goes to the run log as it comes; the last lines are kept for the error
message; stdout is kept (up to a bound) for the callers that parse it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kopscheck.collectors.output.redact import redact
from kopscheck.gate.durations import format_duration
from kopscheck.provision.plan import KopsCall

TAIL_LINES = 15
MAX_STDOUT = 4 * 1024 * 1024
KILL_GRACE = 5.0
POLL = 0.1


@dataclass(frozen=True, slots=True)
class KopsResult:
    """How one kops call ended."""

    call: KopsCall
    code: int | None  # None: killed before it exited on its own
    elapsed: float
    timed_out: bool = False
    interrupted: bool = False
    tail: tuple[str, ...] = ()
    stdout: str = ""
    truncated: bool = False  # stdout went over MAX_STDOUT; the run log has all of it

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.timed_out and not self.interrupted

    @property
    def outcome(self) -> str:
        """`ok`, `failed`, `timed out` or `interrupted`."""
        if self.interrupted:
            return "interrupted"
        if self.timed_out:
            return "timed out"
        return "ok" if self.code == 0 else "failed"

    def describe(self) -> str:
        """One line: what ran and how it ended, with kops's last line when it failed."""
        took = format_duration(self.elapsed)
        what = f"kops {self.call.step.value}"
        if self.interrupted:
            text = f"{what} interrupted after {took} (killed)"
        elif self.timed_out:
            limit = format_duration(self.call.deadline)
            text = f"{what} timed out after {took} (deadline {limit}, killed)"
        elif self.code == 0:
            return f"{what} ok in {took}"
        else:
            text = f"{what} exited {self.code} after {took}"
        last = next((line for line in reversed(self.tail) if line.strip()), "")
        return f"{text}: {last.strip()}" if last else text


class RunLog:
    """The run log of one cluster: each kops command, every line it printed, how it ended."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)

    def write(self, text: str) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")


class KopsRunner:
    """Runs kops calls for one cluster with its environment (its private KUBECONFIG)."""

    def __init__(
        self,
        log: RunLog,
        env: Mapping[str, str],
        cancel: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.env = dict(env)
        self.cancel = cancel
        self.clock = clock

    def run(
        self,
        call: KopsCall,
        on_stdout: Callable[[str], None] | None = None,
        cancellable: bool = True,
    ) -> KopsResult:
        """Run `call` to its end, its deadline, or (when `cancellable`) a cancel request."""
        self.log.write(f"$ {call}   # deadline {format_duration(call.deadline)}")
        start = self.clock()
        try:
            proc = subprocess.Popen(
                call.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.env,
                start_new_session=True,
            )
        except OSError as exc:
            self.log.write(f"# could not start: {exc}")
            return KopsResult(call, 127, 0.0, tail=(f"could not start {call.argv[0]}: {exc}",))
        capture = _Capture(self.log, on_stdout)
        readers = [
            threading.Thread(target=capture.read, args=(proc.stdout, True), daemon=True),
            threading.Thread(target=capture.read, args=(proc.stderr, False), daemon=True),
        ]
        for reader in readers:
            reader.start()
        timed_out = interrupted = False
        while proc.poll() is None:
            if self.clock() - start >= call.deadline:
                timed_out = True
            elif cancellable and self.cancel is not None and self.cancel.is_set():
                interrupted = True
            if timed_out or interrupted:
                _kill_group(proc)
                break
            time.sleep(POLL)
        for reader in readers:
            reader.join(timeout=KILL_GRACE)
        elapsed = self.clock() - start
        code = None if timed_out or interrupted else proc.returncode
        ending = "killed at the deadline" if timed_out else "killed: interrupted"
        self.log.write(f"# {ending if code is None else f'exit {code}'} after {elapsed:.1f}s")
        return KopsResult(
            call,
            code,
            elapsed,
            timed_out,
            interrupted,
            tuple(capture.tail),
            "".join(capture.stdout),
            capture.truncated,
        )


class _Capture:
    def __init__(self, log: RunLog, on_stdout: Callable[[str], None] | None) -> None:
        self.log = log
        self.on_stdout = on_stdout
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.stdout: list[str] = []
        self.size = 0
        self.truncated = False
        self._lock = threading.Lock()

    def read(self, stream: IO[bytes] | None, is_stdout: bool) -> None:
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            shown = redact(line)  # the run log and the summary line never carry a credential
            self.log.write(shown)
            with self._lock:
                self.tail.append(shown.rstrip("\n"))
                if is_stdout:
                    self._keep(line)
            if is_stdout and self.on_stdout is not None:
                self.on_stdout(line)
        stream.close()

    def _keep(self, line: str) -> None:
        if self.size + len(line) > MAX_STDOUT:
            self.truncated = True
            return
        self.stdout.append(line)
        self.size += len(line)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to kops's process group, SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, KILL_GRACE)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # children kops started may linger in the group after kops itself exited
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


_KOPS_VERSION = re.compile(r"(?i)version[:\s]+v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_kops_version(text: str) -> tuple[int, int, str] | None:
    """`Client version: 1.32.0 (git-v1.32.0)` (kops 1.2x+) or `Version 1.23.4 (git-...)`."""
    match = _KOPS_VERSION.search(text)
    if match is None:
        return None
    major, minor, patch = match.group(1), match.group(2), match.group(3) or "0"
    return int(major), int(minor), f"{major}.{minor}.{patch}"
