"""The `pod.lifecycle` probe: a small pod per node, watched step by step, then deleted.

Each pod is pinned with `nodeName` (no scheduler involved: "bound" is the node's kubelet taking
the pod, PodScheduled=True), tolerates that node's taints and mounts no token. One LIST of the
run's pods per poll serves every node; each step has its own deadline, counted from the step
before. A pod that reaches Running is deleted gracefully and must then disappear: the kubelet
tore its sandbox down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kopscheck.collectors.kube.client import ApiFailure, Requester, describe_failure
from kopscheck.collectors.output.redact import redact
from kopscheck.collectors.probes.options import ProbeOptions
from kopscheck.collectors.probes.workspace import PODS, Workspace
from kopscheck.model.facts import Node
from kopscheck.model.probes import STEPS, PodProbe, Step, StepOutcome

LIFECYCLE_LABEL = "kopscheck.io/probe"
CREATE_INTERVAL = 0.05  # seconds between creates: at most 20 pods a second
WAITING_TROUBLE = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "CrashLoopBackOff",
    }
)


def pod_name(node: str) -> str:
    return f"lifecycle-{node}"[:253].rstrip("-.")


def tolerations(node: Node) -> list[dict[str, str]]:
    """Tolerate exactly the node's taints (NotReady nodes included)."""
    return [{"key": t.key, "operator": "Exists", "effect": t.effect} for t in node.taints]


def pod_body(ws: Workspace, node: Node, options: ProbeOptions) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": ws.metadata(pod_name(node.name), {LIFECYCLE_LABEL: "lifecycle"}),
        "spec": {
            "nodeName": node.name,
            "restartPolicy": "Never",
            "activeDeadlineSeconds": max(int(ws.remaining()) + 60, 60),
            "terminationGracePeriodSeconds": 2,
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "tolerations": tolerations(node),
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 65535,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "pause",
                    "image": options.lifecycle_image,
                    "resources": {"requests": {"cpu": "1m", "memory": "8Mi"}},
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]},
                    },
                }
            ],
        },
    }


@dataclass
class Tracker:
    """One node's pod: the step it waits for and what each earlier step took."""

    node: Node
    pod: str
    deadlines: Mapping[Step, float]
    since: float
    done: list[StepOutcome] = field(default_factory=list)
    failed: StepOutcome | None = None
    last: Mapping[str, Any] | None = None  # the pod as last listed

    @property
    def waiting_for(self) -> Step | None:
        if self.failed is not None or len(self.done) == len(STEPS):
            return None
        return STEPS[len(self.done)]

    def complete(self, step: Step, now: float) -> None:
        self.done.append(StepOutcome(step, round(now - self.since, 1), self.deadlines[step]))
        self.since = now

    def fail(self, note: str, now: float) -> None:
        step = self.waiting_for
        if step is not None:
            self.failed = StepOutcome(step, None, self.deadlines[step], note)

    def observe(self, pod: Mapping[str, Any] | None, now: float) -> None:
        """Advance as far as the listed pod shows; fail the step whose deadline passed."""
        if pod is not None:
            self.last = pod
        while (step := self.waiting_for) is not None and step not in (Step.DELETED,):
            if step is Step.GONE:
                if pod is None:
                    self.complete(step, now)
                break
            if pod is None:
                self.fail("the pod disappeared before it got this far", now)
                return
            if _failed(pod):
                self.fail(_why_failed(pod), now)
                return
            if not _reached(step, pod):
                break
            self.complete(step, now)
        step = self.waiting_for
        if (
            step is not None
            and step is not Step.DELETED
            and now - self.since > self.deadlines[step]
        ):
            self.fail(f"did not happen within {self.deadlines[step]:g}s", now)


