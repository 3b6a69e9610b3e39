"""Write the networking fixture bundles in tests/fixtures/ (run from the repository root).

    python tools/make_network_fixtures.py [OUT_DIR]

Each bundle is a healthy cluster from tests/network_clusters.py with one real failure written
in the formats kubectl, kops and the node files use. tests/checks/test_fixture_bundles.py
regenerates them and compares, so the committed files and this script cannot drift apart.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import kube_builders as kb
import minikube_cluster
import network_clusters as nc

KS = nc.KS
Obj = dict[str, Any]


def _not_ready(pod: Obj) -> None:
    """A running pod whose readiness probe fails (what the kubelet reports)."""
    for status in pod["status"]["containerStatuses"]:
        status["ready"] = False
    for cond in pod["status"]["conditions"]:
        if cond["type"] in ("Ready", "ContainersReady"):
            cond["status"] = "False"
            cond["reason"] = "ContainersNotReady"
            cond["message"] = f"containers with unready status: [{status['name']}]"


def _ds_ready(ds: Obj, ready: int) -> None:
    status = ds["status"]
    status["numberReady"] = status["numberAvailable"] = ready
    status["numberUnavailable"] = status["desiredNumberScheduled"] - ready


def calico_bgp_not_established(root: Path) -> None:
    cluster = nc.healthy("calico")
    host = nc.WORKERS[1][0]
    pod = cluster.find(KS, "pods.json", "calico-node-hx4rw")
    _not_ready(pod)
    _ds_ready(cluster.find(KS, "daemonsets.json", "calico-node"), 3)
    peers = f"{nc.WORKERS[0][1]},{nc.WORKERS[2][1]}"
    cluster.add(
        KS,
        "events.json",
        kb.event(
            ("Pod", KS, "calico-node-hx4rw"),
            "Unhealthy",
            "Readiness probe failed: 2026-11-27 10:14:21.799 [INFO][3875] confd/health.go 180: "
            "Number of node(s) with BGP peering established = 0\ncalico/node is not ready: "
            f"BIRD is not ready: BGP not established with {peers}\n",
            count=142,
            host=host,
        ),
    )
    cluster.logs[(KS, "calico-node-hx4rw")] = {
        "calico-node": (
            "2026-11-27 09:02:31.118 [INFO][62] felix/health.go 336: Overall health status changed: live=true ready=true\n"
            "2026-11-27 10:02:44.120 [INFO][83] confd/client.go 1400: Updated with new BGP peer config\n"
            f"2026-11-27 10:13:59.811 [WARNING][83] bird: Mesh_{nc.WORKERS[0][1].replace('.', '_')}: Socket error: Connection timed out\n"
        )
    }
    cluster.write(root)
    _readme(
        root,
        "calico-node not ready on one node: BGP not established",
        "Security groups block TCP 179 between nodes, so calico's BIRD on "
        f"{host} peers with nobody and its readiness probe fails; cni.provider-healthy fails.",
    )


def kubelet_network_plugin_after_1_24(root: Path) -> None:
    cluster = nc.healthy("calico", k8s="v1.24.17", kops="1.24.3")
    host = nc.WORKERS[2][0]
    node = cluster.node(host)
    node["status"]["nodeInfo"]["kubeletVersion"] = "v1.23.17"  # what it last posted
    for cond in node["status"]["conditions"]:
        cond.update(
            status="Unknown",
            reason="NodeStatusUnknown",
            message="Kubelet stopped posting node status.",
            lastTransitionTime="2026-11-27T10:02:40Z",
        )
    node["spec"]["taints"] = [
        {
            "key": "node.kubernetes.io/unreachable",
            "effect": "NoSchedule",
            "timeAdded": "2026-11-27T10:02:40Z",
        },
        {
            "key": "node.kubernetes.io/unreachable",
            "effect": "NoExecute",
            "timeAdded": "2026-11-27T10:02:45Z",
        },
    ]
    _not_ready(cluster.find(KS, "pods.json", "calico-node-wm7jc"))
    _ds_ready(cluster.find(KS, "daemonsets.json", "calico-node"), 3)
    legacy = nc.kubelet_args(host, "v1.23.17", "containerd://1.6.8", "calico")
    files = cluster.node_files[host]
    del files["kubelet.cmdline"]  # the kubelet is not running
    files["sysconfig-kubelet"] = 'DAEMON_ARGS="' + " ".join(legacy[1:]) + '"\nHOME="/root"\n'
    restarts = []
    for i in range(3):
        second = 10 + 10 * i
        restarts += [
            f"Nov 27 10:14:{second:02d} {host} systemd[1]: Started kubelet.service - Kubernetes Kubelet Server.",
            f"Nov 27 10:14:{second:02d} {host} kubelet[{31337 + i}]: Error: failed to parse kubelet flag: unknown flag: --network-plugin",
            f"Nov 27 10:14:{second:02d} {host} systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE",
            f"Nov 27 10:14:{second:02d} {host} systemd[1]: kubelet.service: Failed with result 'exit-code'.",
        ]
    files["kubelet.log"] += "\n".join(restarts) + "\n"
    cluster.write(root)
    _readme(
        root,
        "A node rolled to Kubernetes 1.24 still passes --network-plugin to its kubelet",
        f"{host}'s /etc/sysconfig/kubelet keeps the dockershim flags of its 1.23 config; the 1.24 "
        "kubelet exits with `unknown flag: --network-plugin`, the node goes NotReady (Unknown) "
        "and calico-node on it is not ready. kubelet.network-plugin is the root cause.",
    )


def weave_upgrade_to_1_23(root: Path) -> None:
    cluster = nc.healthy("weave", k8s="v1.22.17", runtime="docker://20.10.17", kops="1.23.2")
    cluster.spec_k8s = "1.23.17"  # `kops edit cluster` done, `kops update` refused
    cluster.write(root)
    _readme(
        root,
        "Weave networking while the spec asks for Kubernetes 1.23",
        "kops 1.23 rejects weave for Kubernetes 1.23 and later, so the upgrade cannot be "
        "applied: kops.networking-supported fails while the running 1.22 cluster is healthy.",
    )


def aws_vpc_ip_exhausted(root: Path) -> None:
    cluster = nc.healthy("amazonvpc")
    host, ip, _ = nc.WORKERS[1]
    image = "registry.example.com/shop/web:2.4.1"
    labels = {"app": "web", "pod-template-hash": "7c9f8d6b5"}
    cluster.add(
        "default",
        "deployments.json",
        kb.deployment("web", "default", {"app": "web"}, {"app": "web"}, image, 3, 1),
    )
    running = kb.pod(
        "web-7c9f8d6b5-k2v9x",
        "default",
        labels,
        ("ReplicaSet", "web-7c9f8d6b5"),
        image,
        "web",
        node_name=nc.WORKERS[0][0],
        pod_ip="172.20.46.87",
        host_ip=nc.WORKERS[0][1],
        statuses=[kb.container_status("web", image)],
        priority_class="",
    )
    cluster.add("default", "pods.json", running)
    message = (
        'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": '
        'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container'
    )
    kubelet_lines = []
    for i, name in enumerate(("web-7c9f8d6b5-m4d7q", "web-7c9f8d6b5-x8r2t")):
        stuck = kb.pod(
            name,
            "default",
            labels,
            ("ReplicaSet", "web-7c9f8d6b5"),
            image,
            "web",
            node_name=host,
            phase="Pending",
            host_ip=ip,
            priority_class="",
            statuses=[
                kb.container_status(
                    "web", image, state="waiting", reason="ContainerCreating", ready=False
                )
            ],
        )
        cluster.add("default", "pods.json", stuck)
        sandbox = kb.uid(name + "sandbox").replace("-", "") * 2
        cluster.add(
            "default",
            "events.json",
            kb.event(
                ("Pod", "default", name),
                "FailedCreatePodSandBox",
                message.format(sandbox=sandbox),
                count=14,
                host=host,
            ),
        )
        text = message.format(sandbox=sandbox).replace('"', '\\"').split("desc = ", 1)[1]
        kubelet_lines.append(
            f'Nov 27 10:14:{20 + i:02d} {host} kubelet[2231]: E1127 10:14:{20 + i:02d}.459322    2231 log.go:32] "RunPodSandbox from runtime service failed" '
            f'err="rpc error: code = Unknown desc = {text}"'
        )
        kubelet_lines.append(
            f'Nov 27 10:14:{20 + i:02d} {host} kubelet[2231]: E1127 10:14:{20 + i:02d}.459401    2231 pod_workers.go:1301] "Error syncing pod, skipping" '
            f'pod="default/{name}" podUID="{kb.uid(name)}"'
        )
    cluster.node_files[host]["kubelet.log"] += "\n".join(kubelet_lines) + "\n"
    cluster.logs[(KS, "aws-node-hx4rw")] = {
        "aws-node": (
            '{"level":"info","ts":"2026-11-27T09:02:20.101Z","caller":"entrypoint.sh","msg":"Successfully copied CNI plugin binary and config file."}\n'
            '{"level":"error","ts":"2026-11-27T10:14:18.412Z","caller":"ipamd/ipamd.go:862","msg":"Failed to increase pool size due to not able to allocate ENI '
            "AllocateIPAddress: failed to allocate a private IP address: InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free "
            'addresses to satisfy the request.\\n\\tstatus code: 400"}\n'
        )
    }
    cluster.write(root)
    _readme(
        root,
        "Amazon VPC CNI: the node's subnet has no free addresses",
        f"Two web pods stay in ContainerCreating on {host}: aws-cni cannot assign an IP "
        "address (FailedCreatePodSandBox) because ipamd gets InsufficientFreeAddressesInSubnet. "
        "pod.sandbox-errors and pod.node-logs fail; cni.provider-healthy warns about aws-node's log.",
    )


def minikube_bridge_healthy(root: Path) -> None:
    minikube_cluster.write(root)
    _readme(
        root,
        "A healthy minikube: Kubernetes 1.31, docker, bridge CNI, no provider pods",
        "`kubectl cluster-info dump --output-directory` of a fresh single-node minikube. The "
        "bridge CNI runs no pods; the node is Ready and CoreDNS got 10.244.0.2 from the node's "
        "podCIDR. CoreDNS's start-up i/o timeouts to 10.96.0.1 and storage-provisioner's one "
        "restart cleared before the dump. Nothing fails; no version.json, kops spec or node files.",
    )


def _readme(root: Path, title: str, body: str) -> None:
    (root / "README.md").write_text(f"# {title}\n\n{body}\n")


SCENARIOS: dict[str, Callable[[Path], None]] = {
    "calico-bgp-not-established": calico_bgp_not_established,
    "kubelet-network-plugin-after-1.24": kubelet_network_plugin_after_1_24,
    "weave-upgrade-to-1.23": weave_upgrade_to_1_23,
    "aws-vpc-ip-exhausted": aws_vpc_ip_exhausted,
    "minikube-bridge-healthy": minikube_bridge_healthy,
}


def main(out: Path) -> None:
    for name, build in SCENARIOS.items():
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        build(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/fixtures"))
