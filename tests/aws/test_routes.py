"""kopscheck.knowledge.routes: cluster tags, pod CIDRs, which routes are node routes, capacity arithmetic."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from kopscheck.knowledge.routes import (
    Capacity,
    ClusterNodes,
    cluster_name_from_instances,
    cluster_tables,
    effective_quota,
    group_maxima,
    has_cluster_tag,
    is_node_route,
    other_cluster_tags,
    pod_range,
    quota_routes,
    split_routes,
    tagged_clusters,
)
from kopscheck.model.facts import (
    AutoScalingGroup,
    Condition,
    Instance,
    InstanceGroup,
    KopsCluster,
    Node,
    Quota,
    Route,
    RouteTable,
)

CLUSTER = "prod.k8s.example.com"


def node(name: str, cidr: str, ig: str = "nodes-us-east-1a", instance: str = "") -> Node:
    return Node(
        name=name,
        labels={"kops.k8s.io/instancegroup": ig},
        pod_cidrs=(cidr,) if cidr else (),
        provider_id=f"aws:///us-east-1a/{instance or name}",
        internal_ip="172.20.40.1",
        conditions=(Condition("Ready", "True"),),
    )


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param({"KubernetesCluster": CLUSTER}, True, id="legacy-tag-with-the-name"),
        pytest.param({f"kubernetes.io/cluster/{CLUSTER}": "owned"}, True, id="owned-tag"),
        pytest.param({f"kubernetes.io/cluster/{CLUSTER}": "shared"}, True, id="shared-tag"),
        pytest.param({"KubernetesCluster": "other.k8s.local"}, False, id="legacy-tag-other-name"),
        pytest.param({"kubernetes.io/cluster/other": "owned"}, False, id="other-cluster-key"),
        pytest.param({"Name": CLUSTER}, False, id="name-tag-is-not-a-cluster-tag"),
    ],
)
def test_has_cluster_tag_matches_the_route_controller(tags: dict[str, str], expected: bool) -> None:
    assert has_cluster_tag(tags, CLUSTER) is expected


def test_other_cluster_tags_names_each_other_cluster_once() -> None:
    tags = {
        "KubernetesCluster": CLUSTER,
        f"kubernetes.io/cluster/{CLUSTER}": "owned",
        "kubernetes.io/cluster/staging.k8s.local": "shared",
        "Name": CLUSTER,
    }
    assert tagged_clusters(tags) == {
        CLUSTER: "KubernetesCluster=prod.k8s.example.com",
        "staging.k8s.local": "kubernetes.io/cluster/staging.k8s.local=shared",
    }
    assert other_cluster_tags(tags, CLUSTER) == {
        "staging.k8s.local": "kubernetes.io/cluster/staging.k8s.local=shared"
    }


def test_cluster_tables_keeps_only_tables_tagged_for_the_cluster() -> None:
    mine = RouteTable("rtb-mine", "vpc-1", {f"kubernetes.io/cluster/{CLUSTER}": "owned"})
    legacy = RouteTable("rtb-legacy", "vpc-2", {"KubernetesCluster": CLUSTER})
    theirs = RouteTable("rtb-theirs", "vpc-1", {"KubernetesCluster": "other"})
    main = RouteTable("rtb-main", "vpc-1", {})
    assert [t.id for t in cluster_tables([mine, legacy, theirs, main], CLUSTER)] == [
        "rtb-mine",
        "rtb-legacy",
    ]


def test_quota_routes_count_ipv4_and_prefix_lists_not_ipv6_or_propagated() -> None:
    table = RouteTable(
        "rtb-1",
        "vpc-1",
        routes=(
            Route("172.20.0.0/16", target="local", origin="CreateRouteTable"),
            Route("::/0", target="igw-1", origin="CreateRoute"),
            Route("pl-63a5400a", target="vpce-1", origin="CreateRoute"),
            Route("10.0.0.0/8", target="vgw-1", origin="EnableVgwRoutePropagation"),
            Route("100.96.1.0/24", target="i-1", origin="CreateRoute"),
        ),
    )
    assert [r.destination for r in quota_routes(table)] == [
        "172.20.0.0/16",
        "pl-63a5400a",
        "100.96.1.0/24",
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"podCIDR": "100.96.0.0/11"}, "100.96.0.0/11", id="kops-podCIDR"),
        pytest.param(
            {"kubeControllerManager": {"clusterCIDR": "10.244.0.0/16"}},
            "10.244.0.0/16",
            id="controller-manager-clusterCIDR",
        ),
        pytest.param({"podCIDR": "not-a-cidr"}, None, id="unparseable"),
        pytest.param({}, None, id="not-set"),
    ],
)
def test_pod_range(spec: dict[str, object], expected: str | None) -> None:
    cluster = KopsCluster("c", "kops.k8s.io/v1alpha2", spec=spec)  # type: ignore[arg-type]
    got = pod_range(cluster)
    assert (str(got) if got else None) == expected


NODES = ClusterNodes.of(
    [node("i-0aaa", "100.96.1.0/24"), node("i-0bbb", "100.96.2.0/24")],
)
PODS = IPv4Network("100.96.0.0/11")


@pytest.mark.parametrize(
    ("route", "pods", "expected"),
    [
        pytest.param(Route("100.96.1.0/24", target="i-0aaa"), PODS, True, id="node-cidr"),
        pytest.param(
            Route("100.96.9.0/24", target="i-0dead"), PODS, True, id="pod-range-to-instance"
        ),
        pytest.param(
            Route("100.96.9.0/24", state="blackhole", target=""),
            PODS,
            True,
            id="pod-range-blackhole",
        ),
        pytest.param(Route("0.0.0.0/0", target="i-0nat"), PODS, False, id="nat-instance-default"),
        pytest.param(Route("10.50.0.0/24", target="i-0vpn"), PODS, False, id="outside-pod-range"),
        pytest.param(Route("100.96.9.0/24", target="pcx-1"), PODS, False, id="peering-in-range"),
        pytest.param(
            Route("100.96.9.0/24", target="i-0dead"), None, True, id="no-range-same-prefixlen"
        ),
        pytest.param(Route("0.0.0.0/0", target="i-0nat"), None, False, id="no-range-nat-instance"),
        pytest.param(
            Route("10.8.0.0/16", target="i-0vpn"), None, False, id="no-range-other-prefixlen"
        ),
    ],
)
def test_is_node_route(route: Route, pods: IPv4Network | None, expected: bool) -> None:
    assert is_node_route(route, NODES, pods) is expected


def test_split_routes_separates_node_routes_from_the_rest() -> None:
    table = RouteTable(
        "rtb-1",
        "vpc-1",
        routes=(
            Route("172.20.0.0/16", target="local", origin="CreateRouteTable"),
            Route("0.0.0.0/0", target="igw-1", origin="CreateRoute"),
            Route("100.96.1.0/24", target="i-0aaa", origin="CreateRoute"),
            Route("100.96.2.0/24", target="i-0bbb", origin="CreateRoute"),
        ),
    )
    split = split_routes(table, NODES, PODS)
    assert [r.destination for r in split.node_routes] == ["100.96.1.0/24", "100.96.2.0/24"]
    assert [r.destination for r in split.other_routes] == ["172.20.0.0/16", "0.0.0.0/0"]
    assert len(split.counted) == 4


def test_nodes_without_provider_id_match_instances_by_private_ip() -> None:
    bare = Node(
        "ip-172-20-40-7.ec2.internal", pod_cidrs=("100.96.7.0/24",), internal_ip="172.20.40.7"
    )
    indexed = ClusterNodes.of([bare], [Instance("i-0777", "running", private_ip="172.20.40.7")])
    assert indexed.instance_of == {"ip-172-20-40-7.ec2.internal": "i-0777"}
    assert indexed.by_instance["i-0777"] is bare


def test_cluster_name_from_instances_when_all_agree() -> None:
    nodes = [node("i-0aaa", "100.96.1.0/24"), node("i-0bbb", "100.96.2.0/24")]
    tagged = [
        Instance("i-0aaa", tags={"KubernetesCluster": CLUSTER}),
        Instance("i-0bbb", tags={f"kubernetes.io/cluster/{CLUSTER}": "owned"}),
    ]
    assert cluster_name_from_instances(nodes, tagged) == CLUSTER
    mixed = [*tagged[:1], Instance("i-0bbb", tags={"KubernetesCluster": "other"})]
    assert cluster_name_from_instances(nodes, mixed) is None


def test_group_maxima_from_kops_instance_groups() -> None:
    nodes = [node("i-0cp", "100.96.0.0/24", "control-plane-us-east-1a")] + [
        node(f"i-0n{i}", f"100.96.{i}.0/24") for i in range(1, 4)
    ]
    nodes.append(node("i-0manual", "100.96.9.0/24", "hand-joined"))
    groups = [
        InstanceGroup("control-plane-us-east-1a", "ControlPlane", 1, 1),
        InstanceGroup("nodes-us-east-1a", "Node", 3, 10),
        InstanceGroup("bastions", "Bastion", 1, 1),
        InstanceGroup("spot", "Node", 0, None),
    ]
    asgs = [
        AutoScalingGroup(
            "spot.prod.k8s.example.com",
            0,
            25,
            0,
            {"kops.k8s.io/instancegroup": "spot", "KubernetesCluster": CLUSTER},
        )
    ]
    got = group_maxima(nodes, groups, asgs, CLUSTER)
    assert got is not None
    assert [(g.name, g.max_nodes, g.source, g.nodes_now) for g in got] == [
        ("control-plane-us-east-1a", 1, "kops instance group maxSize", 1),
        ("nodes-us-east-1a", 10, "kops instance group maxSize", 3),
        ("spot", 25, "ASG spot.prod.k8s.example.com MaxSize", 0),
        ("(nodes in no known group)", 1, "current nodes", 1),
    ]


def test_group_maxima_from_asgs_when_no_kops_spec() -> None:
    nodes = [node("i-0n1", "100.96.1.0/24"), node("i-0n2", "100.96.2.0/24")]
    asgs = [
        AutoScalingGroup("nodes.c", 2, 40, 2, {"KubernetesCluster": CLUSTER}, ("i-0n1", "i-0n2")),
        AutoScalingGroup(
            "bastions.c", 1, 1, 1, {"KubernetesCluster": CLUSTER, "k8s.io/role/bastion": "1"}
        ),
        AutoScalingGroup("nodes.other", 1, 99, 1, {"KubernetesCluster": "other"}),
    ]
    got = group_maxima(nodes, None, asgs, CLUSTER)
    assert got is not None
    assert [(g.name, g.max_nodes, g.nodes_now) for g in got] == [("nodes.c", 40, 2)]
    assert group_maxima(nodes, None, None, CLUSTER) is None


def test_effective_quota_labels_the_documented_default() -> None:
    applied = Quota(500.0, "applied")
    assert effective_quota(applied, "unused") is applied
    fallback = effective_quota(None, "servicequotas:GetServiceQuota denied")
    assert (fallback.value, fallback.source) == (50.0, "documented default")
    assert fallback.note.startswith("servicequotas:GetServiceQuota denied; assuming 50")
    assert "--quota-code L-93826ACB" in fallback.note


@pytest.mark.parametrize(
    ("cap", "over", "near", "full", "arithmetic"),
    [
        pytest.param(
            Capacity(50, 48, 2, 60, 71, 50),
            True,
            True,
            True,
            "2 other routes + 71 nodes at instance-group maxima = 73 routes > applied quota 50 (146%)",
            id="over-quota",
        ),
        pytest.param(
            Capacity(40, 38, 2, 38, 40, 50),
            False,
            True,
            False,
            "2 other routes + 40 nodes at instance-group maxima = 42 routes <= applied quota 50 (84%)",
            id="above-80-percent",
        ),
        pytest.param(
            Capacity(50, 48, 2, 60, 71, 500, "default"),
            False,
            False,
            False,
            "2 other routes + 71 nodes at instance-group maxima = 73 routes <= default quota 500 (14.6%)",
            id="room",
        ),
    ],
)
def test_capacity_arithmetic(
    cap: Capacity, over: bool, near: bool, full: bool, arithmetic: str
) -> None:
    assert (cap.over, cap.near, cap.full_now) == (over, near, full)
    assert cap.arithmetic() == arithmetic
    assert cap.headroom == cap.quota - cap.other_routes - cap.max_nodes
