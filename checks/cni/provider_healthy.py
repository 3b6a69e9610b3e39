from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_provider import (
    ProviderWorkload,
    daemonset_targets,
    logs_by_pod,
    network_condition,
    provider_workloads,
    working_pod_network,
    workload_pods,
)
from kopscheck.knowledge.log_lines import error_lines
from kopscheck.knowledge.messages import classify, first_match
from kopscheck.knowledge.pod_health import pod_problem
from kopscheck.knowledge.provider_logs import Judged, Meaning, harmless, judged_lines
from kopscheck.knowledge.rollout import rollout_codes, rollout_findings
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import (
    JSON,
    ContainerLog,
    Event,
    Fact,
    Node,
    ObjectRef,
    Pod,
    Snapshot,
    Workload,
)
from kopscheck.model.results import Code, Finding, Status, Verdict

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


ROLLOUT_FIXES = {
    "nothing-wanted": (
        "Make the provider's workload want pods again: its nodeSelector and tolerations must"
        " match the nodes (kubectl -n NS describe ds NAME), or scale it back up."
    ),
    "pods-not-ready": (
        "Fix the provider pods the findings name (their events and logs say why): the nodes"
        " they serve have no pod network until they are ready."
    ),
    "rollout-not-observed": (
        "Check kube-controller-manager runs and read its log: it has not observed the"
        " provider's latest spec."
    ),
    "rollout-in-progress": (
        "Let the provider's rollout finish (kubectl -n NS rollout status ds/NAME); a stuck one"
        " is named by its new pods' events."
    ),
    "misscheduled": (
        "Delete the provider pods on nodes the DaemonSet no longer selects, and check its"
        " nodeSelector after the last change."
    ),
}


