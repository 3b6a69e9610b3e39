"""`healthy`: a calico cluster where everything the checks look at is as it should be."""

from __future__ import annotations

import json
from pathlib import Path

import kube_builders as kb

from demo_bundles.common import (
    CONTROL_PLANE,
    COREDNS_IMAGE,
    KS,
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


def healthy(root: Path) -> None:
    name = "calico-demo.k8s.local"
    kops_files(root, name, {"calico": {}})
    nodes = all_nodes(kb.READY)
    calico_image = "docker.io/calico/node:v3.29.1"
    hosts = [CONTROL_PLANE, *WORKERS]
    calico_pods = [
        kb.pod(
            f"calico-node-{suffix}",
            KS,
            {"k8s-app": "calico-node", "controller-revision-hash": "6d4f7b8c9"},
            ("DaemonSet", "calico-node"),
            calico_image,
            "calico-node",
            node_name=h,
            pod_ip=ip,
            host_ip=ip,
            host_network=True,
            statuses=[kb.container_status("calico-node", calico_image)],
            priority_class="system-node-critical",
        )
        for suffix, (h, ip, _) in zip(("2fkq8", "8zt5n", "hx4rw", "wm7jc"), hosts, strict=True)
    ]
    controllers_image = "docker.io/calico/kube-controllers:v3.29.1"
    controllers = kb.pod(
        "calico-kube-controllers-5b9d7c8f4-lq2sd",
        KS,
        {"k8s-app": "calico-kube-controllers", "pod-template-hash": "5b9d7c8f4"},
        ("ReplicaSet", "calico-kube-controllers-5b9d7c8f4"),
        controllers_image,
        "calico-kube-controllers",
        node_name=CONTROL_PLANE[0],
        pod_ip="100.96.0.2",
        host_ip=CONTROL_PLANE[1],
        statuses=[kb.container_status("calico-kube-controllers", controllers_image)],
    )
    coredns = [
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
            statuses=[kb.container_status("coredns", COREDNS_IMAGE)],
        )
        for n, (h, hip, _), pip in (
            ("coredns-7d8f9c6b5-4xk2m", WORKERS[0], "100.96.1.3"),
            ("coredns-7d8f9c6b5-p9wqz", WORKERS[1], "100.96.2.4"),
        )
    ]
    networking_labels = {
        "addon.kops.k8s.io/name": "networking.projectcalico.org",
        "app.kubernetes.io/managed-by": "kops",
        "role.kubernetes.io/networking": "1",
    }
    kb.write_cluster_info(
        root,
        nodes,
        {
            KS: {
                "pods.json": static_pods(ready=True) + calico_pods + [controllers] + coredns,
                "deployments.json": [
                    coredns_deployment(2),
                    kb.deployment(
                        "calico-kube-controllers",
                        KS,
                        {**networking_labels, "k8s-app": "calico-kube-controllers"},
                        {"k8s-app": "calico-kube-controllers"},
                        controllers_image,
                        1,
                        1,
                    ),
                ],
                "daemonsets.json": [
                    kops_controller_ds(),
                    kb.daemonset(
                        "calico-node",
                        KS,
                        {**networking_labels, "k8s-app": "calico-node"},
                        {"k8s-app": "calico-node"},
                        calico_image,
                        4,
                        4,
                    ),
                ],
                "services.json": [dns_service()],
                "events.json": [
                    kb.event(
                        ("Pod", KS, "coredns-7d8f9c6b5-4xk2m"),
                        "Started",
                        "Started container coredns",
                        type_="Normal",
                        host=WORKERS[0][0],
                    ),
                ],
                "endpoints.json": [
                    kb.endpoints(
                        "kube-dns",
                        KS,
                        [
                            (c["status"]["podIP"], c["spec"]["nodeName"], c["metadata"]["name"])
                            for c in coredns
                        ],
                    )
                ],
            },
            "default": default_ns(),
        },
        logs={
            (KS, "calico-node-2fkq8"): {
                "calico-node": "2026-11-27 09:02:31.118 [INFO][62] felix/health.go 336: Overall health status changed: live=true ready=true\n"
            },
            (KS, "coredns-7d8f9c6b5-4xk2m"): {
                "coredns": ".:53\n[INFO] plugin/reload: Running configuration SHA512 = 591cf3\nCoreDNS-1.11.4\nlinux/amd64, go1.22.8, 7f2a6b3\n"
            },
        },
    )
    for host, _, _ in WORKERS:
        node_files(
            root,
            host,
            f'Nov 27 09:02:11 {host} kubelet[2231]: I1127 09:02:11.201342    2231 kubelet.go:2456] "SyncLoop ADD" source="api" pods=["kube-system/calico-node-8zt5n"]\n',
        )
    for host, _, cidr in WORKERS:
        calico_cni_config(root, host, cidr)
        # the node agent's read of /proc/sys/net/ipv4/ip_forward (`collect --probe`)
        (root / "nodes" / host / "ip_forward").write_text("1\n")
    (root / "README.md").write_text(
        "# A healthy calico cluster: every node Ready, calico-node and CoreDNS rolled out\n\n"
        "Nothing is wrong here; kopscheck should pass every check it can decide.\n"
    )


def calico_cni_config(root: Path, host: str, cidr: str) -> None:
    """/etc/cni/net.d as calico-node's install-cni container leaves it."""
    net_d = root / "nodes" / host / "cni-net.d"
    net_d.mkdir(parents=True, exist_ok=True)
    config = {
        "name": "k8s-pod-network",
        "cniVersion": "0.3.1",
        "plugins": [
            {
                "type": "calico",
                "log_level": "info",
                "log_file_path": "/var/log/calico/cni/cni.log",
                "datastore_type": "kubernetes",
                "nodename": host,
                "mtu": 0,
                "ipam": {"type": "calico-ipam"},
                "policy": {"type": "k8s"},
                "kubernetes": {"kubeconfig": "/etc/cni/net.d/calico-kubeconfig"},
            },
            {"type": "bandwidth", "capabilities": {"bandwidth": True}},
            {"type": "portmap", "snat": True, "capabilities": {"portMappings": True}},
        ],
    }
    (net_d / "10-calico.conflist").write_text(json.dumps(config, indent=2) + "\n")
    (net_d / "calico-kubeconfig").write_text(
        "# Kubeconfig file for Calico CNI plugin. Installed by calico/node.\n"
        "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n"
        "    server: https://100.64.0.1:443\n"
        f"# pod CIDR of this node: {cidr}\n"
    )
