"""Where a real node's daemons write: the node's `/var/log/syslog` as rsyslog writes it on a kops
Ubuntu node (`Mon DD HH:MM:SS host prog[pid]: line`), or a real systemd journal in the node's
`/var/log/journal/<machine-id>/` with units `kubelet.service`, `containerd.service`,
`kube-proxy.service` (what Debian 12, Amazon Linux 2023 and Flatcar nodes have: no syslog file).
The journal is written by `systemd-journal-remote` from its export format, so `journalctl` reads
it as it reads any node's journal. Every line also goes to a plain per-daemon log for debugging.

`Daemon` is one node process: its output piped through a reader thread into the sink; stopped by
the PID we started; killed with the test session (PR_SET_PDEATHSIG)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Protocol

from cluster_procs import STOP_GRACE_SECONDS, die_with_parent

JOURNAL_REMOTE = Path("/lib/systemd/systemd-journal-remote")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class LogKind(StrEnum):
    """Where the node keeps its daemon logs."""

    SYSLOG = "syslog"
    JOURNAL = "journal"


class Sink(Protocol):
    def write(self, program: str, pid: int, line: str) -> None: ...

    def close(self) -> None: ...


class SyslogSink:
    """Appends rsyslog-format lines to the node's /var/log/syslog."""

    def __init__(self, path: Path, hostname: str) -> None:
        self.path = path
        self.hostname = hostname
        self._lock = threading.Lock()

    def write(self, program: str, pid: int, line: str) -> None:
        stamp = time.strftime("%b %e %H:%M:%S")
        with self._lock, self.path.open("a", encoding="utf-8", errors="replace") as out:
            out.write(f"{stamp} {self.hostname} {program}[{pid}]: {line}\n")

    def close(self) -> None:
        return None


class JournalSink:
    """Feeds journal export entries to one `systemd-journal-remote` per node."""

    def __init__(self, argv_prefix: Sequence[str], journal_file: Path, hostname: str) -> None:
        journal_file.parent.mkdir(parents=True, exist_ok=True)
        self.hostname = hostname
        self.boot_id = BOOT_ID.read_text().strip().replace("-", "")
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [*argv_prefix, str(JOURNAL_REMOTE), "-o", str(journal_file), "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def write(self, program: str, pid: int, line: str) -> None:
        fields = {
            "__REALTIME_TIMESTAMP": str(time.time_ns() // 1000),
            "__MONOTONIC_TIMESTAMP": str(time.monotonic_ns() // 1000),
            "_BOOT_ID": self.boot_id,
            "_HOSTNAME": self.hostname,
            "_SYSTEMD_UNIT": f"{program}.service",
            "SYSLOG_IDENTIFIER": program,
            "_PID": str(pid),
            "PRIORITY": "6",
            "MESSAGE": line,
        }
        entry = "".join(f"{k}={v}\n" for k, v in fields.items()) + "\n"
        stdin = self.process.stdin
        with self._lock:
            if stdin is None or stdin.closed or self.process.poll() is not None:
                return
            try:
                stdin.write(entry.encode("utf-8", errors="replace"))
                stdin.flush()
            except (BrokenPipeError, ValueError):
                pass

    def close(self) -> None:
        with self._lock:
            if self.process.stdin is not None and not self.process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    self.process.stdin.close()
        try:
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_GRACE_SECONDS)


@dataclass
class Daemon:
    """One node daemon (containerd, kubelet, kube-proxy): output to `sink` and to `log`."""

    name: str
    argv: Sequence[str]
    log: Path
    sink: Sink
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _reader: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> Daemon:
        self.process = subprocess.Popen(
            list(self.argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        assert self.process.stdout is not None
        self._reader = threading.Thread(
            target=self._pump, args=(self.process.stdout, self.process.pid), daemon=True
        )
        self._reader.start()
        return self

    def _pump(self, stream: IO[bytes], pid: int) -> None:
        with self.log.open("ab") as raw:
            raw.write(f"=== starting {self.name} (pid {pid}): {' '.join(self.argv)}\n".encode())
            for chunk in iter(stream.readline, b""):
                raw.write(chunk)
                raw.flush()
                self.sink.write(self.name, pid, chunk.decode("utf-8", "replace").rstrip("\n"))

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after the grace period; waits for its output to be written."""
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_GRACE_SECONDS)
        if self._reader is not None:
            self._reader.join(STOP_GRACE_SECONDS)
