"""Hollow nodes: real kubelets (kubemark) behind the API server's node proxy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cli_outcome import CliOutcome
from cluster_kopscheck import (
    apply_documents,
    deploy_coredns,
    dns_pods,
    remove_coredns,
    report,
    result,
    service_account_token,
    statuses,
)
from cluster_nodes import HollowCluster
from kubernetes import client


def _check(run_cli: Callable[..., CliOutcome], kubeconfig: Path, *args: str) -> CliOutcome:
    return run_cli("check", "--kubeconfig", str(kubeconfig), "--no-aws", "-o", "json", *args)


def test_collect_writes_each_kubelets_configz_read_through_the_node_proxy(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    plane = hollow_cluster.plane
    outcome = run_cli(
        "collect", "--kubeconfig", str(plane.kubeconfig), "--no-aws", "--out", str(tmp_path / "b")
    )

    assert outcome.code == 0, outcome.stderr
    for node in hollow_cluster.nodes:
        configz = json.loads((tmp_path / "b" / "nodes" / node.name / "configz.json").read_text())
        kubelet = configz["kubeletconfig"]
        assert kubelet["port"] == 10250
        assert kubelet["maxPods"] == 110
        assert kubelet["authentication"]["anonymous"] == {"enabled": False}
        assert kubelet["authorization"]["mode"] == "Webhook"
        assert kubelet["tlsCertFile"] == str(plane.pki.directory / f"{node.name}-server.crt")
    proxied = {
        e["requestURI"]: e["responseStatus"]["code"]
        for e in plane.audit_events()
        if e["stage"] == "ResponseComplete" and "/proxy/configz" in e["requestURI"]
    }
    for node in hollow_cluster.nodes:
        assert proxied[f"/api/v1/nodes/{node.name}/proxy/configz"] == 200


def test_kubelet_and_node_checks_pass_on_ready_hollow_nodes(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    outcome = _check(run_cli, hollow_cluster.plane.kubeconfig)

    doc = report(outcome)
    assert outcome.code == 1, outcome.stderr  # no CNI provider and no DNS deployed
    ready = result(doc, "node.network-ready")
    assert ready["status"] == "pass"
    assert ready["summary"] == "all 2 nodes Ready, none NetworkUnavailable"
    plugin = result(doc, "kubelet.network-plugin")
    assert plugin["status"] == "pass"
    assert {
        f["object"]["name"]: f["evidence"]["container_runtime"] for f in plugin["findings"]
    } == {name: "fakeRuntime://0.1.0" for name in hollow_cluster.node_names}
    assert {f["object"]["name"] for f in result(doc, "cni.node-config")["findings"]} == set(
        hollow_cluster.node_names
    )


def test_a_node_marked_network_unavailable_fails_node_network_ready(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    core = client.CoreV1Api(hollow_cluster.plane.api_client())
    name = hollow_cluster.nodes[1].name

    def network_unavailable(status: str, reason: str) -> None:
        # what kops' route controller (kubenet) writes; the kubelet never touches it
        condition = {
            "type": "NetworkUnavailable",
            "status": status,
            "reason": reason,
            "message": "RouteController failed to create a route" if status == "True" else "ok",
        }
        core.patch_node_status(name, {"status": {"conditions": [condition]}})

    network_unavailable("True", "NoRouteCreated")
    try:
        outcome = _check(run_cli, hollow_cluster.plane.kubeconfig, "--select", "node")
    finally:
        network_unavailable("False", "RouteCreated")

    ready = result(report(outcome), "node.network-ready")
    assert outcome.code == 1, outcome.stderr
    assert ready["status"] == "fail"
    failing = [f for f in ready["findings"] if f["status"] == "fail"]
    assert [f["object"]["name"] for f in failing] == [name]
    assert "NoRouteCreated" in failing[0]["message"]


def test_dns_rolled_out_on_hollow_nodes_passes(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    plane = hollow_cluster.plane
    core = client.CoreV1Api(plane.api_client())
    deploy_coredns(plane)
    try:

        def served() -> bool:
            pods = dns_pods(plane)
            endpoints = core.list_namespaced_endpoints("kube-system").items
            ready = [
                a
                for e in endpoints
                if e.metadata.name == "kube-dns"
                for s in e.subsets or ()
                for a in s.addresses or ()
            ]
            return len(pods) == 2 and all(p.status.phase == "Running" for p in pods) and bool(ready)

        plane.wait_for("CoreDNS Running with endpoints", served)
        outcome = _check(run_cli, plane.kubeconfig, "--select", "dns")
    finally:
        remove_coredns(plane)

    dns = result(report(outcome), "dns.rollout")
    assert dns["status"] == "pass", dns
    assert outcome.code == 0, outcome.stderr


def test_read_only_role_skips_node_facts_naming_nodes_proxy_and_node_proxy_role_reads_them(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    plane = hollow_cluster.plane
    reports = {}
    for account, args in (("kc-plain", ()), ("kc-proxy", ("--with-node-proxy",))):
        rbac = run_cli("rbac", *args, "--service-account", f"kube-system:{account}")
        apply_documents(plane, rbac.stdout)
        token = service_account_token(plane, "kube-system", account)
        kubeconfig = plane.token_kubeconfig(tmp_path / f"{account}.kubeconfig", token)
        outcome = _check(run_cli, kubeconfig)
        assert outcome.code == 1, outcome.stderr
        reports[account] = report(outcome)
    admin = report(_check(run_cli, plane.kubeconfig))

    logs = result(reports["kc-plain"], "pod.node-logs")
    assert logs["status"] == "skip"
    assert logs["summary"] == (
        "cannot decide: RBAC: cannot get nodes/proxy"
        " (as User 'system:serviceaccount:kube-system:kc-plain')"
    )
    assert statuses(reports["kc-proxy"]) == statuses(admin)
    assert result(reports["kc-proxy"], "pod.node-logs") == result(admin, "pod.node-logs")
    proxied = [
        (e["user"]["username"].rpartition(":")[2], e["requestURI"], e["responseStatus"]["code"])
        for e in plane.audit_events()
        if e["stage"] == "ResponseComplete"
        and e["requestURI"].endswith("/proxy/configz")
        and e["user"]["username"].startswith("system:serviceaccount:kube-system:kc-")
    ]
    # the first node is asked alone: once refused, nobody asks the others
    first = f"/api/v1/nodes/{hollow_cluster.node_names[0]}/proxy/configz"
    assert [p for p in proxied if p[0] == "kc-plain"] == [("kc-plain", first, 403)]
    assert sorted(p for p in proxied if p[0] == "kc-proxy") == [
        ("kc-proxy", f"/api/v1/nodes/{name}/proxy/configz", 200)
        for name in hollow_cluster.node_names
    ]
