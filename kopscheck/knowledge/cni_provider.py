"""What the CNI provider looks like in a snapshot: its workloads, its pods, the nodes it fails.

Shared by the cni.* and pod.* checks so they agree on which workloads are "the provider".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import ip_address, ip_network

from kopscheck.knowledge.messages import classify
from kopscheck.knowledge.networking import NetworkingMode, expected_components, user_providers
from kopscheck.knowledge.selectors import pods_of
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import (
    Condition,
    ContainerLog,
    Node,
    NodeFiles,
    Pod,
    Snapshot,
    Taint,
    Toleration,
    Workload,
)

NETWORK_CONDITIONS = ("Ready", "NetworkUnavailable")


@dataclass(frozen=True, slots=True)
class ProviderWorkload:
    provider: str  # the mode name, or the user-deployed provider's name
    workload: Workload


def provider_workloads(snapshot: Snapshot, mode: NetworkingMode | None) -> list[ProviderWorkload]:
    """The deployed workloads of the mode's provider; for `cni` (or an unknown mode), the
    providers the user deployed."""
    spec = mode.spec if mode else None
    if spec is not None and spec.components:
        expected = expected_components(snapshot, spec)
        return [ProviderWorkload(spec.name, e.workload) for e in expected if e.workload]
    workloads = snapshot.workloads or ()
    found = user_providers(workloads)
    out = [ProviderWorkload(provider.name, workload) for provider, workload in found]
    for provider in dict.fromkeys(provider for provider, _ in found):
        out += [
            ProviderWorkload(provider.name, w)
            for w in workloads
            if w.kind == "Deployment" and w.name in provider.controllers
        ]
    return out


def agent_pods(snapshot: Snapshot, workloads: Iterable[ProviderWorkload]) -> dict[str, list[Pod]]:
    """Pods of the provider's DaemonSets by node name."""
    by_node: dict[str, list[Pod]] = {}
    for item in workloads:
        if item.workload.kind != "DaemonSet":
            continue
        for pod in workload_pods(item.workload, snapshot.pods or ()):
            by_node.setdefault(pod.node_name, []).append(pod)
    return by_node


def workload_pods(workload: Workload, pods: Iterable[Pod]) -> list[Pod]:
    """The workload's pods by selector, and a DaemonSet's also by owner reference.

    The owner reference is what the DaemonSet controller itself goes by, so an agent pod whose
    labels drifted from the selector is still counted where it runs.
    """
    pods = list(pods)
    found = pods_of(workload, pods)
    if workload.kind == "DaemonSet":
        seen = {p.name for p in found}
        found += [
            p
            for p in pods
            if p.owner is not None
            and (p.owner.kind, p.owner.name) == ("DaemonSet", workload.name)
            and p.namespace == workload.namespace
            and p.name not in seen
        ]
    return found


def network_condition(node: Node, signal: Signal = Signal.CNI_NOT_INITIALIZED) -> Condition | None:
    """The node condition whose message carries `signal` (Ready=False, NetworkUnavailable=True)."""
    for cond in node.conditions:
        if cond.type not in NETWORK_CONDITIONS:
            continue
        bad = cond.status != "True" if cond.type == "Ready" else cond.status == "True"
        if bad and signal in classify(cond.reason, cond.message):
            return cond
    return None


def nodes_without_cni(nodes: Iterable[Node]) -> list[str]:
    """Names of nodes whose runtime reports its network plugin is not ready."""
    return sorted(n.name for n in nodes if network_condition(n) is not None)


# Taints the DaemonSet controller tolerates on its own (it adds these tolerations to every
# DaemonSet pod), so they never keep a node agent away.
DAEMONSET_TOLERATED = (
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/pid-pressure",
    "node.kubernetes.io/unschedulable",
    "node.kubernetes.io/network-unavailable",
)


