"""Connectivity probe outcomes (`net.connectivity`): which probe pod reached which, per class.

Plain facts recorded by kopscheck.collectors.probes.connectivity; the check `net.connectivity`
judges them hop by hop. A pair is one action of one class from one source to one destination,
recorded with its target and what happened, the way cilium's connectivity test records actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProbeClass(StrEnum):
    """The probe classes, in report order (the cheapest layer first)."""

    POD_SAME_NODE = "pod-same-node"  # client pod -> server pod on its own node
    POD_CROSS_NODE = "pod-cross-node"  # client pod -> server pod on another node
    CLUSTER_IP = "cluster-ip"  # client pod -> the probe Service's cluster IP
    NODE_PORT = "node-port"  # hostNetwork client -> another node's InternalIP at the nodePort
    NODE_TO_POD = "node-to-pod"  # hostNetwork client (the node) -> server pod
    POD_TO_NODE = "pod-to-node"  # client pod -> a node's hostNetwork server
    EXTERNAL = "external"  # client pod -> --probe-external-target
    DNS = "dns"  # client pod resolves kubernetes.default through its resolv.conf
    PATH_MTU = "path-mtu"  # don't-fragment ping at the client's interface MTU minus 28


CLASSES = tuple(ProbeClass)


class HopKind(StrEnum):
    """The hops of a path, in the order a packet meets them."""

    SOURCE_POD = "source-pod"  # the client pod: never ran, no IP
    SOURCE_NODE = "source-node"  # the client's node: CNI config, routes
    # either end's node routes no packet between its interface and its pods (ip_forward 0)
    NODE_FORWARDING = "node-forwarding"
    SERVICE_PROXY = "service-proxy"  # kube-proxy (or its replacement) on the client's node
    # the source instance's groups let no such request out (their egress rules)
    SECURITY_GROUP_EGRESS = "security-group-egress"
    VPC_ROUTE = "vpc-route"  # the route table's route for a podCIDR (kubenet)
    SECURITY_GROUP = "security-group"  # the destination instance's groups admit no such request
    PATH_MTU = "path-mtu"  # a link on the path carries less than the pods' MTU
    DESTINATION_NODE = "destination-node"  # the node itself: forwarding, routes, firewall
    DESTINATION_POD = "destination-pod"  # the server pod: never ran, no IP
    EGRESS = "egress"  # the way out of the cluster (NAT, internet gateway, firewall)
    CLUSTER_DNS = "cluster-dns"  # the cluster DNS as the client's resolv.conf names it


def hop_group(probe_class: ProbeClass, hop: HopKind, node: str | None) -> str:
    """The name of a class's pairs failing at one hop of one node: the `ProbeClass` object
    (in the run's namespace) a net.connectivity finding is about, so another probe's finding
    that the same hop explains can name it as related."""
    return f"{probe_class.value}/{hop.value}/{node or 'any'}"


NODE_PAIR_CLASSES = frozenset(
    {
        ProbeClass.POD_SAME_NODE,
        ProbeClass.POD_CROSS_NODE,
        ProbeClass.NODE_PORT,
        ProbeClass.NODE_TO_POD,
        ProbeClass.POD_TO_NODE,
        ProbeClass.PATH_MTU,
    }
)


class Outcome(StrEnum):
    """How one pair ended."""

    PASS = "pass"
    FAIL = "fail"
    NOT_RUN = "not-run"  # its client never ran, or the deadline came first


@dataclass(frozen=True, slots=True)
class ProbeEndpoint:
    """A probe pod on one node: a server, a client or a hostNetwork pod."""

    role: str  # "server", "client", "host-server", "host-client"
    node: str
    pod: str
    ip: str = ""  # the pod's IP ("" when it never got one)
    node_ip: str = ""  # the node's InternalIP
    zone: str = ""
    instance_group: str = ""
    mtu: int | None = None  # the pod's eth0 MTU, as the client read it
    note: str = ""  # why it never ran


@dataclass(frozen=True, slots=True)
class PairResult:
    """One action: `source` (a node) tried `target` and got `outcome`."""

    probe: ProbeClass
    source: str  # the client's node
    destination: str  # the server's node, or what else was asked (a Service, a name)
    target: str  # "100.96.1.5:8080", "10.0.0.10:80", "registry.k8s.io:443"
    outcome: Outcome
    seconds: float | None = None
    detail: str = ""  # what the client printed, shortened


@dataclass(frozen=True, slots=True)
class ClassSkip:
    """A class that was not run at all, and why."""

    probe: ProbeClass
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectivityProbe:
    """The `net.connectivity` probe run: a server and a client per sampled node, and the pairs.

    `sampling` says what was left out on a large cluster (pairs per node are bounded);
    `note` says what cut the run short (deadline, interruption): the pairs are then partial.
    """

    run_id: str
    namespace: str
    image: str
    endpoints: tuple[ProbeEndpoint, ...]
    pairs: tuple[PairResult, ...]
    nodes_total: int
    selection: str
    sampling: str = ""
    skipped: tuple[ClassSkip, ...] = ()
    external_target: str = ""
    note: str = ""
    # the external target tried from each node's host network, beside its pods: whether the
    # way out works at all (an air-gapped cluster, a target down) apart from the pod network
    external_from_nodes: tuple[PairResult, ...] = ()
