"""Healthy kops clusters for every networking mode, as bundles in the real formats.

`healthy(mode)` builds what `kubectl cluster-info dump`, `kops get -o yaml` and the node files
of CONTRACT §4 hold for a small cluster running that mode: the addon's workloads with the
labels, selectors, namespaces and images kops renders, their pods Ready on every node, the CNI
config each provider writes to /etc/cni/net.d, kubelet argv and logs. Tests and
tools/make_network_fixtures.py change a part of it to show one failure at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kube_builders as kb
import yaml

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.model.facts import Snapshot

Obj = dict[str, Any]
KS = "kube-system"
CONTROL_PLANE = ("i-0c1a0000000000001", "172.20.45.10", "100.96.0.0/24")
WORKERS = [
    ("i-0c1a0000000000002", "172.20.46.21", "100.96.1.0/24"),
    ("i-0c1a0000000000003", "172.20.47.32", "100.96.2.0/24"),
    ("i-0c1a0000000000004", "172.20.48.43", "100.96.3.0/24"),
]
HOSTS = [CONTROL_PLANE, *WORKERS]
COREDNS = "registry.k8s.io/coredns/coredns:v1.11.4"
SUFFIXES = ("2fkq8", "8zt5n", "hx4rw", "wm7jc")


@dataclass(frozen=True)
class Provider:
    """One networking addon as kops renders it (or as a user installs it)."""

    addon: str
    daemonset: tuple[str, str, dict[str, str], str, str]  # ns, name, selector, image, container
    deployments: tuple[tuple[str, str, dict[str, str], str], ...] = ()
    cni_file: str = ""
    cni_types: tuple[str, ...] = ()
    log: str = ""
    kops_labels: bool = True
    tolerations: tuple[dict[str, str], ...] = ({"operator": "Exists"},)


PROVIDERS: dict[str, Provider] = {
    "calico": Provider(
        "networking.projectcalico.org",
        (
            KS,
            "calico-node",
            {"k8s-app": "calico-node"},
            "docker.io/calico/node:v3.31.6",
            "calico-node",
        ),
        (
            (
                KS,
                "calico-kube-controllers",
                {"k8s-app": "calico-kube-controllers"},
                "docker.io/calico/kube-controllers:v3.31.6",
            ),
        ),
        "10-calico.conflist",
        ("calico", "bandwidth", "portmap"),
        "2026-11-27 09:02:31.118 [INFO][62] felix/health.go 336: Overall health status changed: live=true ready=true\n"
        "2026-11-27 09:40:02.512 [INFO][62] felix/int_dataplane.go 1954: Received *proto.WorkloadEndpointUpdate update from calculation graph\n",
        tolerations=(
            {"effect": "NoSchedule", "operator": "Exists"},
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"effect": "NoExecute", "operator": "Exists"},
        ),
    ),
    "cilium": Provider(
        "networking.cilium.io",
        (
            KS,
            "cilium",
            {"k8s-app": "cilium", "kubernetes.io/cluster-service": "true"},
            "quay.io/cilium/cilium:v1.18.12",
            "cilium-agent",
        ),
        (
            (
                KS,
                "cilium-operator",
                {"io.cilium/app": "operator", "name": "cilium-operator"},
                "quay.io/cilium/operator:v1.18.12",
            ),
        ),
        "05-cilium.conflist",
        ("cilium-cni",),
        'time="2026-11-27T09:41:12Z" level=info msg="Create endpoint request" addressing="&{100.96.1.7 }" containerID=4f1c2d3e subsys=daemon\n'
        'time="2026-11-27T09:41:13Z" level=info msg="Successful endpoint creation" containerID=4f1c2d3e endpointID=1733 subsys=daemon\n',
    ),
    "amazonvpc": Provider(
        "networking.amazon-vpc-routed-eni",
        (
            KS,
            "aws-node",
            {"k8s-app": "aws-node"},
            "602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni:v1.23.0",
            "aws-node",
        ),
        (),
        "10-aws.conflist",
        ("aws-cni", "egress-cni", "portmap"),
        '{"level":"info","ts":"2026-11-27T09:02:20.101Z","caller":"entrypoint.sh","msg":"Successfully copied CNI plugin binary and config file."}\n',
    ),
    "flannel": Provider(
        "networking.flannel",
        (
            "kube-flannel",
            "kube-flannel-ds",
            {"app": "flannel", "tier": "node"},
            "ghcr.io/flannel-io/flannel:v0.28.9",
            "kube-flannel",
        ),
        (),
        "10-flannel.conflist",
        ("flannel", "portmap"),
        "I1127 09:02:14.221031       1 main.go:452] Found network config - Backend type: vxlan\n",
        tolerations=({"effect": "NoSchedule", "operator": "Exists"},),
    ),
    "kube-router": Provider(
        "networking.kuberouter",
        (
            KS,
            "kube-router",
            {"k8s-app": "kube-router", "tier": "node"},
            "docker.io/cloudnativelabs/kube-router:v2.11.1",
            "kube-router",
        ),
        (),
        "10-kuberouter.conflist",
        ("bridge", "portmap"),
        "I1127 09:02:15.118204       1 network_routes_controller.go:272] Starting network route controller\n",
    ),
    "kopeio": Provider(
        "networking.kope.io",
        (
            KS,
            "kopeio-networking-agent",
            {"name": "kopeio-networking-agent"},
            "kopeio/networking-agent:1.0.20181028",
            "networking-agent",
        ),
        (),
        "10-containerd-net.conflist",
        ("ptp", "portmap"),
        "I1127 09:02:16.004411       1 main.go:71] kopeio networking agent started, mode vxlan\n",
        tolerations=(
            {"effect": "NoSchedule", "operator": "Exists"},
            {"effect": "NoExecute", "operator": "Exists"},
        ),
    ),
    "kindnet": Provider(
        "networking.kindnet",
        (
            KS,
            "kindnet",
            {"app": "kindnet"},
            "registry.k8s.io/networking/kindnet:v1.0.1",
            "kindnet-cni",
        ),
        (),
        "10-kindnet.conflist",
        ("ptp", "portmap"),
        "I1127 09:02:17.332101       1 main.go:212] Handling node with IPs: map[172.20.46.21:{}]\n",
        tolerations=({"effect": "NoSchedule", "operator": "Exists"},),
    ),
    "weave": Provider(
        "networking.weave",
        (KS, "weave-net", {"name": "weave-net"}, "weaveworks/weave-kube:2.8.1", "weave"),
        (),
        "10-weave.conflist",
        ("weave-net", "portmap"),
        "INFO: 2026/11/27 09:02:18.120311 Discovered remote MAC 6a:1f:3b:aa:01:02 at 6a:1f:3b:aa:01:02(ip-172-20-46-21)\n",
    ),
    # `--networking cni` with Calico installed by the user through the tigera operator.
    "user-calico": Provider(
        "",
        (
            "calico-system",
            "calico-node",
            {"k8s-app": "calico-node"},
            "quay.io/calico/node:v3.29.1",
            "calico-node",
        ),
        (
            (
                "calico-system",
                "calico-kube-controllers",
                {"k8s-app": "calico-kube-controllers"},
                "quay.io/calico/kube-controllers:v3.29.1",
            ),
        ),
        "10-calico.conflist",
        ("calico", "bandwidth", "portmap"),
        "2026-11-27 09:02:31.118 [INFO][62] felix/health.go 336: Overall health status changed: live=true ready=true\n",
        kops_labels=False,
    ),
}
# mode -> (spec.networking, provider key or "" for none)
MODES: dict[str, tuple[dict[str, Any], str]] = {
    "calico": ({"calico": {}}, "calico"),
    "cilium": ({"cilium": {"enableNodePort": True}}, "cilium"),
    "amazonvpc": ({"amazonvpc": {}}, "amazonvpc"),
    "flannel": ({"flannel": {"backend": "vxlan"}}, "flannel"),
    "kube-router": ({"kuberouter": {}}, "kube-router"),
    "kopeio": ({"kopeio": {}}, "kopeio"),
    "kindnet": ({"kindnet": {}}, "kindnet"),
    "kubenet": ({"kubenet": {}}, ""),
    "cni": ({"cni": {}}, "user-calico"),
    "gce": ({"gce": {}}, ""),
    "weave": ({"weave": {}}, "weave"),
}
KUBENET_CONFIG = ("10-containerd-net.conflist", ("ptp", "portmap"))


@dataclass
class Cluster:
    """A cluster's bundle contents, editable before `write()`."""

    name: str
    networking: dict[str, Any]
    k8s: str = "v1.32.4"
    kops: str = "1.33.1"
    cloud: str = "aws"
    spec_k8s: str = ""  # spec.kubernetesVersion when it differs from the running version
    nodes: list[Obj] = field(default_factory=list)
    namespaces: dict[str, dict[str, list[Obj]]] = field(default_factory=dict)
    logs: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    node_files: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, namespace: str, filename: str, *objects: Obj) -> None:
        self.namespaces.setdefault(namespace, {}).setdefault(filename, []).extend(objects)

    def find(self, namespace: str, filename: str, name: str) -> Obj:
        items = self.namespaces[namespace][filename]
        return next(o for o in items if o["metadata"]["name"] == name)

    def node(self, name: str) -> Obj:
        return next(n for n in self.nodes if n["metadata"]["name"] == name)

    def write(self, root: Path) -> Path:
        kb.write_cluster_info(root, self.nodes, self.namespaces, self.logs, version=self.k8s)
        (root / "kops").mkdir(parents=True, exist_ok=True)
        (root / "kops" / "cluster.yaml").write_text(
            yaml.safe_dump(self._kops_cluster(), sort_keys=True)
        )
        for host, files in self.node_files.items():
            for rel, text in files.items():
                path = root / "nodes" / host / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        return root

    def snapshot(self, root: Path) -> Snapshot:
        return read_bundle(self.write(root))

    def _kops_cluster(self) -> Obj:
        return {
            "apiVersion": "kops.k8s.io/v1alpha2",
            "kind": "Cluster",
            "metadata": {"creationTimestamp": "2026-11-27T08:41:02Z", "name": self.name},
            "spec": {
                "api": {"loadBalancer": {"class": "Network", "type": "Public"}},
                "cloudProvider": self.cloud,
                "configBase": f"s3://kops-state-test/{self.name}",
                "kubeDNS": {"provider": "CoreDNS"},
                "kubernetesVersion": (self.spec_k8s or self.k8s).lstrip("v"),
                "networkCIDR": "172.20.0.0/16",
                "networking": self.networking,
                "nonMasqueradeCIDR": "100.64.0.0/10",
                "podCIDR": "100.96.0.0/11",
                "serviceClusterIPRange": "100.64.0.0/13",
                "subnets": [
                    {
                        "cidr": "172.20.32.0/19",
                        "name": "us-east-1a",
                        "type": "Public",
                        "zone": "us-east-1a",
                    }
                ],
            },
        }


