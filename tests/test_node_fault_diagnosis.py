"""One node fault, one root cause, over whole reports: the real kubelet's words for a stopped
container runtime and for a node without a podCIDR (both seen on the real-node tier,
tests/cluster/test_realnode_faults.py) name the node's check, and the probe's failures on that
node fold under it."""

from __future__ import annotations

import json
from pathlib import Path

import kube_builders as kb
import network_clusters as nc
import probe_builders as pb

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.probe_files import LIFECYCLE_FILE, lifecycle_doc
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import Report, Status

W1, W2 = nc.WORKERS[0][0], nc.WORKERS[1][0]


def _report(cluster: nc.Cluster, root: Path, probe_node: str | None = None) -> Report:
    cluster.write(root)
    if probe_node is not None:  # the lifecycle pod pinned there was never taken (bound)
        probe = pb.lifecycle(pb.pod_probe(probe_node, fails_at=0, cidr=""), total=4)
        (root / "probes").mkdir()
        (root / LIFECYCLE_FILE).write_text(json.dumps(lifecycle_doc(probe)))
    return build_report(read_bundle(root), load_checks())


def _failing(report: Report) -> dict[str, tuple[str, ...]]:
    return {r.check: r.caused_by for r in report.results if r.status in (Status.FAIL, Status.WARN)}


def test_stopped_runtime_is_the_one_root_of_the_probe_failing_on_its_node(tmp_path: Path) -> None:
    cluster = nc.healthy("kubenet", runtime="containerd://1.6.20")
    down = kb.node(*nc.WORKERS[1], ready=kb.RUNTIME_DOWN)
    down["status"]["nodeInfo"]["containerRuntimeVersion"] = "containerd://1.6.20"
    cluster.nodes[2] = down
    report = _report(cluster, tmp_path, probe_node=W2)
    assert report.root_causes == ("node.network-ready",), _failing(report)
    assert report.result("pod.lifecycle").caused_by == ("node.network-ready",)
    [finding] = report.result("node.network-ready").problems
    assert finding.code == "node.network-ready/runtime-down"
    assert finding.message == "NotReady: container runtime is down (containerd://1.6.20)"
    assert report.result("cni.node-config").status is Status.PASS


def test_kubenet_node_without_pod_cidr_is_the_one_root(tmp_path: Path) -> None:
    cluster = nc.healthy("kubenet", runtime="containerd://1.6.20")
    bare = kb.node(*nc.WORKERS[0], ready=kb.NO_CIDR_READY)
    del bare["spec"]["podCIDR"], bare["spec"]["podCIDRs"]
    cluster.nodes[1] = bare
    report = _report(cluster, tmp_path)
    assert report.root_causes == ("cni.node-config",), _failing(report)
    assert report.result("node.network-ready").caused_by == ("cni.node-config",)
    [finding] = report.result("cni.node-config").problems
    assert finding.code == "cni.node-config/no-pod-cidr"
    assert finding.object is not None and finding.object.name == W1
