"""How one CNI provider pod is judged: ready or why not, restarts, probes, its log's lines.

The pod-level half of cni.provider-healthy (checks/cni/provider_healthy.py), which judges the
provider's workloads and calls `pod_findings` for each of their pods.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

from kopscheck.knowledge.cni_provider import network_condition
from kopscheck.knowledge.log_lines import error_lines
from kopscheck.knowledge.messages import classify, first_match
from kopscheck.knowledge.pod_health import pod_problem, shorten
from kopscheck.knowledge.provider_logs import Judged, Meaning, harmless, judged_lines
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import (
    JSON,
    ContainerLog,
    Event,
    Node,
    ObjectRef,
    Pod,
    Snapshot,
    Workload,
)
from kopscheck.model.results import Finding, Status

RECENT = timedelta(hours=1)
BGP_PEERS = re.compile(r"BGP not established with ([0-9a-fA-F.:,]+)")
RESTARTS_WARN = 5
PROBE_REASONS = ("Unhealthy",)
# What a provider pod's log can say about why it is down or degraded.
EXPLAINING = (Meaning.FATAL, Meaning.THROTTLED, Meaning.CONTROL_PLANE)
# What an agent's trouble causes elsewhere; kept off its own findings so diagnosis never
# links the agent back to the nodes it is responsible for.
DOWNSTREAM = frozenset(
    {
        Signal.CNI_NOT_INITIALIZED,
        Signal.NODE_NOT_READY,
        Signal.NOT_READY_TAINT,
        Signal.SANDBOX_NETWORK_FAILED,
    }
)


def pod_findings(
    snapshot: Snapshot,
    w: Workload,
    pod: Pod,
    events: list[Event],
    nodes: Mapping[str, Node],
    logs: list[ContainerLog],
) -> list[Finding]:
    problem = pod_problem(pod, None if snapshot.events is None else events, nodes, logs)
    if problem is not None:
        agent = (
            Signal.CNI_AGENT_NOT_RUNNING if pod.phase != "Running" else Signal.CNI_AGENT_NOT_READY,
        )
        signals = _own_signals((*agent, *problem.signals)) if w.kind == "DaemonSet" else ()
        related = _down_for_other_reasons(nodes.get(pod.node_name))
        message, evidence = _agent_reason(pod, events, problem.message, problem.evidence)
        message, evidence = _explaining_line(message, evidence, logs)
        return [
            Finding(
                Status.FAIL, message, pod.ref, evidence, related, signals, code="agent-not-ready"
            )
        ]
    judged = [j for log in logs for j in judged_lines(log.text, EXPLAINING)]
    errors = _current_errors(logs, {j.line for j in judged})
    return _restarts(pod, errors) + _probes(snapshot, pod, events) + _judged(pod, judged)


def _agent_reason(
    pod: Pod, events: list[Event], message: str, evidence: Mapping[str, JSON]
) -> tuple[str, dict[str, JSON]]:
    """Lead with the provider's own words when a probe says why it is not ready."""
    texts = "\n".join(e.message for e in events if e.reason in PROBE_REASONS)
    why = first_match(texts, Signal.CNI_AGENT_NOT_READY)
    out = dict(evidence)
    if why is None:
        return message, out
    peers = BGP_PEERS.search(texts)
    if peers:
        out["bgp_not_established_with"] = peers.group(1).split(",")
    return f"{pod.phase or 'Unknown'} on {pod.node_name}, not ready: {shorten(why, 180)}", out


def _explaining_line(
    message: str, evidence: dict[str, JSON], logs: list[ContainerLog]
) -> tuple[str, dict[str, JSON]]:
    """A pod that is down says why in its own log: quote the last line the catalogue knows
    (an RBAC `forbidden`, a lost lease, a fatal configuration), not just the last error."""
    judged = [j for log in logs for j in judged_lines(log.text, EXPLAINING)]
    if not judged:
        return message, evidence
    last = judged[-1]
    evidence = {
        **evidence,
        "explaining_line": last.line,
        "meaning": last.known.explanation,
        "known_from": last.known.source,
    }
    head = message.split("; log: ", 1)[0]
    return f"{head}; {last.known.explanation}: {shorten(last.line, 180)}", evidence


