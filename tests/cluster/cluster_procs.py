"""Child processes of the harness: started in their own session with their output in a log
file, killed with the test session even when pytest itself dies (PR_SET_PDEATHSIG), waited for
with a bound, and stopped exactly by the PID we started."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1
# what kubemark leaves in /tmp (it hard-codes /tmp), as it logs them
KUBEMARK_LEFTOVERS = re.compile(
    r"Using (?:unix://)?(/tmp/(?:hollow-kubelet\.\d+|kubelet_remote_\d+\.sock)) as"
)
LOG_TAIL_LINES = 30
STOP_GRACE_SECONDS = 10.0


class ClusterStartError(RuntimeError):
    """A component did not come up in time (the message quotes its log)."""


# loaded once here: the child between fork and exec must not dlopen (a lock another thread of
# the parent held at fork time would deadlock it)
_LIBC = ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:  # runs in the child between fork and exec
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (bind-and-release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc.strerror})"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Component:
    """One running binary. It gets SIGKILL when the thread that started it ends
    (PR_SET_PDEATHSIG), so start components from the main thread, as the fixtures do."""

    name: str
    argv: Sequence[str]
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> Component:
        with self.log.open("ab") as out:
            out.write(f"=== starting {self.name}: {' '.join(self.argv)}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                list(self.argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def failure(self, problem: str) -> ClusterStartError:
        return ClusterStartError(
            f"{self.name}: {problem}\n--- last lines of {self.log} ---\n{log_tail(self.log)}"
        )

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll `ready` until true; raise with the log's tail on timeout or if the process died."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                code = self.process.returncode if self.process else None
                raise self.failure(f"exited with code {code} before {what}")
            try:
                if ready():
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise self.failure(f"not {what} after {timeout:.0f}s")
            time.sleep(0.25)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period; only the process we started."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_GRACE_SECONDS)


def https_ok(
    url: str,
    ca: Path | None = None,
    client: tuple[Path, Path] | None = None,
    timeout: float = 2.0,
) -> bool:
    """True when `url` answers 200 (verifying against `ca` when given)."""
    context = ssl.create_default_context(cafile=str(ca)) if ca else ssl._create_unverified_context()
    if client is not None:
        context.load_cert_chain(str(client[0]), str(client[1]))
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, ssl.SSLError):
        return False


def run(argv: Sequence[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """A short command (ip ...), its output captured; raises with stderr on failure."""
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=30, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_kubemark_leftovers(log: Path) -> None:
    """Delete the /tmp directory and socket a hollow kubelet logged it was using."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return
    for path in set(KUBEMARK_LEFTOVERS.findall(text)):
        target = Path(path)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
