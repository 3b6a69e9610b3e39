"""Which kops networking mode the cluster uses, and which source said so.

Order of authority: the `--networking` flag, the kops spec (`spec.networking`), then what is
deployed (the networking DaemonSets kops renders).
"""

from __future__ import annotations

from dataclasses import dataclass

from kopscheck.facts import Snapshot

# spec.networking keys (v1alpha2 and v1alpha3 spellings) -> the --networking name
SPEC_KEYS = {
    "kubenet": "kubenet",
    "cni": "cni",
    "calico": "calico",
    "cilium": "cilium",
    "amazonvpc": "amazonvpc",
    "amazonVPC": "amazonvpc",
    "flannel": "flannel",
    "kuberouter": "kube-router",
    "kubeRouter": "kube-router",
    "kopeio": "kopeio",
    "kindnet": "kindnet",
    "gce": "gce",
    "gcp": "gce",
    "external": "external",
    "weave": "weave",
    "canal": "canal",
    "classic": "classic",
    "romana": "romana",
    "lyftvpc": "lyftvpc",
    "lyftVPC": "lyftvpc",
}

# (namespace, DaemonSet name) -> mode, for clusters seen without their kops spec
PROVIDER_DAEMONSETS = {
    ("kube-system", "calico-node"): "calico",
    ("kube-system", "cilium"): "cilium",
    ("kube-system", "aws-node"): "amazonvpc",
    ("kube-flannel", "kube-flannel-ds"): "flannel",
    ("kube-system", "kube-router"): "kube-router",
    ("kube-system", "kopeio-networking-agent"): "kopeio",
    ("kube-system", "kindnet"): "kindnet",
    ("kube-system", "weave-net"): "weave",
    ("kube-system", "canal"): "canal",
}


@dataclass(frozen=True, slots=True)
class NetworkingMode:
    name: str
    source: str  # "--networking", "kops spec" or "deployed"


def resolve_networking(snapshot: Snapshot) -> NetworkingMode | None:
    if snapshot.networking_override:
        return NetworkingMode(snapshot.networking_override, "--networking")
    if snapshot.kops_cluster is not None:
        for key in snapshot.kops_cluster.networking:
            if key in SPEC_KEYS:
                return NetworkingMode(SPEC_KEYS[key], "kops spec")
    for workload in snapshot.workloads or ():
        mode = PROVIDER_DAEMONSETS.get((workload.namespace, workload.name))
        if workload.kind == "DaemonSet" and mode:
            return NetworkingMode(mode, "deployed")
    return None
