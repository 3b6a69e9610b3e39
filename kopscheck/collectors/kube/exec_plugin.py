"""kubeconfig exec credential plugins (`users[].user.exec`), run by kopscheck itself, bounded.

Why: the client library runs the plugin with no deadline and waits for it (and for anything it
left holding its output) forever, and logs rather than reports a plugin that fails. Here the
plugin runs in its own process group, without a terminal (stdin closed, `interactive: false`),
within the scan's deadline; at the deadline the whole group is killed and the scan ends with
exit 3 naming the plugin. Its ExecCredential (a token, or a client certificate and key) goes
into the API client; the plugin runs once per scan (a credential that expires mid-scan is
answered 401, not refreshed).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from typing import IO, Any

from kopscheck.collectors.kube.kubeconfig_fields import Entry
from kopscheck.collectors.output.redact import redact
from kopscheck.model.errors import InputError, ScanError

MAX_OUTPUT = 1024 * 1024  # an ExecCredential is a few KiB
ERROR_TAIL = 200
CLUSTER_INFO = (  # the ExecCredential Cluster fields (their JSON names are the kubeconfig's)
    "server",
    "tls-server-name",
    "insecure-skip-tls-verify",
    "certificate-authority-data",
    "proxy-url",
)


def check_exec(user: Entry) -> Mapping[str, Any] | None:
    """The user's `exec` section, checked field by field (exit 2 naming the field)."""
    spec = user.body.get("exec")
    if spec is None:
        return None
    at = f"{user.where}.user.exec"
    if not isinstance(spec, Mapping):
        raise InputError(user.path, f"{at}: expected a mapping with command and apiVersion")
    for key in ("command", "apiVersion"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise InputError(user.path, f"{at}.{key}: missing (a non-empty string)")
    args = spec.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise InputError(user.path, f"{at}.args: expected a list of strings")
    env = spec.get("env") or []
    if not isinstance(env, list) or not all(_env_entry(e) for e in env):
        raise InputError(user.path, f"{at}.env: expected a list of {{name, value}} strings")
    if spec.get("interactiveMode") == "Always":
        raise InputError(
            user.path,
            f"{at}.interactiveMode: Always needs a terminal; kopscheck runs plugins without one",
        )
    return spec


def _env_entry(item: object) -> bool:
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("name"), str)
        and isinstance(item.get("value"), str)
    )


def run_plugin(
    spec: Mapping[str, Any], user: Entry, cluster: Entry, timeout: float
) -> dict[str, Any]:
    """Run the plugin within `timeout` seconds; the user entry with its credential in place
    of `exec` (a token, or client certificate and key data)."""
    command = _command(str(spec["command"]), user.path)
    env = {**os.environ, **{e["name"]: e["value"] for e in spec.get("env") or []}}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(_exec_info(spec, cluster))
    name = os.path.basename(command)
    try:
        proc = subprocess.Popen(
            [command, *(spec.get("args") or [])],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: killed whole at the deadline
        )
    except OSError as exc:
        raise ScanError(f"exec credential plugin {name!r} could not start: {exc}") from None
    out, err = _Bounded(proc.stdout), _Bounded(proc.stderr)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ScanError(
            f"exec credential plugin {name!r} ({user.where}) did not answer within"
            f" {timeout:g}s (--timeout): killed it and its process group"
        ) from None
    finally:
        _kill_group(proc)  # whatever it left in its group
        out.join()
        err.join()
    if proc.returncode != 0:
        lines = err.text().strip().splitlines()
        last = f": {redact(lines[-1][:ERROR_TAIL])}" if lines else ""
        raise ScanError(f"exec credential plugin {name!r} exited {proc.returncode}{last}")
    return _credential(out.text(), name, spec, user)


def _command(command: str, kubeconfig: str) -> str:
    """kubectl: a command with a slash but not absolute is relative to its kubeconfig."""
    if os.sep in command and not os.path.isabs(command):
        return os.path.join(os.path.dirname(os.path.abspath(kubeconfig)), command)
    return command


def _exec_info(spec: Mapping[str, Any], cluster: Entry) -> dict[str, Any]:
    """KUBERNETES_EXEC_INFO: never interactive; the cluster only with provideClusterInfo."""
    info: dict[str, Any] = {
        "apiVersion": spec["apiVersion"],
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }
    if spec.get("provideClusterInfo") is True:
        keys = CLUSTER_INFO
        info["spec"]["cluster"] = {k: cluster.body[k] for k in keys if k in cluster.body}
    return info


def _credential(text: str, name: str, spec: Mapping[str, Any], user: Entry) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        raise ScanError(f"exec credential plugin {name!r} printed no ExecCredential JSON") from None
    status = doc.get("status") if isinstance(doc, Mapping) else None
    if not isinstance(status, Mapping) or doc.get("apiVersion") != spec["apiVersion"]:
        raise ScanError(
            f"exec credential plugin {name!r} printed no ExecCredential"
            f" (apiVersion {spec['apiVersion']}) with a status"
        )
    body = {k: v for k, v in user.body.items() if k != "exec"}
    token, cert, key = (status.get(k) for k in ("token", "clientCertificateData", "clientKeyData"))
    if isinstance(token, str) and token:
        return {**body, "token": token}
    if isinstance(cert, str) and isinstance(key, str) and cert and key:
        return {
            **body,
            "client-certificate-data": base64.b64encode(cert.encode()).decode(),
            "client-key-data": base64.b64encode(key.encode()).decode(),
        }
    raise ScanError(
        f"exec credential plugin {name!r}: its ExecCredential status holds neither a token"
        " nor clientCertificateData and clientKeyData"
    )


class _Bounded:
    """Reads a pipe to its end in a thread, keeping at most MAX_OUTPUT bytes."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        with stream:
            for chunk in iter(lambda: stream.read(65536), b""):
                if self._size < MAX_OUTPUT:
                    self._chunks.append(chunk[: MAX_OUTPUT - self._size])
                    self._size += len(self._chunks[-1])

    def join(self) -> None:
        self._thread.join(timeout=5.0)  # the group is dead; a pipe a stranger holds is let go

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5.0)