def healthy(
    mode: str, k8s: str = "v1.32.4", runtime: str = "containerd://1.7.24", kops: str = "1.33.1"
) -> Cluster:
    """A healthy cluster running `mode` (a key of MODES), last updated by kops `kops`."""
    networking, provider_key = MODES[mode]
    cloud = "gce" if mode == "gce" else "aws"
    cluster = Cluster(f"{mode}.k8s.local", networking, k8s=k8s, kops=kops, cloud=cloud)
    cluster.nodes = _nodes(mode, k8s, runtime)
    provider = PROVIDERS.get(provider_key)
    if provider is not None:
        _add_provider(cluster, provider)
    _add_kops_and_dns(cluster)
    config = (provider.cni_file, provider.cni_types) if provider else KUBENET_CONFIG
    docker_kubenet = runtime.startswith("docker") and mode in ("kubenet", "gce", "kopeio")
    for host, _, cidr in HOSTS:
        _node_files(cluster, host, cidr, k8s, runtime, mode, None if docker_kubenet else config)
    return cluster


def _nodes(mode: str, k8s: str, runtime: str) -> list[Obj]:
    nodes = [
        kb.node(
            *CONTROL_PLANE,
            instance_group="control-plane-us-east-1a",
            control_plane=True,
            kubelet_version=k8s,
        )
    ]
    nodes += [kb.node(*w, kubelet_version=k8s) for w in WORKERS]
    for node in nodes:
        node["status"]["nodeInfo"]["containerRuntimeVersion"] = runtime
        if mode in ("kubenet",):
            node["status"]["conditions"].insert(
                0,
                kb.condition(
                    "NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"
                ),
            )
        if mode == "gce":
            name = node["metadata"]["name"]
            node["spec"]["providerID"] = f"gce://kops-test/us-central1-a/{name}"
    return nodes