def _reached(step: Step, pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
    states = [next(iter(c.get("state") or {}), "") for c in status.get("containerStatuses") or ()]
    if step is Step.BOUND:
        return conditions.get("PodScheduled") == "True"
    if step is Step.SANDBOX:
        return (
            conditions.get("PodReadyToStartContainers") == "True"
            or bool(status.get("podIP"))
            or any(s in ("running", "terminated") for s in states)
        )
    if step is Step.IP:
        return bool(status.get("podIP"))
    if step is Step.RUNNING:
        return status.get("phase") == "Running" and "running" in states
    return False


def _failed(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


def _why_failed(pod: Mapping[str, Any]) -> str:
    status = pod.get("status") or {}
    reason = status.get("reason") or "the pod ended"
    message = status.get("message") or ""
    return f"{status.get('phase')}: {reason}" + (f": {message}" if message else "")


def run_lifecycle(
    ws: Workspace,
    requester: Requester,
    nodes: Sequence[Node],
    options: ProbeOptions,
    clock: Callable[[], float] = time.monotonic,
) -> list[Tracker]:
    """Create the pods, follow them until every one passed or failed, delete the ones that ran."""
    trackers: dict[str, Tracker] = {}
    for node in nodes:
        ws.create(PODS, pod_body(ws, node, options))
        trackers[pod_name(node.name)] = Tracker(
            node, pod_name(node.name), options.deadlines, clock()
        )
        time.sleep(CREATE_INTERVAL)
    while any(t.waiting_for is not None for t in trackers.values()):
        if ws.remaining() <= 0:
            for tracker in trackers.values():
                tracker.fail("the probe run's deadline (--probe-timeout) came first", clock())
            break
        listed = _list_pods(requester, ws)
        now = clock()
        for name, tracker in trackers.items():
            tracker.observe(listed.get(name), now)
            if tracker.waiting_for is Step.DELETED:
                _delete(ws, tracker, clock)
        if any(t.waiting_for is not None for t in trackers.values()):
            time.sleep(options.poll)
    return list(trackers.values())


def _delete(ws: Workspace, tracker: Tracker, clock: Callable[[], float]) -> None:
    try:
        ws.delete(PODS, tracker.pod)
    except ApiFailure as failure:
        tracker.fail(f"the API refused the deletion: {describe_failure(failure)}", clock())
        return
    tracker.complete(Step.DELETED, clock())


def _list_pods(requester: Requester, ws: Workspace) -> dict[str, Mapping[str, Any]]:
    path = PODS.path(ws.namespace)
    doc = requester.raw(path, [("labelSelector", ws.selector)]).json("list probe pods")
    items = doc.get("items") or () if isinstance(doc, dict) else ()
    return {str(i["metadata"]["name"]): i for i in items if isinstance(i, dict)}


def namespace_events(requester: Requester, namespace: str) -> dict[str, list[str]]:
    """The run namespace's events, by the name of the object they are about."""
    try:
        doc = requester.raw(f"/api/v1/namespaces/{namespace}/events").json("list events")
    except ApiFailure as failure:
        return {"": [f"events not readable: {describe_failure(failure)}"]}
    found: dict[str, list[str]] = {}
    items = sorted(doc.get("items") or (), key=lambda e: str(e.get("lastTimestamp") or ""))
    for event in items:
        name = str((event.get("involvedObject") or {}).get("name") or "")
        line = (
            f"{event.get('type', 'Normal')} {event.get('reason', '')}: {event.get('message', '')}"
        )
        found.setdefault(name, []).append(redact(" ".join(line.split()))[:500])
    return found


def _condition(raw: Mapping[str, Any]) -> str:
    reason = f" ({raw['reason']})" if raw.get("reason") else ""
    return f"{raw.get('type')}={raw.get('status')}{reason}"


def outcome(tracker: Tracker, namespace: str, events: Mapping[str, list[str]]) -> PodProbe:
    """The facts for one node's pod, its steps filled in up to the one that failed."""
    steps = list(tracker.done)
    if tracker.failed is not None:
        steps.append(tracker.failed)
    for step in STEPS[len(steps) :]:
        steps.append(StepOutcome(step, None, tracker.deadlines[step], "not attempted"))
    pod = tracker.last or {}
    status = pod.get("status") or {}
    reason, message = status.get("reason") or "", status.get("message") or ""
    for container in status.get("containerStatuses") or ():
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in WAITING_TROUBLE:
            reason, message = waiting["reason"], waiting.get("message") or ""
    return PodProbe(
        node=tracker.node.name,
        pod=tracker.pod,
        namespace=namespace,
        steps=tuple(steps),
        pod_ip=str(status.get("podIP") or ""),
        node_pod_cidrs=tracker.node.pod_cidrs,
        phase=str(status.get("phase") or ""),
        reason=str(reason),
        message=redact(str(message))[:500],
        conditions=tuple(_condition(c) for c in status.get("conditions") or ()),
        events=tuple(events.get(tracker.pod, ())),
    )