def _current_errors(logs: list[ContainerLog], judged: set[str], limit: int = 5) -> list[str]:
    """Severe lines of the current logs, less those the catalogue knows as harmless and
    those it judges on their own (fatal, throttled)."""
    lines = [line for log in logs for line in error_lines(log.text, limit=200)]
    return [line for line in lines if line not in judged and not harmless(line)][-limit:]


def _restarts(pod: Pod, errors: list[str]) -> list[Finding]:
    """Restarts with errors in the current log are a pod restarting now: FAIL. Restarts
    alone (history) and errors alone (on a pod that keeps running) warn."""
    restarted = [c for c in pod.containers if c.restart_count >= RESTARTS_WARN]
    evidence: dict[str, JSON] = {"node": pod.node_name}
    if errors:
        evidence["log"] = list(errors)
    if not restarted:
        if not errors:
            return []
        message = f"{len(errors)} error line(s) in its log, last: {shorten(errors[-1], 180)}"
        signals = _own_signals(classify(*errors))
        return [
            Finding(Status.WARN, message, pod.ref, evidence, signals=signals, code="log-errors")
        ]
    c = restarted[0]
    last = f" (last: {c.last_terminated_reason})" if c.last_terminated_reason else ""
    evidence |= {
        "container": c.name,
        "restarts": c.restart_count,
        "last_terminated": c.last_terminated_reason or None,
    }
    message = f"{c.name} restarted {c.restart_count} times{last}"
    if not errors:
        return [Finding(Status.WARN, message, pod.ref, evidence, code="restarting")]
    message += f" and logs errors now, last: {shorten(errors[-1], 180)}"
    signals = _own_signals(classify(*errors))
    return [
        Finding(
            Status.FAIL, message, pod.ref, evidence, signals=signals, code="restarting-with-errors"
        )
    ]


def _probes(snapshot: Snapshot, pod: Pod, events: list[Event]) -> list[Finding]:
    """Probe failures in the last hour on a pod that is ready now: a flapping agent."""
    probes = [e for e in events if e.reason in PROBE_REASONS and _recent(snapshot, e)]
    if not probes:
        return []
    e = probes[0]
    count = sum(p.count for p in probes)
    message = f"probe failed {count} time(s) in the last hour: {shorten(e.message, 180)}"
    evidence: dict[str, JSON] = {"event": f"{e.reason}: {e.message}", "node": pod.node_name}
    signals = _own_signals(classify(e.message))
    return [
        Finding(Status.WARN, message, pod.ref, evidence, signals=signals, code="probe-failures")
    ]


def _judged(pod: Pod, judged: list[Judged]) -> list[Finding]:
    """Lines whose meaning the catalogue knows: fatal ones fail at any log level, EC2 rate
    limiting warns; control-plane lines on a running pod are ordinary errors (above)."""
    findings = []
    for meaning, status, code in (
        (Meaning.FATAL, Status.FAIL, "log-fatal"),
        (Meaning.THROTTLED, Status.WARN, "ec2-rate-limited"),
    ):
        lines = [j for j in judged if j.known.meaning is meaning]
        if not lines:
            continue
        last = lines[-1]
        evidence: dict[str, JSON] = {
            "log": [j.line for j in lines][-5:],
            "lines": len(lines),
            "meaning": last.known.explanation,
            "known_from": last.known.source,
            "node": pod.node_name,
        }
        message = f"{last.known.explanation}; log: {shorten(last.line, 180)}"
        signals = _own_signals(classify(*(j.line for j in lines)))
        findings.append(Finding(status, message, pod.ref, evidence, signals=signals, code=code))
    return findings


def _down_for_other_reasons(node: Node | None) -> tuple[ObjectRef, ...]:
    """The agent's node when it is NotReady for a reason the CNI does not explain (its kubelet
    stopped, say): then the node explains the agent. A node waiting for its CNI config is
    explained by the agent instead, so it is never named here (no cycle)."""
    if node is None or network_condition(node) is not None:
        return ()
    ready = node.condition("Ready")
    return (ObjectRef("Node", node.name),) if ready is None or ready.status != "True" else ()


def _own_signals(signals: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in signals if s not in DOWNSTREAM))


def _recent(snapshot: Snapshot, event: Event) -> bool:
    return event.last_seen is None or snapshot.observed_at - event.last_seen <= RECENT
