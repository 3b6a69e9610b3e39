from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_provider import ProviderWorkload, provider_workloads, workload_pods
from kopscheck.knowledge.log_lines import SANDBOX_SIGNALS
from kopscheck.knowledge.messages import classify
from kopscheck.knowledge.provider_logs import named_endpoint
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Event, Fact, ObjectRef, Pod, Snapshot
from kopscheck.model.results import Code, Finding, Status, Verdict

RECENT = timedelta(hours=1)  # the API server's default event TTL
SANDBOX_REASONS = ("FailedCreatePodSandBox", "FailedKillPod", "NetworkNotReady")
NETWORK_SIGNALS = SANDBOX_SIGNALS | {Signal.CNI_NOT_INITIALIZED}
AGENT_DOWN = "CNI provider agent not running on the node"
# Most specific first: the first signal a message carries names its cause.
CAUSES = (
    (Signal.IP_EXHAUSTED, "no IP addresses left"),
    (Signal.CNI_BINARY_MISSING, "CNI plugin binary missing"),
    (Signal.CNI_AGENT_NOT_RUNNING, AGENT_DOWN),
    (Signal.CNI_NOT_INITIALIZED, "no CNI config on the node"),
    (Signal.NO_POD_CIDR, "node has no pod CIDR"),
)
TEARDOWN_HINTS = ("destroy", "teardown", "tear down", "StopPodSandbox", "KillPodSandbox", "(del")


@dataclass(frozen=True, slots=True)
class Cause:
    label: str
    direction: str  # "set-up" or "tear-down"
    network: bool
    code: str  # the finding code: the cause, whichever the direction