class ProviderHealthy(Check):
    """The CNI provider's pods are rolled out, ready on every node, not restarting, and error-free.

    Fails when: a workload is not rolled out; a node the agent must cover has none; a provider
    pod (agent, operator or controller) is not running and ready (its log's explaining line
    quoted: an RBAC `forbidden`, a lost lease); a pod restarted at least 5 times and its
    current log shows errors (restarting now); or a log holds a line the catalogue knows as
    fatal, whatever its level.
    Warns when: a ready pod restarted at least 5 times but logs no error now; it failed
    probes in the last hour; its log has error lines the catalogue does not know as harmless;
    or the EC2 API rate-limits it (RequestLimitExceeded).

    Why: the provider's node agent (calico-node, cilium, aws-node, kube-flannel-ds, kube-router,
    kopeio-networking-agent, kindnet) writes the node's CNI config and programs its pod routes. A
    node without a ready agent gets no pod network: new pods fail in FailedCreatePodSandBox
    ("check that the calico/node container is running", "unable to connect to Cilium agent"),
    and a node that never had one stays NotReady. Readiness-probe failures (calico's "BIRD is
    not ready: BGP not established", "Felix is not live") and error lines in the agent's log
    show a provider that runs but does not work.

    Log lines are judged by what they mean, not by their level (knowledge.provider_logs):
    weave's "IP allocation was seeded by different peers" at INFO is a split network, and a
    lease conflict a healthy operator logs at ERROR is noise.

    Fix: get the provider's pods listed running and ready on every node. For each,
    `kubectl -n NAMESPACE describe pod NAME` and `kubectl logs NAME -c CONTAINER --previous`.
    Missing on a node: compare the DaemonSet's nodeSelector and tolerations with the node's
    labels and taints. BGP not established: security groups must allow TCP 179 (and IP-in-IP /
    VXLAN) between nodes. IP exhaustion in aws-node: add subnet space or enable prefix
    delegation.

    Step: "The CNI provider started without errors" (Troubleshooting, Validating CNI Installation).
    """

    id = "cni.provider-healthy"
    family = "cni"
    needs = frozenset({Fact.WORKLOADS, Fact.PODS})
    wants = frozenset({Fact.NODES, Fact.EVENTS, Fact.POD_LOGS, Fact.KOPS_CLUSTER})
    explains = frozenset(
        {
            Signal.CNI_NOT_INITIALIZED,
            Signal.CNI_AGENT_NOT_RUNNING,
            Signal.CNI_AGENT_NOT_READY,
            Signal.CNI_BINARY_MISSING,
        }
    )
    codes = {
        **rollout_codes(ROLLOUT_FIXES),
        "healthy": Code("the provider's workload is rolled out and its pods healthy"),
        "no-provider-pods-needed": Code("the mode deploys no provider pods"),
        "pod-network-without-provider": Code(
            "mode unknown, no provider pods, and every node's pod network works without any",
        ),
        "node-not-covered": Code(
            "a node the agent must run on has no agent pod",
            fix=(
                "Make the provider's DaemonSet cover the node: its tolerations and "
                "nodeSelector must admit the node's taints and labels (new instance groups "
                "often add taints); kubectl describe ds names a FailedCreate reason."
            ),
        ),
        "agent-not-ready": Code(
            "a provider pod is not running and ready",
            fix=(
                "Read the agent pod's events and log (kubectl -n NS logs POD --previous): its "
                "readiness probe says what it waits for (BGP peers, the API server, IPAM)."
            ),
        ),
        "restarting": Code(
            "a provider container restarted often",
            fix=(
                "Read the previous container's log (kubectl -n NS logs POD --previous) and its "
                "last termination reason; OOMKilled means raising its memory limit."
            ),
        ),
        "probe-failures": Code(
            "a ready provider pod failed probes in the last hour",
            fix=(
                "Read the failing probe's message in the pod's events and the agent's log at "
                "that time: a ready agent that fails probes loses routes or policy now and "
                "then."
            ),
        ),
        "log-errors": Code(
            "error lines in a provider pod's log",
            fix=(
                "Read the error lines quoted: they say what the provider cannot do (reach the "
                "API server, program routes, allocate IPs); fix that, then restart the agent "
                "on the node."
            ),
        ),
        "restarting-with-errors": Code(
            "a provider container restarts and its current log shows errors",
            fix=(
                "Fix what the current log's error lines say (quoted in the finding), then watch"
                " the restarts stop: kubectl -n NS logs POD, and --previous for the last crash."
            ),
        ),
        "log-fatal": Code(
            "a provider log line the catalogue knows as fatal, whatever its level",
            "Act on the line quoted: its meaning and source are in the finding's evidence.",
        ),
        "ec2-rate-limited": Code(
            "the EC2 API rate-limits the provider (RequestLimitExceeded)",
            "Lower the provider's EC2 call rate (amazonvpc: WARM_ENI_TARGET instead of"
            " WARM_IP_TARGET, fewer simultaneous aws-node restarts) and look for other tools"
            " calling EC2 in the same account and region.",
        ),
    }

    def does_not_apply(self, context: CheckContext) -> str | None:
        """No provider pods and a mode that needs them: whether one is missing is
        cni.provider-deployed's answer, on the same evidence; nothing is here to judge."""
        snapshot = context.snapshot
        mode = context.networking
        if snapshot.workloads is None or provider_workloads(snapshot, mode):
            return None
        if mode is not None and mode.spec is not None and not mode.spec.deploys_provider:
            return None
        unknown = mode is None or mode.spec is None
        if unknown and working_pod_network(snapshot.nodes or (), snapshot.pods or ()):
            return None
        return "no CNI provider pods to judge (whether one is needed: cni.provider-deployed)"

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        mode = context.networking
        workloads = provider_workloads(snapshot, mode)
        if not workloads:
            if mode is not None and mode.spec is not None and not mode.spec.deploys_provider:
                message = f"{mode.name} deploys no provider pods: nothing here can be unhealthy"
                return Verdict(
                    message, (Finding(Status.PASS, message, code="no-provider-pods-needed"),)
                )
            works = working_pod_network(snapshot.nodes or (), snapshot.pods or ())
            message = f"no CNI provider pods, and none needed: {works}"
            finding = Finding(Status.PASS, message, code="pod-network-without-provider")
            return Verdict(message, (finding,))  # does_not_apply covers the other cases
        findings: list[Finding] = []
        for item in workloads:
            findings += _workload_findings(context, item)
        problems = [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
        rollout = ", ".join(
            f"{w.workload.kind} {w.workload.namespace}/{w.workload.name}"
            f" {w.workload.ready}/{w.workload.desired} ready"
            for w in workloads
        )
        if not problems:
            return Verdict(
                f"{workloads[0].provider}: {rollout}; {_clean(snapshot, workloads)}",
                tuple(findings),
            )
        specific = (p for p in problems if p.object and p.object.kind in ("Pod", "Node"))
        first = next(specific, problems[0])
        where = f"{first.object.name}: " if first.object else ""
        example = f"{len(problems)} problem(s), e.g. {where}{first.message}"
        return Verdict(f"{workloads[0].provider}: {rollout}; {example}", tuple(findings))


def _clean(snapshot: Snapshot, workloads: Sequence[ProviderWorkload]) -> str:
    pods = [p for w in workloads for p in workload_pods(w.workload, snapshot.pods or ())]
    names = {p.name for p in pods}
    logs = [log for log in snapshot.pod_logs or () if log.pod in names and log.text]
    read = f"no errors in {len(logs)} log(s)" if logs else "their logs were not collected"
    return f"{len(pods)} pods ready, no restarts or probe failures, {read}"


def _workload_findings(context: CheckContext, item: ProviderWorkload) -> list[Finding]:
    snapshot = context.snapshot
    w = item.workload
    pods = workload_pods(w, snapshot.pods or ())
    nothing = "no node matches its nodeSelector" if w.kind == "DaemonSet" else "scaled to zero"
    findings = rollout_findings(w, f"0 pods wanted: {nothing}")
    if w.kind == "DaemonSet" and snapshot.nodes is not None:
        findings += _coverage(w, pods, snapshot.nodes)
    events = context.events_by_object
    nodes = context.nodes_by_name
    logs = logs_by_pod(snapshot.pod_logs or ())
    for pod in pods:
        own = events.get(pod.ref, [])
        findings += _pod_findings(
            snapshot, w, pod, own, nodes, logs.get((pod.namespace, pod.name), [])
        )
    if not any(f.status is not Status.PASS for f in findings):
        findings.append(Finding(Status.PASS, f"{w.ready}/{w.desired} ready", w.ref, code="healthy"))
    return findings


def _coverage(w: Workload, pods: list[Pod], nodes: Sequence[Node]) -> list[Finding]:
    """Nodes the agent must run on (selector and taints allow it) that have no agent pod."""
    covered = {p.node_name for p in pods if p.node_name}
    findings = []
    for node in daemonset_targets(w, nodes):
        if node.name in covered:
            continue
        message = f"no {w.name} pod on this node: it has no pod network from {w.namespace}/{w.name}"
        evidence: dict[str, JSON] = {
            "daemonset": str(w.ref),
            "node_selector": dict(w.node_selector),
            "node_taints": [f"{t.key}:{t.effect}" for t in node.taints],
        }
        findings.append(
            Finding(
                Status.FAIL,
                message,
                ObjectRef("Node", node.name),
                evidence,
                signals=(Signal.CNI_AGENT_NOT_RUNNING,),
                code="node-not-covered",
            )
        )
    return findings


def _pod_findings(
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
    return f"{pod.phase or 'Unknown'} on {pod.node_name}, not ready: {_short(why)}", out


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
    return f"{head}; {last.known.explanation}: {_short(last.line)}", evidence


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
        message = f"{len(errors)} error line(s) in its log, last: {_short(errors[-1])}"
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
    message += f" and logs errors now, last: {_short(errors[-1])}"
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
    message = f"probe failed {count} time(s) in the last hour: {_short(e.message)}"
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
        message = f"{last.known.explanation}; log: {_short(last.line)}"
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


def _short(text: str, limit: int = 180) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
