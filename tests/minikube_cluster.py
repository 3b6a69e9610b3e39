"""A healthy single-node minikube as `kubectl cluster-info dump` shows it.

Kubernetes v1.31.0 (minikube v1.34.0, docker driver), the docker runtime through cri-dockerd,
minikube's bridge CNI config (host-local IPAM over 10.244.0.0/16): no CNI provider pods at all.
Facts follow a real `minikube start` on that version: node labels, the static control-plane
pods owned by the Node, kube-proxy, storage-provisioner as a bare pod on the host network and
CoreDNS 1.11.1. What such a cluster shows during start-up is here too, cleared since: CoreDNS
logged i/o timeouts to the kubernetes Service IP before kube-proxy programmed it, and
storage-provisioner restarted once for the same reason. A dump has no version.json, no kops
spec and no node files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kube_builders as kb

Obj = dict[str, Any]
KS = "kube-system"
NODE, NODE_IP, POD_CIDR = "minikube", "192.168.49.2", "10.244.0.0/24"
K8S = "v1.31.0"
RUNTIME = "docker://27.2.0"
COREDNS = "registry.k8s.io/coredns/coredns:v1.11.1"
PROXY = f"registry.k8s.io/kube-proxy:{K8S}"
PROVISIONER = "gcr.io/k8s-minikube/storage-provisioner:v5"
NOT_READY_TOLERATIONS = [
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
]
COREDNS_LOG = (
    '[INFO] plugin/ready: Still waiting on: "kubernetes"\n'
    "[INFO] plugin/kubernetes: waiting for Kubernetes API before starting server\n"
    ".:53\n"
    "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908\n"
    "CoreDNS-1.11.1\n"
    "linux/amd64, go1.20.7, ae2bbc2\n"
    '[INFO] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.27.4/tools/cache/reflector.go:231: failed to list *v1.Namespace: Get "https://10.96.0.1:443/api/v1/namespaces?limit=500&resourceVersion=0": dial tcp 10.96.0.1:443: i/o timeout\n'
    '[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.27.4/tools/cache/reflector.go:231: Failed to watch *v1.Namespace: failed to list *v1.Namespace: Get "https://10.96.0.1:443/api/v1/namespaces?limit=500&resourceVersion=0": dial tcp 10.96.0.1:443: i/o timeout\n'
    '[INFO] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.27.4/tools/cache/reflector.go:231: failed to list *v1.Service: Get "https://10.96.0.1:443/api/v1/services?limit=500&resourceVersion=0": dial tcp 10.96.0.1:443: i/o timeout\n'
    '[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.27.4/tools/cache/reflector.go:231: Failed to watch *v1.Service: failed to list *v1.Service: Get "https://10.96.0.1:443/api/v1/services?limit=500&resourceVersion=0": dial tcp 10.96.0.1:443: i/o timeout\n'
)
PROVISIONER_LOG = (
    "I1127 09:02:05.512331       1 storage_provisioner.go:116] Initializing the minikube storage provisioner...\n"
    "I1127 09:02:05.523470       1 storage_provisioner.go:141] Storage provisioner initialized, now starting service!\n"
    "I1127 09:02:05.523612       1 leaderelection.go:243] attempting to acquire leader lease kube-system/k8s.io-minikube-hostpath...\n"
    "I1127 09:02:05.534981       1 leaderelection.go:253] successfully acquired lease kube-system/k8s.io-minikube-hostpath\n"
)


def node() -> Obj:
    raw = kb.node(NODE, NODE_IP, POD_CIDR, control_plane=True, kubelet_version=K8S)
    raw["metadata"]["labels"] = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": NODE,
        "kubernetes.io/os": "linux",
        "minikube.k8s.io/commit": "210b148df93a80eb872ecbeb7e35281b3c582c61",
        "minikube.k8s.io/name": NODE,
        "minikube.k8s.io/primary": "true",
        "minikube.k8s.io/updated_at": "2026_11_27T09_01_16_0700",
        "minikube.k8s.io/version": "v1.34.0",
        "node-role.kubernetes.io/control-plane": "",
        "node.kubernetes.io/exclude-from-external-load-balancers": "",
    }
    raw["metadata"]["annotations"] = {
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/cri-dockerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    raw["metadata"]["creationTimestamp"] = "2026-11-27T08:59:13Z"
    raw["spec"] = {"podCIDR": POD_CIDR, "podCIDRs": [POD_CIDR]}  # no providerID, no taints
    raw["status"]["addresses"] = [
        {"type": "InternalIP", "address": NODE_IP},
        {"type": "Hostname", "address": NODE},
    ]
    for cond in raw["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond["message"] = "kubelet is posting ready status"
    info = raw["status"]["nodeInfo"]
    info |= {
        "containerRuntimeVersion": RUNTIME,
        "kernelVersion": "6.8.0-49-generic",
        "osImage": "Ubuntu 22.04.4 LTS",
        "kubeProxyVersion": "",
    }
    return raw


def _static(component: str, image: str) -> Obj:
    pod = kb.pod(
        f"{component}-{NODE}",
        KS,
        {"component": component, "tier": "control-plane"},
        ("Node", NODE),
        image,
        component,
        node_name=NODE,
        pod_ip=NODE_IP,
        host_ip=NODE_IP,
        host_network=True,
        statuses=[kb.container_status(component, image)],
        priority_class="system-node-critical",
    )
    pod["metadata"]["ownerReferences"][0]["apiVersion"] = "v1"
    return pod


def _coredns() -> list[Obj]:
    labels = {"k8s-app": "kube-dns"}
    name = "coredns-6f6b679f8f-7xk8p"
    pod = kb.pod(
        name,
        KS,
        {**labels, "pod-template-hash": "6f6b679f8f"},
        ("ReplicaSet", "coredns-6f6b679f8f"),
        COREDNS,
        "coredns",
        node_name=NODE,
        pod_ip="10.244.0.2",
        host_ip=NODE_IP,
        statuses=[kb.container_status("coredns", COREDNS)],
        tolerations=NOT_READY_TOLERATIONS,
    )
    deploy = kb.deployment("coredns", KS, labels, labels, COREDNS, 1, 1)
    service = kb.service(
        "kube-dns",
        KS,
        labels,
        "10.96.0.10",
        labels={**labels, "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
        ports=[
            {"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 53},
            {"name": "dns-tcp", "protocol": "TCP", "port": 53, "targetPort": 53},
            {"name": "metrics", "protocol": "TCP", "port": 9153, "targetPort": 9153},
        ],
    )
    endpoints = kb.endpoints("kube-dns", KS, [("10.244.0.2", NODE, name)])
    return [pod, deploy, service, endpoints]


def _provisioner() -> Obj:
    status = kb.container_status(
        "storage-provisioner", PROVISIONER, restarts=1, last_reason="Error"
    )
    status["lastState"]["terminated"] |= {
        "startedAt": "2026-11-27T09:01:31Z",
        "finishedAt": "2026-11-27T09:02:01Z",
    }
    pod = kb.pod(
        "storage-provisioner",
        KS,
        {"addonmanager.kubernetes.io/mode": "Reconcile", "integration-test": "storage-provisioner"},
        None,
        PROVISIONER,
        "storage-provisioner",
        node_name=NODE,
        pod_ip=NODE_IP,
        host_ip=NODE_IP,
        host_network=True,
        statuses=[status],
        priority_class="",
    )
    return pod


def namespaces() -> dict[str, dict[str, list[Obj]]]:
    proxy_labels = {"k8s-app": "kube-proxy"}
    proxy = kb.daemonset("kube-proxy", KS, proxy_labels, proxy_labels, PROXY, 1, 1)
    proxy["spec"]["template"]["metadata"]["labels"] = dict(proxy_labels)
    proxy_pod = kb.pod(
        "kube-proxy-9hx5c",
        KS,
        {**proxy_labels, "controller-revision-hash": "5976bc5f75", "pod-template-generation": "1"},
        ("DaemonSet", "kube-proxy"),
        PROXY,
        "kube-proxy",
        node_name=NODE,
        pod_ip=NODE_IP,
        host_ip=NODE_IP,
        host_network=True,
        statuses=[kb.container_status("kube-proxy", PROXY)],
        priority_class="system-node-critical",
    )
    coredns_pod, coredns_deploy, dns_service, dns_endpoints = _coredns()
    statics = [
        _static("etcd", "registry.k8s.io/etcd:3.5.15-0"),
        _static("kube-apiserver", f"registry.k8s.io/kube-apiserver:{K8S}"),
        _static("kube-controller-manager", f"registry.k8s.io/kube-controller-manager:{K8S}"),
        _static("kube-scheduler", f"registry.k8s.io/kube-scheduler:{K8S}"),
    ]
    events = [
        kb.event(
            ("Pod", KS, "coredns-6f6b679f8f-7xk8p"),
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            host=NODE,
            last="2026-11-27T09:01:52Z",
        ),
        kb.event(
            ("Pod", KS, "storage-provisioner"),
            "Pulled",
            f'Container image "{PROVISIONER}" already present on machine',
            type_="Normal",
            count=2,
            host=NODE,
            last="2026-11-27T09:02:04Z",
        ),
    ]
    return {
        "default": {"services.json": [kb.service("kubernetes", "default", {}, "10.96.0.1")]},
        KS: {
            "pods.json": [coredns_pod, *statics, proxy_pod, _provisioner()],
            "deployments.json": [coredns_deploy],
            "daemonsets.json": [proxy],
            "services.json": [dns_service],
            "endpoints.json": [dns_endpoints],
            "events.json": events,
        },
    }


def write(root: Path) -> Path:
    """`kubectl cluster-info dump --all-namespaces --output-directory root/cluster-info`."""
    logs = {
        (KS, "coredns-6f6b679f8f-7xk8p"): {"coredns": COREDNS_LOG},
        (KS, "storage-provisioner"): {"storage-provisioner": PROVISIONER_LOG},
    }
    kb.write_cluster_info(root, [node()], namespaces(), logs)
    (root / "cluster-info" / "version.json").unlink()  # not part of a cluster-info dump
    return root
