"""What a check receives: the snapshot and the views derived from it, computed once per run.

The engine builds one `CheckContext` per snapshot and hands it to every check, so the
networking mode is resolved once, events are indexed once, and so on. A view is computed the
first time a check asks for it.

A fact a check *wants* (uses when present) may not have been collected. `context.events` and
the other accessors return a `Wanted`: iterate it for the items, and ask `collected` (and
`reason`) when "none seen" and "not looked" must read differently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

from kopscheck.knowledge.networking import NetworkingMode, resolve_networking
from kopscheck.knowledge.route_scope import RouteScope, route_scope
from kopscheck.knowledge.selectors import events_by_object
from kopscheck.model.facts import (
    ContainerLog,
    Endpoints,
    Event,
    Fact,
    Node,
    ObjectRef,
    Pod,
    Service,
    Snapshot,
    Workload,
)

T = TypeVar("T")

# Controllers whose pods are one thing to a person: a Deployment's pods through its ReplicaSet.
TOP_CONTROLLERS = ("Deployment", "DaemonSet", "StatefulSet", "ReplicationController", "Job")


@dataclass(frozen=True, slots=True)
class Wanted(Generic[T]):
    """A fact group that may be missing: its items, or why it was not collected.

    Iterating gives the items (none when not collected); `collected` tells the two apart.
    """

    items: tuple[T, ...]
    collected: bool
    reason: str = ""  # why it was not collected; empty when it was

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class CheckContext:
    """One cluster's snapshot and the derived views every check shares.

    `networking_flag` is the user's `--networking`: an input of mode resolution, never a fact.
    """

    snapshot: Snapshot
    networking_flag: str | None = None

    @cached_property
    def networking(self) -> NetworkingMode | None:
        """The networking mode and the source that decided it (flag, kops spec or deployed)."""
        return resolve_networking(self.snapshot, self.networking_flag)

    @cached_property
    def nodes_by_name(self) -> Mapping[str, Node]:
        return {n.name: n for n in self.snapshot.nodes or ()}

    @cached_property
    def events_by_object(self) -> Mapping[ObjectRef, list[Event]]:
        """Events by the object they are about, newest first."""
        return events_by_object(self.snapshot.events or ())

    @cached_property
    def workloads_by_ref(self) -> Mapping[ObjectRef, Workload]:
        return {w.ref: w for w in self.snapshot.workloads or ()}

    @cached_property
    def pods_by_owner(self) -> Mapping[ObjectRef, tuple[Pod, ...]]:
        """Pods by their top controller (a Deployment, not its ReplicaSet)."""
        found: dict[ObjectRef, list[Pod]] = {}
        for pod in self.snapshot.pods or ():
            owner = self.owner_of(pod)
            if owner is not None:
                found.setdefault(owner, []).append(pod)
        return {owner: tuple(pods) for owner, pods in found.items()}

    @cached_property
    def pods_by_ref(self) -> Mapping[ObjectRef, Pod]:
        return {p.ref: p for p in self.snapshot.pods or ()}

    def owner(self, ref: ObjectRef | None) -> ObjectRef | None:
        """What a finding about `ref` belongs to: a pod's top controller, else `ref` itself."""
        if ref is None or ref.kind != "Pod":
            return ref
        pod = self.pods_by_ref.get(ref)
        return (self.owner_of(pod) if pod is not None else None) or ref

    def owner_of(self, pod: Pod) -> ObjectRef | None:
        """The pod's top controller: Deployment over ReplicaSet, else DaemonSet, StatefulSet...

        A ReplicaSet that was not collected still names its Deployment: the controller named it
        `<deployment>-<pod-template-hash>`.
        """
        if pod.owner is None:
            return None
        scope = "" if pod.owner.kind == "Node" else pod.namespace  # a static pod's mirror
        ref = ObjectRef(pod.owner.kind, pod.owner.name, scope)
        if ref.kind != "ReplicaSet":
            return ref
        replicaset = self.workloads_by_ref.get(ref)
        if replicaset is not None and replicaset.owner is not None:
            return ObjectRef(replicaset.owner.kind, replicaset.owner.name, pod.namespace)
        suffix = f"-{pod.labels.get('pod-template-hash', '')}"
        if replicaset is None and len(suffix) > 1 and ref.name.endswith(suffix):
            return ObjectRef("Deployment", ref.name.removesuffix(suffix), pod.namespace)
        return ref

    @cached_property
    def route_scope(self) -> RouteScope:
        """What the route-table checks look at: the cluster's tables, nodes and instances."""
        return route_scope(self.snapshot, self.networking)

    @property
    def nodes(self) -> Wanted[Node]:
        return self._wanted(Fact.NODES, self.snapshot.nodes)

    @property
    def pods(self) -> Wanted[Pod]:
        return self._wanted(Fact.PODS, self.snapshot.pods)

    @property
    def workloads(self) -> Wanted[Workload]:
        return self._wanted(Fact.WORKLOADS, self.snapshot.workloads)

    @property
    def events(self) -> Wanted[Event]:
        return self._wanted(Fact.EVENTS, self.snapshot.events)

    @property
    def services(self) -> Wanted[Service]:
        return self._wanted(Fact.SERVICES, self.snapshot.services)

    @property
    def endpoints(self) -> Wanted[Endpoints]:
        return self._wanted(Fact.ENDPOINTS, self.snapshot.endpoints)

    @property
    def pod_logs(self) -> Wanted[ContainerLog]:
        return self._wanted(Fact.POD_LOGS, self.snapshot.pod_logs)

    def _wanted(self, fact: Fact, items: tuple[T, ...] | None) -> Wanted[T]:
        if items is None:
            return Wanted((), False, self.snapshot.why_missing(fact))
        return Wanted(items, True)
