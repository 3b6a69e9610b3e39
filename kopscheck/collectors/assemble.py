"""Accumulate parsed Kubernetes objects from any source into snapshot fields.

A kind never added stays missing (None); a kind added with no items is present and empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kopscheck.collectors import kube_objects as ko
from kopscheck.model.facts import (
    ContainerLog,
    Endpoints,
    Event,
    Fact,
    Node,
    Pod,
    Service,
    Workload,
)

KIND_FACT = {
    "Node": Fact.NODES,
    "Pod": Fact.PODS,
    "Event": Fact.EVENTS,
    "Service": Fact.SERVICES,
    "Endpoints": Fact.ENDPOINTS,
    **{kind: Fact.WORKLOADS for kind in ko.WORKLOAD_KINDS},
}


@dataclass
class KubeObjects:
    nodes: list[Node] | None = None
    pods: list[Pod] | None = None
    workloads: list[Workload] | None = None
    events: list[Event] | None = None
    services: list[Service] | None = None
    endpoints: list[Endpoints] | None = None
    pod_logs: list[ContainerLog] | None = None
    seen_times: list[datetime] = field(default_factory=list)

    def add(self, kind: str, items: Iterable[ko.Raw]) -> None:
        """Add a list of objects of one kind (an empty list marks the kind as observed)."""
        fact = KIND_FACT.get(kind)
        if fact is None:
            return
        target = self._bucket(fact)
        for raw in items:
            obj = self._parse(kind, raw)
            target.append(obj)
            stamp = getattr(obj, "last_seen", None)
            if stamp is not None:
                self.seen_times.append(stamp)

    def add_mixed(self, items: Iterable[ko.Raw]) -> None:
        """Add the items of a `kind: List`, each carrying its own kind."""
        for raw in items:
            self.add(str(raw.get("kind", "")), [raw])

    def add_log(self, log: ContainerLog) -> None:
        if self.pod_logs is None:
            self.pod_logs = []
        self.pod_logs.append(log)

    def mark_observed(self, fact: Fact) -> None:
        self._bucket(fact)

    def _bucket(self, fact: Fact) -> list[Any]:
        name = fact.value.replace("-", "_")
        if getattr(self, name) is None:
            setattr(self, name, [])
        bucket: list[Any] = getattr(self, name)
        return bucket

    @staticmethod
    def _parse(kind: str, raw: ko.Raw) -> object:
        if kind == "Node":
            return ko.parse_node(raw)
        if kind == "Pod":
            return ko.parse_pod(raw)
        if kind == "Event":
            return ko.parse_event(raw)
        if kind == "Service":
            return ko.parse_service(raw)
        if kind == "Endpoints":
            return ko.parse_endpoints(raw)
        return ko.parse_workload(raw, kind)

    def fields(self) -> dict[str, Any]:
        """Keyword arguments for `Snapshot`: tuples for observed kinds, None for the rest."""
        names = ("nodes", "pods", "workloads", "events", "services", "endpoints", "pod_logs")
        return {n: None if getattr(self, n) is None else tuple(getattr(self, n)) for n in names}

    def latest_time(self) -> datetime | None:
        stamps = list(self.seen_times)
        for node in self.nodes or ():
            stamps += [c.last_transition for c in node.conditions if c.last_transition]
        for pod in self.pods or ():
            stamps += [c.last_transition for c in pod.conditions if c.last_transition]
        return max(stamps, default=None)
