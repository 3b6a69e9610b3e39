"""Hollow nodes: `kubemark --morph=kubelet` (the kubelet's own code with a fake runtime,
serving its real HTTPS API), each in a network namespace of its own.

Node *i* gets netns `kc<pid>n<i>` and a veth pair, host side `kc<pid>h<i>` = 10.250.<k>.1/30,
namespace side eth0 = 10.250.<k>.2/30, with <k> the first /24 of 10.250.0.0/16 that no host
address uses (a lock file serialises concurrent sessions). No default route in the namespace:
a hollow kubelet only reaches the API server, through the host-side address. Flags follow
../shared/k8s/reference/nodes.sh. A netns left by a session that died is removed on the next
start (its owner PID is in the name).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cluster_assets import Binary
from cluster_pki import write_kubeconfig
from cluster_plane import ControlPlane
from cluster_procs import Component, pid_alive, remove_kubemark_leftovers, run

SUBNET = "10.250"
NODE_READY_SECONDS = 120.0
LOCK_FILE = Path("/run/lock/kopscheck-cluster-net.lock")
NETNS_PATTERN = re.compile(r"^kc(\d+)n(\d+)$")
REGION = "us-test-1"
ZONES = ("us-test-1a", "us-test-1b", "us-test-1c")
INSTANCE_TYPE = "t3.medium"


@dataclass
class HollowNode:
    """One hollow kubelet: its Node name, netns, addresses and process."""

    name: str
    index: int
    netns: str
    host_veth: str
    host_ip: str
    node_ip: str
    zone: str
    component: Component | None = None

    @property
    def labels(self) -> dict[str, str]:
        return {
            "kubernetes.io/role": "node",
            "node-role.kubernetes.io/node": "",
            "topology.kubernetes.io/region": REGION,
            "topology.kubernetes.io/zone": self.zone,
            "node.kubernetes.io/instance-type": INSTANCE_TYPE,
            "kops.k8s.io/instancegroup": f"nodes-{self.zone}",
        }


@dataclass(frozen=True)
class HollowCluster:
    """A full control plane and its Ready hollow nodes (the `hollow_cluster` fixture)."""

    plane: ControlPlane
    nodes: tuple[HollowNode, ...]

    @property
    def node_names(self) -> list[str]:
        return [node.name for node in self.nodes]


def sweep_stale_netns() -> list[str]:
    """Delete netns (and their veths) left by harness sessions whose process is gone."""
    removed = []
    for line in run(["ip", "netns", "list"]).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = NETNS_PATTERN.match(name)
        if match and not pid_alive(int(match.group(1))):
            run(["ip", "netns", "del", name], check=False)
            shutil.rmtree(Path("/etc/netns") / name, ignore_errors=True)
            removed.append(name)
    return removed


def _used_octets() -> set[int]:
    used = set()
    for line in run(["ip", "-4", "-o", "addr", "show"]).stdout.splitlines():
        match = re.search(rf"inet {re.escape(SUBNET)}\.(\d+)\.\d+/", line)
        if match:
            used.add(int(match.group(1)))
    return used


class HollowNodes:
    """N hollow nodes joined to `plane` (which must be a `for_nodes` plane)."""

    def __init__(self, plane: ControlPlane, count: int, prefix: str = "hollow-node-") -> None:
        if not plane.spec.for_nodes:
            raise ValueError("hollow nodes need a control plane started with for_nodes=True")
        self.plane = plane
        self.count = count
        self.prefix = prefix
        self.nodes: list[HollowNode] = []
        self.state = plane.root / "nodes"
        self.state.mkdir(exist_ok=True)

    def start(self) -> HollowNodes:
        """Create the namespaces, start every kubelet, wait until every Node is Ready."""
        try:
            sweep_stale_netns()
            LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
            with LOCK_FILE.open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                free = (k for k in range(1, 255) if k not in _used_octets())
                for i in range(1, self.count + 1):
                    self.nodes.append(self._network(i, next(free)))
            for node in self.nodes:
                self._kubelet(node)
            for node in self.nodes:
                self._wait_ready(node)
        except BaseException:
            self.stop()
            raise
        return self

    def _network(self, i: int, octet: int) -> HollowNode:
        owner = os.getpid()
        node = HollowNode(
            name=f"{self.prefix}{i}",
            index=i,
            netns=f"kc{owner}n{i}",
            host_veth=f"kc{owner}h{i}",
            host_ip=f"{SUBNET}.{octet}.1",
            node_ip=f"{SUBNET}.{octet}.2",
            zone=ZONES[(i - 1) % len(ZONES)],
        )
        ns = node.netns
        run(["ip", "netns", "add", ns])
        try:
            run(
                [
                    "ip",
                    "link",
                    "add",
                    node.host_veth,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    "eth0",
                    "netns",
                    ns,
                ]
            )
            run(["ip", "addr", "add", f"{node.host_ip}/30", "dev", node.host_veth])
            run(["ip", "link", "set", node.host_veth, "up"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "addr", "add", f"{node.node_ip}/30", "dev", "eth0"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        except BaseException:
            run(["ip", "netns", "del", ns], check=False)
            raise
        etc = Path("/etc/netns") / ns  # `ip netns exec` bind-mounts these over /etc
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "hosts").write_text(f"127.0.0.1 localhost\n{node.node_ip} {node.name}\n")
        (etc / "resolv.conf").write_text("nameserver 127.0.0.1\n")
        return node

    def _kubelet(self, node: HollowNode) -> None:
        pki = self.plane.pki
        home = self.state / node.name
        home.mkdir()
        identity = f"system:node:{node.name}"
        client = pki.sign(f"{node.name}-client", identity, ("system:nodes",))
        serving = pki.sign(
            f"{node.name}-server",
            identity,
            ("system:nodes",),
            server=True,
            ips=(node.node_ip,),
            dns=(node.name,),
        )
        kubeconfig = write_kubeconfig(
            home / "kubeconfig",
            f"https://{node.host_ip}:{self.plane.port}",
            pki.ca.cert,
            user=identity,
            client=client,
            tls_server_name="kubernetes",
        )
        labels = ",".join(f"{k}={v}" for k, v in node.labels.items())
        argv = [
            "ip",
            "netns",
            "exec",
            node.netns,
            str(self.plane.assets.path(Binary.KUBEMARK)),
            "--morph=kubelet",
            f"--name={node.name}",
            f"--node-ip={node.node_ip}",
            f"--kubeconfig={kubeconfig}",
            f"--cert-dir={home}",
            "--use-host-image-service=false",
            "--serve-tls",
            f"--tls-cert-file={serving.cert}",
            f"--tls-private-key-file={serving.key}",
            f"--client-ca-file={pki.ca.cert}",
            "--kubelet-port=10250",
            "--kubelet-read-only-port=0",
            "--max-pods=110",
            f"--node-labels={labels}",
            "--v=0",
        ]
        node.component = Component(node.name, argv, self.plane.logs / f"{node.name}.log").start()

    def _wait_ready(self, node: HollowNode) -> None:
        from kubernetes import client
        from kubernetes.client.rest import ApiException

        core = client.CoreV1Api(self.plane.api_client())

        def ready() -> bool:
            try:
                found: Any = core.read_node(node.name)
            except ApiException as exc:
                if exc.status == 404:
                    return False
                raise
            conditions = found.status.conditions or []
            return any(c.type == "Ready" and c.status == "True" for c in conditions)

        assert node.component is not None
        node.component.wait_until(ready, NODE_READY_SECONDS, f"Node {node.name} Ready")

    def stop(self) -> None:
        """Stop the kubelets, delete netns, veths, /etc/netns entries and kubemark's /tmp files."""
        for node in self.nodes:
            if node.component is not None:
                node.component.stop()
                remove_kubemark_leftovers(node.component.log)
            run(["ip", "link", "del", node.host_veth], check=False)
            run(["ip", "netns", "del", node.netns], check=False)
            shutil.rmtree(Path("/etc/netns") / node.netns, ignore_errors=True)
        self.nodes.clear()
