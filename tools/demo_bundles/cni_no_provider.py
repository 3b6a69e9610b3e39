"""`cni-no-provider`: networking `cni` with no provider deployed, the origin document's case:
nodes NotReady (cni plugin not initialized), CoreDNS Pending."""

from __future__ import annotations

from pathlib import Path

import kube_builders as kb

from demo_bundles.common import (
    COREDNS_IMAGE,
    KS,
    SCHED_TAINTS,
    WORKERS,
    all_nodes,
    coredns_deployment,
    default_ns,
    dns_service,
    kops_controller_ds,
    kops_files,
    node_files,
    static_pods,
)


def cni_no_provider(root: Path) -> None:
    name = "cni-demo.k8s.local"
    kops_files(root, name, {"cni": {}})
    nodes = all_nodes(kb.CNI_NOT_INITIALIZED)
    coredns = [
        kb.pod(
            n,
            KS,
            {"k8s-app": "kube-dns", "pod-template-hash": "7d8f9c6b5"},
            ("ReplicaSet", "coredns-7d8f9c6b5"),
            COREDNS_IMAGE,
            "coredns",
            phase="Pending",
            unschedulable_message=SCHED_TAINTS,
        )
        for n in ("coredns-7d8f9c6b5-4xk2m", "coredns-7d8f9c6b5-p9wqz")
    ]
    events = [
        kb.event(
            ("Pod", KS, p["metadata"]["name"]),
            "FailedScheduling",
            SCHED_TAINTS,
            count=31,
            component="default-scheduler",
        )
        for p in coredns
    ]
    kb.write_cluster_info(
        root,
        nodes,
        {
            KS: {
                "pods.json": static_pods(ready=True) + coredns,
                "deployments.json": [coredns_deployment(0)],
                "daemonsets.json": [kops_controller_ds()],
                "services.json": [dns_service()],
                "events.json": events,
                "endpoints.json": [kb.endpoints("kube-dns", KS, [])],
            },
            "default": default_ns(),
        },
        logs={
            (KS, "coredns-7d8f9c6b5-4xk2m"): {
                "coredns": "Request log error: the server rejected our request for an unknown reason (get pods coredns-7d8f9c6b5-4xk2m)"
            },
        },
    )
    for i, (host, _, _) in enumerate(WORKERS):
        line = (
            f"Nov 27 10:14:{20 + i:02d} {host} kubelet[2231]: E1127 10:14:{20 + i:02d}.4187{i}1    2231 kubelet.go:3002] "
            '"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady '
            'message:Network plugin returns error: cni plugin not initialized"\n'
        )
        node_files(root, host, line * 3)
    (root / "README.md").write_text(
        "# Networking `cni` with no CNI provider deployed: nodes NotReady, CoreDNS Pending\n\n"
        "The origin document's case: `kops create cluster --networking cni` installs no provider,\n"
        "so every node stays NotReady (cni plugin not initialized) and kube-dns cannot start.\n"
    )
