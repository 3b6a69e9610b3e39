"""Real nodes for the real-cluster tier: the real kubelet v1.32.13 with containerd, runc, the
reference CNI plugins and kube-proxy (iptables mode), each node in network and mount namespaces
of its own, joined to a control plane that allocates podCIDRs. Flags follow
../shared/k8s/reference/realnode.sh.

API (fixtures in conftest.py; all of it needs root, the binaries and the packages, else skips):

    real_cluster                     session: plane + 1 healthy kubenet node, LOG=syslog
    real_cluster.plane               ControlPlane (cluster_plane.py); .kubeconfig is cluster-admin
    real_cluster.kubeconfig          Path: run kopscheck with --kubeconfig this
    real_cluster.nodes               RealNodes: add(RealNodeSpec(...)) -> RealNode; remove(node)
    real_cluster.node                the first (healthy) node
    real_cluster_for(assets, name, nodes=N, spec=..., allocate_node_cidrs=True) (conftest.py):
        generator for a module-scoped fixture of its own cluster (stopped in `finally`)
    start_real_cluster(assets, name, nodes=N, spec=HEALTHY, allocate_node_cidrs=True)
        -> RealCluster (call .stop(); also registered with atexit)

    RealNodeSpec(mode=CniMode.KUBENET|CNI, log=LogKind.SYSLOG|JOURNAL, routes=True,
                 kube_proxy=True, kubelet_args=(), wait=Wait.READY|REGISTERED|STARTED)
        HEALTHY = RealNodeSpec(); cni mode waits for REGISTERED (NotReady) by default
    (RealNodeSpec, RealNode and the faults live in realnode_node.py; import them from here)
    RealNode: name, netns, host_veth, host_ip, node_ip, pod_cidr, home, varlog (the node's
        /var/log), cni_bin_dir (its /opt/cni/bin), cni_conf_dir (its /etc/cni/net.d),
        journal_dir, syslog_path, daemon_log(name) -> str (the daemon's raw output),
        in_netns(argv) -> CompletedProcess
      faults: remove_plugin(type) / restore_plugin(type); remove_host_route() /
        restore_host_route(); set_mtu(mtu, device="eth0"); stop(Daemon) / start(Daemon)
        (Daemon.CONTAINERD, KUBELET, KUBE_PROXY); flush_kube_proxy_rules()

Isolation: names carry the PID (netns `kr<pid>n<k>`, veth `kr<pid>h<k>` for the node's /24,
state under the plane's `kopscheck-realnode-<pid>-*` directory); node subnets (10.251.<k>.0/24) and the run's cluster CIDR
(a /16 of 100.64.0.0/10) are picked under the lock the hollow tier uses (realnode_net.py). The
host is the VPC router: a host route per node podCIDR via the node (ROUTES), forwarding on the
node veths only. Teardown stops exactly the PIDs started (and the shims and containers containerd
recorded), deletes veths (their routes go with them) and netns, removes the state: always, from
the fixture's `finally` and from `atexit`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cluster_assets import Assets, Binary
from cluster_pki import write_kubeconfig
from cluster_plane import ControlPlane, PlaneSpec, start_plane
from cluster_procs import ClusterStartError, log_tail, run
from realnode_config import KUBENET_TEMPLATE, containerd_toml, kubelet_yaml
from realnode_images import image_archives
from realnode_logs import Daemon as Process
from realnode_logs import JournalSink, LogKind, SyslogSink
from realnode_net import (
    claim_cluster_cidr,
    create_node_net,
    delete_node_net,
    kill_recorded_pids,
    release_cluster_cidr,
    sweep_stale,
)
from realnode_node import (
    HEALTHY,
    SYSTEM_CNI_PLUGINS,
    CniMode,
    Daemon,
    RealNode,
    RealNodeSpec,
    Wait,
    missing_node_packages,
)

NODE_READY_SECONDS = 90.0
CONTAINERD_READY_SECONDS = 30.0
REGION, ZONE, INSTANCE_TYPE = "us-test-1", "us-test-1a", "t3.medium"
BIND_MOUNTS = {  # the node's own copies, seen by its daemons (and its pods' hostPath mounts)
    "cni-net.d": "/etc/cni/net.d",
    "cni-bin": "/opt/cni/bin",
    "sysconfig": "/etc/sysconfig",
    "varlog": "/var/log",
    "machine-id": "/etc/machine-id",
}


class RealNodes:
    """Real nodes joined to `plane` (a `for_nodes` plane). Stops everything at exit too."""

    def __init__(self, plane: ControlPlane) -> None:
        if not plane.spec.for_nodes:
            raise ValueError("real nodes need a control plane started with for_nodes=True")
        self.plane = plane
        self.nodes: list[RealNode] = []
        self.state = plane.root / "realnodes"
        self.state.mkdir(exist_ok=True)
        self._count = 0
        self._images = image_archives()
        atexit.register(self.stop)

    # --- start ---

    def add(self, spec: RealNodeSpec = HEALTHY) -> RealNode:
        """Start one node and wait for it as `spec.wait_for` says."""
        return self.start(1, spec)[0]

    def start(self, count: int, spec: RealNodeSpec = HEALTHY) -> list[RealNode]:
        started: list[RealNode] = []
        try:
            for _ in range(count):
                started.append(self._launch(spec))
            for node in started:
                self._wait(node)
        except BaseException:
            for node in started:
                self.remove(node)
            raise
        return started

    def _launch(self, spec: RealNodeSpec) -> RealNode:
        self._count += 1
        name = f"real-node-{self._count}"
        home = self.state / name
        home.mkdir()
        node = RealNode(name, create_node_net(), home, spec, self)
        self.nodes.append(node)
        self._write_files(node)
        self._hold_mount_namespace(node)
        node.sink = (
            JournalSink(self._enter(node), node.journal_dir / "system.journal", name)
            if spec.log is LogKind.JOURNAL
            else SyslogSink(node.syslog_path, name)
        )
        self.start_daemon(node, Daemon.CONTAINERD)
        self.start_daemon(node, Daemon.KUBELET)
        if spec.kube_proxy:
            self.start_daemon(node, Daemon.KUBE_PROXY)
        return node

    def _write_files(self, node: RealNode) -> None:
        pki, home = self.plane.pki, node.home
        for directory in ("cni-net.d", "sysconfig", "varlog", "kubelet"):
            (home / directory).mkdir()
        shutil.copytree(SYSTEM_CNI_PLUGINS, node.cni_bin_dir, symlinks=True)
        (home / "machine-id").write_text(node.machine_id + "\n")
        (home / "sysconfig" / "kubelet").write_text(
            f'DAEMON_ARGS="--v={node.spec.kubelet_verbosity}"\n'
        )
        identity = f"system:node:{node.name}"
        node_ip = node.node_ip
        client = pki.sign(f"{node.name}-client", identity, ("system:nodes",))
        serving = pki.sign(
            f"{node.name}-server", identity, ("system:nodes",), server=True,
            ips=(node_ip,), dns=(node.name,),
        )  # fmt: skip
        server = f"https://{node.host_ip}:{self.plane.port}"
        ca = pki.ca.cert
        write_kubeconfig(
            home / "kubeconfig", server, ca, user=identity, client=client,
            tls_server_name="kubernetes",
        )  # fmt: skip
        proxy = pki.sign(f"{node.name}-proxy", "system:kube-proxy")
        write_kubeconfig(
            home / "proxy.kubeconfig", server, ca, user="system:kube-proxy", client=proxy,
            tls_server_name="kubernetes",
        )  # fmt: skip
        template = None
        if node.spec.mode is CniMode.KUBENET:
            template = home / "config-cni.template"
            template.write_text(KUBENET_TEMPLATE)
        (home / "containerd.toml").write_text(containerd_toml(home, template))
        (home / "resolv.conf").write_text("nameserver 127.0.0.1\n")
        (home / "kubelet.yaml").write_text(kubelet_yaml(home, ca, serving.cert, serving.key))

    def _hold_mount_namespace(self, node: RealNode) -> None:
        """A process that owns the node's mount namespace, with the node's own directories
        bind-mounted; every daemon of the node joins it (and its netns) with nsenter."""
        mounts = []
        for source, target in BIND_MOUNTS.items():
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            if not Path(target).exists():  # a mount point must exist on the host
                Path(target).mkdir(parents=True)
            mounts.append(f"mount --bind {node.home / source} {target}")
        script = " && ".join([*mounts, "exec sleep 2147483647"])
        from cluster_procs import die_with_parent

        node.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=(node.home / "holder.out").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 10
        comm = Path(f"/proc/{node.holder.pid}/comm")
        while comm.read_text().strip() != "sleep":
            if node.holder.poll() is not None or time.monotonic() > deadline:
                raise ClusterStartError(
                    f"{node.name}: mount namespace not set up: {log_tail(node.home / 'holder.out')}"
                )
            time.sleep(0.05)

    def _enter(self, node: RealNode) -> list[str]:
        assert node.holder is not None
        return [
            "nsenter",
            f"--mount=/proc/{node.holder.pid}/ns/mnt",
            f"--net=/run/netns/{node.netns}",
            "--",
        ]

    def _argv(self, node: RealNode, daemon: Daemon) -> list[str]:
        home, assets = node.home, self.plane.assets
        if daemon is Daemon.CONTAINERD:
            return ["containerd", "--config", str(home / "containerd.toml"), "--log-level", "info"]
        if daemon is Daemon.KUBELET:
            labels = (
                f"topology.kubernetes.io/region={REGION},topology.kubernetes.io/zone={ZONE},"
                f"node.kubernetes.io/instance-type={INSTANCE_TYPE}"
            )
            return [
                str(assets.path(Binary.KUBELET)),
                f"--config={home / 'kubelet.yaml'}",
                f"--kubeconfig={home / 'kubeconfig'}",
                f"--hostname-override={node.name}",
                f"--node-ip={node.node_ip}",
                f"--root-dir={home / 'kubelet'}",
                f"--cert-dir={home}",
                f"--node-labels={labels}",
                f"--v={node.spec.kubelet_verbosity}",
                *node.spec.kubelet_args,
            ]
        return [
            str(assets.path(Binary.KUBE_PROXY)),
            f"--kubeconfig={home / 'proxy.kubeconfig'}",
            f"--hostname-override={node.name}",
            f"--cluster-cidr={self.plane.spec.cluster_cidr}",
            "--proxy-mode=iptables",
            "--conntrack-max-per-core=0",  # this sandbox may not set conntrack sysctls
            "--metrics-bind-address=127.0.0.1:10249",
            "--healthz-bind-address=127.0.0.1:10256",
        ]

    def start_daemon(self, node: RealNode, daemon: Daemon) -> None:
        """(Re)start one of the node's daemons; containerd: waits for its socket, imports images."""
        old = node.daemons.get(daemon)
        if old is not None and old.alive():
            return
        assert node.sink is not None
        argv = [*self._enter(node), *self._argv(node, daemon)]
        node.daemons[daemon] = Process(daemon, argv, node.home / f"{daemon}.out", node.sink).start()
        if daemon is Daemon.CONTAINERD:
            self._wait_containerd(node)

    def _ctr(self, node: RealNode, *args: str) -> subprocess.CompletedProcess[str]:
        sock = str(node.home / "containerd.sock")
        return run(["ctr", "-a", sock, "-n", "k8s.io", *args], check=False)

    def _wait_containerd(self, node: RealNode) -> None:
        deadline = time.monotonic() + CONTAINERD_READY_SECONDS
        process = node.daemons[Daemon.CONTAINERD]
        while self._ctr(node, "version").returncode != 0:
            if not process.alive() or time.monotonic() > deadline:
                raise ClusterStartError(
                    f"{node.name}: containerd not up: {log_tail(node.home / 'containerd.out')}"
                )
            time.sleep(0.2)
        for archive in self._images:
            done = self._ctr(node, "images", "import", str(archive))
            if done.returncode != 0:
                raise ClusterStartError(f"{node.name}: import {archive.name}: {done.stderr}")

    # --- wait ---

    def _wait(self, node: RealNode) -> None:
        from kubernetes import client

        core = client.CoreV1Api(self.plane.api_client())
        want = node.spec.wait_for
        if want is Wait.STARTED:
            return
        deadline = time.monotonic() + NODE_READY_SECONDS
        while not self._arrived(core, node, want):
            kubelet = node.daemons[Daemon.KUBELET]
            if not kubelet.alive() or time.monotonic() > deadline:
                state = "exited" if not kubelet.alive() else f"not {want} in time"
                tail = "\n".join(node.daemon_log(Daemon.KUBELET).splitlines()[-20:])
                raise ClusterStartError(f"{node.name}: kubelet {state}:\n{tail}")
            time.sleep(0.5)
        labels = {
            "kubernetes.io/role": "node",
            "node-role.kubernetes.io/node": "",
            "kops.k8s.io/instancegroup": f"nodes-{ZONE}",
        }
        found: Any = core.patch_node(node.name, {"metadata": {"labels": labels}})
        node.pod_cidr = found.spec.pod_cidr or ""
        if node.spec.routes and node.pod_cidr:
            node.restore_host_route()

    @staticmethod
    def _arrived(core: Any, node: RealNode, want: Wait) -> bool:
        from kubernetes.client.rest import ApiException

        try:
            found: Any = core.read_node(node.name)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise
        ready = [c for c in found.status.conditions or [] if c.type == "Ready"]
        if want is Wait.REGISTERED:
            return bool(ready)
        return bool(ready) and ready[0].status == "True" and bool(found.spec.pod_cidr)

    # --- stop ---

    def remove(self, node: RealNode, delete_node: bool = True) -> None:
        """Stop the node's processes by PID, delete its netns, veth, routes and state."""
        for daemon in (Daemon.KUBELET, Daemon.KUBE_PROXY, Daemon.CONTAINERD):
            node.stop(daemon)
        kill_recorded_pids(node.home / "containerd")
        if node.sink is not None:
            node.sink.close()
        if node.holder is not None and node.holder.poll() is None:
            node.holder.kill()
            node.holder.wait(10)
        delete_node_net(node.net)
        if delete_node:
            self._delete_node_object(node.name)
        if node in self.nodes:
            self.nodes.remove(node)
        if not os.environ.get("KOPSCHECK_CLUSTER_KEEP"):
            shutil.rmtree(node.home, ignore_errors=True)

    def _delete_node_object(self, name: str) -> None:
        from kubernetes import client
        from kubernetes.client.rest import ApiException

        with contextlib.suppress(ApiException, OSError):  # the plane may be gone already
            client.CoreV1Api(self.plane.api_client()).delete_node(name)

    def stop(self) -> None:
        for node in list(self.nodes):
            self.remove(node, delete_node=False)


