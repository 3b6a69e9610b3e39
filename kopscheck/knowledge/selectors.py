"""Label selector matching and object lookups shared by checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kopscheck.model.facts import Event, ObjectRef, Pod, Workload


def matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """An equality-based selector; an empty selector matches nothing (as for Services)."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def pods_of(workload: Workload, pods: Iterable[Pod]) -> list[Pod]:
    selector = workload.selector or workload.template_labels
    return [p for p in pods if p.namespace == workload.namespace and matches(selector, p.labels)]


KUBE_PROXY = "kube-proxy"


def kube_proxy_pods(pods: Iterable[Pod]) -> list[Pod]:
    """kube-proxy pods: kops's static mirror pods `kube-proxy-<node>` and DaemonSet pods."""
    return [
        p
        for p in pods
        if p.labels.get("k8s-app") == KUBE_PROXY
        or (p.namespace == "kube-system" and p.name.startswith(f"{KUBE_PROXY}-"))
    ]


def events_by_object(events: Iterable[Event]) -> dict[ObjectRef, list[Event]]:
    index: dict[ObjectRef, list[Event]] = {}
    for event in events:
        ref = event.involved
        key = ObjectRef(ref.kind, ref.name, ref.namespace or event.namespace)
        index.setdefault(key, []).append(event)
    for found in index.values():
        found.sort(key=lambda e: (e.last_seen is None, e.last_seen), reverse=True)
    return index
