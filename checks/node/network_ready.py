from __future__ import annotations

from datetime import datetime

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.clock import SKEW_TOLERANCE, span
from kopscheck.knowledge.messages import classify
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Condition, Fact, Node, ObjectRef, Snapshot
from kopscheck.model.results import Code, Finding, Status, Verdict


class NodeNetworkReady(Check):
    """Every node is Ready and none has NetworkUnavailable=True.

    Why: a node whose container runtime has no working pod network reports Ready=False
    ("cni plugin not initialized", "network plugin is not ready: cni config uninitialized") and
    keeps the node.kubernetes.io/not-ready taint, so nothing that needs pod networking, kube-dns
    included, is scheduled there. With kubenet on AWS a node also stays NetworkUnavailable=True
    (NoRouteCreated) until the route controller has written its route. A node whose container
    runtime stopped answering is NotReady too: the kubelet says "container runtime is down" 30s
    after its last good CRI status call, and no pod starts or stops there.

    Warns when: a node's own timestamps (its conditions, its pods', the events it reported)
    are dated more than 5 minutes after the capture time: its clock runs ahead. Ages are judged
    from the capture time, so this never hides a failure, but the node's TLS, leases and logs
    keep the wrong time.

    Fix: read the condition message on each node listed (kubectl describe node NAME). "cni plugin
    not initialized" or "cni config uninitialized": deploy or repair the CNI provider for the
    cluster's networking mode. "container runtime is down": start the runtime on the node
    (systemctl status containerd; journalctl -u containerd). NoRouteCreated: look at the route
    controller's events and the cluster's AWS route table (`kopscheck explain
    aws.route-table-capacity`). A clock ahead: run chrony (or systemd-timesyncd) on the node
    against the Amazon Time Sync Service (169.254.169.123) and check `chronyc tracking`.

    Step: "You will notice that kube-dns fails to start properly until you deploy your CNI provider"
    (Troubleshooting, Validating CNI Installation).
    """

    id = "node.network-ready"
    family = "node"
    needs = frozenset({Fact.NODES})
    wants = frozenset({Fact.PODS, Fact.EVENTS})
    explains = frozenset({Signal.NODE_NOT_READY, Signal.NOT_READY_TAINT, Signal.RUNTIME_DOWN})
    codes = {
        "no-nodes": Code(
            "the cluster reports no nodes at all",
            fix=(
                "No node has registered: check the instance groups' instances run and their "
                "kubelets reach the API server (kops validate cluster; journalctl -u kubelet "
                "on an instance)."
            ),
        ),
        "no-ready-condition": Code(
            "a node reports no Ready condition",
            fix=(
                "The kubelet has not posted a Ready condition yet: check it runs on the node "
                "(journalctl -u kubelet) and reaches the API server."
            ),
        ),
        "not-ready": Code(
            "a node is NotReady (or Ready=Unknown); the condition message says why",
            fix=(
                'Read the Ready condition\'s message: "network plugin not ready" or "cni plugin'
                ' not initialized" points at the CNI provider; a kubelet that stopped posting'
                " points at the node itself (kubectl describe node NAME)."
            ),
        ),
        "runtime-down": Code(
            "a node is NotReady because its container runtime does not answer the kubelet",
            fix=(
                "The node's container runtime is down: on the node, `systemctl status "
                "containerd` and `journalctl -u containerd` say why; start it (systemctl start "
                "containerd) or replace the instance. The kubelet turns the node Ready again "
                "within seconds of the runtime answering."
            ),
        ),
        "clock-ahead": Code(
            "a node's timestamps are dated after the capture time: its clock runs ahead",
            fix=(
                "Synchronise the node's clock: chrony or systemd-timesyncd against the Amazon "
                "Time Sync Service (169.254.169.123); `chronyc tracking` shows the offset."
            ),
        ),
        "network-unavailable": Code(
            "a node has NetworkUnavailable=True (kubenet on AWS: NoRouteCreated"
            " until the route controller writes its route)",
            fix="Look at the route controller's events and the cluster's AWS "
            "route table: `kopscheck explain aws.route-table-capacity`.",
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        nodes = snapshot.nodes or ()
        if not nodes:
            finding = Finding(Status.WARN, "the cluster reports no nodes at all", code="no-nodes")
            return Verdict("no nodes registered: nothing can run pods", (finding,))
        findings = [f for node in nodes for f in _node_findings(node)]
        bad = sorted({f.object.name for f in findings if f.object})
        skewed = _clocks_ahead(snapshot)
        if not bad:
            summary = f"all {len(nodes)} nodes Ready, none NetworkUnavailable"
            if skewed:
                names = ", ".join(f.object.name for f in skewed if f.object)
                summary += f"; clock ahead on {names}"
            return Verdict(summary, tuple(skewed))
        findings += skewed
        reasons = sorted({str(f.evidence.get("reason", "")) for f in findings} - {""})
        return Verdict(
            f"{len(bad)} of {len(nodes)} nodes not network-ready ({', '.join(reasons)}): "
            + ", ".join(bad[:5])
            + (" ..." if len(bad) > 5 else ""),
            tuple(findings),
        )


def _node_findings(node: Node) -> list[Finding]:
    ref = ObjectRef("Node", node.name)
    findings = []
    ready = node.condition("Ready")
    if ready is None:
        findings.append(
            Finding(Status.WARN, "node reports no Ready condition", ref, code="no-ready-condition")
        )
    elif ready.status != "True":
        findings.append(_not_ready(node, ready))
    unavailable = node.condition("NetworkUnavailable")
    if unavailable is not None and unavailable.status == "True":
        findings.append(
            Finding(
                Status.FAIL,
                f"NetworkUnavailable: {unavailable.reason}: {unavailable.message}".rstrip(": "),
                ref,
                evidence=_evidence(
                    node,
                    "NetworkUnavailable",
                    unavailable.status,
                    unavailable.reason,
                    unavailable.message,
                ),
                signals=classify(unavailable.reason, unavailable.message),
                code="network-unavailable",
            )
        )
    return findings


def _not_ready(node: Node, ready: Condition) -> Finding:
    state = "NotReady" if ready.status == "False" else f"Ready={ready.status}"
    signals = (Signal.NODE_NOT_READY, *classify(ready.reason, ready.message))
    evidence = _evidence(node, "Ready", ready.status, ready.reason, ready.message)
    message = f"{state}: {ready.message or ready.reason or 'no message'}"
    code = "not-ready"
    if Signal.RUNTIME_DOWN in signals:
        evidence["container_runtime"] = node.container_runtime or None
        message += f" ({node.container_runtime or 'runtime version not reported'})"
        code = "runtime-down"
    return Finding(
        Status.FAIL,
        message,
        ObjectRef("Node", node.name),
        evidence=evidence,
        related=_kubelet(node, ready.status),
        signals=signals,
        code=code,
    )


def _evidence(node: Node, kind: str, status: str, reason: str, message: str) -> dict[str, JSON]:
    cond = node.condition(kind)
    since = cond.last_transition.isoformat() if cond and cond.last_transition else None
    return {
        "condition": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "since": since,
        "taints": [f"{t.key}:{t.effect}" for t in node.taints],
        "instance_group": node.labels.get("kops.k8s.io/instancegroup"),
    }


def _kubelet(node: Node, status: str) -> tuple[ObjectRef, ...]:
    """Ready=Unknown: the kubelet stopped posting status, so the node depends on its kubelet."""
    return (ObjectRef("Kubelet", node.name),) if status == "Unknown" else ()


def _clocks_ahead(snapshot: Snapshot) -> list[Finding]:
    """A warning per node whose own timestamps are dated after the capture time: its node
    conditions, the conditions of the pods it runs, the events it reported."""
    stamps: dict[str, list[datetime]] = {}
    for node in snapshot.nodes or ():
        stamps[node.name] = [c.last_transition for c in node.conditions if c.last_transition]
    for pod in snapshot.pods or ():
        if pod.node_name in stamps:
            times = stamps[pod.node_name]
            times += [c.last_transition for c in pod.conditions if c.last_transition]
    for event in snapshot.events or ():
        if event.host in stamps and event.last_seen is not None:
            stamps[event.host].append(event.last_seen)
    capture = snapshot.latest_clock or snapshot.observed_at
    findings = []
    for name, times in stamps.items():
        ahead = [t for t in times if t > capture + SKEW_TOLERANCE]
        if not ahead:
            continue
        latest = max(ahead)
        message = (
            f"clock ahead: {len(ahead)} timestamp(s) from this node are dated after the capture"
            f" ({capture:%Y-%m-%dT%H:%M:%SZ}), the latest {span(latest - capture)} after it"
        )
        evidence: dict[str, JSON] = {
            "captured_at": capture.isoformat(),
            "latest": latest.isoformat(),
            "ahead_seconds": round((latest - capture).total_seconds()),
            "timestamps_ahead": len(ahead),
        }
        ref = ObjectRef("Node", name)
        findings.append(Finding(Status.WARN, message, ref, evidence, code="clock-ahead"))
    return findings
