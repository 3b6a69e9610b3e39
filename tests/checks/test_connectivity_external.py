"""net.connectivity's external class, judged against each node's own try from its host network:
a target nobody reaches (an air-gapped cluster, the target down) is skipped with the reason, not
blamed on the pod network; pods that cannot leave a node that can point at masquerade."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import aws_builders as ab
import connectivity_builders as cb
from cli_outcome import CliOutcome

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.connectivity import Outcome
from kopscheck.model.results import Finding, Report, Status


def scan(tmp_path: Path, pods_out: set[str] | None, nodes_out: set[str] | None) -> Report:
    """A routed three-worker kubenet cluster probed with an external target; None: everyone."""
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=3, nodes_max=8))
    nodes = cb.nodes_of(root)
    every = {n.name for n in nodes}
    probe = cb.with_external(
        cb.matrix(nodes),
        every if pods_out is None else pods_out,
        every if nodes_out is None else nodes_out,
    )
    cb.write(root, probe)
    return build_report(read_bundle(root), load_checks(), networking="kubenet")


def external(report: Report) -> list[Finding]:
    result = report.result("net.connectivity")
    return [f for f in result.findings if f.evidence.get("class") == "external"]


def test_external_target_answering_pods_and_nodes_passes(tmp_path: Path) -> None:
    report = scan(tmp_path, None, None)
    (found,) = external(report)
    assert (found.status, found.code) == (Status.PASS, "net.connectivity/ok")
    assert found.message == "external: 3 pair(s) passed (pod to the external target)"
    assert report.result("net.connectivity").status is Status.PASS


def test_air_gapped_cluster_skips_the_external_class_with_the_reason(tmp_path: Path) -> None:
    report = scan(tmp_path, set(), set())
    (found,) = external(report)
    assert (found.status, found.code) == (Status.SKIP, "net.connectivity/class-skipped")
    assert found.message == (
        f"external: skipped: {cb.EXTERNAL_TARGET} answers neither the pods nor the host network"
        " of the 3 node(s) that tried it: the target or the cluster's way out is down (an"
        " air-gapped cluster?), not the pod network"
    )
    tried = found.evidence["from_nodes"]
    assert isinstance(tried, list) and {p["outcome"] for p in tried} == {"fail"}  # type: ignore[index]
    result = report.result("net.connectivity")
    assert result.status is Status.PASS  # the pod network carries everything else
    assert "net.connectivity" not in report.root_causes


def test_pods_that_cannot_leave_a_node_that_can_are_not_masqueraded(tmp_path: Path) -> None:
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=3, nodes_max=8))
    names = [n.name for n in cb.nodes_of(root)]
    stuck = names[1]
    report = scan(tmp_path / "s", set(names) - {stuck}, None)
    (found,) = [f for f in external(report) if f.status is Status.FAIL]
    assert found.code == "net.connectivity/broken-egress"
    assert found.object is not None and found.object.name == f"external/egress/{stuck}"
    assert found.evidence["node_reaches_target"] is True
    assert "its pods do not: their traffic is not masqueraded" in found.message
    assert [p["source"] for p in found.evidence["pairs"]] == [stuck]  # type: ignore[index,union-attr]
    assert "net.connectivity" in report.root_causes


def test_a_node_whose_own_way_out_is_down_while_others_leave(tmp_path: Path) -> None:
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=3, nodes_max=8))
    names = [n.name for n in cb.nodes_of(root)]
    cut = names[0]
    others = set(names) - {cut}
    report = scan(tmp_path / "s", others, others)
    (found,) = [f for f in external(report) if f.status is Status.FAIL]
    assert found.object is not None and found.object.name == f"external/egress/{cut}"
    assert found.evidence["node_reaches_target"] is False
    assert found.message.endswith(
        f"neither {cut} nor its pods reach the target, while other nodes do: {cut}'s way out"
        " (its subnet's NAT gateway or internet gateway route, its security group's egress"
        " rules, a proxy)"
    )


def test_a_bundle_without_the_nodes_try_still_fails_unreached_pods(tmp_path: Path) -> None:
    """Bundles written before the nodes tried the target: the old judgement, never a skip."""
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=3, nodes_max=8))
    nodes = cb.nodes_of(root)
    probe = cb.with_external(cb.matrix(nodes), set(), set())
    cb.write(root, probe)
    path = root / cb.CONNECTIVITY_FILE
    doc = path.read_text(encoding="utf-8")
    data = json.loads(doc)
    del data["external_from_nodes"]
    path.write_text(json.dumps(data), encoding="utf-8")
    snapshot = read_bundle(root)
    assert snapshot.connectivity is not None and snapshot.connectivity.external_from_nodes == ()
    report = build_report(snapshot, load_checks(), networking="kubenet")
    failing = [f for f in external(report) if f.status is Status.FAIL]
    assert sorted(f.object.name for f in failing if f.object) == sorted(
        f"external/egress/{n.name}" for n in nodes
    )


def test_the_nodes_try_round_trips_through_a_bundle(tmp_path: Path) -> None:
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=2, nodes_max=8))
    nodes = cb.nodes_of(root)
    probe = cb.with_external(cb.matrix(nodes), set(), {nodes[0].name})
    cb.write(root, probe)
    back = read_bundle(root).connectivity
    assert back is not None
    assert [(p.source, p.outcome) for p in back.external_from_nodes] == [
        (nodes[0].name, Outcome.PASS),
        (nodes[1].name, Outcome.FAIL),
    ]


def test_a_nodes_try_of_another_class_refuses_the_file(
    tmp_path: Path, run_cli: Callable[..., CliOutcome]
) -> None:
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=2, nodes_max=8))
    cb.write(root, cb.with_external(cb.matrix(cb.nodes_of(root)), set(), set()))
    path = root / cb.CONNECTIVITY_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["external_from_nodes"][0]["probe"] = "pod-cross-node"
    path.write_text(json.dumps(data), encoding="utf-8")
    outcome = run_cli("check", "--bundle", str(root))
    assert outcome.code == 2, outcome.stderr
    assert (
        "connectivity.json" in outcome.stderr and "Traceback" not in outcome.stderr + outcome.stdout
    )
