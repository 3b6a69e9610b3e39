"""The kops networking modes: what each deploys, how its kubelets run, and when kops dropped it.

Facts from kops itself (`--networking` parser, validation, addon manifests); each mode lists the
workloads its addon renders (all labelled `role.kubernetes.io/networking=1` and
`addon.kops.k8s.io/name=<addon>`), so checks know what "deployed" and "healthy" mean per mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kopscheck.knowledge.versions import MinorVersion

NETWORKING_LABEL = "role.kubernetes.io/networking"
ADDON_LABELS = ("addon.kops.k8s.io/name", "k8s-addon")


@dataclass(frozen=True, slots=True)
class Component:
    """One workload a mode's addon deploys.

    `when` names a spec.networking path that must be set (truthy, or > 0) for the component to
    be rendered at all, e.g. calico's Typha only with `calico.typhaReplicas > 0`.
    """

    kind: str  # "DaemonSet", "Deployment" or "StaticPod" (mirror pods on control-plane nodes)
    name: str
    selector: Mapping[str, str]
    namespace: str = "kube-system"
    when: str = ""

    @property
    def per_node(self) -> bool:
        return self.kind == "DaemonSet"


@dataclass(frozen=True, slots=True)
class Mode:
    """A kops networking mode.

    `uses_kubenet`: kops's UsesKubenet() (kubelet `--network-plugin=kubenet` before 1.24, a
    containerd CNI template for ptp + host-local). `cloud_routes`: the route controller writes
    one cloud route per node. `forbidden_from`: the Kubernetes minor from which kops validation
    rejects the mode; `forbidden_by_kops`: the kops release that started doing so;
    `allowed_again_in_kops`: the release that lifted it (flannel).
    """

    name: str
    spec_keys: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    addon: str = ""
    components: tuple[Component, ...] = ()
    uses_kubenet: bool = False
    cloud_routes: bool = False
    any_provider: bool = False  # `cni`: kops installs nothing, the user must deploy a provider
    cni_types: tuple[str, ...] = ()  # plugin `type`s of the CNI config the mode writes
    clouds: tuple[str, ...] = ()  # empty: any cloud
    ipv6: bool = True
    private_topology: bool = True  # kops refuses `--topology private` for kubenet
    status: str = "stable"  # stable, experimental, removed
    min_kops: MinorVersion | None = None
    forbidden_from: MinorVersion | None = None
    forbidden_by_kops: MinorVersion | None = None
    allowed_again_in_kops: MinorVersion | None = None
    removed_in_kops: MinorVersion | None = None
    kops_message: str = ""
    variant: tuple[str, str] = ("", "")  # (spec.networking path, value) that selects a variant

    @property
    def deploys_provider(self) -> bool:
        return bool(self.components) or self.any_provider

    @property
    def agent(self) -> Component | None:
        return next((c for c in self.components if c.per_node), None)


CALICO_CONTROLLERS = Component(
    "Deployment", "calico-kube-controllers", {"k8s-app": "calico-kube-controllers"}
)
CILIUM = (
    Component("DaemonSet", "cilium", {"k8s-app": "cilium"}),
    Component("Deployment", "cilium-operator", {"io.cilium/app": "operator"}),
    Component("Deployment", "hubble-relay", {"k8s-app": "hubble-relay"}, when="hubble.enabled"),
)
KUBENET_TYPES = ("ptp", "host-local", "portmap", "loopback")

MODES: tuple[Mode, ...] = (
    Mode(
        "kubenet",
        ("kubenet",),
        ("kubenet",),
        uses_kubenet=True,
        cloud_routes=True,
        cni_types=KUBENET_TYPES,
        ipv6=False,
        private_topology=False,
    ),
    Mode("cni", ("cni",), ("cni",), any_provider=True),
    Mode(
        "calico",
        ("calico",),
        ("calico",),
        addon="networking.projectcalico.org",
        components=(
            Component("DaemonSet", "calico-node", {"k8s-app": "calico-node"}),
            CALICO_CONTROLLERS,
            Component(
                "Deployment", "calico-typha", {"k8s-app": "calico-typha"}, when="typhaReplicas"
            ),
        ),
        cni_types=("calico",),
    ),
    Mode(
        "cilium",
        ("cilium",),
        ("cilium", ""),
        addon="networking.cilium.io",
        components=CILIUM,
        cni_types=("cilium-cni",),
    ),
    Mode(
        "cilium-etcd",
        ("cilium",),
        ("cilium-etcd",),
        addon="networking.cilium.io",
        components=(
            *CILIUM,
            Component("StaticPod", "etcd-manager-cilium", {"k8s-app": "etcd-manager-cilium"}),
        ),
        cni_types=("cilium-cni",),
        variant=("etcdManaged", "true"),
    ),
    Mode(
        "cilium-eni",
        ("cilium",),
        ("cilium-eni",),
        addon="networking.cilium.io",
        components=CILIUM,
        cni_types=("cilium-cni",),
        clouds=("aws",),
        variant=("ipam", "eni"),
    ),
    Mode(
        "amazonvpc",
        ("amazonvpc", "amazonVPC"),
        ("amazonvpc", "amazon-vpc-routed-eni"),
        addon="networking.amazon-vpc-routed-eni",
        components=(Component("DaemonSet", "aws-node", {"k8s-app": "aws-node"}),),
        cni_types=("aws-cni",),
        clouds=("aws",),
        ipv6=False,
    ),
    Mode(
        "flannel",
        ("flannel",),
        ("flannel", "flannel-vxlan", "flannel-udp"),
        addon="networking.flannel",
        components=(
            Component(
                "DaemonSet",
                "kube-flannel-ds",
                {"app": "flannel", "tier": "node"},
                namespace="kube-flannel",
            ),
        ),
        cni_types=("flannel",),
        ipv6=False,
        status="experimental",
        forbidden_from=(1, 28),
        forbidden_by_kops=(1, 28),
        allowed_again_in_kops=(1, 33),
        kops_message="flannel is not supported for Kubernetes >= 1.28 (kops 1.28 to 1.32)",
    ),
    Mode(
        "kube-router",
        ("kuberouter", "kubeRouter"),
        ("kube-router",),
        addon="networking.kuberouter",
        components=(Component("DaemonSet", "kube-router", {"k8s-app": "kube-router"}),),
        cni_types=("bridge",),
        ipv6=False,
        status="experimental",
    ),
    Mode(
        "kopeio",
        ("kopeio",),
        ("kopeio", "kopeio-vxlan"),
        addon="networking.kope.io",
        components=(
            Component("DaemonSet", "kopeio-networking-agent", {"name": "kopeio-networking-agent"}),
        ),
        uses_kubenet=True,
        cni_types=KUBENET_TYPES,
        ipv6=False,
        status="experimental",
    ),
    Mode(
        "kindnet",
        ("kindnet",),
        ("kindnet",),
        addon="networking.kindnet",
        components=(Component("DaemonSet", "kindnet", {"app": "kindnet"}),),
        cni_types=("ptp",),
        status="experimental",
        min_kops=(1, 32),
    ),
    Mode(
        "gce",
        ("gce", "gcp"),
        ("gce", "gcp"),
        uses_kubenet=True,
        cni_types=KUBENET_TYPES,
        clouds=("gce",),
    ),
    Mode(
        "external",
        ("external",),
        ("external",),
        uses_kubenet=True,
        forbidden_from=(1, 26),
        forbidden_by_kops=(1, 26),
        kops_message="external is not supported for Kubernetes >= 1.26",
    ),
    Mode(
        "weave",
        ("weave",),
        ("weave",),
        addon="networking.weave",
        components=(Component("DaemonSet", "weave-net", {"name": "weave-net"}),),
        cni_types=("weave-net",),
        status="removed",
        forbidden_from=(1, 23),
        forbidden_by_kops=(1, 23),
        removed_in_kops=(1, 28),
        kops_message="Weave is not supported for Kubernetes >= 1.23 (and gone from kops 1.28)",
    ),
    Mode(
        "canal",
        ("canal",),
        ("canal",),
        addon="networking.projectcalico.org.canal",
        components=(Component("DaemonSet", "canal", {"k8s-app": "canal"}), CALICO_CONTROLLERS),
        cni_types=("calico", "flannel"),
        status="removed",
        forbidden_from=(1, 28),
        forbidden_by_kops=(1, 28),
        removed_in_kops=(1, 34),
        kops_message="Canal is not supported for Kubernetes >= 1.28",
    ),
    Mode(
        "romana",
        ("romana",),
        ("romana",),
        addon="networking.romana",
        components=(
            Component("DaemonSet", "romana-agent", {"romana-app": "agent"}),
            Component("Deployment", "romana-daemon", {"romana-app": "daemon"}),
        ),
        status="removed",
        removed_in_kops=(1, 19),
        kops_message="romana networking was removed in kops 1.19",
    ),
    Mode(
        "lyftvpc",
        ("lyftvpc", "lyftVPC"),
        ("lyftvpc",),
        clouds=("aws",),
        status="removed",
        removed_in_kops=(1, 23),
        kops_message="lyftvpc networking was removed in kops 1.23",
    ),
    Mode(
        "classic",
        ("classic",),
        ("classic",),
        uses_kubenet=True,
        status="removed",
        removed_in_kops=(1, 18),
        kops_message="classic networking is not supported",
    ),
)

BY_NAME: Mapping[str, Mode] = {m.name: m for m in MODES}
BY_ALIAS: Mapping[str, Mode] = {alias: m for m in MODES for alias in m.aliases}
BY_ADDON: Mapping[str, Mode] = {m.addon: m for m in reversed(MODES) if m.addon}


@dataclass(frozen=True, slots=True)
class KnownProvider:
    """A CNI provider as users deploy it themselves (Helm, operators, upstream manifests)."""

    name: str
    daemonsets: tuple[str, ...]
    image_hints: tuple[str, ...]
    cni_types: tuple[str, ...]
    # Deployments of its control plane (operator, controllers), any namespace: their pods
    # are the provider's as much as the node agent's are.
    controllers: tuple[str, ...] = ()


KNOWN_PROVIDERS: tuple[KnownProvider, ...] = (
    KnownProvider(
        "calico",
        ("calico-node",),
        ("calico/node",),
        ("calico",),
        ("tigera-operator", "calico-kube-controllers", "calico-typha"),
    ),
    KnownProvider("cilium", ("cilium",), ("cilium/cilium",), ("cilium-cni",), ("cilium-operator",)),
    KnownProvider("amazon-vpc-cni", ("aws-node",), ("amazon-k8s-cni",), ("aws-cni",)),
    KnownProvider("flannel", ("kube-flannel-ds", "kube-flannel"), ("flannel",), ("flannel",)),
    KnownProvider("canal", ("canal",), (), ("calico", "flannel"), ("calico-kube-controllers",)),
    KnownProvider("weave", ("weave-net",), ("weave-kube",), ("weave-net",)),
    KnownProvider("kube-router", ("kube-router",), ("kube-router",), ("bridge",)),
    KnownProvider("kindnet", ("kindnet",), ("kindnet",), ("ptp",)),
    KnownProvider("kopeio", ("kopeio-networking-agent",), ("kopeio/networking-agent",), ()),
    KnownProvider("antrea", ("antrea-agent",), ("antrea",), ("antrea",), ("antrea-controller",)),
    KnownProvider("kube-ovn", ("kube-ovn-cni",), ("kube-ovn",), ("kube-ovn",)),
    KnownProvider(
        "ovn-kubernetes", ("ovnkube-node",), ("ovn-kubernetes",), ("ovn-k8s-cni-overlay",)
    ),
    KnownProvider("romana", ("romana-agent",), ("romana",), ()),
)


def mode_for_alias(value: str) -> Mode | None:
    """The mode a `--networking` value selects (`flannel-vxlan` -> flannel, `gcp` -> gce)."""
    return BY_ALIAS.get(value.strip().lower()) or BY_NAME.get(value.strip().lower())