def _add_provider(cluster: Cluster, p: Provider) -> None:
    ns, name, shared_selector, image, container = p.daemonset
    selector = dict(shared_selector)  # the builders keep the dict; tests edit their copy
    labels = {**selector}
    if p.kops_labels:
        labels |= {
            "addon.kops.k8s.io/name": p.addon,
            "app.kubernetes.io/managed-by": "kops",
            "role.kubernetes.io/networking": "1",
        }
    ds = kb.daemonset(name, ns, labels, selector, image, len(HOSTS), len(HOSTS))
    ds["spec"]["template"]["spec"]["tolerations"] = list(p.tolerations)
    cluster.add(ns, "daemonsets.json", ds)
    for suffix, (host, ip, _) in zip(SUFFIXES, HOSTS, strict=True):
        pod_name = f"{name}-{suffix}"
        pod = kb.pod(
            pod_name,
            ns,
            {**selector, "controller-revision-hash": "6d4f7b8c9"},
            ("DaemonSet", name),
            image,
            container,
            node_name=host,
            pod_ip=ip,
            host_ip=ip,
            host_network=True,
            statuses=[kb.container_status(container, image)],
            priority_class="system-node-critical",
        )
        cluster.add(ns, "pods.json", pod)
        if p.log:
            cluster.logs[(ns, pod_name)] = {container: p.log}
    for dns, dname, dselector, dimage in p.deployments:
        dlabels = {**dselector}
        if p.kops_labels:
            dlabels |= {"addon.kops.k8s.io/name": p.addon, "role.kubernetes.io/networking": "1"}
        cluster.add(
            dns,
            "deployments.json",
            kb.deployment(dname, dns, dlabels, dict(dselector), dimage, 1, 1),
        )
        pod = kb.pod(
            f"{dname}-5b9d7c8f4-lq2sd",
            dns,
            {**dselector, "pod-template-hash": "5b9d7c8f4"},
            ("ReplicaSet", f"{dname}-5b9d7c8f4"),
            dimage,
            dname,
            node_name=CONTROL_PLANE[0],
            pod_ip="100.96.0.2",
            host_ip=CONTROL_PLANE[1],
            statuses=[kb.container_status(dname, dimage)],
        )
        cluster.add(dns, "pods.json", pod)


