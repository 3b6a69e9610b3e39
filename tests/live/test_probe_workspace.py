"""The probe workspace, the one module that writes: labels, expiry, and cleanup however the
`with` block ends (an error, SIGINT, SIGTERM, the run's deadline), handlers restored after."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from live_env import LiveCluster

from kopscheck.collectors.kube.client import Requester
from kopscheck.collectors.kube.kubeconfig import load_target
from kopscheck.collectors.probes.workspace import PODS, Workspace, find_leftovers
from kopscheck.model.errors import Stopped

RUN = "20261128-000000-0001"


@pytest.fixture
def requester(live_cluster: Callable[..., LiveCluster]) -> Iterator[tuple[LiveCluster, Requester]]:
    cluster = live_cluster("healthy")
    target = load_target(cluster.kubeconfig, None, 1)
    yield cluster, Requester(target, 5.0)
    target.api_client.close()


def pod(ws: Workspace) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": ws.metadata("sleeper"),
        "spec": {"containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}]},
    }


@pytest.mark.parametrize(
    ("signum", "lifetime"),
    [
        pytest.param(signal.SIGINT, 60.0, id="sigint"),
        pytest.param(signal.SIGTERM, 60.0, id="sigterm"),
        pytest.param(signal.SIGALRM, 0.5, id="deadline"),
    ],
)
def test_a_signal_inside_the_workspace_deletes_everything_and_restores_handlers(
    requester: tuple[LiveCluster, Requester], signum: int, lifetime: float
) -> None:
    cluster, api = requester
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}

    workspace = Workspace(api, RUN, lifetime, alarm_grace=0.0)
    with pytest.raises(Stopped) as stopped, workspace as ws:
        ws.create(PODS, pod(ws))
        expires = ws.metadata("x")["annotations"]["kopscheck.io/expires"]
        assert [str(i) for i in find_leftovers(api)] == [
            f"namespaces kopscheck-{RUN} (run {RUN}, expires {expires})",
            f"pods kopscheck-{RUN}/sleeper (run {RUN}, expires {expires})",
        ]
        if signum != signal.SIGALRM:
            os.kill(os.getpid(), signum)
        time.sleep(5)
        raise AssertionError("the signal did not stop the block")

    assert stopped.value.signum == signum
    assert find_leftovers(api) == []
    assert {s: signal.getsignal(s) for s in before} == before
    deletes = [p for m, p, _q in cluster.server.requests if m == "DELETE"]
    assert f"/api/v1/namespaces/kopscheck-{RUN}/pods/sleeper" in deletes
    assert f"/api/v1/namespaces/kopscheck-{RUN}" in deletes


def test_an_error_inside_the_workspace_still_cleans_up(
    requester: tuple[LiveCluster, Requester],
) -> None:
    _cluster, api = requester

    with pytest.raises(ZeroDivisionError), Workspace(api, RUN, 60.0) as ws:
        ws.create(PODS, pod(ws))
        _ = 1 / 0

    assert find_leftovers(api) == []
    assert ws.left == []


def test_only_the_workspace_writes() -> None:
    """No other module sends a write: no `Requester.send`, no write verb, no generated client
    method that creates, replaces, patches or deletes."""
    root = Path(__file__).parents[2] / "kopscheck"
    writes = re.compile(
        r"\.send\(|\"(POST|PUT|PATCH|DELETE)\"|\b(create|replace|patch|delete)_namespaced_"
    )
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "workspace.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if writes.search(line)
    ]
    assert found == []
