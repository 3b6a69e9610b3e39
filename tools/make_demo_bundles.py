"""Write the demo bundles shipped in kopscheck/demo/ (run from the repository root).

    python tools/make_demo_bundles.py [OUT_DIR]

The bundles are what `kubectl cluster-info dump --all-namespaces --output-directory`,
`kubectl get endpoints -o json`, `kubectl version -o json` and `kops get ... -o yaml` write for
a small kops cluster on AWS. tests/test_demo_data.py regenerates them and compares, so the
committed files and this script cannot drift apart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import kube_builders as kb

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


def kubenet_route_limit(root: Path) -> None:
    """kubenet at 60 nodes: the route table is full (50 of 50), 12 nodes have no route."""
    import aws_builders as ab

    cluster = ab.KubenetCluster(workers=59, routed=48, nodes_max=70)
    kops_files(root, cluster.name, {"kubenet": {}})
    groups = ab.kops_instance_groups(cluster.name, cluster.instance_groups())
    (root / "kops" / "instancegroups.yaml").write_text(yaml.safe_dump_all(groups, sort_keys=True))
    cp, cp_ip = cluster.instance_id(0), cluster.ip(0)
    pods = []
    for component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        image = f"registry.k8s.io/{component}:v1.32.4"
        pods.append(
            kb.pod(
                f"{component}-{cp}",
                KS,
                {"k8s-app": component},
                ("Node", cp),
                image,
                component,
                node_name=cp,
                pod_ip=cp_ip,
                host_ip=cp_ip,
                host_network=True,
                statuses=[kb.container_status(component, image)],
                priority_class="system-cluster-critical",
            )
        )
    ccm_image = "registry.k8s.io/provider-aws/cloud-controller-manager:v1.32.1"
    pods.append(
        kb.pod(
            "aws-cloud-controller-manager-7xw2d",
            KS,
            {"k8s-app": "aws-cloud-controller-manager"},
            ("DaemonSet", "aws-cloud-controller-manager"),
            ccm_image,
            "aws-cloud-controller-manager",
            node_name=cp,
            pod_ip=cp_ip,
            host_ip=cp_ip,
            host_network=True,
            statuses=[kb.container_status("aws-cloud-controller-manager", ccm_image)],
            priority_class="system-cluster-critical",
        )
    )
    coredns = [
        kb.pod(
            n,
            KS,
            {"k8s-app": "kube-dns", "pod-template-hash": "7d8f9c6b5"},
            ("ReplicaSet", "coredns-7d8f9c6b5"),
            COREDNS_IMAGE,
            "coredns",
            node_name=cluster.instance_id(i),
            pod_ip=cluster.pod_cidr(i).replace(".0/24", ".3"),
            host_ip=cluster.ip(i),
            statuses=[kb.container_status("coredns", COREDNS_IMAGE)],
        )
        for n, i in (("coredns-7d8f9c6b5-4xk2m", 1), ("coredns-7d8f9c6b5-p9wqz", 2))
    ]
    ccm_ds = kb.daemonset(
        "aws-cloud-controller-manager",
        KS,
        {
            "k8s-addon": "aws-cloud-controller.addons.k8s.io",
            "k8s-app": "aws-cloud-controller-manager",
        },
        {"k8s-app": "aws-cloud-controller-manager"},
        ccm_image,
        1,
        1,
        node_selector={"node-role.kubernetes.io/control-plane": ""},
    )
    kb.write_cluster_info(
        root,
        cluster.nodes(),
        {
            KS: {
                "pods.json": pods + coredns,
                "deployments.json": [coredns_deployment(2)],
                "daemonsets.json": [kops_controller_ds(), ccm_ds],
                "services.json": [dns_service()],
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
            "default": {**default_ns(), "events.json": cluster.events()},
        },
    )
    ab.write_aws(root, cluster.aws_docs(quota_value=50))
    (root / "README.md").write_text(
        "# kubenet at 60 nodes: the AWS route table is full, 12 nodes NoRouteCreated\n\n"
        "The origin document's kubenet limit: one route per node in the cluster's route table,\n"
        "50 routes allowed. The table holds 50 of 50 (local, internet gateway, 48 nodes), so the\n"
        "route controller's CreateRoute fails with RouteLimitExceeded and 12 nodes stay\n"
        "NetworkUnavailable (NoRouteCreated). The nodes instance group may grow to 70.\n"
    )


SCENARIOS = {"cni-no-provider": cni_no_provider, "healthy": healthy}
SCENARIOS["coredns-loop"] = coredns_loop
SCENARIOS["kubenet-route-limit"] = kubenet_route_limit


def main(out: Path) -> None:
    for scenario, build in SCENARIOS.items():
        build(out / scenario)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("kopscheck/demo"))
