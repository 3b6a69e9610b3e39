"""net.connectivity's security-group hop on kubenet: a pair whose destination instance's groups
admit none of its request is judged there, naming the group, the port and the instance; kops's
own rules, groups not collected, or a rule that cannot be read for certain never are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_builders as ab
import connectivity_builders as cb
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import Finding, Report, Status

LOCKED = ab.hexid("sg", "nodes-locked")


def locked_cluster(ingress: list[dict[str, Any]] | str) -> ab.KubenetCluster:
    """Three workers; the last carries its own group with `ingress` instead of kops's nodes
    group ("kops": kops's groups only; "none": no groups collected)."""
    cluster = ab.KubenetCluster(workers=3, nodes_max=8, security_groups=ingress != "none")
    if isinstance(ingress, list):
        name = f"nodes-locked.{cluster.name}"
        cluster.own_groups = {3: (LOCKED, name)}
        tags = ab.kops_tags(cluster.name) | {"Name": name}
        cluster.extra_groups = [
            ab.security_group(LOCKED, name, cluster.vpc, "locked down", ingress, tags)
        ]
    return cluster


def report(
    tmp_path: Path, cluster: ab.KubenetCluster, faults: cb.Faults, networking: str = "kubenet"
) -> Report:
    root = ab.write_bundle(tmp_path / "b", cluster, networking={networking: {}})
    cb.write(root, cb.matrix(cb.nodes_of(root), faults))
    return build_report(read_bundle(root), load_checks(), networking=networking)


def failing(report: Report) -> dict[str, Finding]:
    result = report.result("net.connectivity")
    return {f.object.name: f for f in result.findings if f.status is Status.FAIL and f.object}


def security_hops(report: Report) -> set[str]:
    return {name for name in failing(report) if "/security-group/" in name}


FROM_MASTERS = ab.permission("-1", groups=(ab.hexid("sg", "masters.kubenet-demo.k8s.local"),))
SSH = ab.permission("tcp", (22, 22), cidrs=("0.0.0.0/0",))
NODES = ab.hexid("sg", "nodes.kubenet-demo.k8s.local")


@pytest.mark.parametrize(
    ("ingress", "refused"),
    [
        pytest.param([FROM_MASTERS, SSH], cb.NODE_IP_CLASSES, id="no-rule-admits-the-other-nodes"),
        # the VPC's range admits the nodes' own addresses, not kubenet's pod addresses
        pytest.param(
            [FROM_MASTERS, ab.permission("-1", cidrs=("172.20.0.0/16",))],
            {"pod-cross-node", "path-mtu"},
            id="vpc-range-only-refuses-pod-sources",
        ),
        pytest.param(
            [FROM_MASTERS, ab.permission("tcp", (8080, 8080), cidrs=("100.96.0.0/11",))],
            {"node-to-pod", "pod-to-node", "node-port", "path-mtu"},
            id="pod-range-on-the-server-port-only",
        ),
        pytest.param(
            [FROM_MASTERS, ab.permission("tcp", (0, 65535), groups=(NODES,))],
            {"path-mtu"},
            id="tcp-from-the-nodes-group-but-no-icmp",
        ),
    ],
)
def test_a_destination_group_that_admits_no_request_is_the_hop(
    tmp_path: Path, ingress: list[dict[str, Any]], refused: set[str]
) -> None:
    cluster = locked_cluster(ingress)
    locked = cluster.instance_id(3)
    result = report(tmp_path, cluster, cb.Faults(firewalled=frozenset({locked})))
    assert security_hops(result) == {f"{c}/security-group/{locked}" for c in refused}
    others = {cluster.instance_id(i) for i in (1, 2)}
    for name in security_hops(result):
        finding = failing(result)[name]
        assert finding.code == "net.connectivity/broken-security-group"
        assert finding.evidence["security_groups"] == [LOCKED]
        assert finding.evidence["instance"] == locked
        assert finding.evidence["judged"] == "from the facts"
        assert finding.evidence["wire"] == "kubenet: the VPC routes each node's podCIDR"
        pairs = {(p["source"], p["destination"]) for p in finding.evidence["pairs"]}  # type: ignore[index,union-attr]
        assert pairs == {(o, locked) for o in others}
        assert LOCKED in finding.message and locked in finding.message
    assert "net.connectivity" in result.root_causes  # no other check sees the groups


def test_the_evidence_names_each_class_port_and_protocol(tmp_path: Path) -> None:
    cluster = locked_cluster([FROM_MASTERS, SSH])
    locked = cluster.instance_id(3)
    found = failing(report(tmp_path, cluster, cb.Faults(firewalled=frozenset({locked}))))
    assert cb.wire_evidence(found, "security-group", locked) == cb.KUBENET_WIRE
    assert found[f"pod-cross-node/security-group/{locked}"].message == (
        f"pod-cross-node: 2 pair(s) fail at the security-group hop ({locked}): no ingress rule"
        f" of security group(s) {LOCKED} on {locked} admits TCP 8080 from the other"
        " nodes' pods: neither their addresses nor their instances' groups"
    )


@pytest.mark.parametrize(
    ("ingress", "networking"),
    [
        pytest.param("none", "kubenet", id="groups-not-collected"),
        # kops's nodes group: all from the nodes and the masters groups
        pytest.param("kops", "kubenet", id="kops-default-rules-admit-it"),
        # a prefix list's ranges are not collected: it may admit the pods
        pytest.param(
            [FROM_MASTERS, ab.permission("-1", prefix_lists=("pl-0a1b2c3d4e5f60718",))],
            "kubenet",
            id="prefix-list-rule-cannot-be-read",
        ),
        # no wire kopscheck knows for certain (test_connectivity_overlay_security_groups.py)
        pytest.param([FROM_MASTERS, SSH], "kube-router", id="mode-without-a-known-wire"),
    ],
)
def test_pairs_are_judged_as_before_when_the_groups_cannot_be_blamed(
    tmp_path: Path, ingress: list[dict[str, Any]] | str, networking: str
) -> None:
    cluster = locked_cluster(ingress)
    locked = cluster.instance_id(3)
    result = report(tmp_path, cluster, cb.Faults(firewalled=frozenset({locked})), networking)
    assert security_hops(result) == set()
    cross = failing(result)[f"pod-cross-node/destination-node/{locked}"]
    assert cross.evidence["judged"] == "from the matrix: no collected fact explains it"


@pytest.mark.parametrize(
    ("fault", "broken"),
    [
        pytest.param(
            "unrouted",
            {
                f"{c}/vpc-route/N"
                for c in ("pod-cross-node", "node-to-pod", "pod-to-node", "path-mtu")
            },
            id="missing-route-still-the-vpc-route-hop",
        ),
        pytest.param("small_mtu", {"path-mtu/path-mtu/N"}, id="small-mtu-still-from-the-matrix"),
    ],
)
def test_kops_default_groups_leave_other_faults_where_they_were(
    tmp_path: Path, fault: str, broken: set[str]
) -> None:
    cluster = ab.KubenetCluster(
        workers=3, nodes_max=8, security_groups=True, routed=3 if fault == "unrouted" else None
    )
    name = cluster.instance_id(3)
    result = report(tmp_path, cluster, cb.Faults(**{fault: frozenset({name})}))
    assert set(failing(result)) == {b.replace("/N", f"/{name}") for b in broken}
