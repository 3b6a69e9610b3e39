from __future__ import annotations

from collections.abc import Mapping, Sequence

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_provider import daemonset_targets, logs_by_pod
from kopscheck.knowledge.pod_health import pod_problem
from kopscheck.knowledge.selectors import KUBE_PROXY, kube_proxy_pods
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

NAME = KUBE_PROXY
RESTARTS_WARN = 5


class KubeProxy(Check):
    """kube-proxy runs and is ready on every node

    Fails when: a node has no kube-proxy pod while the cluster runs kube-proxy elsewhere (or
    a kube-proxy DaemonSet must cover it), or its kube-proxy pod is not running and ready.
    Warns when: a ready kube-proxy restarted at least 5 times.

    Why: kube-proxy programs each node's Service IPs. The pod network of several providers
    reaches the API server through the `kubernetes` Service IP (aws-node's ipamd, flannel's
    and kube-router's subnet managers, calico's CNI plugin), so a node without a working
    kube-proxy leaves its agent unable to start ("Failed to check API server connectivity",
    `dial tcp 100.64.0.1:443: i/o timeout`) and its pods without Services, while others work.

    Fix: kops runs kube-proxy as a static pod on every node (`kube-proxy-<node>`, manifest
    /etc/kubernetes/manifests/kube-proxy.manifest written by nodeup): look at
    `kubectl -n kube-system logs kube-proxy-NODE` and the node's `journalctl -u kubelet`. A
    kube-proxy DaemonSet (kubeadm, EKS): compare its nodeSelector and tolerations with the
    node. Clusters that replace kube-proxy (cilium's kubeProxyReplacement) disable it in the
    kops spec (`spec.kubeProxy.enabled: false`), and this check does not apply.

    Step: "Validating CNI Installation": the provider's agent needs the API server's Service.
    """

    id = "node.kube-proxy"
    family = "node"
    needs = frozenset({Fact.NODES, Fact.PODS})
    wants = frozenset({Fact.WORKLOADS, Fact.EVENTS, Fact.POD_LOGS, Fact.KOPS_CLUSTER})
    explains: frozenset[str] = frozenset()
    codes = {
        "running": Code("kube-proxy runs and is ready on every node it must cover"),
        "missing": Code(
            "a node has no kube-proxy pod while the cluster runs kube-proxy",
            fix=(
                "Start kube-proxy on the node: on kops it is a static pod nodeup writes to"
                " /etc/kubernetes/manifests/kube-proxy.manifest (re-run nodeup or replace the"
                " instance); as a DaemonSet, its tolerations and nodeSelector must admit the node."
            ),
        ),
        "not-ready": Code(
            "a node's kube-proxy pod is not running and ready",
            fix=(
                "Read the kube-proxy pod's events and log (kubectl -n kube-system logs POD):"
                " until it syncs, that node's pods cannot reach Services, the API server's"
                " ClusterIP included."
            ),
        ),
        "restarting": Code(
            "a ready kube-proxy restarted often",
            fix=(
                "Read the previous container's log (kubectl -n kube-system logs POD --previous):"
                " each restart drops that node's Service rules until the next sync."
            ),
        ),
    }

    def does_not_apply(self, context: CheckContext) -> str | None:
        snapshot = context.snapshot
        cluster = snapshot.kops_cluster
        kube_proxy = cluster.spec.get("kubeProxy") if cluster is not None else None
        if isinstance(kube_proxy, Mapping) and kube_proxy.get("enabled") is False:
            return "kube-proxy is disabled in the kops spec (spec.kubeProxy.enabled: false)"
        if snapshot.pods is None or _daemonset(snapshot) or kube_proxy_pods(snapshot.pods):
            return None
        return (
            "no kube-proxy pod or DaemonSet in the snapshot: the cluster runs without kube-proxy"
            " (a replacement such as cilium's), so there is no node to compare"
        )

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        ds = _daemonset(snapshot)
        nodes = list(context.nodes_by_name.values())
        targets = daemonset_targets(ds, nodes) if ds is not None else nodes
        by_node: dict[str, list[Pod]] = {}
        for pod in kube_proxy_pods(snapshot.pods or ()):
            by_node.setdefault(pod.node_name, []).append(pod)
        logs = logs_by_pod(snapshot.pod_logs or ())
        events = context.events_by_object
        findings: list[Finding] = []
        for node in sorted(targets, key=lambda n: n.name):
            pods = by_node.get(node.name, [])
            if not pods:
                findings.append(_missing(node, ds))
                continue
            pod = pods[0]
            own = None if snapshot.events is None else events.get(pod.ref, [])
            findings += _judged(pod, own, context.nodes_by_name, logs)
        bad = [f for f in findings if f.status is not Status.PASS]
        if not bad:
            message = f"kube-proxy running and ready on all {len(targets)} node(s)"
            return Verdict(message, (Finding(Status.PASS, message, code="running"),))
        first = bad[0]
        where = first.object.name if first.object else ""
        return Verdict(f"{len(bad)} node(s) with kube-proxy trouble, e.g. {where}: {first.message}",
                       tuple(findings))  # fmt: skip


def _daemonset(snapshot: Snapshot) -> Workload | None:
    return next(
        (w for w in snapshot.workloads or () if w.kind == "DaemonSet" and w.name == NAME), None
    )


def _missing(node: Node, ds: Workload | None) -> Finding:
    ready = node.condition("Ready")
    down = ready is None or ready.status != "True"
    evidence: dict[str, JSON] = {
        "daemonset": str(ds.ref) if ds is not None else None,
        "node_ready": not down,
    }
    how = f"DaemonSet {ds.namespace}/{ds.name}" if ds else "a static pod as on the other nodes"
    message = f"no kube-proxy pod on this node (expected from {how}): its Service IPs are unset"
    related = (ObjectRef("Node", node.name),) if down else ()
    ref = ObjectRef("Node", node.name)
    return Finding(Status.FAIL, message, ref, evidence, related, code="missing")


def _judged(
    pod: Pod,
    events: Sequence[Event] | None,
    nodes: Mapping[str, Node],
    logs: Mapping[tuple[str, str], list[ContainerLog]],
) -> list[Finding]:
    problem = pod_problem(pod, events, nodes, logs.get((pod.namespace, pod.name), []))
    if problem is not None:
        return [
            Finding(
                Status.FAIL,
                problem.message,
                pod.ref,
                dict(problem.evidence),
                problem.related,
                code="not-ready",
            )
        ]
    restarted = [c for c in pod.containers if c.restart_count >= RESTARTS_WARN]
    if restarted:
        c = restarted[0]
        evidence: dict[str, JSON] = {"restarts": c.restart_count, "node": pod.node_name}
        message = f"{c.name} restarted {c.restart_count} times"
        return [Finding(Status.WARN, message, pod.ref, evidence, code="restarting")]
    return [Finding(Status.PASS, f"running and ready on {pod.node_name}", pod.ref, code="running")]
