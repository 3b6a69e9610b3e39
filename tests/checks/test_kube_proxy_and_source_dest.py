"""node.kube-proxy and aws.source-dest-check: facts nobody checked before (issue 23, habit 6),
on realistic bundles (kubectl cluster-info dump, `aws ec2 describe-instances --output json`)."""

from __future__ import annotations

import json
from pathlib import Path

import check_scenarios as cs
import network_clusters as nc
import yaml
from kopscheck_checks.aws.source_dest_check import SourceDestCheck
from kopscheck_checks.node.kube_proxy import KubeProxy

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Status, Verdict

KS = "kube-system"
PROXY, SRC_DST = KubeProxy(), SourceDestCheck()


def _problems(verdict: Verdict) -> dict[ObjectRef | None, tuple[Status, str | None]]:
    return {f.object: (f.status, f.code) for f in verdict.findings if f.status is not Status.PASS}


def test_kube_proxy_running_on_every_node_passes() -> None:
    verdict = PROXY.run(CheckContext(read_bundle(DEMO_ROOT / "healthy")))
    assert (verdict.status, verdict.summary) == (
        Status.PASS,
        "kube-proxy running and ready on all 4 node(s)",
    )


def test_node_without_its_kube_proxy_static_pod_fails(tmp_path: Path) -> None:
    verdict = PROXY.run(CheckContext(read_bundle(cs.kube_proxy_missing_on_a_node(tmp_path))))
    assert _problems(verdict) == {
        ObjectRef("Node", "i-0a1b2c3d4e5f60003"): (Status.FAIL, "missing")
    }


def test_crash_looping_kube_proxy_fails_on_its_node(tmp_path: Path) -> None:
    root = cs.kube_proxy_missing_on_a_node(tmp_path)  # copy of the healthy demo
    cs.crash_loop_kube_proxy(root, "i-0a1b2c3d4e5f60002")
    verdict = PROXY.run(CheckContext(read_bundle(root)))
    ref = ObjectRef("Pod", "kube-proxy-i-0a1b2c3d4e5f60002", KS)
    assert _problems(verdict) == {
        ObjectRef("Node", "i-0a1b2c3d4e5f60003"): (Status.FAIL, "missing"),
        ref: (Status.FAIL, "not-ready"),
    }
    finding = next(f for f in verdict.findings if f.object == ref)
    assert finding.message == "CrashLoopBackOff on i-0a1b2c3d4e5f60002 after 8 restarts"


def test_kube_proxy_disabled_in_the_kops_spec_does_not_apply(tmp_path: Path) -> None:
    root = cs.kube_proxy_missing_on_a_node(tmp_path)
    spec_file = root / "kops" / "cluster.yaml"
    docs = list(yaml.safe_load_all(spec_file.read_text()))
    docs[0]["spec"]["kubeProxy"] = {"enabled": False}
    spec_file.write_text(yaml.safe_dump_all(docs))
    reason = PROXY.does_not_apply(CheckContext(read_bundle(root)))
    assert reason == "kube-proxy is disabled in the kops spec (spec.kubeProxy.enabled: false)"


def test_no_kube_proxy_anywhere_does_not_apply(tmp_path: Path) -> None:
    reason = PROXY.does_not_apply(CheckContext(nc.healthy("cilium").snapshot(tmp_path)))
    assert reason is not None and reason.startswith("no kube-proxy pod or DaemonSet")


def test_kube_router_node_with_source_dest_check_on_fails(tmp_path: Path) -> None:
    snapshot = read_bundle(cs.kube_router_check_left_on(tmp_path))
    verdict = SRC_DST.run(CheckContext(snapshot))
    node = nc.WORKERS[1][0]
    assert _problems(verdict) == {ObjectRef("Node", node): (Status.FAIL, "on")}
    assert verdict.summary == "1 node instance(s) with source/destination check on"


def test_kube_router_with_every_check_off_passes(tmp_path: Path) -> None:
    verdict = SRC_DST.run(CheckContext(read_bundle(cs.kube_router_instances(tmp_path))))
    assert (verdict.status, verdict.summary) == (
        Status.PASS,
        "source/destination check off on all 4 node instance(s)",
    )


def test_node_missing_from_describe_instances_warns(tmp_path: Path) -> None:
    root = cs.kube_router_instances(tmp_path)
    path = root / "aws" / "ec2-describe-instances.json"
    doc = json.loads(path.read_text())
    doc["Reservations"] = doc["Reservations"][1:]
    path.write_text(json.dumps(doc))
    verdict = SRC_DST.run(CheckContext(read_bundle(root)))
    first = nc.HOSTS[0][0]
    assert _problems(verdict) == {ObjectRef("Node", first): (Status.WARN, "unknown")}


def test_source_dest_check_is_not_this_checks_business_for_kubenet_or_overlays(
    tmp_path: Path,
) -> None:
    kubenet = SRC_DST.does_not_apply(CheckContext(nc.healthy("kubenet").snapshot(tmp_path / "k")))
    assert kubenet is not None and "aws.route-table-health" in kubenet
    calico = SRC_DST.does_not_apply(CheckContext(nc.healthy("calico").snapshot(tmp_path / "c")))
    assert calico is not None and calico.startswith("networking is calico")
