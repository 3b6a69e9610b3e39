"""Facts about a cluster: plain, frozen data that collectors produce and checks read.

A fact group is either present (possibly empty) or missing with a reason. The snapshot keeps
the reasons so a check that needs a missing fact is skipped with an explanation instead of
passing on data nobody saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kopscheck.model.connectivity import ConnectivityProbe
from kopscheck.model.probes import DnsProbe, LifecycleProbe

JSON = None | bool | int | float | str | Sequence["JSON"] | Mapping[str, "JSON"]


class Fact(StrEnum):
    """The fact groups a snapshot may hold; checks declare which ones they read."""

    NODES = "nodes"
    PODS = "pods"
    WORKLOADS = "workloads"
    EVENTS = "events"
    SERVICES = "services"
    ENDPOINTS = "endpoints"
    POD_LOGS = "pod-logs"
    VERSION = "version"
    KOPS_CLUSTER = "kops-cluster"
    KOPS_INSTANCE_GROUPS = "kops-instance-groups"
    NODE_FILES = "node-files"
    AWS_ROUTE_TABLES = "aws-route-tables"
    AWS_INSTANCES = "aws-instances"
    AWS_AUTOSCALING_GROUPS = "aws-autoscaling-groups"
    AWS_ROUTE_QUOTA = "aws-route-quota"
    AWS_SECURITY_GROUPS = "aws-security-groups"
    POD_LIFECYCLE = "pod-lifecycle"  # probe outcome (--probe)
    DNS_PROBE = "dns-probe"  # probe outcome (--probe)
    CONNECTIVITY = "connectivity"  # probe outcome (--probe)


PROBE_FACTS = frozenset({Fact.POD_LIFECYCLE, Fact.DNS_PROBE, Fact.CONNECTIVITY})
NEEDS_PROBE = (
    "needs --probe on a live cluster (it runs short-lived pods; without it kopscheck only reads,"
    " and a bundle or dump holds no probe outcomes)"
)


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Names one object; namespace is empty for cluster-scoped objects."""

    kind: str
    name: str
    namespace: str = ""

    def __str__(self) -> str:
        scope = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{scope}{self.name}"


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str
    reason: str = ""
    message: str = ""
    last_transition: datetime | None = None


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    effect: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    pod_cidrs: tuple[str, ...] = ()
    provider_id: str = ""
    internal_ip: str = ""
    taints: tuple[Taint, ...] = ()
    conditions: tuple[Condition, ...] = ()
    kubelet_version: str = ""
    container_runtime: str = ""
    unschedulable: bool = False
    created: datetime | None = None

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    @property
    def instance_id(self) -> str:
        """The EC2 instance id from `aws:///zone/i-...`, or empty."""
        tail = self.provider_id.rsplit("/", 1)[-1]
        return tail if tail.startswith("i-") else ""


@dataclass(frozen=True, slots=True)
class ContainerStatus:
    name: str
    ready: bool = False
    restart_count: int = 0
    state: str = ""  # "waiting", "running" or "terminated"
    reason: str = ""
    message: str = ""
    last_terminated_reason: str = ""
    last_exit_code: int | None = None
    init: bool = False


@dataclass(frozen=True, slots=True)
class Owner:
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""


@dataclass(frozen=True, slots=True)
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    node_name: str = ""
    phase: str = ""
    pod_ip: str = ""
    host_network: bool = False
    owner: Owner | None = None
    priority_class: str = ""
    conditions: tuple[Condition, ...] = ()
    containers: tuple[ContainerStatus, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    created: datetime | None = None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Pod", self.name, self.namespace)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    @property
    def ready(self) -> bool:
        cond = self.condition("Ready")
        return cond is not None and cond.status == "True"


@dataclass(frozen=True, slots=True)
class Workload:
    """A Deployment, DaemonSet, ReplicaSet, StatefulSet or ReplicationController."""

    kind: str
    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    selector: Mapping[str, str] = field(default_factory=dict)
    template_labels: Mapping[str, str] = field(default_factory=dict)
    generation: int = 0
    observed_generation: int = 0
    desired: int = 0
    current: int = 0
    ready: int = 0
    updated: int = 0
    available: int = 0
    misscheduled: int = 0
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Toleration, ...] = ()
    images: tuple[str, ...] = ()
    priority_class: str = ""
    owner: Owner | None = None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace)


@dataclass(frozen=True, slots=True)
class Event:
    namespace: str
    involved: ObjectRef
    reason: str
    message: str
    type: str = "Normal"
    count: int = 1
    last_seen: datetime | None = None
    source: str = ""
    host: str = ""


@dataclass(frozen=True, slots=True)
class Service:
    namespace: str
    name: str
    selector: Mapping[str, str] = field(default_factory=dict)
    cluster_ip: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EndpointAddress:
    ip: str
    node_name: str = ""
    target: ObjectRef | None = None


@dataclass(frozen=True, slots=True)
class Endpoints:
    namespace: str
    name: str
    ready: tuple[EndpointAddress, ...] = ()
    not_ready: tuple[EndpointAddress, ...] = ()


@dataclass(frozen=True, slots=True)
class ContainerLog:
    """One container's log text, or the reason it could not be read."""

    namespace: str
    pod: str
    container: str
    text: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class Version:
    git_version: str
    major: int
    minor: int


