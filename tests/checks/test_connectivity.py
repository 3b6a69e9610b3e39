"""net.connectivity from realistic probe outcomes: every class passes; a missing VPC route
breaks exactly the pairs to and from its node, and the route table is the root cause."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import aws_builders as ab
import check_scenarios as cs
import connectivity_builders as cb
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Report, Status
from kopscheck.reporters import grid
from kopscheck.reporters.junit import render_junit
from kopscheck.reporters.markdown import render_markdown


def kubenet(tmp_path: Path, routed: int | None, faults: cb.Faults) -> Report:
    cluster = ab.KubenetCluster(workers=3, nodes_max=8, routed=routed)
    root = ab.write_bundle(tmp_path / "b", cluster)
    cb.write(root, cb.matrix(cb.nodes_of(root), faults))
    return build_report(read_bundle(root), load_checks(), networking="kubenet")


def statuses(report: Report) -> dict[str, Status]:
    result = report.result("net.connectivity")
    return {f.object.name if f.object else "": f.status for f in result.findings}


def test_every_class_passes_on_a_routed_kubenet_cluster(tmp_path: Path) -> None:
    report = kubenet(tmp_path, None, cb.Faults())
    result = report.result("net.connectivity")
    assert result.status is Status.PASS
    assert statuses(report) == {
        "pod-same-node": Status.PASS,
        "pod-cross-node": Status.PASS,
        "cluster-ip": Status.PASS,
        "node-port": Status.PASS,
        "node-to-pod": Status.PASS,
        "pod-to-node": Status.PASS,
        "external": Status.SKIP,
        "dns": Status.PASS,
        "path-mtu": Status.PASS,
    }
    assert "net.connectivity" not in report.root_causes


def test_missing_route_is_the_root_cause_of_the_pairs_to_and_from_its_node(
    tmp_path: Path,
) -> None:
    cluster = ab.KubenetCluster(workers=3, nodes_max=8, routed=3)  # the last worker: no route
    root = ab.write_bundle(tmp_path / "b", cluster)
    nodes = cb.nodes_of(root)
    lost = nodes[-1]
    cb.write(root, cb.matrix(nodes, cb.Faults(unrouted=frozenset({lost.name}))))
    report = build_report(read_bundle(root), load_checks(), networking="kubenet")
    result = report.result("net.connectivity")
    assert result.status is Status.FAIL
    assert "net.connectivity" not in report.root_causes
    assert "aws.route-table-health" in result.caused_by
    cross = next(
        f for f in result.findings if f.object and f.object.name.startswith("pod-cross-node/")
    )
    assert cross.object is not None and cross.object.name == f"pod-cross-node/vpc-route/{lost.name}"
    assert cross.evidence["pod_cidr"] == lost.pod_cidr
    assert cross.evidence["route_table"] == cluster.rtb
    pairs = {(p["source"], p["destination"]) for p in cross.evidence["pairs"]}  # type: ignore[index,union-attr]
    others = [n.name for n in nodes if n.name != lost.name]
    assert pairs == {(o, lost.name) for o in others} | {(lost.name, o) for o in others}
    assert statuses(report)["pod-same-node"] is Status.PASS
    assert statuses(report)["cluster-ip"] is Status.PASS


@pytest.mark.parametrize(
    ("fault", "broken"),
    [
        pytest.param("small_mtu", {"path-mtu/path-mtu/N"}, id="node-link-mtu-too-small"),
        # kube-proxy also serves the NodePort on its node and the DNS Service's cluster IP
        pytest.param(
            "no_proxy",
            {"cluster-ip/service-proxy/N", "node-port/service-proxy/N", "dns/service-proxy/N"},
            id="kube-proxy-stopped",
        ),
        # other Service IPs answer that node's pods: the cluster DNS itself, not its path
        pytest.param("no_dns_answer", {"dns/cluster-dns/N"}, id="cluster-dns-silent"),
    ],
)
def test_a_fault_no_fact_shows_is_named_from_the_matrix(
    tmp_path: Path, fault: str, broken: set[str]
) -> None:
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=3, nodes_max=8))
    nodes = cb.nodes_of(root)
    name = nodes[1].name
    cb.write(root, cb.matrix(nodes, cb.Faults(**{fault: frozenset({name})})))
    report = build_report(read_bundle(root), load_checks(), networking="kubenet")
    found = statuses(report)
    assert {k for k, v in found.items() if v is Status.FAIL} == {
        b.replace("/N", f"/{name}") for b in broken
    }
    assert found["pod-cross-node"] is Status.PASS
    assert "net.connectivity" in report.root_causes  # nothing else explains it


def test_the_grid_marks_the_broken_pairs(tmp_path: Path) -> None:
    cluster = ab.KubenetCluster(workers=2, nodes_max=8, routed=2)
    root = ab.write_bundle(tmp_path / "b", cluster)
    nodes = cb.nodes_of(root)
    cb.write(root, cb.matrix(nodes, cb.Faults(unrouted=frozenset({nodes[-1].name}))))
    report = build_report(read_bundle(root), load_checks(), networking="kubenet")
    cross = next(g for g in grid.grids(report) if g.probe == "pod-cross-node")
    assert cross.rows == tuple(n.name for n in nodes)
    assert cross.cells == (" X", "X ")


def test_junit_has_a_case_per_class_and_pair_group_and_markdown_the_grids(tmp_path: Path) -> None:
    cluster = ab.KubenetCluster(workers=2, nodes_max=8, routed=2)
    root = ab.write_bundle(tmp_path / "b", cluster)
    nodes = cb.nodes_of(root)
    lost = nodes[-1].name
    cb.write(root, cb.matrix(nodes, cb.Faults(unrouted=frozenset({lost}))))
    report = build_report(read_bundle(root), load_checks(), networking="kubenet")
    suite = ET.fromstring(render_junit(report)).find("testsuite")
    assert suite is not None
    cases = {
        c.get("name"): c
        for c in suite.iter("testcase")
        if str(c.get("name")).startswith("net.connectivity/")
    }
    assert set(cases) == {
        "net.connectivity/pod-same-node",
        f"net.connectivity/pod-cross-node/vpc-route/{lost}",
        "net.connectivity/cluster-ip",
        "net.connectivity/node-port",
        f"net.connectivity/node-to-pod/vpc-route/{lost}",
        f"net.connectivity/pod-to-node/vpc-route/{lost}",
        "net.connectivity/external",
        "net.connectivity/dns",
        f"net.connectivity/path-mtu/vpc-route/{lost}",
    }
    failure = cases[f"net.connectivity/pod-cross-node/vpc-route/{lost}"].find("failure")
    assert failure is not None and f"{nodes[0].name} -> {lost}" in str(failure.text)
    assert cases["net.connectivity/external"].find("skipped") is not None
    assert suite.get("tests") == str(len(report.results) + len(cases))
    markdown = render_markdown(report)
    assert "### Connectivity matrix" in markdown
    assert f"   1   X  {nodes[0].name}\n   2 X    {lost}" in markdown


def test_a_run_cut_short_before_any_client_reported_is_an_error_not_a_pass(
    tmp_path: Path,
) -> None:
    """The servers ran, then a signal or the deadline ended the run while the clients were
    waited for: the matrix has endpoints but no pair, and no class may pass on that."""
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=2, nodes_max=8, routed=2))
    cut = "stopped by SIGINT before the probe run finished"
    probe = replace(cb.matrix(cb.nodes_of(root)), pairs=(), note=cut)
    cb.write(root, probe)
    report = build_report(read_bundle(root), load_checks(), networking="kubenet")
    result = report.result("net.connectivity")
    assert result.status is Status.ERROR
    found = statuses(report)
    assert found.pop("external") is Status.SKIP
    assert set(found.values()) == {Status.ERROR}
    cross = next(f for f in result.findings if f.evidence.get("class") == "pod-cross-node")
    assert (cross.message, cross.code) == (
        f"pod-cross-node: no pair ran ({cut})",
        "net.connectivity/not-run",
    )


def test_a_crash_looping_kube_proxy_is_the_root_cause_of_its_nodes_service_pairs(
    tmp_path: Path,
) -> None:
    """kops runs kube-proxy as a static pod: when it crash-loops on one node, that node's pods
    reach no Service IP and its NodePort does not answer; node.kube-proxy names the pod."""
    root = tmp_path / "b"
    shutil.copytree(DEMO_ROOT / "healthy", root)
    nodes = cb.nodes_of(root)
    crashed = "i-0a1b2c3d4e5f60002"
    cs.crash_loop_kube_proxy(root, crashed)
    cb.write(root, cb.matrix(nodes, cb.Faults(no_proxy=frozenset({crashed}))))
    report = build_report(read_bundle(root), load_checks())
    result = report.result("net.connectivity")
    assert {k for k, v in statuses(report).items() if v is Status.FAIL} == {
        f"cluster-ip/service-proxy/{crashed}",
        f"node-port/service-proxy/{crashed}",
        f"dns/service-proxy/{crashed}",
    }
    assert result.caused_by == ("node.kube-proxy",)
    assert report.root_causes == ("node.kube-proxy",)
    broken = next(f for f in result.findings if f.code == "net.connectivity/broken-service-proxy")
    assert ObjectRef("Pod", f"kube-proxy-{crashed}", "kube-system") in broken.related
