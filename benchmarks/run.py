"""Benchmarks: how parsing, checks and diagnosis scale with cluster size.

    python benchmarks/run.py [--scale 1.0]

Builds synthetic clusters of N nodes and 30 pods per node through the real parsers, runs every
built-in check, and prints seconds and the ratio between sizes. Target (DESIGN.md "Scale"): one
run stays linear in the snapshot, so 10x the objects costs at most ~12x the time, and the
5,000-node / 150,000-pod cluster is checked in under 30 s on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import kube_builders as kb

from kopscheck.collectors.assemble import KubeObjects
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.facts import Snapshot

PODS_PER_NODE = 30


def raw_cluster(nodes: int) -> dict[str, list[dict[str, Any]]]:
    node_objs = [
        kb.node(
            f"i-{i:017x}", f"172.20.{i // 250}.{i % 250}", f"100.{96 + i // 256}.{i % 256}.0/24"
        )
        for i in range(nodes)
    ]
    pod_template = kb.pod(
        "app-0",
        "default",
        {"app": "web"},
        ("ReplicaSet", "web-1"),
        "nginx:1.27",
        "web",
        node_name="i-0",
        pod_ip="100.96.0.9",
        host_ip="172.20.0.1",
        statuses=[kb.container_status("web", "nginx:1.27")],
    )
    pods = [
        {
            **pod_template,
            "metadata": {**pod_template["metadata"], "name": f"web-{i}"},
            "spec": {**pod_template["spec"], "nodeName": f"i-{i % nodes:017x}"},
        }
        for i in range(nodes * PODS_PER_NODE)
    ]
    dns = kb.deployment(
        "coredns",
        "kube-system",
        {"k8s-app": "kube-dns"},
        {"k8s-app": "kube-dns"},
        "coredns:1.11",
        2,
        2,
    )
    events = [
        kb.event(("Pod", "default", f"web-{i}"), "Started", "Started container web", type_="Normal")
        for i in range(0, nodes * PODS_PER_NODE, 10)
    ]
    return {"Node": node_objs, "Pod": pods, "Deployment": [dns], "Event": events}


def measure(nodes: int) -> tuple[float, float]:
    raw = raw_cluster(nodes)
    start = time.perf_counter()
    kube = KubeObjects()
    for kind, items in raw.items():
        kube.add(kind, items)
    snap = Snapshot(source="bundle", observed_at=datetime.now(UTC), **kube.fields())
    parsed = time.perf_counter()
    build_report(snap, load_checks())
    checked = time.perf_counter()
    return parsed - start, checked - parsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the cluster sizes")
    args = parser.parse_args()
    sizes = [int(500 * args.scale), int(5000 * args.scale)]
    results = {}
    for nodes in sizes:
        parse, check = measure(nodes)
        results[nodes] = (parse, check)
        print(
            f"{nodes:>6} nodes {nodes * PODS_PER_NODE:>7} pods: parse {parse:6.2f}s  checks {check:6.2f}s"
        )
    small, large = results[sizes[0]], results[sizes[1]]
    for label, index in (("parse", 0), ("checks", 1)):
        ratio = large[index] / small[index] if small[index] else float("inf")
        print(f"{label}: 10x objects -> {ratio:.1f}x time (linear is 10x; target <= 12x)")
    total = sum(large)
    print(f"largest run: {total:.2f}s (target < 30s)")


if __name__ == "__main__":
    main()
