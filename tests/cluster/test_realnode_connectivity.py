"""net.connectivity on real kubenet nodes (real kubelet, containerd, ptp CNI, kube-proxy), the
host standing in for the VPC router: every class passes; a removed route (missing from the
route table in moto too, which is then the root cause), a lowered link MTU and a stopped
kube-proxy break exactly the pairs they must. Three probe runs: each costs a pair window. The
cluster DNS is a stand-in (tests/cluster/dns_standin.py) behind a real kube-dns Service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_outcome import CliOutcome
from cluster_kopscheck import report, result
from dns_standin import DnsStandIn
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from moto import mock_aws
from realnode import Daemon, RealCluster, RealNode
from realnode_config import CLUSTER_DNS as KUBE_DNS_IP

CLUSTER = "conn.k8s.local"
REGION = "us-east-1"
NODES = 3
KUBERNETES_SERVICE_IP = "10.0.0.1"  # the stand-in's answer to every name
UNROUTED = "203.0.113.80:80"  # TEST-NET-3 (RFC 5737): reached by no one
WALL_BUDGET = 90.0  # a 3-node matrix of every class, pod start and cleanup included


@pytest.fixture(scope="module")
def conn_cluster(real_cluster: RealCluster) -> Iterator[ConnCluster]:
    """The session's real cluster with NODES nodes added (removed afterwards); the probe runs
    on these only (`--probe-nodes`), so the session's other nodes' faults stay out of it."""
    added = [real_cluster.nodes.add() for _ in range(NODES)]
    try:
        yield ConnCluster(real_cluster, added)
    finally:
        for node in added:
            real_cluster.nodes.remove(node)


@dataclass(frozen=True)
class ConnCluster:
    whole: RealCluster
    nodes: list[RealNode]  # the probed ones

    @property
    def kubeconfig(self) -> Path:
        return self.whole.kubeconfig


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Test credentials only, for moto: nothing from the environment or ~/.aws leaks in."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def probe(run_cli: Callable[..., CliOutcome], cluster: ConnCluster, *extra: str) -> dict[str, Any]:
    outcome = run_cli(
        "check", "--kubeconfig", str(cluster.kubeconfig), "--networking", "kubenet",
        "--probe", "--no-probe-agent", "--probe-dns-timeout", "30s", "-o", "json",
        "--probe-nodes", ",".join(n.name for n in cluster.nodes), *extra,
    )  # fmt: skip
    return report(outcome)


def failing_pairs(doc: dict[str, Any], probe_class: str) -> set[tuple[str, str]]:
    found = result(doc, "net.connectivity")["findings"]
    return {
        (p["source"], p["destination"])
        for f in found
        if f["evidence"].get("class") == probe_class and f["status"] == "fail"
        for p in f["evidence"]["pairs"]
    }


def class_status(doc: dict[str, Any], probe_class: str) -> str:
    found = result(doc, "net.connectivity")["findings"]
    statuses = {f["status"] for f in found if f["evidence"].get("class") == probe_class}
    return "fail" if "fail" in statuses else statuses.pop()


def involving(node: RealNode, others: list[RealNode]) -> set[tuple[str, str]]:
    return {(o.name, node.name) for o in others} | {(node.name, o.name) for o in others}


def test_every_class_passes_within_the_wall_budget(
    conn_cluster: ConnCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    """With the cluster DNS (a stand-in behind a real kube-dns Service) and an external target
    (a web server on the host, the VPC's way out here): every class runs, and passes."""
    nodes = conn_cluster.nodes
    outside = nodes[-1].host_ip
    core = client.CoreV1Api(conn_cluster.whole.plane.api_client())
    try:
        with DnsStandIn(outside, KUBERNETES_SERVICE_IP), _web_server(outside) as port:
            _kube_dns(core, outside, programmed_on=nodes)
            start = time.monotonic()
            doc = probe(run_cli, conn_cluster, "--probe-external-target", f"{outside}:{port}")
            wall = time.monotonic() - start
    finally:
        _remove_kube_dns(core)
    connectivity = result(doc, "net.connectivity")
    assert connectivity["status"] == "pass", [
        str(f["evidence"].get("pairs")) for f in connectivity["findings"]
        if f["status"] == "fail"
    ]  # fmt: skip
    assert {class_status(doc, c) for c in ("pod-same-node", "pod-cross-node", "cluster-ip",
            "node-port", "node-to-pod", "pod-to-node", "path-mtu", "dns", "external")
            } == {"pass"}  # fmt: skip
    assert failing_pairs(doc, "dns") == set()
    external = next(
        f for f in connectivity["findings"] if f["evidence"].get("class") == "external"
    )  # fmt: skip
    assert {(p["source"], p["outcome"]) for p in external["evidence"]["from_nodes"]} == {
        (n.name, "pass") for n in nodes
    }  # each node's host network tried it too
    assert result(doc, "dns.resolution")["status"] == "pass"
    print(f"3-node connectivity matrix, all classes, pods and cleanup: {wall:.1f}s wall")
    assert wall <= WALL_BUDGET


def test_a_route_missing_in_the_vpc_breaks_the_pairs_of_its_node_and_is_the_root_cause(
    conn_cluster: ConnCluster, run_cli: Callable[..., CliOutcome], aws_env: None
) -> None:
    """The host (the VPC router here) loses the node's podCIDR route, and moto's route table
    lacks it too: exactly the pairs with a pod of that node on either end fail, the NodePort
    (host to host, answered by the node's own pod) still passes, and the route table is the
    root cause."""
    nodes = conn_cluster.nodes
    lost, others = nodes[-1], nodes[:-1]
    with mock_aws():
        rtb = _aws_side(conn_cluster.whole.nodes.nodes, missing=lost)
        lost.remove_host_route()
        try:
            doc = probe(run_cli, conn_cluster, "--aws", "--region", REGION, "--name", CLUSTER)
        finally:
            lost.restore_host_route()
    assert failing_pairs(doc, "pod-cross-node") == involving(lost, others)
    assert failing_pairs(doc, "node-to-pod") == {(o.name, lost.name) for o in others}
    assert failing_pairs(doc, "pod-to-node") == {(lost.name, o.name) for o in others}
    assert failing_pairs(doc, "path-mtu") == involving(lost, others)
    for passing in ("pod-same-node", "cluster-ip", "node-port"):
        assert class_status(doc, passing) == "pass", passing
    groups = [f for f in result(doc, "net.connectivity")["findings"] if f["status"] == "fail"]
    assert {(f["evidence"]["hop"], f["evidence"]["hop_node"]) for f in groups} == {
        ("vpc-route", lost.name)
    }, [(f["evidence"]["class"], f["evidence"]["hop_node"], f["evidence"]["pairs"]) for f in groups]
    assert {(f["evidence"]["route_table"], f["evidence"]["pod_cidr"]) for f in groups} == {
        (rtb, lost.pod_cidr)
    }
    assert doc["root_causes"][0] == "aws.route-table-health", (doc["root_causes"], doc["notes"])
    assert "net.connectivity" not in doc["root_causes"]
    health = result(doc, "aws.route-table-health")
    missing = [f for f in health["findings"] if f["code"] == "aws.route-table-health/missing-route"]
    assert [(f["object"]["name"], f["evidence"]["pod_cidr"]) for f in missing] == [
        (lost.name, lost.pod_cidr)
    ]
    assert "aws.route-table-health" in result(doc, "net.connectivity")["caused_by"]


def test_a_small_link_mtu_and_a_stopped_kube_proxy_each_break_their_own_classes(
    conn_cluster: ConnCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    """Two faults on two nodes in one probe: the lowered link fails the don't-fragment pings of
    its node's pairs only; the node without kube-proxy fails its clients' cluster IP and the
    other nodes' NodePort calls to it; plain pod traffic passes everywhere; an external target
    no node reaches either skips its class. The DNS probe pod
    runs on the proxyless node (the first named): the kube-dns cluster IP times out while its
    endpoint answers, and that is the cluster-ip break, not a root cause of its own."""
    nodes = conn_cluster.nodes
    proxyless, small = nodes[0], nodes[1]
    others = [n for n in nodes if n is not small]
    small.set_mtu(1200)
    proxyless.stop(Daemon.KUBE_PROXY)
    core = client.CoreV1Api(conn_cluster.whole.plane.api_client())
    try:
        with DnsStandIn(nodes[-1].host_ip, KUBERNETES_SERVICE_IP) as dns_server:
            _kube_dns(core, dns_server.ip, programmed_on=nodes[1:])
            doc = probe(run_cli, conn_cluster, "--probe-external-target", UNROUTED)
    finally:
        small.set_mtu(1500)
        proxyless.start(Daemon.KUBE_PROXY)
        _remove_kube_dns(core)
    assert failing_pairs(doc, "path-mtu") == involving(small, others)
    assert failing_pairs(doc, "cluster-ip") == {(proxyless.name, "Service/connectivity")}
    assert failing_pairs(doc, "node-port") == {
        (n.name, proxyless.name) for n in nodes if n is not proxyless
    }
    for passing in ("pod-same-node", "pod-cross-node", "node-to-pod", "pod-to-node"):
        assert class_status(doc, passing) == "pass", passing
    # a target no node reaches either: not the pod network's fault, and said so
    (external,) = [
        f for f in result(doc, "net.connectivity")["findings"]
        if f["evidence"].get("class") == "external"
    ]  # fmt: skip
    assert (external["status"], external["code"]) == ("skip", "net.connectivity/class-skipped")
    assert external["message"].startswith(
        f"external: skipped: {UNROUTED} answers neither the pods nor the host network of the 3"
    ), external["message"]
    port = next(
        f for f in result(doc, "net.connectivity")["findings"]
        if f["evidence"].get("class") == "node-port" and f["status"] == "fail"
    )  # fmt: skip
    assert (port["evidence"]["hop"], port["evidence"]["hop_node"]) == (
        "service-proxy",
        proxyless.name,
    )
    dns = result(doc, "dns.resolution")
    service = next((f for f in dns["findings"] if f["evidence"].get("via") == "service"), None)
    assert service is not None, (dns["summary"], failing_pairs(doc, "dns"))
    assert (service["status"], service["code"]) == ("fail", "dns.resolution/service-unreachable")
    assert service["message"].startswith(
        f"the DNS Service ({KUBE_DNS_IP}) does not answer from node {proxyless.name} while its"
        f" endpoint(s) {nodes[-1].host_ip} do"
    ), service["message"]
    assert [f["status"] for f in dns["findings"] if f["evidence"]["via"] == "endpoint"] == ["pass"]
    assert dns["caused_by"] == ["net.connectivity"]
    assert "dns.resolution" not in doc["root_causes"]
    # the clients' own lookups go through the same cluster IP: the same break, not the DNS's
    assert failing_pairs(doc, "dns") == {(proxyless.name, "kubernetes.default")}
    lookup = next(
        f for f in result(doc, "net.connectivity")["findings"]
        if f["evidence"].get("class") == "dns" and f["status"] == "fail"
    )  # fmt: skip
    assert (lookup["evidence"]["hop"], lookup["evidence"]["hop_node"]) == (
        "service-proxy",
        proxyless.name,
    )
    # dns.rollout fails on its own: the stand-in is no CoreDNS Deployment
    rollout = result(doc, "dns.rollout")
    assert doc["root_causes"] == ["net.connectivity", "dns.rollout"], rollout["summary"]


def _kube_dns(core: Any, endpoint: str, programmed_on: list[RealNode]) -> None:
    """A kube-dns Service at the kubelets' clusterDNS with the stand-in as its one endpoint,
    created after kube-proxy stopped on the proxyless node, and waited for until the nodes that
    run kube-proxy have its rules (kube-proxy mirrors the Endpoints through EndpointSlices)."""
    labels = {"k8s-app": "kube-dns"}
    port = {"name": "dns", "port": 53, "protocol": "UDP"}
    core.create_namespaced_service(
        "kube-system",
        {
            "metadata": {"name": "kube-dns", "labels": labels},
            "spec": {"clusterIP": KUBE_DNS_IP, "ports": [port]},
        },
    )
    core.create_namespaced_endpoints(
        "kube-system",
        {
            "metadata": {"name": "kube-dns", "labels": labels},
            "subsets": [{"addresses": [{"ip": endpoint}], "ports": [port]}],
        },
    )
    deadline = time.monotonic() + 20
    while not all(KUBE_DNS_IP in n.in_netns(["iptables-save", "-t", "nat"]).stdout
                  for n in programmed_on):  # fmt: skip
        assert time.monotonic() < deadline, "kube-proxy never programmed the kube-dns Service"
        time.sleep(0.5)


@contextmanager
def _web_server(ip: str) -> Iterator[int]:
    """An HTTP server on `ip` (a free port), standing in for a target outside the cluster."""
    server = ThreadingHTTPServer((ip, 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _remove_kube_dns(core: Any) -> None:
    for delete in (core.delete_namespaced_service, core.delete_namespaced_endpoints):
        try:
            delete("kube-dns", "kube-system")
        except ApiException as exc:
            if exc.status != 404:
                raise


def _aws_side(nodes: list[RealNode], missing: RealNode) -> str:
    """The nodes as kops's instances in moto, and the cluster's route table with a route per
    node's podCIDR but `missing`'s (what the route controller leaves when CreateRoute fails)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    owned = [{"Key": "KubernetesCluster", "Value": CLUSTER},
             {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "owned"}]  # fmt: skip
    vpc = ec2.create_vpc(CidrBlock="10.251.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.251.0.0/16")["Subnet"]["SubnetId"]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_tags(Resources=[vpc, subnet, rtb], Tags=owned)
    for node in nodes:
        launched = ec2.run_instances(
            ImageId="ami-0e2c8caa4b6378d8c", MinCount=1, MaxCount=1, SubnetId=subnet,
            PrivateIpAddress=node.node_ip,
        )  # fmt: skip
        instance = launched["Instances"][0]["InstanceId"]
        ig = [{"Key": "kops.k8s.io/instancegroup", "Value": "nodes-us-test-1a"}]
        ec2.create_tags(Resources=[instance], Tags=owned + ig)
        ec2.modify_instance_attribute(InstanceId=instance, SourceDestCheck={"Value": False})
        if node is not missing:
            ec2.create_route(
                RouteTableId=rtb, DestinationCidrBlock=node.pod_cidr, InstanceId=instance
            )
    return str(rtb)
