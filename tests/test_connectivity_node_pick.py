"""Which nodes the connectivity probe runs on by default (one Ready node per kops instance group
and zone, at least three, at most --probe-nodes), read from a cluster's nodes.json, and the ring
of peers each one probes."""

from __future__ import annotations

from pathlib import Path

import kube_builders as kb
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.probes.connectivity import peers, pick_nodes
from kopscheck.model.facts import Node

NOT_READY = ("False", "KubeletNotReady", "container runtime network not ready")
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


def _nodes(tmp_path: Path, specs: list[tuple[str, str, str, bool]]) -> list[Node]:
    """(name, instance group, zone, ready) as the API lists them, read back as the probe sees
    them."""
    docs = [
        kb.node(
            name,
            f"172.20.{32 + i}.{10 + i}",
            f"100.96.{i}.0/24",
            instance_group=group,
            zone=zone,
            ready=kb.READY if ready else NOT_READY,
        )
        for i, (name, group, zone, ready) in enumerate(specs)
    ]
    kb.write_cluster_info(tmp_path / "b", docs, {})
    nodes = read_bundle(tmp_path / "b").nodes
    assert nodes is not None
    return list(nodes)


def _two_groups_three_zones(tmp_path: Path) -> list[Node]:
    """kops groups `nodes` and `highmem`, each over the three zones' subnets: two nodes per
    group and zone; in us-east-1a the first `nodes` node by name is NotReady, in us-east-1c
    both `highmem` nodes are."""
    specs = []
    for zone in ZONES:
        for group in ("nodes", "highmem"):
            for k in (1, 2):
                ready = not (
                    (group, zone, k) == ("nodes", "us-east-1a", 1)
                    or (group, zone) == ("highmem", "us-east-1c")
                )
                specs.append((f"ip-{group}-{zone}-{k}", group, zone, ready))
    return _nodes(tmp_path, list(reversed(specs)))  # listed out of name order


def test_one_ready_node_per_instance_group_and_zone_notready_left_out(tmp_path: Path) -> None:
    nodes = _two_groups_three_zones(tmp_path)
    picked, how = pick_nodes(nodes, "10")
    assert [n.name for n in picked] == [
        "ip-highmem-us-east-1a-1",
        "ip-highmem-us-east-1b-1",
        "ip-nodes-us-east-1a-2",
        "ip-nodes-us-east-1b-1",
        "ip-nodes-us-east-1c-1",
    ]
    assert how == "5 of 12 nodes (one Ready node per instance group and zone)"


def test_the_number_caps_the_pick(tmp_path: Path) -> None:
    picked, how = pick_nodes(_two_groups_three_zones(tmp_path), "3")
    assert [n.name for n in picked] == [
        "ip-highmem-us-east-1a-1",
        "ip-highmem-us-east-1b-1",
        "ip-nodes-us-east-1a-2",
    ]
    assert how == "3 of 12 nodes (one Ready node per instance group and zone)"


def test_one_group_in_one_zone_still_gets_three_ready_nodes(tmp_path: Path) -> None:
    group, zone = "nodes-us-east-1a", "us-east-1a"
    nodes = _nodes(
        tmp_path,
        [(f"ip-172-20-33-{i}", group, zone, i != 11) for i in (14, 13, 12, 11)],
    )
    picked, how = pick_nodes(nodes, "10")
    assert [n.name for n in picked] == ["ip-172-20-33-12", "ip-172-20-33-13", "ip-172-20-33-14"]
    assert how == "3 of 4 nodes (one Ready node per instance group and zone)"


def test_named_nodes_are_probed_in_a_ring_by_name(tmp_path: Path) -> None:
    nodes = _two_groups_three_zones(tmp_path)
    named = "ip-nodes-us-east-1c-1,ip-nodes-us-east-1a-2,ip-highmem-us-east-1b-1"
    picked, how = pick_nodes(nodes, named)
    names = [n.name for n in picked]
    assert names == sorted(named.split(","))
    assert how == "3 named of 12 nodes"


@pytest.mark.parametrize(
    ("index", "ring"),
    [
        pytest.param(0, ["b", "c"], id="first"),
        pytest.param(5, ["g", "a"], id="wraps-around"),
        pytest.param(6, ["a", "b"], id="last"),
    ],
)
def test_each_node_probes_the_next_ones_in_a_ring(index: int, ring: list[str]) -> None:
    names = list("abcdefg")
    assert peers(names, index, 2) == ring
    assert sorted(p for i in range(7) for p in peers(names, i, 2)) == sorted(names * 2)
    assert peers(names, index, 9) == [n for n in names[index + 1 :] + names[:index]]
