"""One real node as tests see it: what it is (`RealNodeSpec`, `RealNode`: names, addresses, the
node's own directories) and the faults a test can make on it, each with its undo. Started and
stopped by `realnode.RealNodes`."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from cluster_assets import Binary
from cluster_procs import run
from realnode_logs import JOURNAL_REMOTE, LogKind, Sink
from realnode_logs import Daemon as Process
from realnode_net import NodeNet

if TYPE_CHECKING:
    from realnode import RealNodes

SYSTEM_CNI_PLUGINS = Path("/usr/lib/cni")  # Debian's containernetworking-plugins


class CniMode(StrEnum):
    KUBENET = "kubenet"  # kops nodeup's containerd conf_template
    CNI = "cni"  # no CNI config until a provider installs one


class Wait(StrEnum):
    READY = "ready"  # Node Ready
    REGISTERED = "registered"  # Node object exists with a Ready condition (e.g. NotReady)
    STARTED = "started"  # only the processes started (e.g. a kubelet expected to refuse)


class Daemon(StrEnum):
    CONTAINERD = "containerd"
    KUBELET = "kubelet"
    KUBE_PROXY = "kube-proxy"


@dataclass(frozen=True)
class RealNodeSpec:
    mode: CniMode = CniMode.KUBENET
    log: LogKind = LogKind.SYSLOG
    routes: bool = True
    kube_proxy: bool = True
    kubelet_args: tuple[str, ...] = ()
    wait: Wait | None = None  # default: READY for kubenet, REGISTERED for cni
    kubelet_verbosity: int = 2  # --v=2: SyncLoop ADD/DELETE lines

    @property
    def wait_for(self) -> Wait:
        if self.wait is not None:
            return self.wait
        return Wait.READY if self.mode is CniMode.KUBENET else Wait.REGISTERED


@dataclass
class RealNode:
    """One real node. Fault hooks change it for real; each has its undo."""

    name: str
    net: NodeNet
    home: Path
    spec: RealNodeSpec
    launcher: RealNodes
    pod_cidr: str = ""
    holder: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    sink: Sink | None = field(default=None, repr=False)
    daemons: dict[Daemon, Process] = field(default_factory=dict, repr=False)
    machine_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    netns = property(lambda self: self.net.netns)
    host_veth = property(lambda self: self.net.host_veth)
    host_ip = property(lambda self: self.net.host_ip)
    node_ip = property(lambda self: self.net.node_ip)

    @property
    def varlog(self) -> Path:
        return self.home / "varlog"

    @property
    def cni_bin_dir(self) -> Path:
        return self.home / "cni-bin"

    @property
    def cni_conf_dir(self) -> Path:
        return self.home / "cni-net.d"

    @property
    def journal_dir(self) -> Path:
        return self.varlog / "journal" / self.machine_id

    @property
    def syslog_path(self) -> Path:
        return self.varlog / "syslog"

    def daemon_log(self, daemon: Daemon) -> str:
        try:
            return (self.home / f"{daemon}.out").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def in_netns(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(["ip", "netns", "exec", self.netns, *argv], check=check)

    # --- faults ---

    def remove_plugin(self, plugin: str) -> None:
        """Take a CNI plugin binary out of this node's /opt/cni/bin (kept aside for restore)."""
        (self.cni_bin_dir / plugin).rename(self.home / f"removed-{plugin}")

    def restore_plugin(self, plugin: str) -> None:
        (self.home / f"removed-{plugin}").rename(self.cni_bin_dir / plugin)

    def remove_host_route(self) -> None:
        run(["ip", "route", "del", self.pod_cidr, "via", self.node_ip])

    def restore_host_route(self) -> None:
        run(["ip", "route", "replace", self.pod_cidr, "via", self.node_ip])

    def set_mtu(self, mtu: int, device: str = "eth0") -> None:
        """The MTU of an interface in the node's netns (eth0: the node's link to the VPC)."""
        run(["ip", "-n", self.netns, "link", "set", device, "mtu", str(mtu)])

    def stop(self, daemon: Daemon) -> None:
        process = self.daemons.get(daemon)
        if process is not None:
            process.stop()

    def start(self, daemon: Daemon) -> None:
        self.launcher.start_daemon(self, daemon)

    def flush_kube_proxy_rules(self) -> None:
        """What a node without kube-proxy has: no KUBE-* chains (`kube-proxy --cleanup`)."""
        binary = self.launcher.plane.assets.path(Binary.KUBE_PROXY)
        self.in_netns([str(binary), "--cleanup"], check=False)


# what a real node needs from the distribution (apt-get install ... on Debian 12)
NODE_COMMANDS = {
    "containerd": "containerd",
    "ctr": "containerd",
    "runc": "runc",
    "iptables": "iptables",
    "conntrack": "conntrack",
    "nsenter": "util-linux",
    "unshare": "util-linux",
}


def missing_node_packages(log: LogKind = LogKind.SYSLOG) -> list[str]:
    """What is missing to run a real node, as 'thing (package)'; empty when all is there."""
    missing = [f"{c} ({p})" for c, p in NODE_COMMANDS.items() if shutil.which(c) is None]
    if not (SYSTEM_CNI_PLUGINS / "ptp").is_file():
        missing.append(f"{SYSTEM_CNI_PLUGINS}/ptp (containernetworking-plugins)")
    if not Path("/bin/busybox").is_file():
        missing.append("/bin/busybox (busybox-static)")
    if log is LogKind.JOURNAL and not JOURNAL_REMOTE.is_file():
        missing.append(f"{JOURNAL_REMOTE} (systemd-journal-remote)")
    return missing


HEALTHY = RealNodeSpec()  # a kubenet node, LOG=syslog, host routes, kube-proxy
