"""Turn Kubernetes API JSON (as `kubectl get -o json` and the API server write it) into facts.

Shared by every source, so the bundle, the dump and the live API fill the same model. The
input is the structs of `kube_wire`, decoded from bytes by `kube_decode`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from msgspec import UNSET, UnsetType

from kopscheck.collectors.formats import kube_wire as kw
from kopscheck.collectors.output.redact import redact_message
from kopscheck.model.errors import InputError
from kopscheck.model.facts import (
    Condition,
    ContainerStatus,
    EndpointAddress,
    Endpoints,
    Event,
    Node,
    ObjectRef,
    Owner,
    Pod,
    Service,
    Taint,
    Toleration,
    Version,
    Workload,
)

Raw = Mapping[str, Any]
WORKLOAD_KINDS = kw.WORKLOAD_KINDS


def _type_name(value: object) -> str:
    names = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a bool"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _labels(value: Mapping[str, object] | None) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in value.items()} if value else {}


def _conditions(raw: list[kw.Condition] | None) -> tuple[Condition, ...]:
    return tuple(
        Condition(
            type=c.type or "",
            status=c.status or "",
            reason=c.reason or "",
            message=redact_message(c.message or ""),
            last_transition=c.last_transition_time,
        )
        for c in raw or ()
    )


def _tolerations(raw: list[kw.Toleration] | None) -> tuple[Toleration, ...]:
    return tuple(
        Toleration(
            key=t.key or "",
            operator=t.operator or "Equal",
            value=t.value or "",
            effect=t.effect or "",
        )
        for t in raw or ()
    )


def _owner(meta: kw.Metadata) -> Owner | None:
    refs = meta.owner_references
    if not refs:
        return None
    ref = next((r for r in refs if r.controller), refs[0])
    return Owner(ref.kind or "", ref.name or "")


def parse_node(raw: kw.Node) -> Node:
    meta, spec, status = raw.metadata, raw.spec or _NODE_SPEC, raw.status or _NODE_STATUS
    info = status.node_info or _NODE_INFO
    cidrs = spec.pod_cidrs or ([spec.pod_cidr] if spec.pod_cidr else [])
    return Node(
        name=meta.name or "",
        labels=_labels(meta.labels),
        pod_cidrs=tuple(cidrs),
        provider_id=spec.provider_id or "",
        internal_ip=next(
            (a.address or "" for a in status.addresses or () if a.type == "InternalIP"), ""
        ),
        taints=tuple(Taint(t.key or "", t.effect or "", t.value or "") for t in spec.taints or ()),
        conditions=_conditions(status.conditions),
        kubelet_version=info.kubelet_version or "",
        container_runtime=info.container_runtime_version or "",
        unschedulable=bool(spec.unschedulable),
        created=meta.creation_timestamp,
    )


def _container_statuses(raw: list[kw.ContainerStatus] | None, init: bool) -> list[ContainerStatus]:
    out = []
    for cs in raw or ():
        state_name = next(iter(cs.state), "") if cs.state else ""
        detail = (cs.state or {}).get(state_name) or _NO_STATE
        last = (cs.last_state.terminated if cs.last_state else None) or _NO_STATE
        out.append(
            ContainerStatus(
                name=cs.name or "",
                ready=bool(cs.ready),
                restart_count=cs.restart_count or 0,
                state=state_name,
                reason=detail.reason or "",
                message=redact_message(detail.message or ""),
                last_terminated_reason=last.reason or "",
                last_exit_code=last.exit_code,
                init=init,
            )
        )
    return out


def parse_pod(raw: kw.Pod) -> Pod:
    meta, spec, status = raw.metadata, raw.spec or _POD_SPEC, raw.status or _POD_STATUS
    containers = _container_statuses(status.init_container_statuses, True)
    containers += _container_statuses(status.container_statuses, False)
    return Pod(
        namespace=meta.namespace or "default",
        name=meta.name or "",
        labels=_labels(meta.labels),
        node_name=spec.node_name or "",
        phase=status.phase or "",
        pod_ip=status.pod_ip or "",
        host_network=bool(spec.host_network),
        owner=_owner(meta),
        priority_class=spec.priority_class_name or "",
        conditions=_conditions(status.conditions),
        containers=tuple(containers),
        tolerations=_tolerations(spec.tolerations),
        created=meta.creation_timestamp,
    )


def _count(value: int | UnsetType | None, absent: int | None) -> int:
    if value is UNSET:
        return absent or 0
    return value or 0


def parse_workload(raw: kw.Workload, kind: str) -> Workload:
    meta, spec, status = raw.metadata, raw.spec or _WORKLOAD_SPEC, raw.status or _WORKLOAD_STATUS
    template = spec.template or _TEMPLATE
    pod_spec = template.spec or _TEMPLATE_SPEC
    selector = spec.selector or {}
    match = selector if kind == "ReplicationController" else selector.get("matchLabels")
    if kind == "DaemonSet":
        desired, current = status.desired_number_scheduled, status.current_number_scheduled
        ready, updated = status.number_ready, status.updated_number_scheduled
        available = status.number_available
    else:
        desired = _count(spec.replicas, 1)
        current, ready = status.replicas, status.ready_replicas
        updated = _count(status.updated_replicas, status.fully_labeled_replicas)
        available = status.available_replicas
    return Workload(
        kind=kind,
        namespace=meta.namespace or "default",
        name=meta.name or "",
        labels=_labels(meta.labels),
        selector=_labels(match) if isinstance(match, Mapping) else {},
        template_labels=_labels((template.metadata or _TEMPLATE_META).labels),
        generation=meta.generation or 0,
        observed_generation=status.observed_generation or 0,
        desired=desired or 0,
        current=current or 0,
        ready=ready or 0,
        updated=updated or 0,
        available=available or 0,
        misscheduled=status.number_misscheduled or 0,
        node_selector=_labels(pod_spec.node_selector),
        tolerations=_tolerations(pod_spec.tolerations),
        images=tuple(c.image or "" for c in pod_spec.containers or ()),
        priority_class=pod_spec.priority_class_name or "",
        owner=_owner(meta),
    )


def _ref(ref: kw.ObjectReference) -> ObjectRef:
    return ObjectRef(ref.kind or "", ref.name or "", ref.namespace or "")


def parse_event(raw: kw.Event) -> Event:
    meta, involved = raw.metadata, raw.involved_object or raw.regarding or _NO_REF
    series, source = raw.series or _SERIES, raw.source or _SOURCE
    last = (
        raw.last_timestamp or series.last_observed_time or raw.event_time or meta.creation_timestamp
    )
    return Event(
        namespace=meta.namespace or involved.namespace or "",
        involved=_ref(involved),
        reason=raw.reason or "",
        message=redact_message(raw.message or raw.note or ""),
        type=raw.type or "Normal",
        count=raw.count or series.count or 1,
        last_seen=last,
        source=source.component or raw.reporting_component or "",
        host=source.host or "",
    )


def parse_service(raw: kw.Service) -> Service:
    meta, spec = raw.metadata, raw.spec or _SERVICE_SPEC
    return Service(
        namespace=meta.namespace or "default",
        name=meta.name or "",
        selector=_labels(spec.selector),
        cluster_ip=spec.cluster_ip or "",
        labels=_labels(meta.labels),
    )


def _addresses(raw: list[kw.EndpointAddress] | None) -> Iterable[EndpointAddress]:
    for a in raw or ():
        target = a.target_ref
        yield EndpointAddress(
            ip=a.ip or "",
            node_name=a.node_name or "",
            target=_ref(target) if target is not None else None,
        )


def parse_endpoints(raw: kw.Endpoints) -> Endpoints:
    meta, subsets = raw.metadata, raw.subsets or ()
    return Endpoints(
        namespace=meta.namespace or "default",
        name=meta.name or "",
        ready=tuple(a for s in subsets for a in _addresses(s.addresses)),
        not_ready=tuple(a for s in subsets for a in _addresses(s.not_ready_addresses)),
    )


_NODE_SPEC, _NODE_STATUS, _NODE_INFO = kw.NodeSpec(), kw.NodeStatus(), kw.NodeInfo()
_POD_SPEC, _POD_STATUS, _NO_STATE = kw.PodSpec(), kw.PodStatus(), kw.ContainerState()
_WORKLOAD_SPEC, _WORKLOAD_STATUS = kw.WorkloadSpec(), kw.WorkloadStatus()
_TEMPLATE, _TEMPLATE_SPEC, _TEMPLATE_META = (
    kw.PodTemplate(),
    kw.TemplateSpec(),
    kw.TemplateMetadata(),
)
_NO_REF, _SERIES, _SOURCE = kw.ObjectReference(), kw.EventSeries(), kw.EventSource()
_SERVICE_SPEC = kw.ServiceSpec()


def parse_version(doc: object, source: str) -> Version:
    """`kubectl version -o json` (serverVersion) or the API's `/version` body."""
    if not isinstance(doc, Mapping):
        raise InputError(source, f"expected a version object, got {_type_name(doc)}")
    server = doc.get("serverVersion", doc)
    if not isinstance(server, Mapping) or not isinstance(server.get("gitVersion"), str):
        raise InputError(source, "no serverVersion.gitVersion in version output")
    git = server["gitVersion"]
    parts = git.lstrip("v").split(".")
    try:
        major, minor = int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()))
    except (IndexError, ValueError):
        raise InputError(source, f"unrecognised Kubernetes version {git!r}") from None
    return Version(git_version=git, major=major, minor=minor)


def parse_configz(doc: object, source: str) -> Mapping[str, Any]:
    """The kubelet's `/configz` body: `{"kubeletconfig": {...}}` -> the inner config."""
    if not isinstance(doc, Mapping):
        raise InputError(source, f"expected the kubelet's configz object, got {_type_name(doc)}")
    inner = doc.get("kubeletconfig", doc)
    if not isinstance(inner, Mapping):
        raise InputError(source, "'kubeletconfig' must be an object")
    return dict(inner)
