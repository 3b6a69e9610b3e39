"""Probe outcomes: what kopscheck saw when it ran pods on the cluster (`--probe`).

Plain facts recorded by the probe collectors (kopscheck.collectors.probes); the checks
`pod.lifecycle` and `dns.resolution` judge them. A step that never came within its deadline is
recorded as such, with the deadline, so a check can say which step failed and after how long.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    """The steps of a probe pod's life, in order (CONTRACT §5 `pod.lifecycle`)."""

    BOUND = "bound"  # the node's kubelet took the pod (PodScheduled=True; pinned by nodeName)
    SANDBOX = "sandbox"  # the runtime created the pod sandbox (PodReadyToStartContainers=True)
    IP = "ip"  # the network plugin gave the pod an IP
    RUNNING = "running"  # the container runs
    DELETED = "deleted"  # the API accepted the deletion
    GONE = "gone"  # the kubelet tore the sandbox down and the pod object is gone


STEPS = tuple(Step)


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """One step: how long it took, or that it never came within `deadline` seconds."""

    step: Step
    seconds: float | None  # None: did not happen
    deadline: float
    note: str = ""  # why it failed or was not attempted

    @property
    def done(self) -> bool:
        return self.seconds is not None


@dataclass(frozen=True, slots=True)
class LogMention:
    """A node-side log line that names a probe pod (its create or delete)."""

    source: str  # "kubelet log", "calico-node-abcde log"
    line: str


@dataclass(frozen=True, slots=True)
class PodProbe:
    """One probe pod on one node, step by step."""

    node: str
    pod: str
    namespace: str
    steps: tuple[StepOutcome, ...]
    pod_ip: str = ""
    node_pod_cidrs: tuple[str, ...] = ()
    phase: str = ""
    reason: str = ""  # the pod's or its container's reason (OutOfpods, ErrImagePull, ...)
    message: str = ""
    conditions: tuple[str, ...] = ()  # "PodScheduled=True", "Ready=False (ContainersNotReady)"
    events: tuple[str, ...] = ()  # "Warning FailedCreatePodSandBox: ..."
    log_mentions: tuple[LogMention, ...] = ()
    logs_unavailable: tuple[str, ...] = ()  # "kubelet log: ..." when a node log could not be read
    # "node log: read journal", "node log: /var/log/syslog: journal read first": the source read
    log_sources: tuple[str, ...] = ()
    # the node log was read as its last N matching lines (--log-lines cut it): N; None: not cut
    log_cut_at: int | None = None

    @property
    def failed_step(self) -> StepOutcome | None:
        return next((s for s in self.steps if not s.done), None)


@dataclass(frozen=True, slots=True)
class LifecycleProbe:
    """The `pod.lifecycle` probe run: a pod per selected node."""

    run_id: str
    namespace: str
    image: str
    pods: tuple[PodProbe, ...]
    nodes_total: int
    selection: str  # "10 of 40 nodes (NotReady first)", "all 3 nodes"
    note: str = ""  # what cut the run short (deadline, interruption)


class Lookup(StrEnum):
    """How one DNS query ended."""

    RESOLVED = "resolved"
    NXDOMAIN = "nxdomain"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class DnsQuery:
    """One name asked of one DNS server from the probe pod."""

    server: str  # an IP
    via: str  # "service" (the DNS Service's cluster IP) or "endpoint"
    target: str  # "Service/kube-system/kube-dns" or "Pod/kube-system/coredns-..."
    name: str  # fully qualified, with the trailing dot
    external: bool
    outcome: Lookup
    addresses: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DnsProbe:
    """The `dns.resolution` probe: one pod asking every DNS server for two names.

    `observed` is False when the pod's result could not be read (it never finished, or its
    node does not run containers): the check must not pass then.
    """

    run_id: str
    namespace: str
    pod: str
    node: str
    image: str
    cluster_domain: str
    queries: tuple[DnsQuery, ...]
    observed: bool
    reason: str = ""  # why nothing was observed
