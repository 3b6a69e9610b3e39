"""Turn Kubernetes API JSON (as `kubectl get -o json` and the API server write it) into facts.

Shared by every source, so the bundle, the dump and the live API fill the same model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

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
WORKLOAD_KINDS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "ReplicationController")
LIST_KINDS = {
    "NodeList": "Node",
    "PodList": "Pod",
    "EventList": "Event",
    "ServiceList": "Service",
    "EndpointsList": "Endpoints",
    **{f"{kind}List": kind for kind in WORKLOAD_KINDS},
}


UNVERSIONED = (
    "an unversioned dump (`Items`, `Spec`, no `kind`): kubectl of 2017 wrote the API server's"
    " internal form, which no reader can map to v1 objects reliably; dump again with a kubectl"
    " of 1.8 or later (any kubectl within one minor version of the cluster)"
)


def list_items(doc: object, source: str) -> tuple[str, list[Raw]]:
    """Validate a `kind: XList` document and return (item kind, items).

    A plain `kind: List` (kubectl's mixed list) yields the items' own kinds; its item kind is "".
    """
    if not isinstance(doc, Mapping):
        raise InputError(source, f"expected a Kubernetes list object, got {_type_name(doc)}")
    if "kind" not in doc and ("Items" in doc or "ListMeta" in doc):
        raise InputError(source, UNVERSIONED)
    kind = doc.get("kind")
    if kind != "List" and kind not in LIST_KINDS:
        raise InputError(source, f"expected a Kubernetes list, got kind {kind!r}")
    items = doc.get("items")
    if items is None:
        return LIST_KINDS.get(kind, ""), []
    if not isinstance(items, list):
        raise InputError(source, f"'items' must be a list, got {_type_name(items)}")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("metadata"), Mapping):
            raise InputError(source, f"item {index} is not a Kubernetes object with metadata")
        if not isinstance(item["metadata"].get("name"), str) and kind != "EventList":
            raise InputError(source, f"item {index} has no metadata.name")
    return LIST_KINDS.get(kind, ""), items


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


def _str_map(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _dicts(value: object) -> list[Raw]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _conditions(raw: object) -> tuple[Condition, ...]:
    return tuple(
        Condition(
            type=str(c.get("type", "")),
            status=str(c.get("status", "")),
            reason=str(c.get("reason") or ""),
            message=str(c.get("message") or ""),
            last_transition=parse_time(c.get("lastTransitionTime")),
        )
        for c in _dicts(raw)
    )


def _tolerations(raw: object) -> tuple[Toleration, ...]:
    return tuple(
        Toleration(
            key=str(t.get("key") or ""),
            operator=str(t.get("operator") or "Equal"),
            value=str(t.get("value") or ""),
            effect=str(t.get("effect") or ""),
        )
        for t in _dicts(raw)
    )


def _owner(meta: Raw) -> Owner | None:
    refs = _dicts(meta.get("ownerReferences"))
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    return Owner(str(ref.get("kind", "")), str(ref.get("name", ""))) if ref else None


def parse_node(raw: Raw) -> Node:
    meta, spec, status = raw["metadata"], raw.get("spec") or {}, raw.get("status") or {}
    info = status.get("nodeInfo") or {}
    addresses = _dicts(status.get("addresses"))
    cidrs = spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
    return Node(
        name=meta["name"],
        labels=_str_map(meta.get("labels")),
        pod_cidrs=tuple(str(c) for c in cidrs),
        provider_id=str(spec.get("providerID") or ""),
        internal_ip=next(
            (str(a.get("address")) for a in addresses if a.get("type") == "InternalIP"), ""
        ),
        taints=tuple(
            Taint(str(t.get("key", "")), str(t.get("effect", "")), str(t.get("value") or ""))
            for t in _dicts(spec.get("taints"))
        ),
        conditions=_conditions(status.get("conditions")),
        kubelet_version=str(info.get("kubeletVersion") or ""),
        container_runtime=str(info.get("containerRuntimeVersion") or ""),
        unschedulable=bool(spec.get("unschedulable")),
        created=parse_time(meta.get("creationTimestamp")),
    )


def _container_statuses(raw: object, init: bool) -> list[ContainerStatus]:
    out = []
    for cs in _dicts(raw):
        state = cs.get("state") or {}
        state_name = next(iter(state), "") if isinstance(state, Mapping) else ""
        detail = state.get(state_name) or {} if state_name else {}
        last = (cs.get("lastState") or {}).get("terminated") or {}
        out.append(
            ContainerStatus(
                name=str(cs.get("name", "")),
                ready=bool(cs.get("ready")),
                restart_count=_int(cs.get("restartCount")),
                state=state_name,
                reason=str(detail.get("reason") or ""),
                message=str(detail.get("message") or ""),
                last_terminated_reason=str(last.get("reason") or ""),
                last_exit_code=last.get("exitCode")
                if isinstance(last.get("exitCode"), int)
                else None,
                init=init,
            )
        )
    return out


def parse_pod(raw: Raw) -> Pod:
    meta, spec, status = raw["metadata"], raw.get("spec") or {}, raw.get("status") or {}
    containers = _container_statuses(status.get("initContainerStatuses"), True)
    containers += _container_statuses(status.get("containerStatuses"), False)
    return Pod(
        namespace=str(meta.get("namespace") or "default"),
        name=meta["name"],
        labels=_str_map(meta.get("labels")),
        node_name=str(spec.get("nodeName") or ""),
        phase=str(status.get("phase") or ""),
        pod_ip=str(status.get("podIP") or ""),
        host_network=bool(spec.get("hostNetwork")),
        owner=_owner(meta),
        priority_class=str(spec.get("priorityClassName") or ""),
        conditions=_conditions(status.get("conditions")),
        containers=tuple(containers),
        tolerations=_tolerations(spec.get("tolerations")),
        created=parse_time(meta.get("creationTimestamp")),
    )


def parse_workload(raw: Raw, kind: str) -> Workload:
    meta, spec, status = raw["metadata"], raw.get("spec") or {}, raw.get("status") or {}
    template = spec.get("template") or {}
    pod_spec = template.get("spec") or {}
    selector = spec.get("selector") or {}
    match = selector.get("matchLabels", {}) if kind != "ReplicationController" else selector
    if kind == "DaemonSet":
        desired, current = (
            status.get("desiredNumberScheduled"),
            status.get("currentNumberScheduled"),
        )
        ready, updated = status.get("numberReady"), status.get("updatedNumberScheduled")
        available = status.get("numberAvailable")
    else:
        desired = spec.get("replicas", 1)
        current, ready = status.get("replicas"), status.get("readyReplicas")
        updated = status.get("updatedReplicas", status.get("fullyLabeledReplicas"))
        available = status.get("availableReplicas")
    return Workload(
        kind=kind,
        namespace=str(meta.get("namespace") or "default"),
        name=meta["name"],
        labels=_str_map(meta.get("labels")),
        selector=_str_map(match),
        template_labels=_str_map((template.get("metadata") or {}).get("labels")),
        generation=_int(meta.get("generation")),
        observed_generation=_int(status.get("observedGeneration")),
        desired=_int(desired),
        current=_int(current),
        ready=_int(ready),
        updated=_int(updated),
        available=_int(available),
        misscheduled=_int(status.get("numberMisscheduled")),
        node_selector=_str_map(pod_spec.get("nodeSelector")),
        tolerations=_tolerations(pod_spec.get("tolerations")),
        images=tuple(str(c.get("image", "")) for c in _dicts(pod_spec.get("containers"))),
        priority_class=str(pod_spec.get("priorityClassName") or ""),
        owner=_owner(meta),
    )


def parse_event(raw: Raw) -> Event:
    meta, involved = raw["metadata"], raw.get("involvedObject") or raw.get("regarding") or {}
    series = raw.get("series") or {}
    source = raw.get("source") or {}
    last = (
        parse_time(raw.get("lastTimestamp"))
        or parse_time(series.get("lastObservedTime"))
        or parse_time(raw.get("eventTime"))
        or parse_time(meta.get("creationTimestamp"))
    )
    return Event(
        namespace=str(meta.get("namespace") or involved.get("namespace") or ""),
        involved=ObjectRef(
            str(involved.get("kind", "")),
            str(involved.get("name", "")),
            str(involved.get("namespace") or ""),
        ),
        reason=str(raw.get("reason") or ""),
        message=str(raw.get("message") or raw.get("note") or ""),
        type=str(raw.get("type") or "Normal"),
        count=_int(raw.get("count")) or _int(series.get("count")) or 1,
        last_seen=last,
        source=str(source.get("component") or raw.get("reportingComponent") or ""),
        host=str(source.get("host") or ""),
    )


def parse_service(raw: Raw) -> Service:
    meta, spec = raw["metadata"], raw.get("spec") or {}
    return Service(
        namespace=str(meta.get("namespace") or "default"),
        name=meta["name"],
        selector=_str_map(spec.get("selector")),
        cluster_ip=str(spec.get("clusterIP") or ""),
        labels=_str_map(meta.get("labels")),
    )


def _addresses(raw: object) -> Iterable[EndpointAddress]:
    for a in _dicts(raw):
        target = a.get("targetRef") or {}
        yield EndpointAddress(
            ip=str(a.get("ip", "")),
            node_name=str(a.get("nodeName") or ""),
            target=ObjectRef(
                str(target.get("kind", "")),
                str(target.get("name", "")),
                str(target.get("namespace") or ""),
            )
            if target
            else None,
        )


def parse_endpoints(raw: Raw) -> Endpoints:
    meta = raw["metadata"]
    subsets = _dicts(raw.get("subsets"))
    return Endpoints(
        namespace=str(meta.get("namespace") or "default"),
        name=meta["name"],
        ready=tuple(a for s in subsets for a in _addresses(s.get("addresses"))),
        not_ready=tuple(a for s in subsets for a in _addresses(s.get("notReadyAddresses"))),
    )


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
