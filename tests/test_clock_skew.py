"""A node clock running years ahead never moves "now": failures stay failures (issue 19)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from kopscheck.demo import DEMO_ROOT
from tests.cli_outcome import CliOutcome

FUTURE_EVENT = {
    "apiVersion": "v1",
    "kind": "Event",
    "metadata": {"name": "skewed.1", "namespace": "kube-system"},
    "involvedObject": {"kind": "Node", "name": "i-0a1b2c3d4e5f60001"},
    "reason": "Starting",
    "message": "Starting kubelet.",
    "type": "Normal",
    "count": 1,
    "lastTimestamp": "2031-01-01T00:00:00Z",
    "source": {"component": "kubelet", "host": "i-0a1b2c3d4e5f60001"},
}


def test_one_future_dated_normal_event_keeps_a_failing_bundle_failing(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    for scenario in ("coredns-loop", "cni-no-provider"):
        bundle = tmp_path / scenario
        shutil.copytree(DEMO_ROOT / scenario, bundle)
        events = bundle / "cluster-info/kube-system/events.json"
        doc = json.loads(events.read_text())
        doc["items"] = [*(doc.get("items") or []), FUTURE_EVENT]
        events.write_text(json.dumps(doc))
        clean = run_cli("check", "--bundle", str(DEMO_ROOT / scenario), "-o", "json")
        skewed = run_cli("check", "--bundle", str(bundle), "-o", "json")
        assert (skewed.code, clean.code) == (1, 1)
        before, after = json.loads(clean.stdout), json.loads(skewed.stdout)
        # the node whose kubelet reported the event warns of its clock; nothing else moves
        statuses = {r["check"]: r["status"] for r in before["results"]}
        if statuses["node.network-ready"] == "pass":
            statuses["node.network-ready"] = "warn"
        assert {r["check"]: r["status"] for r in after["results"]} == statuses
        ready = next(r for r in after["results"] if r["check"] == "node.network-ready")
        [ahead] = [f for f in ready["findings"] if f["code"] == "node.network-ready/clock-ahead"]
        assert (ahead["status"], ahead["object"]["name"]) == ("warn", "i-0a1b2c3d4e5f60001")
        assert ahead["message"].startswith(
            "clock ahead: 1 timestamp(s) from this node are dated after the capture ("
        )
        assert ahead["evidence"]["latest"] == "2031-01-01T00:00:00+00:00"
        assert any(
            n.startswith("clock skew: 1 timestamp(s) in the data are dated after the capture time")
            and "(the latest 2031-01-01T00:00:00Z)" in n
            for n in after["notes"]
        ), after["notes"]