def _add_kops_and_dns(cluster: Cluster) -> None:
    image = f"registry.k8s.io/kops/kops-controller:{cluster.kops}"
    cluster.add(
        KS,
        "daemonsets.json",
        kb.daemonset(
            "kops-controller",
            KS,
            {"k8s-addon": "kops-controller.addons.k8s.io", "k8s-app": "kops-controller"},
            {"k8s-app": "kops-controller"},
            image,
            1,
            1,
            node_selector={"node-role.kubernetes.io/control-plane": ""},
        ),
    )
    cluster.add(
        KS,
        "pods.json",
        kb.pod(
            "kops-controller-x7k2p",
            KS,
            {"k8s-app": "kops-controller"},
            ("DaemonSet", "kops-controller"),
            image,
            "kops-controller",
            node_name=CONTROL_PLANE[0],
            pod_ip=CONTROL_PLANE[1],
            host_ip=CONTROL_PLANE[1],
            host_network=True,
            statuses=[kb.container_status("kops-controller", image)],
        ),
    )
    dns_labels = {
        "k8s-addon": "coredns.addons.k8s.io",
        "k8s-app": "kube-dns",
        "kubernetes.io/cluster-service": "true",
    }
    cluster.add(
        KS,
        "deployments.json",
        kb.deployment("coredns", KS, dns_labels, {"k8s-app": "kube-dns"}, COREDNS, 2, 2),
    )
    ready = []
    for pod_name, (host, hip, _), pip in (
        ("coredns-7d8f9c6b5-4xk2m", WORKERS[0], "100.96.1.3"),
        ("coredns-7d8f9c6b5-p9wqz", WORKERS[1], "100.96.2.4"),
    ):
        cluster.add(
            KS,
            "pods.json",
            kb.pod(
                pod_name,
                KS,
                {"k8s-app": "kube-dns", "pod-template-hash": "7d8f9c6b5"},
                ("ReplicaSet", "coredns-7d8f9c6b5"),
                COREDNS,
                "coredns",
                node_name=host,
                pod_ip=pip,
                host_ip=hip,
                statuses=[kb.container_status("coredns", COREDNS)],
            ),
        )
        ready.append((pip, host, pod_name))
    cluster.add(
        KS,
        "services.json",
        kb.service("kube-dns", KS, {"k8s-app": "kube-dns"}, "100.64.0.10", labels=dns_labels),
    )
    cluster.add(KS, "endpoints.json", kb.endpoints("kube-dns", KS, ready))
    cluster.add(
        KS,
        "events.json",
        kb.event(
            ("Pod", KS, "coredns-7d8f9c6b5-4xk2m"),
            "Started",
            "Started container coredns",
            type_="Normal",
            host=WORKERS[0][0],
        ),
    )
    cluster.add("default", "services.json", kb.service("kubernetes", "default", {}, "100.64.0.1"))


