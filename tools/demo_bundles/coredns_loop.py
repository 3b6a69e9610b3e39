"""`coredns-loop`: the healthy cluster, but CoreDNS crash-loops on `plugin/loop` (a DNS
forwarding loop, not a CNI fault)."""

from __future__ import annotations

import json
from pathlib import Path

import kube_builders as kb

from demo_bundles.common import (
    COREDNS_IMAGE,
    KS,
    WORKERS,
    coredns_deployment,
)
from demo_bundles.healthy import healthy


def coredns_loop(root: Path) -> None:
    """The healthy calico cluster, except CoreDNS crash-loops on `plugin/loop`: not the CNI."""
    healthy(root)
    info = root / "cluster-info" / KS
    placed = (
        ("coredns-7d8f9c6b5-4xk2m", WORKERS[0], "100.96.1.3", 46143),
        ("coredns-7d8f9c6b5-p9wqz", WORKERS[1], "100.96.2.4", 59782),
    )
    coredns = []
    for n, (h, hip, _), pip, _ in placed:
        back_off = f"back-off 5m0s restarting failed container=coredns pod={n}_kube-system({kb.uid(f'{KS}/{n}/')})"
        status = kb.container_status(
            "coredns",
            COREDNS_IMAGE,
            state="waiting",
            reason="CrashLoopBackOff",
            message=back_off,
            ready=False,
            restarts=7,
            last_reason="Error",
        )
        coredns.append(
            kb.pod(
                n,
                KS,
                {"k8s-app": "kube-dns", "pod-template-hash": "7d8f9c6b5"},
                ("ReplicaSet", "coredns-7d8f9c6b5"),
                COREDNS_IMAGE,
                "coredns",
                node_name=h,
                pod_ip=pip,
                host_ip=hip,
                statuses=[status],
            )
        )
    pods = json.loads((info / "pods.json").read_text())["items"]
    pods = [p for p in pods if not p["metadata"]["name"].startswith("coredns-")] + coredns
    kb.write_json(info / "pods.json", kb.as_list("PodList", pods))
    deployments = json.loads((info / "deployments.json").read_text())["items"]
    deployments = [d for d in deployments if d["metadata"]["name"] != "coredns"]
    kb.write_json(
        info / "deployments.json",
        kb.as_list("DeploymentList", [coredns_deployment(0), *deployments], "apps/v1"),
    )
    events = [
        kb.event(
            ("Pod", KS, n),
            "BackOff",
            f"Back-off restarting failed container coredns in pod {n}_kube-system({kb.uid(f'{KS}/{n}/')})",
            count=29,
            host=h,
        )
        for n, (h, _, _), _, _ in placed
    ]
    kb.write_json(info / "events.json", kb.as_list("EventList", events))
    not_ready = [(pip, h, n) for n, (h, _, _), pip, _ in placed]
    kb.write_json(
        info / "endpoints.json",
        {
            "apiVersion": "v1",
            "items": [kb.endpoints("kube-dns", KS, [], not_ready=not_ready)],
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        },
    )
    for n, _, _, port in placed:
        header = f"container coredns of pod {KS}/{n}"
        body = (
            ".:53\n[INFO] plugin/reload: Running configuration SHA512 = 591cf3\nCoreDNS-1.11.4\n"
            "linux/amd64, go1.22.8, 7f2a6b3\n"
            f'[FATAL] plugin/loop: Loop (127.0.0.1:{port} -> :53) detected for zone ".", see '
            'https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 4547991504243258144.3688648895315093531."'
        )
        path = info / n / "logs.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"==== START logs for {header} ====\n{body}\n==== END logs for {header} ====\n"
        )
    (root / "README.md").write_text(
        "# A healthy calico cluster whose CoreDNS crash-loops on a forwarding loop (plugin/loop)\n\n"
        "Every node is Ready and calico-node runs everywhere, but CoreDNS forwards to the node's\n"
        "resolv.conf stub (127.0.0.53), which sends the query back: CoreDNS exits with `plugin/loop`.\n"
        "The root cause is `dns.rollout` itself; nothing traces it to the CNI.\n"
    )
