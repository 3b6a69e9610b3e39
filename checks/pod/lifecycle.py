from __future__ import annotations

import ipaddress

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.networking import uses_node_pod_cidr
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Fact, ObjectRef
from kopscheck.model.probes import LifecycleProbe, PodProbe, Step
from kopscheck.model.results import Code, Finding, Status, Verdict

STEP_WORDS = {
    Step.BOUND: "the node's kubelet never took the pod (bound)",
    Step.SANDBOX: "the runtime never created the pod sandbox",
    Step.IP: "the network plugin never gave the pod an IP",
    Step.RUNNING: "the container never ran",
    Step.DELETED: "the API did not accept the deletion",
    Step.GONE: "the pod was not torn down after deletion (gone)",
}


STEP_FIXES = {
    Step.BOUND: (
        "The node's kubelet never took the pod: check it runs and watches the API server "
        "(journalctl -u kubelet on the node)."
    ),
    Step.SANDBOX: (
        "The runtime never created the sandbox: read the pod's FailedCreatePodSandBox events "
        "and the runtime's log on the node (journalctl -u containerd)."
    ),
    Step.IP: (
        "The network plugin never gave the pod an IP: read the provider agent's log on that "
        "node and the pod's sandbox events."
    ),
    Step.RUNNING: (
        "The container never ran: check the probe image can be pulled there (--probe-image "
        "names a mirror for air-gapped clusters) and the pod's events."
    ),
    Step.DELETED: (
        "The API server did not accept the deletion: check its health and any admission "
        "webhook that blocks deletes."
    ),
    Step.GONE: (
        "The pod was not torn down: the network plugin's DEL fails on that node (the kubelet "
        'log shows "failed to destroy network"); read the provider agent\'s log there.'
    ),
}