def kubelet_args(host: str, k8s: str, runtime: str, mode: str) -> list[str]:
    args = [
        "/usr/local/bin/kubelet",
        "--bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig",
        "--kubeconfig=/var/lib/kubelet/kubeconfig",
        "--config=/var/lib/kubelet/kubelet.conf",
        "--cloud-provider=external",
        f"--hostname-override={host}",
        "--pod-infra-container-image=registry.k8s.io/pause:3.9",
        "--v=2",
    ]
    minor = int(k8s.lstrip("v").split(".")[1])
    if runtime.startswith("containerd"):
        args.insert(5, "--container-runtime-endpoint=unix:///run/containerd/containerd.sock")
        if minor < 24:
            args.insert(5, "--container-runtime=remote")
    if minor < 24:
        plugin = "kubenet" if mode in ("kubenet", "kopeio", "gce") else "cni"
        args.insert(5, f"--network-plugin={plugin}")
        if plugin == "cni":
            args[5:5] = ["--cni-bin-dir=/opt/cni/bin/", "--cni-conf-dir=/etc/cni/net.d/"]
    return args


def kubelet_log(host: str, pods: list[str]) -> str:
    lines = [
        f'Nov 27 09:01:58 {host} kubelet[2231]: I1127 09:01:58.100112    2231 server.go:484] "Kubelet version" kubeletVersion="v1.32.4"'
    ]
    for i, pod in enumerate(pods):
        lines.append(
            f'Nov 27 09:02:{11 + i:02d} {host} kubelet[2231]: I1127 09:02:{11 + i:02d}.201342    2231 kubelet.go:2456] "SyncLoop ADD" source="api" pods=["{pod}"]'
        )
        lines.append(
            f'Nov 27 09:02:{12 + i:02d} {host} kubelet[2231]: I1127 09:02:{12 + i:02d}.318027    2231 kubelet.go:2491] "SyncLoop (PLEG): event for pod" pod="{pod}" '
            f'event={{"ID":"{kb.uid(pod)}","Type":"ContainerStarted","Data":"{kb.uid(pod + "sandbox").replace("-", "")}"}}'
        )
    return "\n".join(lines) + "\n"


def cni_config(types: tuple[str, ...], cidr: str) -> str:
    plugins: list[Obj] = []
    for t in types:
        plugin: Obj = {"type": t}
        if t in ("ptp", "bridge"):
            plugin["ipam"] = {"type": "host-local", "ranges": [[{"subnet": cidr}]]}
        if t == "portmap":
            plugin["capabilities"] = {"portMappings": True}
        plugins.append(plugin)
    return (
        json.dumps({"cniVersion": "0.4.0", "name": "k8s-pod-network", "plugins": plugins}, indent=2)
        + "\n"
    )


def _node_files(
    cluster: Cluster,
    host: str,
    cidr: str,
    k8s: str,
    runtime: str,
    mode: str,
    config: tuple[str, tuple[str, ...]] | None,
) -> None:
    args = kubelet_args(host, k8s, runtime, mode)
    pods = [
        p["metadata"]["namespace"] + "/" + p["metadata"]["name"]
        for ns in cluster.namespaces.values()
        for p in ns.get("pods.json", [])
        if p["spec"].get("nodeName") == host
    ]
    files = {
        "kubelet.cmdline": "\x00".join(args) + "\x00",
        "sysconfig-kubelet": 'DAEMON_ARGS="' + " ".join(args[1:]) + '"\nHOME="/root"\n',
        "kubelet.log": kubelet_log(host, pods),
    }
    if config is not None:
        files[f"cni-net.d/{config[0]}"] = cni_config(config[1], cidr)
    cluster.node_files[host] = files
