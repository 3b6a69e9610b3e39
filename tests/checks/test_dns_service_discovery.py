"""dns.rollout finds the DNS Service as kubelets do: by their clusterDNS, then labels, then name.

RKE2 shapes, from rancher/rke2 threads (`kubectl get all -A -o wide` output pasted there):
- rancher/rke2#2438: `kube-system service/rke2-coredns-rke2-coredns ClusterIP 10.43.0.10 <none>
  53/UDP,53/TCP ... app.kubernetes.io/instance=rke2-coredns,app.kubernetes.io/name=rke2-coredns,
  k8s-app=kube-dns`
- rancher/rke2#2651: `replicaset.apps/rke2-coredns-rke2-coredns-687554ff58 ... coredns
  rancher/hardened-coredns:v1.9.1-build20220318 app.kubernetes.io/instance=rke2-coredns,
  app.kubernetes.io/name=rke2-coredns,k8s-app=kube-dns,pod-template-hash=687554ff58`, next to
  `deployment.apps/rke2-coredns-rke2-coredns-autoscaler ... k8s-app=kube-dns-autoscaler`
RKE2's kubelets run with `--cluster-dns=10.43.0.10` (its default service CIDR 10.43.0.0/16).
"""

from __future__ import annotations

from typing import Any

import kube_builders as kb
import pytest
from kopscheck_checks.dns.rollout import DnsRollout
from snapshots import snapshot

from kopscheck.checkapi.context import CheckContext
from kopscheck.model.facts import NodeFiles, ObjectRef
from kopscheck.model.results import Status, Verdict

KS = "kube-system"
NAME = "rke2-coredns-rke2-coredns"
IMAGE = "rancher/hardened-coredns:v1.9.1-build20220318"
SELECTOR = {
    "app.kubernetes.io/instance": "rke2-coredns",
    "app.kubernetes.io/name": "rke2-coredns",
    "k8s-app": "kube-dns",
}
SERVICE_LABELS = {
    **SELECTOR,
    "kubernetes.io/cluster-service": "true",
    "kubernetes.io/name": "CoreDNS",
    "app.kubernetes.io/managed-by": "Helm",
}
NODES = [kb.node("rke2-server", "172.17.0.2", "10.42.0.0/24")]
KUBELET = (
    "kubelet",
    "--cluster-dns=10.43.0.10",
    "--cluster-domain=cluster.local",
    "--container-runtime-endpoint=unix:///run/k3s/containerd/containerd.sock",
    "--kubeconfig=/var/lib/rancher/rke2/agent/kubelet.kubeconfig",
)
NODE_FILES = {"rke2-server": NodeFiles("rke2-server", kubelet_cmdline=KUBELET)}
AUTOSCALER = kb.deployment(
    f"{NAME}-autoscaler",
    KS,
    {"k8s-app": "kube-dns-autoscaler"},
    {"k8s-app": "kube-dns-autoscaler"},
    "rancher/hardened-cluster-autoscaler:v1.8.5-build20211119",
    1,
    1,
)


def _pod(ready: bool) -> dict[str, Any]:
    status = kb.container_status("coredns", IMAGE)
    if not ready:
        status = kb.container_status(
            "coredns",
            IMAGE,
            state="waiting",
            reason="CrashLoopBackOff",
            ready=False,
            restarts=7,
            last_reason="Error",
        )
    statuses = [status]
    return kb.pod(
        f"{NAME}-687554ff58-7xk4p",
        KS,
        {**SELECTOR, "pod-template-hash": "687554ff58"},
        ("ReplicaSet", f"{NAME}-687554ff58"),
        IMAGE,
        "coredns",
        node_name="rke2-server",
        pod_ip="10.42.0.3",
        host_ip="172.17.0.2",
        statuses=statuses,
    )


def _run(ready: bool, services: list[dict[str, Any]], node_files: bool = True) -> Verdict:
    pod = _pod(ready)
    address = [("10.42.0.3", "rke2-server", pod["metadata"]["name"])]
    endpoints = kb.endpoints(NAME, KS, address if ready else [], [] if ready else address)
    deploy = kb.deployment(NAME, KS, SELECTOR, SELECTOR, IMAGE, 1, 1 if ready else 0)
    snap = snapshot(
        nodes=NODES,
        pods=[pod],
        deployments=[deploy, AUTOSCALER],
        services=services,
        endpoints=[endpoints],
        node_files=NODE_FILES if node_files else None,
    )
    return DnsRollout().run(CheckContext(snap))


RKE2_SERVICE = kb.service(NAME, KS, SELECTOR, "10.43.0.10", labels=SERVICE_LABELS)
SERVICE_REF = ObjectRef("Service", NAME, KS)


@pytest.mark.parametrize(
    ("node_files", "found_by"),
    [
        pytest.param(
            True,
            "ClusterIP 10.43.0.10: the kubelet --cluster-dns of node rke2-server",
            id="rke2-healthy-found-by-kubelet-cluster-dns",
        ),
        pytest.param(False, "label k8s-app=kube-dns", id="rke2-healthy-found-by-label"),
    ],
)
def test_healthy_rke2_dns_passes(node_files: bool, found_by: str) -> None:
    verdict = _run(True, [RKE2_SERVICE], node_files)
    assert verdict.status is Status.PASS
    assert verdict.summary == (
        f"Deployment kube-system/{NAME} 1/1 ready; Service {NAME} has 1 ready endpoints"
    )
    (service,) = [f for f in verdict.findings if f.object == SERVICE_REF]
    assert service.evidence["service_found_by"] == found_by
    assert service.evidence["ready_endpoints"] == [f"{NAME}-687554ff58-7xk4p"]


def test_crash_looping_rke2_dns_fails_on_its_own_service() -> None:
    verdict = _run(False, [RKE2_SERVICE])
    assert verdict.status is Status.FAIL
    problems = {(f.object, f.code) for f in verdict.findings if f.status is Status.FAIL}
    assert problems == {
        (ObjectRef("Deployment", NAME, KS), "pods-not-ready"),
        (ObjectRef("Pod", f"{NAME}-687554ff58-7xk4p", KS), "pod-not-ready"),
        (SERVICE_REF, "no-ready-endpoints"),
    }


def test_the_kubelets_address_wins_over_a_leftover_kube_dns_service() -> None:
    leftover = kb.service("kube-dns", KS, {"k8s-app": "kube-dns"}, "10.43.0.53", SERVICE_LABELS)
    verdict = _run(True, [leftover, RKE2_SERVICE])
    assert verdict.status is Status.PASS
    assert [f.object for f in verdict.findings if f.object and f.object.kind == "Service"] == [
        SERVICE_REF
    ]


def test_no_dns_service_says_what_was_looked_for() -> None:
    other = kb.service("rke2-metrics-server", KS, {"app": "rke2-metrics-server"}, "10.43.164.174")
    verdict = _run(True, [other])
    assert verdict.status is Status.FAIL
    (missing,) = [f for f in verdict.findings if f.code == "no-service"]
    assert missing.message == (
        "no cluster DNS Service: no Service at the kubelet --cluster-dns of node rke2-server"
        " 10.43.0.10; none in kube-system labelled k8s-app=kube-dns or k8s-app=coredns or"
        " kubernetes.io/name=CoreDNS or named kube-dns"
    )
    assert missing.evidence["cluster_dns"] == ["10.43.0.10"]
