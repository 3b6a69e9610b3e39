"""Addresses for real nodes, picked under the lock the hollow nodes use, so concurrent sessions
(and the hollow tier) never clash: node *i* gets the first free /24 of 10.251.0.0/16 (host side
10.251.<k>.1/30, node side 10.251.<k>.2/30), and each harness run gets a cluster CIDR of its own,
the first free /16 of 100.64.0.0/10 (the host routes every node's podCIDR, so two runs sharing a
range would steal each other's pod traffic). A run's claim is a file carrying its PID; claims of
dead PIDs are void, and their netns, veths and state are swept on the next start.

Names carry the PID and the node's /24 (unique under the lock, whatever the number of clusters
a session runs): netns `kr<pid>n<k>`, host veth `kr<pid>h<k>`. A cluster releases only its own
claims, so a second cluster of the same session (a plane of its own) leaves the first's alone."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cluster_nodes import LOCK_FILE
from cluster_procs import pid_alive, run

NODE_NET = "10.251"
CLUSTER_RANGE_FIRST, CLUSTER_RANGE_LAST = 64, 127  # 100.64.0.0/10, one /16 per run
HOLLOW_CLUSTER_OCTET = 96  # the hollow planes' 100.96.0.0/16 (no routes, but keep apart)
CLAIMS = Path("/run/lock/kopscheck-realnode-claims")
NETNS_PATTERN = re.compile(r"^kr(\d+)n(\d+)$")
STATE_PATTERN = re.compile(r"^kopscheck-real[a-z-]*-(\d+)-")


@dataclass(frozen=True)
class NodeNet:
    """One node's network namespace and veth pair."""

    netns: str
    host_veth: str
    host_ip: str
    node_ip: str


def _live_claims() -> list[dict[str, list[int]]]:
    claims = []
    for path in CLAIMS.glob("*.json"):
        if not path.stem.isdigit() or not pid_alive(int(path.stem)):
            path.unlink(missing_ok=True)
            continue
        try:
            claims.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return claims


def _used_node_octets() -> set[int]:
    used = {o for claim in _live_claims() for o in claim.get("octets", [])}
    for line in run(["ip", "-4", "-o", "addr", "show"]).stdout.splitlines():
        match = re.search(rf"inet {re.escape(NODE_NET)}\.(\d+)\.\d+/", line)
        if match:
            used.add(int(match.group(1)))
    return used


def _used_cluster_octets() -> set[int]:
    used = {o for claim in _live_claims() for o in claim.get("clusters", [])}
    used.add(HOLLOW_CLUSTER_OCTET)
    for line in run(["ip", "-4", "route", "show"]).stdout.splitlines():
        match = re.match(r"100\.(\d+)\.", line)
        if match:
            used.add(int(match.group(1)))
    return used


@contextmanager
def _locked() -> Iterator[None]:
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    CLAIMS.mkdir(parents=True, exist_ok=True)
    with LOCK_FILE.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _claim_file() -> Path:
    return CLAIMS / f"{os.getpid()}.json"


def _add_claim(key: str, value: int) -> None:
    path = _claim_file()
    claim: dict[str, list[int]] = json.loads(path.read_text()) if path.exists() else {}
    claim.setdefault(key, []).append(value)
    path.write_text(json.dumps(claim))


def claim_cluster_cidr() -> str:
    """A /16 of 100.64.0.0/10 no other live run uses (held until `release`)."""
    with _locked():
        used = _used_cluster_octets()
        octet = next(
            (o for o in range(CLUSTER_RANGE_FIRST, CLUSTER_RANGE_LAST + 1) if o not in used), None
        )
        if octet is None:
            raise RuntimeError("no free /16 left in 100.64.0.0/10 for a real-node cluster")
        _add_claim("clusters", octet)
    return f"100.{octet}.0.0/16"


def _drop_claim(key: str, value: int) -> None:
    with _locked():
        path = _claim_file()
        claim: dict[str, list[int]] = json.loads(path.read_text()) if path.exists() else {}
        if value in claim.get(key, []):
            claim[key].remove(value)
        if any(claim.values()):
            path.write_text(json.dumps(claim))
        else:
            path.unlink(missing_ok=True)


