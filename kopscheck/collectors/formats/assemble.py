"""Accumulate parsed Kubernetes objects from any source into snapshot fields.

A kind never added stays missing (None); a kind added with no items is present and empty.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from kopscheck.collectors.formats import kube_objects as ko
from kopscheck.knowledge.clock import SKEW_TOLERANCE, span
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


@contextmanager
def bulk_read(freeze: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector while a source is decoded, then freeze what was read.

    Decoding allocates millions of objects that hold no reference cycles (refcounting frees
    them) and live for the whole run; every collection during the read would walk all of them
    again for nothing. Frozen afterwards, later collections (checks, reporters) skip them too.
    The live path does not freeze: `--wait` scans again and again, and the HTTP client's
    garbage would be kept with each scan.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


# Data stamped this little after capture is collection latency, not a clock running ahead.


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

    def add(self, kind: str, items: Iterable[Any]) -> None:
        """Add decoded objects of one kind (`kube_wire` structs of that kind; an empty list marks
        the kind as observed)."""
        fact = KIND_FACT.get(kind)
        if fact is None:
            return
        parse = _parser(kind)
        parsed = [parse(raw) for raw in items]
        self._bucket(fact).extend(parsed)
        if fact is Fact.EVENTS:
            self.seen_times.extend(e.last_seen for e in parsed if e.last_seen is not None)

    def add_groups(self, groups: Iterable[tuple[str, list[Any]]]) -> None:
        """Add what `kube_decode.decode_list` returned: (kind, items) groups."""
        for kind, items in groups:
            self.add(kind, items)

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

    def fields(self) -> dict[str, Any]:
        """Keyword arguments for `Snapshot`: tuples for observed kinds, None for the rest."""
        names = ("nodes", "pods", "workloads", "events", "services", "endpoints", "pod_logs")
        return {n: None if getattr(self, n) is None else tuple(getattr(self, n)) for n in names}

    def data_times(self) -> list[datetime]:
        """Every timestamp the data carries: event last-seen times, node and pod conditions."""
        return [*self.seen_times, *data_times(self.nodes, self.pods, ())]

    def capture_time(
        self, manifest: datetime | None, file_time: datetime
    ) -> tuple[datetime, tuple[str, ...]]:
        """ "Now" for judging ages, and a clock-skew note when data is dated after it.

        The manifest (`observed-at.txt`) is the capture time. Without one, the files were
        written at or after capture, so their time bounds it from above and the newest data
        timestamp not after that bound estimates it; a timestamp past the bound comes from a
        clock running ahead and is never "now" (one such event would age out every failure).
        """
        stamps = self.data_times()
        now = manifest or max((t for t in stamps if t <= file_time), default=file_time)
        return now, ahead_of_capture(stamps, now)


def data_times(
    nodes: Iterable[Node] | None, pods: Iterable[Pod] | None, events: Iterable[Event] | None
) -> list[datetime]:
    """Event last-seen times and node and pod condition transitions."""
    stamps = [e.last_seen for e in events or () if e.last_seen is not None]
    for node in nodes or ():
        stamps += [c.last_transition for c in node.conditions if c.last_transition]
    for pod in pods or ():
        stamps += [c.last_transition for c in pod.conditions if c.last_transition]
    return stamps


def ahead_of_capture(stamps: Iterable[datetime], now: datetime) -> tuple[str, ...]:
    """The clock-skew note for data dated after the capture time (beyond collection latency)."""
    ahead = [t for t in stamps if t > now + SKEW_TOLERANCE]
    if not ahead:
        return ()
    return (
        f"clock skew: {len(ahead)} timestamp(s) in the data are dated after the capture time"
        f" {now:%Y-%m-%dT%H:%M:%SZ} (the latest {max(ahead):%Y-%m-%dT%H:%M:%SZ}): a node or"
        " component clock runs ahead; ages are judged from the capture time",
    )


def live_capture_time(
    local: datetime, server_offset: timedelta | None
) -> tuple[datetime, tuple[str, ...]]:
    """ "Now" of a live scan: the local clock, or the API server's (its `Date` header) when
    the two disagree and the server's is the earlier.

    The bundle path's rule: of two clocks, the earlier is the safe one, as no failure can age
    out by it (a failure dated after "now" counts as recent). `server_offset` is the server's
    `Date` minus the local clock at the moment that answer arrived.
    """
    if server_offset is None or abs(server_offset) <= SKEW_TOLERANCE:
        return local, ()
    server = local + server_offset
    now = min(local, server)
    which = "local clock" if now == local else "API server's clock"
    note = (
        f"clock skew: the API server's clock (its Date header, {server:%Y-%m-%dT%H:%M:%SZ}) and"
        f" the local clock ({local:%Y-%m-%dT%H:%M:%SZ}) differ by {span(server_offset)};"
        f" ages are judged from the earlier, the {which}"
    )
    return now, (note,)


def _parser(kind: str) -> Callable[[Any], Any]:
    parsers: dict[str, Callable[[Any], Any]] = {
        "Node": ko.parse_node,
        "Pod": ko.parse_pod,
        "Event": ko.parse_event,
        "Service": ko.parse_service,
        "Endpoints": ko.parse_endpoints,
    }
    return parsers.get(kind) or partial(ko.parse_workload, kind=kind)
