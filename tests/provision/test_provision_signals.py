"""Ctrl-C and SIGTERM while kops validate runs: kops is killed, teardown follows --teardown.

kopscheck runs as its own process here (signals go to it, as from a terminal or a CI runner).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_apiserver import FakeApiServer
from provision_env import FakeKops, alive

NAME = "gate.k8s.local"


@pytest.mark.parametrize(
    ("sig", "teardown"),
    [
        pytest.param(signal.SIGINT, "always", id="ctrl-c-always"),
        pytest.param(signal.SIGTERM, "never", id="sigterm-never"),
    ],
)
def test_a_signal_during_validate_kills_kops_then_tears_down_once(
    fake_kops: FakeKops,
    aws_credentials: None,
    api_server: Callable[[str], FakeApiServer],
    tmp_path: Path,
    sig: signal.Signals,
    teardown: str,
) -> None:
    fake_kops.play(validate="hang")
    fake_kops.serve(NAME, api_server("healthy"))
    out = tmp_path / "report.json"
    args = [
        "provision", "--name", NAME, "--zones", "us-east-1a", "--networking", "calico",
        "--state-store", fake_kops.state_store, "--no-aws", "--teardown", teardown,
        "--run-dir", str(tmp_path / "run"), "-o", "json", "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "kopscheck", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(c[:2] == ["validate", "cluster"] for c in fake_kops.calls()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "kops validate never started"
            time.sleep(0.05)
        time.sleep(0.5)  # validate is printing attempts now
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, stderr
    expected = [
        "version",
        "create cluster --dry-run",
        "create cluster",
        "update cluster",
        "export kubecfg",
        "validate cluster",
    ]
    assert fake_kops.commands() == expected + (["delete cluster"] if teardown == "always" else [])
    assert len(fake_kops.deletes()) == (1 if teardown == "always" else 0)
    [validate] = [r for r in fake_kops.records() if r["argv"][:2] == ["validate", "cluster"]]
    assert not alive(validate["pid"])  # kops validate's process group was killed
    assert f"kopscheck: {sig.name}: stopping kops, then tearing down as --teardown says" in stderr
    [cluster] = json.loads(out.read_text())["clusters"]
    assert (cluster["exit_code"], cluster["report"]) == (3, None)
    assert cluster["error"].startswith("kops validate interrupted after ")
    provision = cluster["provision"]
    assert provision["interrupted_by"] == sig.name
    assert [(s["step"], s["outcome"]) for s in provision["steps"]][-1] == (
        "validate",
        "interrupted",
    )
    action = "deleted" if teardown == "always" else "kept"
    assert provision["teardown"]["action"] == action