class PodLifecycle(Check):
    """A probe pod is bound, gets an IP from the pod CIDR, starts, and is deleted cleanly.

    Why: the other checks read what the cluster says about itself; this one makes it do the
    work. kopscheck (`--probe`) runs a small pod pinned to each selected node (a bounded
    sample, NotReady nodes first; `--probe-nodes`) in a namespace of its own, and times each
    step: the node's kubelet takes the pod (bound), the runtime creates its sandbox, the CNI
    plugin gives it an IP (inside the node's podCIDR for modes that allocate from it), the
    container runs, the deletion is accepted and the pod disappears (the sandbox was torn down).
    The first step that never comes names the broken layer on that node.

    Fix: read the failing step and the pod's events for each node. bound: the kubelet is down
    or rejects pods (OutOfpods, node affinity). sandbox or ip: the CNI plugin fails (see
    pod.sandbox-errors, cni.provider-healthy, cni.node-config). running: the image cannot be
    pulled (mirror it and pass --probe-image) or the runtime fails. gone: the kubelet cannot
    tear the sandbox down (FailedKillPod, CNI DEL errors). An IP outside the podCIDR: the
    kubelet and the CNI config disagree about the node's range.

    Step: "Validating CNI Installation": pods are created, get an IP and are deleted, and the
    node logs the create and delete.
    """

    id = "pod.lifecycle"
    family = "pod"
    needs = frozenset({Fact.POD_LIFECYCLE})
    wants = frozenset({Fact.KOPS_CLUSTER, Fact.WORKLOADS, Fact.NODES})
    explains = frozenset({Signal.PROBE_POD_NOT_RUN})
    codes = {
        "ok": Code("the probe pod passed every step on this node"),
        "no-nodes": Code(
            "the cluster has no nodes, so no pod can run",
            fix=(
                "No node can run a pod: get nodes registered and Ready first "
                "(node.network-ready says why they are not)."
            ),
        ),
        **{
            f"{step.value}-never-came": Code(
                f"{STEP_WORDS[step]} within its deadline", fix=STEP_FIXES[step]
            )
            for step in Step
        },
        "ip-outside-pod-cidr": Code(
            "the pod's IP is outside the node's podCIDR in a mode that allocates from it",
            fix=(
                "The pod's IP is not from its node's podCIDR: compare the provider's IPAM "
                "range with the kops spec's podCIDR (nonMasqueradeCIDR) and fix the provider's "
                "config."
            ),
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        probe = context.snapshot.pod_lifecycle
        assert probe is not None
        if not probe.pods:
            return _no_nodes(probe)
        cidr_rule = uses_node_pod_cidr(context.networking)
        findings = tuple(_judge(pod, cidr_rule) for pod in probe.pods)
        bad = [f for f in findings if f.status is not Status.PASS]
        where = f"{probe.selection}; namespace {probe.namespace}, deleted after the run"
        if not bad:
            return Verdict(
                f"probe pods passed every step on {len(findings)} node(s) ({where})", findings
            )
        first = bad[0]
        node = first.related[0].name if first.related else "?"
        return Verdict(
            f"{len(bad)} of {len(findings)} node(s) failed a step; {node}: {first.message}",
            findings,
        )


def _no_nodes(probe: LifecycleProbe) -> Verdict:
    message = (
        "the cluster has no nodes: no probe pod could be placed, and no pod can run"
        if probe.nodes_total == 0
        else "no node was selected for the probe (--probe-nodes)"
    )
    finding = Finding(Status.FAIL, message, evidence={"nodes": probe.nodes_total}, code="no-nodes")
    return Verdict(message, (finding,))


def _judge(pod: PodProbe, cidr_rule: bool | None) -> Finding:
    ref = ObjectRef("Pod", pod.pod, pod.namespace)
    related = (ObjectRef("Node", pod.node),)
    evidence = _evidence(pod)
    failed = pod.failed_step
    if failed is not None:
        message = f"{STEP_WORDS[failed.step]}: {failed.note}"
        if pod.reason:
            message += f" ({pod.reason}{f': {pod.message}' if pod.message else ''})"
        warnings = [e for e in pod.events if e.startswith("Warning")]
        if warnings:
            message += f"; last warning: {warnings[-1][len('Warning ') :]}"
        code = f"{failed.step.value}-never-came"
        return Finding(Status.FAIL, message, ref, evidence, related, code=code)
    cidr = _cidr_problem(pod, cidr_rule, evidence)
    if cidr:
        return Finding(Status.FAIL, cidr, ref, evidence, related, code="ip-outside-pod-cidr")
    total = sum(s.seconds or 0.0 for s in pod.steps)
    message = f"bound, sandbox, IP {pod.pod_ip}, running, deleted and gone in {total:.1f}s"
    return Finding(Status.PASS, message, ref, evidence, related, code="ok")


def _cidr_problem(pod: PodProbe, rule: bool | None, evidence: dict[str, JSON]) -> str:
    if not pod.node_pod_cidrs:
        evidence["pod_cidr"] = "skipped: the node has no podCIDR"
        return ""
    inside = _inside(pod.pod_ip, pod.node_pod_cidrs)
    evidence["pod_cidr"] = (
        f"{pod.pod_ip} {'inside' if inside else 'outside'} {', '.join(pod.node_pod_cidrs)}"
    )
    if rule is None:
        evidence["pod_cidr"] = f"{evidence['pod_cidr']} (not judged: networking mode unknown)"
        return ""
    if rule and not inside:
        return (
            f"the pod's IP {pod.pod_ip} is outside the node's podCIDR"
            f" {', '.join(pod.node_pod_cidrs)}, which this networking mode allocates from"
        )
    return ""


def _inside(ip: str, cidrs: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
        return any(address in ipaddress.ip_network(c, strict=False) for c in cidrs)
    except ValueError:
        return False


def _evidence(pod: PodProbe) -> dict[str, JSON]:
    evidence: dict[str, JSON] = {
        "node": pod.node,
        "steps": [
            {
                "step": s.step.value,
                "seconds": s.seconds,
                "deadline": s.deadline,
                **({"note": s.note} if s.note else {}),
            }
            for s in pod.steps
        ],
    }
    if pod.failed_step is not None:
        evidence["failed_step"] = pod.failed_step.step.value
        evidence["phase"] = pod.phase or "unknown"
        evidence["conditions"] = list(pod.conditions)
        evidence["events"] = list(pod.events[-10:])
    if pod.reason:
        evidence["reason"] = pod.reason
    if pod.log_mentions:
        evidence["node_log_lines"] = [f"{m.source}: {m.line}" for m in pod.log_mentions[-6:]]
    return evidence
