"""The offline sources: the bundle layout and the single-stream dump fill the same snapshot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import kube_builders as kb
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.dump import read_dump
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.facts import ContainerLog, Fact
from kopscheck.reporters.json_report import report_to_dict


def test_demo_bundle_fills_every_kubernetes_fact() -> None:
    snap = read_bundle(DEMO_ROOT / "cni-no-provider")
    assert snap.cluster_name == "cni-demo.k8s.local"
    assert [n.name for n in snap.nodes or ()] == [
        "i-0a1b2c3d4e5f60001",
        "i-0a1b2c3d4e5f60002",
        "i-0a1b2c3d4e5f60003",
        "i-0a1b2c3d4e5f60004",
    ]
    node = (snap.nodes or ())[1]
    ready = node.condition("Ready")
    assert ready is not None and ready.status == "False"
    assert "cni plugin not initialized" in ready.message
    assert node.instance_id == "i-0a1b2c3d4e5f60002"
    assert node.pod_cidrs == ("100.96.1.0/24",)
    coredns = [p for p in snap.pods or () if p.name.startswith("coredns-")]
    assert {(p.name, p.phase, p.node_name) for p in coredns} == {
        ("coredns-7d8f9c6b5-4xk2m", "Pending", ""),
        ("coredns-7d8f9c6b5-p9wqz", "Pending", ""),
    }
    dns = next(w for w in snap.workloads or () if w.name == "coredns")
    assert (dns.kind, dns.desired, dns.ready, dns.selector) == (
        "Deployment",
        2,
        0,
        {"k8s-app": "kube-dns"},
    )
    assert snap.kops_cluster is not None and dict(snap.kops_cluster.networking) == {"cni": {}}
    assert [(g.name, g.role, g.max_size) for g in snap.kops_instance_groups or ()] == [
        ("control-plane-us-east-1a", "ControlPlane", 1),
        ("nodes-us-east-1a", "Node", 3),
    ]
    assert snap.version is not None and (snap.version.major, snap.version.minor) == (1, 32)
    files = (snap.node_files or {})["i-0a1b2c3d4e5f60002"]
    assert (
        files.kubelet_cmdline is not None and files.kubelet_cmdline[0] == "/usr/local/bin/kubelet"
    )
    assert "cni plugin not initialized" in (files.kubelet_log or "")
    assert (
        snap.missing[Fact.AWS_ROUTE_TABLES]
        == "aws/ec2-describe-route-tables.json not in the bundle"
    )
    assert not snap.has(Fact.AWS_ROUTE_TABLES)


def test_failed_log_request_is_recorded_as_an_error_not_as_log_text() -> None:
    snap = read_bundle(DEMO_ROOT / "cni-no-provider")
    assert snap.pod_logs == (
        ContainerLog(
            "kube-system",
            "coredns-7d8f9c6b5-4xk2m",
            "coredns",
            error="the server rejected our request for an unknown reason "
            "(get pods coredns-7d8f9c6b5-4xk2m)",
        ),
    )


def test_bundle_dir_may_be_the_cluster_info_directory_itself(tmp_path: Path) -> None:
    shutil.copytree(DEMO_ROOT / "healthy" / "cluster-info", tmp_path / "dump")
    snap = read_bundle(tmp_path / "dump")
    assert len(snap.nodes or ()) == 4 and snap.kops_cluster is None
    assert snap.missing[Fact.KOPS_CLUSTER] == "kops/cluster.yaml not in the bundle"


def test_every_file_is_optional(tmp_path: Path) -> None:
    (tmp_path / "cluster-info").mkdir()
    kb.write_json(
        tmp_path / "cluster-info" / "nodes.json",
        kb.as_list("NodeList", [kb.node("i-1", "10.0.0.1", "100.96.1.0/24")]),
    )
    snap = read_bundle(tmp_path)
    assert snap.has(Fact.NODES)
    assert {f for f in Fact if not snap.has(f)} == set(Fact) - {Fact.NODES}
    report = build_report(snap, load_checks())
    assert report.result("node.network-ready").status == "pass"
    assert report.result("dns.rollout").status == "skip"
    assert "cluster-info/<ns>/pods.json not in the bundle" in report.result("dns.rollout").summary


def _cluster_info_only(tmp_path: Path, scenario: str) -> Path:
    """What `kubectl cluster-info dump --all-namespaces --output-directory` alone writes."""
    root = tmp_path / "bundle"
    shutil.copytree(DEMO_ROOT / scenario / "cluster-info", root / "cluster-info")
    for extra in (root / "cluster-info").glob("*/endpoints.json"):
        extra.unlink()
    (root / "cluster-info" / "version.json").unlink()
    return root


@pytest.mark.parametrize("scenario", ["cni-no-provider", "healthy"])
def test_dump_stream_gives_the_same_results_as_the_directory(tmp_path: Path, scenario: str) -> None:
    root = _cluster_info_only(tmp_path, scenario)
    stream = tmp_path / "dump.txt"
    stream.write_text(kb.stream_dump(root))
    checks = load_checks()
    from_dir = report_to_dict(build_report(read_bundle(root), checks))
    from_stream = report_to_dict(build_report(read_dump(stream), checks))
    for doc in (from_dir, from_stream):
        doc.pop("generated_at")
        doc["target"].pop("source")
        for result in doc["results"]:
            if result["status"] == "skip":  # each source names its own missing file
                result["summary"] = "skipped"
        for unread in doc["unread_facts"]:
            unread["reason"] = "not in the source"
    assert from_dir == from_stream
    assert from_stream["status"] == ("fail" if scenario == "cni-no-provider" else "pass")


def test_dump_reads_log_sections_between_json_lists(tmp_path: Path) -> None:
    root = _cluster_info_only(tmp_path, "healthy")
    stream = tmp_path / "dump.txt"
    stream.write_text(kb.stream_dump(root))
    snap = read_dump(stream)
    logs = {(log.pod, log.container): log for log in snap.pod_logs or ()}
    assert "Overall health status changed: live=true ready=true" in (
        logs[("calico-node-2fkq8", "calico-node")].text
    )
    assert snap.missing[Fact.ENDPOINTS] == "endpoints not in a cluster-info dump"


def test_kubectl_get_list_with_mixed_kinds_is_read(tmp_path: Path) -> None:
    """`kubectl get deploy,ds -o json` writes `kind: List` whose items carry their own kind."""
    root = tmp_path / "b"
    deploy = kb.deployment("coredns", "kube-system", {}, {"k8s-app": "kube-dns"}, "img", 2, 2)
    deploy["kind"] = "Deployment"
    kb.write_json(
        root / "cluster-info" / "kube-system" / "deployments.json",
        {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": [deploy]},
    )
    snap = read_bundle(root)
    assert [(w.kind, w.name, w.ready) for w in snap.workloads or ()] == [
        ("Deployment", "coredns", 2)
    ]


def test_null_items_mean_an_observed_empty_list(tmp_path: Path) -> None:
    root = tmp_path / "b"
    (root / "cluster-info" / "kube-system").mkdir(parents=True)
    (root / "cluster-info" / "kube-system" / "events.json").write_text(
        json.dumps({"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": None})
    )
    snap = read_bundle(root)
    assert snap.events == () and snap.has(Fact.EVENTS)
