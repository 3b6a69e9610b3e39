"""A failing and a passing realistic scenario for every built-in check (used by the catalog test).

Each side is a demo bundle, or a function that writes a bundle in the real formats into a
directory and returns its path; add an entry when you add a check.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import aws_builders as ab
import connectivity_builders as cb
import kube_builders as kb
import network_clusters as nc
import probe_builders as pb

from kopscheck.demo import DEMO_ROOT

Scenario = Path | Callable[[Path], Path]
FIXTURES = Path(__file__).parent / "fixtures"


def small_routed_kubenet(root: Path) -> Path:
    """Six kubenet nodes, every one routed, well inside an applied quota of 50."""
    return ab.write_bundle(root, ab.KubenetCluster(workers=5, nodes_max=8))


def kube_proxy_missing_on_a_node(root: Path) -> Path:
    """The healthy demo with one node's kube-proxy static pod gone (its manifest removed)."""
    shutil.copytree(DEMO_ROOT / "healthy", root / "bundle")
    pods = root / "bundle" / "cluster-info" / "kube-system" / "pods.json"
    doc = json.loads(pods.read_text())
    gone = "kube-proxy-i-0a1b2c3d4e5f60003"
    doc["items"] = [p for p in doc["items"] if p["metadata"]["name"] != gone]
    pods.write_text(json.dumps(doc, indent=4))
    return root / "bundle"


def crash_loop_kube_proxy(bundle: Path, node: str) -> None:
    """The node's kube-proxy static pod in CrashLoopBackOff (not ready, 8 restarts)."""
    pods_file = bundle / "cluster-info" / "kube-system" / "pods.json"
    doc = json.loads(pods_file.read_text())
    pod = next(p for p in doc["items"] if p["metadata"]["name"] == f"kube-proxy-{node}")
    kb.crash_loop(pod, "kube-proxy", restarts=8)
    pods_file.write_text(json.dumps(doc))


def kube_router_instances(root: Path, check_on: tuple[str, ...] = ()) -> Path:
    """A healthy kube-router cluster with `aws ec2 describe-instances` for its nodes."""
    cluster = nc.healthy("kube-router")
    out = cluster.write(root / "bundle")
    vpc, subnet = "vpc-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60001"
    tags = ab.kops_tags(cluster.name, "nodes-us-east-1a", "node")
    instances = [
        ab.instance(host, ip, vpc, subnet, tags, source_dest_check=host in check_on)
        for host, ip, _ in nc.HOSTS
    ]
    ab.write_aws(out, {"ec2-describe-instances.json": ab.describe_instances(instances)})
    return out


def kube_router_check_left_on(root: Path) -> Path:
    return kube_router_instances(root, check_on=(nc.WORKERS[1][0],))


def connectivity_route_missing(root: Path) -> Path:
    """Kubenet, the last worker without its route: the pairs to and from it fail."""
    bundle = ab.write_bundle(root, ab.KubenetCluster(workers=3, nodes_max=8, routed=3))
    nodes = cb.nodes_of(bundle)
    cb.write(bundle, cb.matrix(nodes, cb.Faults(unrouted=frozenset({nodes[-1].name}))))
    return bundle


def connectivity_passing(root: Path) -> Path:
    bundle = small_routed_kubenet(root)
    cb.write(bundle, cb.matrix(cb.nodes_of(bundle)))
    return bundle


# check id -> (bundle where it must fail, bundle where it must pass)
SCENARIOS: dict[str, tuple[Scenario, Scenario]] = {
    "node.network-ready": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "dns.rollout": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "kops.networking-supported": (FIXTURES / "weave-upgrade-to-1.23", DEMO_ROOT / "healthy"),
    "kubelet.network-plugin": (
        FIXTURES / "kubelet-network-plugin-after-1.24",
        DEMO_ROOT / "healthy",
    ),
    "cni.provider-deployed": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "cni.provider-healthy": (FIXTURES / "calico-bgp-not-established", DEMO_ROOT / "healthy"),
    "cni.node-config": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "pod.sandbox-errors": (FIXTURES / "aws-vpc-ip-exhausted", DEMO_ROOT / "healthy"),
    "pod.node-logs": (FIXTURES / "aws-vpc-ip-exhausted", DEMO_ROOT / "healthy"),
    "pod.lifecycle": (pb.lifecycle_failing, pb.lifecycle_passing),
    "dns.resolution": (pb.dns_failing, pb.dns_passing),
    "aws.route-table-capacity": (DEMO_ROOT / "kubenet-route-limit", small_routed_kubenet),
    "aws.route-table-health": (DEMO_ROOT / "kubenet-route-limit", small_routed_kubenet),
    "node.kube-proxy": (kube_proxy_missing_on_a_node, DEMO_ROOT / "healthy"),
    "aws.source-dest-check": (kube_router_check_left_on, kube_router_instances),
    "net.connectivity": (connectivity_route_missing, connectivity_passing),
}


def bundle(scenario: Scenario, workdir: Path) -> Path:
    return scenario if isinstance(scenario, Path) else scenario(workdir)
