"""Why a pod is not running and ready: its state, events, node and logs, as evidence.

Shared by every check that judges a workload's pods (cluster DNS, CNI provider agents).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kopscheck.knowledge.messages import classify
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, ContainerLog, Event, Node, ObjectRef, Pod

NOT_READY_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/network-unavailable")
LOG_ERROR_HINTS = ("error", "fatal", "panic", "failed", "timeout", "refused")


@dataclass(frozen=True, slots=True)
class PodProblem:
    message: str
    evidence: Mapping[str, JSON]
    signals: tuple[str, ...]
    related: tuple[ObjectRef, ...]


def pod_problem(
    pod: Pod,
    events: Sequence[Event] | None,
    nodes: Mapping[str, Node],
    logs: Iterable[ContainerLog] = (),
) -> PodProblem | None:
    """None when the pod is Running and Ready; otherwise what is wrong and what explains it.

    `events` is None when events were not collected: the evidence says so rather than
    showing an empty list that reads as "no events"."""
    waiting = [c for c in pod.containers if c.state == "waiting" and c.reason]
    restarting = [c for c in pod.containers if c.restart_count > 0 and not c.ready]
    if pod.phase == "Running" and pod.ready and not restarting:
        return None
    warnings = [e for e in events or () if e.type == "Warning"]
    evidence: dict[str, JSON] = {
        "phase": pod.phase or "Unknown",
        "node": pod.node_name or None,
        "events": [f"{e.reason}: {e.message}" + _times(e) for e in warnings[:3]]
        if events is not None
        else "not collected",
    }
    related: list[ObjectRef] = []
    if not pod.node_name:
        return _unscheduled(pod, warnings, nodes, evidence)
    node = nodes.get(pod.node_name)
    if node is not None and _not_ready(node):
        related.append(ObjectRef("Node", node.name))
    if waiting:
        state = waiting[0]
        evidence["container"] = state.name
        evidence["reason"] = state.reason
        evidence["restarts"] = state.restart_count
        if state.last_terminated_reason:
            evidence["last_terminated"] = state.last_terminated_reason
        message = f"{state.reason} on {pod.node_name}"
        if state.restart_count:
            message += f" after {state.restart_count} restarts"
    else:
        unready = [c.name for c in pod.containers if not c.ready] or ["pod"]
        message = f"{pod.phase or 'Unknown'} on {pod.node_name}, not ready: {', '.join(unready)}"
    log_lines = _log_errors(pod, logs)
    if log_lines:
        evidence["log"] = log_lines
    texts = [e.message for e in warnings] + log_lines + [c.message for c in pod.containers]
    signals = classify(*texts)
    back_off_only = all(e.reason == "BackOff" for e in warnings)
    if log_lines and back_off_only:  # the container's own last words beat "Back-off restarting"
        message += f"; log: {shorten(log_lines[-1])}"
    elif warnings and not waiting:
        message += f" ({warnings[0].reason}: {shorten(warnings[0].message)})"
    elif warnings:
        message += f"; {warnings[0].reason}: {shorten(warnings[0].message)}"
    return PodProblem(message, evidence, signals, tuple(related))


def recovered(pod: Pod, logs: Iterable[ContainerLog] = ()) -> PodProblem | None:
    """A pod running and ready now that restarted or logged errors before: one note, not an
    alarm (CoreDNS's i/o timeouts to the kubernetes Service while kube-proxy starts)."""
    if pod.phase != "Running" or not pod.ready:
        return None
    restarts = sum(c.restart_count for c in pod.containers)
    errors = _log_errors(pod, logs)
    if not restarts and not errors:
        return None
    parts = [f"restarted {restarts} time(s)"] if restarts else []
    if errors:
        cause = errors[-1].rsplit('": ', 1)[-1]  # Go's `Get "URL": dial tcp ...: i/o timeout`
        parts.append(f"logged errors ({shorten(cause, 120)})")
    evidence: dict[str, JSON] = {"restarts": restarts, "log": errors}
    message = f"recovered: {' and '.join(parts)}; running and ready now"
    return PodProblem(message, evidence, (), ())


def _unscheduled(
    pod: Pod, warnings: list[Event], nodes: Mapping[str, Node], evidence: dict[str, JSON]
) -> PodProblem:
    cond = pod.condition("PodScheduled")
    detail = next((e.message for e in warnings if e.reason == "FailedScheduling"), "")
    detail = detail or (cond.message if cond else "") or "not scheduled yet"
    signals = classify(detail)
    related: tuple[ObjectRef, ...] = ()
    if Signal.NOT_READY_TAINT in signals or not any(n for n in nodes.values() if not _not_ready(n)):
        tainted = sorted(n.name for n in nodes.values() if _not_ready(n))
        related = tuple(ObjectRef("Node", name) for name in tainted)
        evidence["not_ready_nodes"] = list(tainted)
        if tainted and Signal.NOT_READY_TAINT not in signals:
            signals = (*signals, Signal.NOT_READY_TAINT)
    evidence["scheduling"] = detail
    return PodProblem(f"Pending, unschedulable: {shorten(detail)}", evidence, signals, related)


def _not_ready(node: Node) -> bool:
    ready = node.condition("Ready")
    return (ready is None or ready.status != "True") or any(
        t.key in NOT_READY_TAINTS for t in node.taints
    )


def _log_errors(pod: Pod, logs: Iterable[ContainerLog], limit: int = 3) -> list[str]:
    lines: list[str] = []
    for log in logs:
        if log.namespace != pod.namespace or log.pod != pod.name:
            continue
        for line in log.text.splitlines():
            if any(hint in line.lower() for hint in LOG_ERROR_HINTS):
                lines.append(line.strip())
    return lines[-limit:]


def _times(event: Event) -> str:
    return f" (x{event.count})" if event.count > 1 else ""


def shorten(text: str, limit: int = 160) -> str:
    """At most `limit` characters, cut between words so no name is cut in half."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 4)
    return (text[:cut] if cut > 0 else text[: limit - 4]) + " ..."