@dataclass
class RealCluster:
    """A control plane allocating podCIDRs from a range of its own, and its real nodes."""

    plane: ControlPlane
    nodes: RealNodes

    @property
    def kubeconfig(self) -> Path:
        return self.plane.kubeconfig

    @property
    def node(self) -> RealNode:
        return self.nodes.nodes[0]

    def stop(self) -> None:
        self.nodes.stop()
        self.plane.stop()
        release_cluster_cidr(self.plane.spec.cluster_cidr)


def start_real_cluster(
    assets: Assets,
    name: str = "realnode",
    nodes: int = 1,
    spec: RealNodeSpec = HEALTHY,
    allocate_node_cidrs: bool = True,
) -> RealCluster:
    """A plane with its own cluster CIDR and `nodes` real nodes; everything stopped on error."""
    sweep_stale(Path("/dev/shm"))
    sweep_stale(Path("/tmp"))
    cidr = claim_cluster_cidr()
    plane_spec = PlaneSpec(
        name, controllers=True, for_nodes=True, cluster_cidr=cidr,
        allocate_node_cidrs=allocate_node_cidrs,
    )  # fmt: skip
    plane = start_plane(assets, plane_spec)
    cluster = RealCluster(plane, RealNodes(plane))
    atexit.register(cluster.stop)
    try:
        cluster.nodes.start(nodes, spec)
    except BaseException:
        cluster.stop()
        raise
    return cluster


__all__ = [
    "CniMode",
    "Daemon",
    "LogKind",
    "RealCluster",
    "RealNode",
    "RealNodeSpec",
    "RealNodes",
    "Wait",
    "missing_node_packages",
    "start_real_cluster",
]