@dataclass(frozen=True, slots=True)
class KopsCluster:
    """The kops Cluster object (`kops get cluster -o yaml` or the state store)."""

    name: str
    api_version: str
    kubernetes_version: str = ""
    networking: Mapping[str, JSON] = field(default_factory=dict)
    spec: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InstanceGroup:
    name: str
    role: str = ""
    min_size: int | None = None
    max_size: int | None = None
    machine_type: str = ""
    subnets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeFiles:
    """Files read from a node (bundle `nodes/<node>/` or the opt-in node agent)."""

    node: str
    kubelet_cmdline: tuple[str, ...] | None = None
    sysconfig_kubelet: str | None = None
    cni_configs: Mapping[str, str] | None = None
    kubelet_log: str | None = None
    cni_bin: str | None = None  # `ls -l /opt/cni/bin` (the node agent)
    # /proc/sys/net/ipv4/ip_forward as read (the node agent), bounded: knowledge.node_sysctl
    ip_forward: str | None = None
    # The kubelet's running config: the `kubeletconfig` object of `nodes/<node>/proxy/configz`.
    configz: Mapping[str, JSON] | None = None
    # What could not be read from this node, and why ("configz" -> "timed out after 30s").
    unavailable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Route:
    destination: str
    state: str = "active"
    target: str = ""  # instance id, gateway id, ENI, ...
    origin: str = ""


@dataclass(frozen=True, slots=True)
class RouteTable:
    id: str
    vpc_id: str
    tags: Mapping[str, str] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    state: str = ""
    vpc_id: str = ""
    private_ip: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    source_dest_check: bool | None = None
    security_group_ids: tuple[str, ...] = ()  # of the instance and its network interfaces


@dataclass(frozen=True, slots=True)
class SecurityGroupRule:
    """One IpPermission: a protocol and port range, and the sources (or destinations) it admits.

    `protocol` is as EC2 writes it: "tcp", "udp", "icmp", "icmpv6", a number, or "-1" (all).
    For ICMP the ports are the type and the code (-1: all).
    """

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidrs: tuple[str, ...] = ()  # IpRanges[].CidrIp
    ipv6_cidrs: tuple[str, ...] = ()  # Ipv6Ranges[].CidrIpv6
    group_ids: tuple[str, ...] = ()  # UserIdGroupPairs[].GroupId
    prefix_list_ids: tuple[str, ...] = ()  # PrefixListIds[].PrefixListId


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    id: str
    name: str = ""
    vpc_id: str = ""
    ingress: tuple[SecurityGroupRule, ...] = ()  # IpPermissions
    egress: tuple[SecurityGroupRule, ...] = ()  # IpPermissionsEgress
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AutoScalingGroup:
    name: str
    min_size: int
    max_size: int
    desired: int
    tags: Mapping[str, str] = field(default_factory=dict)
    instance_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Quota:
    value: float
    source: str  # "applied" or "default"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything known about one cluster at one time. `None` means the fact is missing."""

    source: str
    observed_at: datetime
    # live: the later of the local and API server clocks (data after it is ahead of both)
    latest_clock: datetime | None = None
    cluster_name: str | None = None
    nodes: tuple[Node, ...] | None = None
    pods: tuple[Pod, ...] | None = None
    workloads: tuple[Workload, ...] | None = None
    events: tuple[Event, ...] | None = None
    services: tuple[Service, ...] | None = None
    endpoints: tuple[Endpoints, ...] | None = None
    pod_logs: tuple[ContainerLog, ...] | None = None
    version: Version | None = None
    kops_cluster: KopsCluster | None = None
    kops_instance_groups: tuple[InstanceGroup, ...] | None = None
    node_files: Mapping[str, NodeFiles] | None = None
    aws_route_tables: tuple[RouteTable, ...] | None = None
    aws_instances: tuple[Instance, ...] | None = None
    aws_autoscaling_groups: tuple[AutoScalingGroup, ...] | None = None
    aws_route_quota: Quota | None = None
    aws_security_groups: tuple[SecurityGroup, ...] | None = None
    pod_lifecycle: LifecycleProbe | None = None
    dns_probe: DnsProbe | None = None
    connectivity: ConnectivityProbe | None = None
    missing: Mapping[Fact, str] = field(default_factory=dict)
    # Missing facts whose collection failed (API error, timeout) rather than being unavailable
    # (forbidden, not served, not in the bundle): checks that need them end in `error`, not
    # `skip`, so a scan that could not look never exits 0.
    failed: frozenset[Fact] = frozenset()
    # What the reader of the report should know about how the facts were read: a bundle that
    # was not recognised, or what was cut to stay within a bound (a log read as its tail).
    notes: tuple[str, ...] = ()

    def has(self, fact: Fact) -> bool:
        return getattr(self, fact.value.replace("-", "_")) is not None

    def why_missing(self, fact: Fact) -> str:
        return self.missing.get(fact) or f"{fact.value} not collected"

    def not_requested(self, fact: Fact) -> bool:
        """A probe fact that is absent because probes were not asked for (not because they
        failed): a gate that must see every fact does not count it."""
        return fact in PROBE_FACTS and self.missing.get(fact) == NEEDS_PROBE