def release_cluster_cidr(cidr: str) -> None:
    """Give back the /16 `claim_cluster_cidr` returned (its nodes give back their own /24)."""
    _drop_claim("clusters", int(cidr.split(".")[1]))


def create_node_net() -> NodeNet:
    """A netns and veth pair on the first free 10.251.<k>.0/24; claimed under the lock."""
    owner = os.getpid()
    with _locked():
        used = _used_node_octets()
        octet = next((k for k in range(1, 255) if k not in used), None)
        if octet is None:
            raise RuntimeError(f"no free /24 left in {NODE_NET}.0.0/16")
        _add_claim("octets", octet)
    net = NodeNet(
        netns=f"kr{owner}n{octet}",
        host_veth=f"kr{owner}h{octet}",
        host_ip=f"{NODE_NET}.{octet}.1",
        node_ip=f"{NODE_NET}.{octet}.2",
    )
    ns = net.netns
    run(["ip", "netns", "add", ns])
    try:
        run(
            [
                "ip",
                "link",
                "add",
                net.host_veth,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                ns,
            ]
        )
        run(["ip", "addr", "add", f"{net.host_ip}/30", "dev", net.host_veth])
        run(["ip", "link", "set", net.host_veth, "up"])
        # forwarding on this veth only (the host routes between its nodes like a VPC router),
        # not the machine-wide ip_forward
        run(["sysctl", "-qw", f"net.ipv4.conf.{net.host_veth}.forwarding=1"])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "-n", ns, "addr", "add", f"{net.node_ip}/30", "dev", "eth0"])
        run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        run(["ip", "-n", ns, "route", "add", "default", "via", net.host_ip])
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
    except BaseException:
        delete_node_net(net)
        raise
    return net


def delete_node_net(net: NodeNet) -> None:
    """The veth (and with it every host route through it) and the netns."""
    run(["ip", "link", "del", net.host_veth], check=False)
    run(["ip", "netns", "del", net.netns], check=False)
    _drop_claim("octets", int(net.host_ip.split(".")[2]))


def sweep_stale(state_base: Path) -> list[str]:
    """Remove what killed runs left: their netns (and veths) and their state directories,
    after killing the containerd shims and containers they recorded by PID."""
    removed = []
    for line in run(["ip", "netns", "list"]).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = NETNS_PATTERN.match(name)
        if match and not pid_alive(int(match.group(1))):
            run(["ip", "link", "del", f"kr{match.group(1)}h{match.group(2)}"], check=False)
            run(["ip", "netns", "del", name], check=False)
            removed.append(name)
    for root in state_base.glob("kopscheck-real*-*-*"):
        match = STATE_PATTERN.match(root.name)
        if match and not pid_alive(int(match.group(1))):
            kill_recorded_pids(root)
            shutil.rmtree(root, ignore_errors=True)
            removed.append(str(root))
    return removed


def kill_recorded_pids(root: Path) -> None:
    """SIGKILL the containers' init processes containerd recorded under `root` (init.pid), then
    the containerd shims, known by their working directory: their bundle under `root`."""
    containers = [p.name for p in root.glob("**/io.containerd.runtime.v2.task/*/*") if p.is_dir()]
    for pid_file in root.glob("**/init.pid"):
        try:
            os.kill(int(pid_file.read_text().strip()), 9)
        except (OSError, ValueError):
            continue
    prefix = str(root.resolve()) + "/"
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd.startswith(prefix) and (proc / "comm").read_text().startswith("containerd-shim"):
            try:
                os.kill(int(proc.name), 9)
            except OSError:
                continue
    _remove_cgroups(containers)


def _remove_cgroups(containers: list[str]) -> None:
    """runc's cgroups (cgroupfs, `k8s.io/<container id>`) outlive the containers: rmdir them
    once their killed processes are gone (an rmdir of a non-empty cgroup fails: EBUSY)."""
    deadline = time.monotonic() + 5
    left = [c for cid in containers for c in Path("/sys/fs/cgroup").glob(f"*/k8s.io/{cid}")]
    while left and time.monotonic() < deadline:
        for cgroup in list(left):
            try:
                cgroup.rmdir()
                left.remove(cgroup)
            except FileNotFoundError:
                left.remove(cgroup)
            except OSError:
                continue
        if left:
            time.sleep(0.1)
