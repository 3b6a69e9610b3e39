"""SIGINT and SIGTERM sent to a real `kopscheck` process mid-probe: it deletes what it made,
says on stderr what it deleted (and what it could not), and exits 130 or 143."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from live_env import LiveCluster

WAIT_BOUND = ["--no-aws", "--probe-step-timeout", "bound=60s", "--probe-timeout", "2m"]


def _start(cluster: LiveCluster, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kopscheck", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    proc.send_signal(sig)
    try:
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return err


@pytest.mark.parametrize(
    ("sig", "output"),
    [(signal.SIGINT, "json"), (signal.SIGTERM, "junit")],
    ids=["sigint", "sigterm"],
)
def test_a_signal_mid_probe_deletes_the_run_and_says_what_it_deleted(
    live_cluster: Callable[..., LiveCluster], sig: signal.Signals, output: str, tmp_path: Path
) -> None:
    """It also writes the report as far as it got: the read-only checks judged, the probe's
    checks `error` with the signal named, never a pass."""
    cluster = live_cluster("healthy")  # no kubelets: the probe pods wait to be bound
    out = tmp_path / f"report.{output}"
    args = cluster.args("--probe", *WAIT_BOUND, "-o", output, "--out", str(out))
    proc = _start(cluster, "check", *args)
    deadline = time.monotonic() + 60
    while not cluster.server.count(r"^/api/v1/namespaces/kopscheck-[^/]+/pods$", "POST"):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the probe never created a pod"
        time.sleep(0.05)
    err = _stop(proc, sig)
    assert proc.returncode == 128 + sig, err
    [namespace] = {
        found.group(1)
        for m, p, _q in cluster.server.requests
        if m == "POST" and (found := re.search(r"/namespaces/(kopscheck-[^/]+)/", p))
    }
    last = err.strip().splitlines()[-1]
    match = re.fullmatch(rf"kopscheck: stopped by {sig.name}; deleted (.+)", last)
    assert match is not None, err
    deleted = match.group(1).split(", ")
    assert f"namespaces {namespace}" in deleted
    assert any(d.startswith(f"pods {namespace}/") for d in deleted), deleted
    assert "could not delete" not in last
    cut = f"stopped by {sig.name} before the probe run finished"
    if output == "json":
        doc = json.loads(out.read_text())
        checks = {r["check"]: r for r in doc["results"]}
        for probed in ("pod.lifecycle", "net.connectivity"):  # no server ran: no matrix yet
            assert checks[probed]["status"] == "error", checks[probed]
            assert checks[probed]["summary"] == f"cannot decide: {cut}"
        assert checks["kubelet.network-plugin"]["status"] == "pass"
        assert any(n.startswith(f"stopped by {sig.name}: the probe run was cut short; deleted")
                   for n in doc["notes"]), doc["notes"]  # fmt: skip
    else:
        cases = {c.get("name"): c for c in ET.parse(out).iter("testcase")}
        error = cases["pod.lifecycle"].find("error")
        assert error is not None and cut in str(error.get("message")), ET.tostring(
            cases["pod.lifecycle"]
        )
    assert not [
        key
        for (plural, key), obj in cluster.server.store.objects.items()
        if (obj.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/managed-by")
        == "kopscheck"
    ]


@pytest.mark.parametrize(
    ("sig", "said"),
    [
        pytest.param(signal.SIGINT, "SIGINT", id="sigint"),
        pytest.param(signal.SIGTERM, "SIGTERM", id="sigterm"),
    ],
)
def test_a_signal_during_a_plain_read_says_so_and_does_not_wait_for_the_hung_request(
    live_cluster: Callable[..., LiveCluster], sig: signal.Signals, said: str
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(r"^/api/v1/nodes$", "timeout")  # held until the server stops
    proc = _start(cluster, "check", *cluster.args("--no-aws", "--request-timeout", "5m"))
    deadline = time.monotonic() + 60
    while not cluster.server.count(r"^/api/v1/nodes$"):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "kopscheck never asked for the nodes"
        time.sleep(0.05)
    stopped = time.monotonic()
    err = _stop(proc, sig)
    assert time.monotonic() - stopped < 10  # not the 5m request timeout of the hung read
    assert (proc.returncode, err) == (
        128 + sig,
        f"kopscheck: stopped by {said}; nothing to clean up (no probe was running)\n",
    )
