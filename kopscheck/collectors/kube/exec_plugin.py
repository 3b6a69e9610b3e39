"""kubeconfig exec credential plugins (`users[].user.exec`), run by kopscheck itself, bounded.

Why: the client library runs the plugin with no deadline and waits for it (and for anything it
left holding its output) forever, and logs rather than reports a plugin that fails. Here the
plugin runs in its own process group, without a terminal (stdin closed, `interactive: false`),
within the scan's deadline; at the deadline the whole group is killed and the scan ends with
exit 3 naming the plugin. Its pipes are read without threads and closed when the call ends, so a
process it started outside its group (`setsid`) that keeps them open cannot hold kopscheck past
the deadline; once the plugin exited, its pipes get AFTER_EXIT seconds more. Its
ExecCredential (a token, or a client certificate and key) goes into the API client; the plugin
runs once per scan (a credential that expires mid-scan is answered 401, not refreshed).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping
from typing import Any

from kopscheck.collectors.kube.kubeconfig_fields import Entry
from kopscheck.collectors.output.redact import redact
from kopscheck.model.errors import InputError, ScanError

MAX_OUTPUT = 1024 * 1024  # an ExecCredential is a few KiB
AFTER_EXIT = 0.5  # seconds the pipes may stay open after the plugin exited (its output is in)
POLL = 0.05
KILL_WAIT = 1.0
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
    if not isinstance(spec.get("provideClusterInfo", False), bool):
        raise InputError(user.path, f"{at}.provideClusterInfo: expected true or false")
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
    try:
        out, err, exited = _read_until_exit(proc, time.monotonic() + timeout)
    finally:
        _kill_group(proc)  # whatever it left in its group
    if not exited:
        raise ScanError(
            f"exec credential plugin {name!r} ({user.where}) did not answer within"
            f" {timeout:g}s (--timeout): killed it and its process group"
        )
    if proc.returncode != 0:
        lines = _text(err).strip().splitlines()
        last = f": {redact(lines[-1][:ERROR_TAIL])}" if lines else ""
        raise ScanError(f"exec credential plugin {name!r} exited {proc.returncode}{last}")
    return _credential(_text(out), name, spec, user)


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


def _read_until_exit(proc: subprocess.Popen[bytes], deadline: float) -> tuple[bytes, bytes, bool]:
    """The plugin's stdout and stderr (at most MAX_OUTPUT bytes each) and whether it exited
    by `deadline`. Reading ends at the deadline, or AFTER_EXIT seconds after the plugin exited:
    a process it started outside its group (`setsid`) may hold the pipes open for ever. Both
    pipes are closed on return, so nothing waits on them afterwards."""
    assert proc.stdout is not None and proc.stderr is not None  # both piped by run_plugin
    pipes = (proc.stdout, proc.stderr)
    kept = (bytearray(), bytearray())
    stop = deadline
    try:
        with selectors.DefaultSelector() as selector:
            for index, pipe in enumerate(pipes):
                selector.register(pipe.fileno(), selectors.EVENT_READ, index)
            while selector.get_map() and (now := time.monotonic()) < stop:
                if stop == deadline and proc.poll() is not None:
                    stop = min(deadline, now + AFTER_EXIT)
                for key, _ in selector.select(min(POLL, stop - now)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fd)
                    room = max(MAX_OUTPUT - len(kept[key.data]), 0)
                    kept[key.data].extend(chunk[:room])
    finally:
        for pipe in pipes:
            pipe.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
    return bytes(kept[0]), bytes(kept[1]), proc.returncode is not None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the plugin's process group; its own exit waited for at most KILL_WAIT."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=KILL_WAIT)
