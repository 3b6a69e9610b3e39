from __future__ import annotations

from collections.abc import Sequence

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_provider import (
    ProviderWorkload,
    daemonset_targets,
    logs_by_pod,
    provider_workloads,
    working_pod_network,
    workload_pods,
)
from kopscheck.knowledge.rollout import rollout_codes, rollout_findings
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Fact, Node, ObjectRef, Pod, Snapshot, Workload
from kopscheck.model.results import Code, Finding, Status, Verdict

from .provider_pods import pod_findings

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
        findings += pod_findings(
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
