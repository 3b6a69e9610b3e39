"""The parts of Kubernetes API objects kopscheck reads, as msgspec structs decoded from bytes.

Every field the model does not read (managedFields, volumes, env, probes, images, ...) is absent
here, so the decoder skips it without building it. Every field is optional: the API omits empty
ones and writes `null` for some. Timestamps are decoded once, in C, as RFC 3339. The structs are
not tracked by the cyclic garbage collector (`gc=False`): they hold no cycles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

import msgspec
from msgspec import UNSET, Struct, UnsetType, field

Item = TypeVar("Item")


class Wire(Struct, rename="camel", gc=False):
    """Base of the structs below: camelCase JSON names, untracked by the GC."""


class OwnerReference(Wire):
    kind: str | None = None
    name: str | None = None
    controller: bool | None = None


class Metadata(Wire):
    name: str | None = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    creation_timestamp: datetime | None = None
    owner_references: list[OwnerReference] | None = None
    generation: int | None = None


class Condition(Wire):
    type: str | None = None
    status: str | None = None
    reason: str | None = None
    message: str | None = None
    last_transition_time: datetime | None = None


class Toleration(Wire):
    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None


class Taint(Wire):
    key: str | None = None
    value: str | None = None
    effect: str | None = None


class NodeSpec(Wire):
    pod_cidr: str | None = field(default=None, name="podCIDR")
    pod_cidrs: list[str] | None = field(default=None, name="podCIDRs")
    provider_id: str | None = field(default=None, name="providerID")
    taints: list[Taint] | None = None
    unschedulable: bool | None = None


class NodeAddress(Wire):
    type: str | None = None
    address: str | None = None


class NodeInfo(Wire):
    kubelet_version: str | None = None
    container_runtime_version: str | None = None


class NodeStatus(Wire):
    conditions: list[Condition] | None = None
    addresses: list[NodeAddress] | None = None
    node_info: NodeInfo | None = None


class Node(Wire):
    metadata: Metadata
    spec: NodeSpec | None = None
    status: NodeStatus | None = None


class ContainerState(Wire):
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None


class LastState(Wire):
    terminated: ContainerState | None = None


class ContainerStatus(Wire):
    name: str | None = None
    ready: bool | None = None
    restart_count: int | None = None
    state: dict[str, ContainerState | None] | None = None
    last_state: LastState | None = None


class PodSpec(Wire):
    node_name: str | None = None
    host_network: bool | None = None
    priority_class_name: str | None = None
    tolerations: list[Toleration] | None = None


class PodStatus(Wire):
    phase: str | None = None
    pod_ip: str | None = field(default=None, name="podIP")
    conditions: list[Condition] | None = None
    container_statuses: list[ContainerStatus] | None = None
    init_container_statuses: list[ContainerStatus] | None = None


class Pod(Wire):
    metadata: Metadata
    spec: PodSpec | None = None
    status: PodStatus | None = None


class Container(Wire):
    image: str | None = None


class TemplateSpec(Wire):
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None
    containers: list[Container] | None = None
    priority_class_name: str | None = None


class TemplateMetadata(Wire):
    labels: dict[str, str] | None = None


class PodTemplate(Wire):
    metadata: TemplateMetadata | None = None
    spec: TemplateSpec | None = None


class WorkloadSpec(Wire):
    # UNSET (absent) and null differ: an absent replica count means 1.
    replicas: int | UnsetType | None = UNSET
    # {matchLabels: {...}, matchExpressions: [...]}, or a plain map for a ReplicationController
    selector: dict[str, object] | None = None
    template: PodTemplate | None = None


class WorkloadStatus(Wire):
    observed_generation: int | None = None
    replicas: int | None = None
    ready_replicas: int | None = None
    updated_replicas: int | UnsetType | None = UNSET
    fully_labeled_replicas: int | None = None
    available_replicas: int | None = None
    desired_number_scheduled: int | None = None
    current_number_scheduled: int | None = None
    number_ready: int | None = None
    updated_number_scheduled: int | None = None
    number_available: int | None = None
    number_misscheduled: int | None = None


class Workload(Wire):
    metadata: Metadata
    spec: WorkloadSpec | None = None
    status: WorkloadStatus | None = None


class ObjectReference(Wire):
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None


class EventSeries(Wire):
    count: int | None = None
    last_observed_time: datetime | None = None


class EventSource(Wire):
    component: str | None = None
    host: str | None = None


class Event(Wire):
    metadata: Metadata
    involved_object: ObjectReference | None = None
    regarding: ObjectReference | None = None
    reason: str | None = None
    message: str | None = None
    note: str | None = None
    type: str | None = None
    count: int | None = None
    last_timestamp: datetime | None = None
    event_time: datetime | None = None
    series: EventSeries | None = None
    source: EventSource | None = None
    reporting_component: str | None = None


class ServiceSpec(Wire):
    selector: dict[str, str] | None = None
    cluster_ip: str | None = field(default=None, name="clusterIP")


class Service(Wire):
    metadata: Metadata
    spec: ServiceSpec | None = None


class EndpointAddress(Wire):
    ip: str | None = None
    node_name: str | None = None
    target_ref: ObjectReference | None = None


class EndpointSubset(Wire):
    addresses: list[EndpointAddress] | None = None
    not_ready_addresses: list[EndpointAddress] | None = None


class Endpoints(Wire):
    metadata: Metadata
    subsets: list[EndpointSubset] | None = None


class Kinded(Wire):
    """Only an object's `kind`: what a mixed `kind: List` item is."""

    kind: str | None = None


class ListMetadata(Wire):
    resource_version: str | None = None
    continue_token: str | None = field(default=None, name="continue")


class ObjectList(Wire, Generic[Item]):
    kind: str | None = None
    api_version: str | None = None
    metadata: ListMetadata | None = None
    items: list[Item] | None = None


class MixedList(Wire):
    kind: str | None = None
    api_version: str | None = None
    metadata: ListMetadata | None = None
    items: list[msgspec.Raw] | None = None


WORKLOAD_KINDS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "ReplicationController")
ITEM_TYPES: dict[str, type[Wire]] = {
    "Node": Node,
    "Pod": Pod,
    "Event": Event,
    "Service": Service,
    "Endpoints": Endpoints,
    **{kind: Workload for kind in WORKLOAD_KINDS},
}
