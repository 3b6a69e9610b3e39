"""Which kops networking mode the cluster uses, which source said so, and what it deployed.

Order of authority: the `--networking` flag, the kops spec (`spec.networking`, v1alpha2 and
v1alpha3 keys), then what is deployed: workloads kops labelled as its networking addon, and
failing that a CNI provider the user deployed themselves (which is what kops's `cni` mode means).
The table of modes lives in kopscheck.knowledge.networking_modes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kopscheck.knowledge.networking_modes import (
    ADDON_LABELS,
    BY_ADDON,
    BY_NAME,
    KNOWN_PROVIDERS,
    MODES,
    NETWORKING_LABEL,
    Component,
    KnownProvider,
    Mode,
    mode_for_alias,
)
from kopscheck.model.facts import JSON, KopsCluster, Node, Snapshot, Workload

PROVIDER_KINDS = ("DaemonSet", "Deployment")


def _agents() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for mode in MODES:
        for component in mode.components:
            if component.per_node:
                found.setdefault((component.namespace, component.name), mode.name)
    return found


# (namespace, DaemonSet name) -> mode, for the node agents kops renders; collectors use it to
# pick whose logs to read.
PROVIDER_DAEMONSETS: Mapping[tuple[str, str], str] = _agents()
# spec.networking keys of every API version -> the mode's name (cilium's variants: "cilium").
SPEC_KEYS: Mapping[str, str] = {
    key: mode.name for mode in reversed(MODES) if not mode.variant[0] for key in mode.spec_keys
}


@dataclass(frozen=True, slots=True)
class NetworkingMode:
    name: str
    source: str  # "--networking", "kops spec" or "deployed"
    spec: Mode | None = None  # None when the name is no mode kops knows
    detail: str = ""  # the flag value, spec key or workload that decided


def resolve_networking(snapshot: Snapshot, flag: str | None = None) -> NetworkingMode | None:
    """The mode from `flag` (the user's --networking), else the kops spec, else what runs."""
    if flag:
        value = flag
        mode = mode_for_alias(value)
        return NetworkingMode(mode.name if mode else value, "--networking", mode, value)
    if snapshot.kops_cluster is not None:
        found = spec_mode(snapshot.kops_cluster.networking)
        if found is not None:
            key, mode = found
            return NetworkingMode(mode.name, "kops spec", mode, f"spec.networking.{key}")
    return deployed_mode(snapshot.workloads or (), snapshot.nodes or ())


def spec_keys(networking: Mapping[str, JSON]) -> list[str]:
    """Every key of spec.networking that names a mode (kops allows exactly one)."""
    keys = {key for mode in MODES for key in mode.spec_keys}
    return [key for key in networking if key in keys]


def spec_mode(networking: Mapping[str, JSON]) -> tuple[str, Mode] | None:
    """The mode spec.networking selects; cilium's variants by `etcdManaged` and `ipam`."""
    keys = spec_keys(networking)
    if not keys:
        return None
    key = keys[0]
    candidates = [m for m in MODES if key in m.spec_keys]
    options = networking.get(key)
    for mode in candidates:
        path, want = mode.variant
        if path and str(_lookup(options, path)).lower() == want:
            return key, mode
    return key, next(m for m in candidates if not m.variant[0])


def deployed_mode(
    workloads: Iterable[Workload], nodes: Iterable[Node] = ()
) -> NetworkingMode | None:
    """The mode whose kops addon is deployed, else `cni` when the user deployed a provider.

    With no provider at all, nodes whose NetworkUnavailable condition the route controller
    cleared (reason RouteCreated) show cloud routes: kubenet.
    """
    workloads = list(workloads)
    for workload in sorted(workloads, key=lambda w: w.kind != "DaemonSet"):
        mode = kops_addon_mode(workload)
        if mode is not None:
            return NetworkingMode(mode.name, "deployed", mode, str(workload.ref))
    providers = user_providers(workloads)
    if providers:
        provider, workload = providers[0]
        return NetworkingMode("cni", "deployed", BY_NAME["cni"], f"{provider.name}: {workload.ref}")
    routed = [n.name for n in nodes if _route_created(n)]
    if routed:
        detail = f"NetworkUnavailable=False RouteCreated on {len(routed)} nodes (cloud routes)"
        return NetworkingMode("kubenet", "deployed", BY_NAME["kubenet"], detail)
    return None


def _route_created(node: Node) -> bool:
    cond = node.condition("NetworkUnavailable")
    return cond is not None and cond.status == "False" and cond.reason == "RouteCreated"


def kops_addon_mode(workload: Workload) -> Mode | None:
    """The mode of a workload kops rendered as its networking addon."""
    if workload.kind not in PROVIDER_KINDS:
        return None
    addon = next((workload.labels[k] for k in ADDON_LABELS if k in workload.labels), "")
    mode = BY_ADDON.get(addon)
    if mode is None and workload.labels.get(NETWORKING_LABEL) == "1":
        mode = next((m for m in MODES if any(_is(workload, c) for c in m.components)), None)
    return mode


def user_providers(workloads: Iterable[Workload]) -> list[tuple[KnownProvider, Workload]]:
    """CNI provider DaemonSets recognised by name or image, wherever they were deployed."""
    found = []
    for workload in workloads:
        if workload.kind != "DaemonSet":
            continue
        provider = next((p for p in KNOWN_PROVIDERS if workload.name in p.daemonsets), None)
        provider = provider or next((p for p in KNOWN_PROVIDERS if _runs(workload, p)), None)
        if provider is not None:
            found.append((provider, workload))
    return found


def _runs(workload: Workload, provider: KnownProvider) -> bool:
    return any(hint in image for hint in provider.image_hints for image in workload.images)


@dataclass(frozen=True, slots=True)
class Expected:
    """A component the mode needs, and the workload found for it (None: not deployed)."""

    component: Component
    required: bool
    workload: Workload | None


def expected_components(snapshot: Snapshot, mode: Mode) -> list[Expected]:
    """The workloads `mode` deploys, matched against what the cluster runs.

    A component behind a spec option (`when`) is required only when the kops spec enables it;
    without the spec it is judged only if it is there.
    """
    workloads = snapshot.workloads or ()
    out = []
    for component in mode.components:
        if component.kind == "StaticPod":
            continue
        found = _find(component, workloads)
        required = not component.when or _enabled(snapshot.kops_cluster, mode, component.when)
        if required or found is not None:
            out.append(Expected(component, required, found))
    return out


def _find(component: Component, workloads: Iterable[Workload]) -> Workload | None:
    same_name = [w for w in workloads if w.kind == component.kind and w.name == component.name]
    exact = [w for w in same_name if w.namespace == component.namespace]
    return next(iter(exact or same_name), None)


def _is(workload: Workload, component: Component) -> bool:
    return workload.kind == component.kind and workload.name == component.name


def _enabled(cluster: KopsCluster | None, mode: Mode, path: str) -> bool:
    if cluster is None:
        return False
    options = next((cluster.networking[k] for k in mode.spec_keys if k in cluster.networking), None)
    value = _lookup(options, path)
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, int | float):
        return value > 0
    return str(value).lower() not in ("", "0", "false")


def _lookup(options: JSON, path: str) -> JSON:
    value = options
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def cloud_provider(cluster: KopsCluster) -> str:
    """`spec.cloudProvider`: a string in v1alpha2, a one-key mapping in v1alpha3."""
    value = cluster.spec.get("cloudProvider")
    if isinstance(value, Mapping):
        return next(iter(value), "")
    return str(value or "")


# Modes whose pod IPs come from the node's podCIDR (host-local IPAM, or cilium's "kubernetes"
# IPAM that kops configures); calico, amazonvpc and cilium-eni allocate from their own pools.
NODE_POD_CIDR_MODES = frozenset(
    {"kubenet", "flannel", "kube-router", "kopeio", "kindnet", "gce", "cilium", "cilium-etcd"}
)


def uses_node_pod_cidr(mode: NetworkingMode | None) -> bool | None:
    """Whether pod IPs must lie inside the node's podCIDR; None when the mode is unknown."""
    if mode is None or mode.spec is None or mode.spec.any_provider:
        return None
    return mode.spec.name in NODE_POD_CIDR_MODES or mode.spec.uses_kubenet
