"""What every demo bundle shares: the cluster's nodes and instance ids, the kops spec files,
the control plane's static pods, CoreDNS, and the node files the agent would collect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kube_builders as kb
import yaml

KS = "kube-system"
CONTROL_PLANE = ("i-0a1b2c3d4e5f60001", "172.20.45.10", "100.96.0.0/24")
WORKERS = [
    ("i-0a1b2c3d4e5f60002", "172.20.46.21", "100.96.1.0/24"),
    ("i-0a1b2c3d4e5f60003", "172.20.47.32", "100.96.2.0/24"),
    ("i-0a1b2c3d4e5f60004", "172.20.48.43", "100.96.3.0/24"),
]
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.11.4"
SCHED_TAINTS = (
    "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
    "3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/4 nodes are "
    "available: 4 Preemption is not helpful for scheduling."
)


def kops_files(root: Path, name: str, networking: dict[str, Any], k8s: str = "1.32.4") -> None:
    cluster = {
        "apiVersion": "kops.k8s.io/v1alpha2",
        "kind": "Cluster",
        "metadata": {"creationTimestamp": "2026-11-27T08:41:02Z", "name": name},
        "spec": {
            "api": {"loadBalancer": {"class": "Network", "type": "Public"}},
            "authorization": {"rbac": {}},
            "channel": "stable",
            "cloudProvider": "aws",
            "configBase": f"s3://kops-state-demo/{name}",
            "etcdClusters": [
                {
                    "etcdMembers": [
                        {
                            "encryptedVolume": True,
                            "instanceGroup": "control-plane-us-east-1a",
                            "name": "a",
                        }
                    ],
                    "name": n,
                }
                for n in ("main", "events")
            ],
            "iam": {"allowContainerRegistry": True, "legacy": False},
            "kubeDNS": {"provider": "CoreDNS"},
            "kubelet": {"anonymousAuth": False},
            "kubernetesApiAccess": ["0.0.0.0/0"],
            "kubernetesVersion": k8s,
            "networkCIDR": "172.20.0.0/16",
            "networking": networking,
            "nonMasqueradeCIDR": "100.64.0.0/10",
            "podCIDR": "100.96.0.0/11",
            "serviceClusterIPRange": "100.64.0.0/13",
            "sshAccess": ["0.0.0.0/0"],
            "subnets": [
                {
                    "cidr": "172.20.32.0/19",
                    "name": "us-east-1a",
                    "type": "Public",
                    "zone": "us-east-1a",
                }
            ],
            "topology": {"dns": {"type": "None"}},
        },
    }
    groups = [
        {
            "apiVersion": "kops.k8s.io/v1alpha2",
            "kind": "InstanceGroup",
            "metadata": {
                "creationTimestamp": "2026-11-27T08:41:03Z",
                "labels": {"kops.k8s.io/cluster": name},
                "name": ig,
            },
            "spec": {
                "image": "099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241109",
                "machineType": "m6i.large",
                "maxSize": size,
                "minSize": size,
                "role": role,
                "subnets": ["us-east-1a"],
            },
        }
        for ig, role, size in (
            ("control-plane-us-east-1a", "ControlPlane", 1),
            ("nodes-us-east-1a", "Node", 3),
        )
    ]
    (root / "kops").mkdir(parents=True, exist_ok=True)
    (root / "kops" / "cluster.yaml").write_text(yaml.safe_dump(cluster, sort_keys=True))
    (root / "kops" / "instancegroups.yaml").write_text(yaml.safe_dump_all(groups, sort_keys=True))


def all_nodes(ready: tuple[str, str, str]) -> list[dict[str, Any]]:
    nodes = [
        kb.node(
            *CONTROL_PLANE,
            instance_group="control-plane-us-east-1a",
            control_plane=True,
            ready=ready,
        )
    ]
    nodes += [kb.node(*w, ready=ready) for w in WORKERS]
    return nodes


def static_pods(ready: bool) -> list[dict[str, Any]]:
    name, ip, _ = CONTROL_PLANE
    pods = []
    for component, image in (
        ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.4"),
        ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.32.4"),
        ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.32.4"),
    ):
        pods.append(
            kb.pod(
                f"{component}-{name}",
                KS,
                {"k8s-app": component},
                ("Node", name),
                image,
                component,
                node_name=name,
                pod_ip=ip,
                host_ip=ip,
                host_network=True,
                statuses=[kb.container_status(component, image)],
                priority_class="system-cluster-critical",
            )
        )
    for host, hip, _ in [CONTROL_PLANE, *WORKERS]:
        image = "registry.k8s.io/kube-proxy:v1.32.4"
        pods.append(
            kb.pod(
                f"kube-proxy-{host}",
                KS,
                {"k8s-app": "kube-proxy", "tier": "node"},
                ("Node", host),
                image,
                "kube-proxy",
                node_name=host,
                pod_ip=hip,
                host_ip=hip,
                host_network=True,
                statuses=[kb.container_status("kube-proxy", image)],
                priority_class="system-node-critical",
            )
        )
    image = "registry.k8s.io/kops/kops-controller:1.32.0"
    pods.append(
        kb.pod(
            "kops-controller-x7k2p",
            KS,
            {"k8s-app": "kops-controller"},
            ("DaemonSet", "kops-controller"),
            image,
            "kops-controller",
            node_name=name,
            pod_ip=ip,
            host_ip=ip,
            host_network=True,
            statuses=[kb.container_status("kops-controller", image)],
        )
    )
    return pods


def kops_controller_ds() -> dict[str, Any]:
    return kb.daemonset(
        "kops-controller",
        KS,
        {"k8s-addon": "kops-controller.addons.k8s.io", "k8s-app": "kops-controller"},
        {"k8s-app": "kops-controller"},
        "registry.k8s.io/kops/kops-controller:1.32.0",
        1,
        1,
        node_selector={"node-role.kubernetes.io/control-plane": ""},
    )


def coredns_deployment(ready: int) -> dict[str, Any]:
    return kb.deployment(
        "coredns",
        KS,
        {
            "addon.kops.k8s.io/name": "coredns.addons.k8s.io",
            "k8s-addon": "coredns.addons.k8s.io",
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
        },
        {"k8s-app": "kube-dns"},
        COREDNS_IMAGE,
        2,
        ready,
    )


def dns_service() -> dict[str, Any]:
    return kb.service(
        "kube-dns",
        KS,
        {"k8s-app": "kube-dns"},
        "100.64.0.10",
        labels={
            "k8s-addon": "coredns.addons.k8s.io",
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
            "kubernetes.io/name": "CoreDNS",
        },
        ports=[
            {"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 53},
            {"name": "dns-tcp", "protocol": "TCP", "port": 53, "targetPort": 53},
            {"name": "metrics", "protocol": "TCP", "port": 9153, "targetPort": 9153},
        ],
    )


def default_ns() -> dict[str, list[dict[str, Any]]]:
    return {
        "services.json": [
            kb.service(
                "kubernetes",
                "default",
                {},
                "100.64.0.1",
                labels={"component": "apiserver", "provider": "kubernetes"},
            )
        ],
    }


def node_files(root: Path, host: str, log: str) -> None:
    node_dir = root / "nodes" / host
    node_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "/usr/local/bin/kubelet",
        "--bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig",
        "--kubeconfig=/var/lib/kubelet/kubeconfig",
        "--config=/var/lib/kubelet/kubelet.conf",
        "--cloud-provider=external",
        "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
        f"--hostname-override={host}",
        "--node-labels=kops.k8s.io/instancegroup=nodes-us-east-1a,node-role.kubernetes.io/node=",
        "--pod-infra-container-image=registry.k8s.io/pause:3.9",
        "--v=2",
    ]
    (node_dir / "kubelet.cmdline").write_text("\x00".join(args) + "\x00")
    (node_dir / "sysconfig-kubelet").write_text(
        'DAEMON_ARGS="' + " ".join(args[1:]) + '"\nHOME="/root"\n'
    )
    (node_dir / "kubelet.log").write_text(log)