class SandboxErrors(Check):
    """No recent event reports a pod network set-up or tear-down failure.

    Fails when: a network set-up failure in the last hour left a pod that is still not
    running, or a tear-down failure left a pod not terminated.
    Warns when: pods were not collected (recovery unknown), affected pods no longer exist, or
    a sandbox failure that is not network-related left a pod not running.

    Why: when the runtime cannot give a pod its network, the kubelet records
    FailedCreatePodSandBox (set-up) or FailedKillPod (tear-down) on the pod and retries; the
    pod sits in ContainerCreating or Terminating. The message says why: no IP addresses left
    (aws-cni "failed to assign an IP address", host-local "no IP addresses available"), a CNI
    binary missing from /opt/cni/bin ("failed to find plugin"), or the provider's agent not
    running on that node ("check that the calico/node container is running", "unable to
    connect to Cilium agent", "/run/flannel/subnet.env: no such file").

    When the error names the node's own provider agent (ipamd's 127.0.0.1:50051, weave's
    127.0.0.1:6784, cilium.sock, /var/lib/calico/), the finding names that agent pod as
    related: if cni.provider-healthy finds that pod down, the failure is caused by it.

    Fix: remove the cause shown for each node; the kubelet retries and the pods start. IP
    exhaustion: free or add subnet addresses
    (amazonvpc: prefix delegation, WARM_IP_TARGET) or widen the pod CIDR. Missing binary: the
    provider's install-cni init container did not run on that node; restart its pod there.
    Agent not running: see cni.provider-healthy for that node's agent pod. Events older than
    an hour are ignored; failures whose pods are Running now are shown as recovered.

    Step: "Logging on a node will display messages on pod create and delete" (Troubleshooting,
    Validating CNI Installation): the kubelet's events are the cluster-side record of them.
    """

    id = "pod.sandbox-errors"
    family = "pod"
    needs = frozenset({Fact.EVENTS})
    wants = frozenset({Fact.PODS, Fact.NODES, Fact.WORKLOADS, Fact.KOPS_CLUSTER})
    explains = frozenset({Signal.SANDBOX_NETWORK_FAILED})
    codes = {
        "ip-exhausted": Code(
            "pod sandboxes failed: no IP addresses left",
            fix=(
                "Free or add pod IPs: with amazon-vpc-cni, larger instances or prefix "
                "delegation (ENABLE_PREFIX_DELEGATION=true) and subnets with free addresses; "
                "with host-local IPAM, a larger node podCIDR."
            ),
        ),
        "cni-binary-missing": Code(
            "pod sandboxes failed: a CNI plugin binary is missing from /opt/cni/bin",
            fix=(
                "Put the missing plugin binary into /opt/cni/bin on the node: the provider's "
                "agent or its init container installs it, so restart that pod there."
            ),
        ),
        "cni-agent-not-running": Code(
            "pod sandboxes failed: the provider's agent does not run on the node",
            fix=(
                "Get the provider's agent running on the node (cni.provider-healthy names its "
                "pod): the sandbox failed because the agent's endpoint or socket is not there."
            ),
        ),
        "cni-not-initialized": Code(
            "pod sandboxes failed: no CNI config on the node",
            fix=(
                "Deploy the CNI provider or fix its agent on the node so /etc/cni/net.d holds "
                "a valid config."
            ),
        ),
        "no-pod-cidr": Code(
            "pod sandboxes failed: the node has no pod CIDR",
            fix=(
                "Give the node a pod CIDR: kube-controller-manager --allocate-node-cidrs with "
                "a --cluster-cidr large enough for every node."
            ),
        ),
        "network-failed": Code(
            "pod network set-up or tear-down failed",
            fix=(
                "Read the sandbox error quoted: it names the plugin and what failed; the "
                "provider agent's log on the same node at the same time says why."
            ),
        ),
        "network-timed-out": Code(
            "pod network set-up or tear-down timed out",
            fix=(
                "The plugin took too long: check the provider's agent on the node is not "
                "waiting on the API server or throttled by the cloud API, and its CPU limits."
            ),
        ),
        "not-network": Code(
            "a sandbox failure that is not network-related",
            fix=(
                "Not a network fault: read the runtime error quoted (image, mounts, cgroups, "
                "seccomp) on that node."
            ),
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        relevant = [e for e in snapshot.events or () if _relevant(e)]
        recent = [e for e in relevant if _recent(snapshot, e)]
        pods = {(p.namespace, p.name): p for p in snapshot.pods or ()}
        groups: dict[tuple[str, Cause], list[Event]] = {}
        for event in recent:
            node = event.host or _node_of(event, pods)
            groups.setdefault((node, cause_of(event)), []).append(event)
        findings = [
            _finding(node, cause, events, pods if snapshot.pods is not None else None)
            for (node, cause), events in sorted(
                groups.items(), key=lambda g: (g[0][0], g[0][1].label)
            )
        ]
        findings = _with_agent_pods(context, findings)
        older = len(relevant) - len(recent)
        note = f" ({older} older event(s) ignored)" if older else ""
        bad = [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
        if not bad:
            recovered = f"; {len(findings)} recovered group(s)" if findings else ""
            return Verdict(
                f"no unresolved pod sandbox failures in the last hour{recovered}{note}",
                tuple(findings),
            )
        parts = [f"{f.evidence['node'] or 'unknown node'}: {f.evidence['cause']}" for f in bad[:4]]
        return Verdict(
            f"{len(bad)} sandbox failure group(s): " + "; ".join(parts) + note, tuple(findings)
        )


@lru_cache(maxsize=4096)
def _signals(message: str) -> tuple[Signal, ...]:
    """classify() once per distinct message: thousands of events repeat a handful of texts."""
    return classify(message)


def _relevant(event: Event) -> bool:
    """Sandbox create and kill failures only: a failing liveness or readiness probe of a
    host-network agent (aws-node, calico-node) is cni.provider-healthy's evidence."""
    if event.type != "Warning" or event.involved.kind != "Pod":
        return False
    signals = _signals(event.message)
    if event.reason == "FailedKillPod":
        return bool(NETWORK_SIGNALS.intersection(signals)) or "KillPodSandbox" in event.message
    if event.reason == "FailedSync":  # kubelets before 1.10 reported sandbox failures so
        return bool(SANDBOX_SIGNALS.intersection(signals)) and "sandbox" in event.message.lower()
    return event.reason in SANDBOX_REASONS


def cause_of(event: Event) -> Cause:
    signals = _signals(event.message)
    teardown = event.reason == "FailedKillPod" or any(h in event.message for h in TEARDOWN_HINTS)
    direction = "tear-down" if teardown else "set-up"
    for signal, label in CAUSES:
        if signal in signals:
            return Cause(label, direction, True, signal.value)
    if Signal.SANDBOX_NETWORK_FAILED in signals or event.reason == "NetworkNotReady":
        timeout = any(t in event.message for t in ("deadline exceeded", "i/o timeout", "timed out"))
        label = f"network {direction} {'timed out' if timeout else 'failed'}"
        return Cause(label, direction, True, "network-timed-out" if timeout else "network-failed")
    return Cause("sandbox failure, not network-related", direction, False, "not-network")


def _node_of(event: Event, pods: Mapping[tuple[str, str], Pod]) -> str:
    pod = pods.get((event.involved.namespace or event.namespace, event.involved.name))
    return pod.node_name if pod else ""


def _finding(
    node: str, cause: Cause, events: Sequence[Event], pods: Mapping[tuple[str, str], Pod] | None
) -> Finding:
    # pods as (namespace, name) keys: joined into "ns/name" only for the reader, since a name
    # from a hand-made bundle may hold a "/" that splitting back would misread
    keys = sorted(
        {(e.involved.namespace or e.namespace, e.involved.name) for e in events},
        key=lambda key: f"{key[0]}/{key[1]}",
    )
    names = [f"{namespace}/{name}" for namespace, name in keys]
    latest = max(events, key=lambda e: (e.last_seen is not None, e.last_seen))
    evidence: dict[str, JSON] = {
        "node": node or None,
        "cause": cause.label,
        "direction": cause.direction,
        "pods": names,
        "events": sum(e.count for e in events),
        "last_seen": latest.last_seen.isoformat() if latest.last_seen else None,
        "message": f"{latest.reason}: {latest.message}",
    }
    status, state = _status(cause, keys, pods)
    evidence["pods_now"] = state
    signals = tuple(s for m in dict.fromkeys(e.message for e in events) for s in _signals(m))
    if cause.network:
        signals = (*signals, Signal.SANDBOX_NETWORK_FAILED)
    message = f"{cause.label} ({cause.direction}) for {len(names)} pod(s): {', '.join(names[:5])}"
    if status is Status.PASS:
        message += " - recovered, the pods run now"
    ref = ObjectRef("Node", node) if node else None
    signals = tuple(dict.fromkeys(signals))
    return Finding(status, message, ref, evidence, signals=signals, code=cause.code)


def _with_agent_pods(context: CheckContext, findings: list[Finding]) -> list[Finding]:
    """Show the provider's own pod on each node whose sandboxes fail for want of its agent,
    and name it as `related` when the error names that agent's own endpoint (ipamd's
    127.0.0.1:50051, weave's 127.0.0.1:6784, cilium.sock, /var/lib/calico/): when
    cni.provider-healthy finds that very pod down, it is the cause, on that node only.
    "Running and ready" there points at its mounts or socket instead."""
    snapshot = context.snapshot
    if snapshot.pods is None or not any(f.code != "not-network" for f in findings):
        return findings
    agents = _agents_by_node(snapshot, provider_workloads(snapshot, context.networking))
    out = []
    for finding in findings:
        here = agents.get(str(finding.evidence.get("node") or ""), [])
        message = str(finding.evidence.get("message") or "")
        named = [(pod, e) for ds, pod in here if (e := named_endpoint(message, ds))]
        evidence = dict(finding.evidence)
        if finding.evidence.get("cause") == AGENT_DOWN or named:
            evidence["agent_pods"] = [
                f"{p.name}: {p.phase or 'Unknown'}, {_ready(p)}" for _, p in here
            ]
        if named and finding.code != "not-network":
            evidence["provider_endpoint"] = named[0][1]
            related = tuple(dict.fromkeys((*finding.related, *(p.ref for p, _ in named))))
            finding = replace(finding, related=related)
        out.append(replace(finding, evidence=evidence))
    return out


def _agents_by_node(
    snapshot: Snapshot, workloads: Sequence[ProviderWorkload]
) -> dict[str, list[tuple[str, Pod]]]:
    """(agent DaemonSet name, pod) pairs by node: the DaemonSet says whose endpoint it is."""
    by_node: dict[str, list[tuple[str, Pod]]] = {}
    for item in workloads:
        if item.workload.kind == "DaemonSet":
            for pod in workload_pods(item.workload, snapshot.pods or ()):
                by_node.setdefault(pod.node_name, []).append((item.workload.name, pod))
    return by_node


def _ready(pod: Pod) -> str:
    return "ready" if pod.ready else "not ready"


def _status(
    cause: Cause, keys: list[tuple[str, str]], pods: Mapping[tuple[str, str], Pod] | None
) -> tuple[Status, str]:
    """FAIL while an affected pod is still stuck; recovered pods make it a note."""
    if pods is None:
        return Status.WARN, "pods not collected: cannot tell whether they recovered"
    current = [pods.get(key) for key in keys]
    stuck = [p for p in current if p is not None and not (p.phase == "Running" and p.ready)]
    gone = sum(p is None for p in current)
    if cause.direction == "tear-down":
        if stuck:
            return Status.FAIL, f"{len(stuck)} not terminated"
        return Status.PASS, "deleted or running again"
    if stuck:
        return (Status.FAIL if cause.network else Status.WARN), f"{len(stuck)} still not running"
    if gone:
        return Status.WARN, f"{gone} pod(s) no longer exist"
    return Status.PASS, "all running and ready"


def _recent(snapshot: Snapshot, event: Event) -> bool:
    """Seen within the last hour before the snapshot; an event without a time counts."""
    return event.last_seen is None or snapshot.observed_at - event.last_seen <= RECENT
