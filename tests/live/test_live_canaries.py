"""A fake cluster seeded with canary secrets (pod env values, the last-applied annotation,
container args, event messages, kubelet and container logs): neither `check` in any format nor
`collect`'s bundle nor stderr carries one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from canaries import CORPUS, ENV_VALUE, LAST_APPLIED, POD, found_in, plant
from cli_outcome import CliOutcome
from fake_store import TYPES
from live_env import LiveCluster


@pytest.mark.parametrize("output", ["json", "table", "junit", "markdown"])
def test_no_canary_in_a_live_report(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    output: str,
) -> None:
    cluster = live_cluster("cni-no-provider", setup=plant)
    outcome = kopscheck_cli("check", *cluster.args("-o", output))
    assert outcome.code == 1, outcome.stderr
    assert found_in(outcome.stdout + outcome.stderr) == []


def test_no_canary_in_a_collected_bundle(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("cni-no-provider", setup=plant)
    out = tmp_path / "bundle"
    outcome = kopscheck_cli("collect", *cluster.args("--out", str(out)))
    assert outcome.code == 0, outcome.stderr
    assert found_in(outcome.stdout + outcome.stderr) == []
    for path in out.rglob("*"):
        if path.is_file():
            assert found_in(path.read_text(errors="replace")) == [], path
    pods = json.loads((out / "cluster-info/kube-system/pods.json").read_text())["items"]
    pod = next(p for p in pods if p["metadata"]["name"] == POD)
    env = pod["spec"]["containers"][0]["env"]
    assert env[:3] == [
        {"name": "AWS_SECRET_ACCESS_KEY"},
        {"name": "DB_PASSWORD"},
        {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
    ]
    assert env[3:] == [{"name": f"NOTE_{n}"} for n in range(len(CORPUS))]  # the corpus's
    assert "kubectl.kubernetes.io/last-applied-configuration" not in pod["metadata"].get(
        "annotations", {}
    )
    served = cluster.server.store.get(TYPES["pods"], "kube-system", POD)
    assert ENV_VALUE in json.dumps(served) and LAST_APPLIED in json.dumps(served)