def daemonset_targets(workload: Workload, nodes: Iterable[Node]) -> list[Node]:
    """Nodes a DaemonSet must run on: nodeSelector matches, every hard taint is tolerated.

    Node affinity is not in the facts, so this is the simple reading; a DaemonSet that uses
    affinity to stay off some nodes shows up as a shortfall only if its desired count says so.
    """
    return [
        node
        for node in nodes
        if all(node.labels.get(k) == v for k, v in workload.node_selector.items())
        and all(_tolerated(taint, workload.tolerations) for taint in node.taints)
    ]


def _tolerated(taint: Taint, tolerations: Iterable[Toleration]) -> bool:
    if taint.effect == "PreferNoSchedule" or taint.key in DAEMONSET_TOLERATED:
        return True
    for tol in tolerations:
        if tol.effect and tol.effect != taint.effect:
            continue
        if tol.operator == "Exists" and (not tol.key or tol.key == taint.key):
            return True
        if tol.operator != "Exists" and tol.key == taint.key and tol.value == taint.value:
            return True
    return False


def logs_by_pod(logs: Iterable[ContainerLog]) -> dict[tuple[str, str], list[ContainerLog]]:
    """Container logs indexed by (namespace, pod), so per-pod lookups stay linear overall."""
    index: dict[tuple[str, str], list[ContainerLog]] = {}
    for log in logs:
        index.setdefault((log.namespace, log.pod), []).append(log)
    return index


def files_by_node(
    nodes: Iterable[Node], files: Mapping[str, NodeFiles] | None
) -> dict[str, NodeFiles]:
    """Node files keyed by node name, whatever the bundle named their directory.

    People collect `nodes/<dir>/` by hand under the instance id, the EC2 private DNS name
    (`ip-172-20-46-21.ec2.internal`) or the short hostname; a directory that matches no
    registered node keeps its own name (its kubelet may never have registered).
    """
    aliases: dict[str, str] = {}
    for node in nodes:
        names = [node.name, node.instance_id, node.labels.get("kubernetes.io/hostname", "")]
        if node.internal_ip:
            names.append("ip-" + node.internal_ip.replace(".", "-"))
        for alias in filter(None, names):
            aliases.setdefault(alias, node.name)
    out: dict[str, NodeFiles] = {}
    for key, found in (files or {}).items():
        short = key.split(".", 1)[0]
        out[aliases.get(key) or aliases.get(short) or key] = found
    return out


def working_pod_network(nodes: Sequence[Node], pods: Iterable[Pod]) -> str | None:
    """Proof that pods get a network without any provider pods, or None.

    Every node is Ready with no NetworkUnavailable=True and no CNI-not-ready message, and every
    pod-network pod that has an IP got it from its node's podCIDR (bridge with host-local,
    or a plugin installed on the hosts, runs no pods of its own). At least one such pod must
    exist: a network nobody has used proves nothing.
    """
    if not nodes:
        return None
    for node in nodes:
        ready = node.condition("Ready")
        unavailable = node.condition("NetworkUnavailable")
        if ready is None or ready.status != "True" or network_condition(node) is not None:
            return None
        if unavailable is not None and unavailable.status == "True":
            return None
    by_name = {n.name: n for n in nodes}
    placed = []
    for pod in pods:
        host = by_name.get(pod.node_name)
        if pod.host_network or not pod.pod_ip or host is None:
            continue
        if not _inside(pod.pod_ip, host.pod_cidrs):
            return None
        placed.append(pod)
    if not placed:
        return None
    example = placed[0]
    cidr = ", ".join(by_name[example.node_name].pod_cidrs)
    return (
        f"all {len(nodes)} node(s) Ready with a working runtime network; {len(placed)} pod(s)"
        f" got IPs from their node's podCIDR (e.g. {example.namespace}/{example.name}"
        f" {example.pod_ip} in {cidr})"
    )


def _inside(ip: str, cidrs: Iterable[str]) -> bool:
    try:
        address = ip_address(ip)
        return any(address in ip_network(c, strict=False) for c in cidrs)
    except ValueError:
        return False
