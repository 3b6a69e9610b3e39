"""Per-node and per-pod facts through the API, least privilege first and bounded.

- kubelet config: `GET /api/v1/nodes/NODE/proxy/configz` (needs `nodes/proxy`);
- kubelet log lines: `GET /api/v1/nodes/NODE/proxy/logs/?query=kubelet` where the kubelet
  allows it (`enableSystemLogQuery`, feature gate NodeLogQuery);
- container logs of the networking and DNS pods, at most `Tuning.max_log_pods` pods.

The first node (and the first log) is asked alone: when RBAC forbids it, nobody asks the other
N-1 nodes, and the fact is missing with the reason. The rest run on the shared bounded pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kubernetes import client

from kopscheck.collectors.formats import kube_objects as ko
from kopscheck.collectors.kube.client import (
    ApiFailure,
    Requester,
    describe_failure,
    forbidden_user,
)
from kopscheck.collectors.kube.reader import KubeCollection, Tuning
from kopscheck.collectors.offline.bundle import container_log
from kopscheck.collectors.offline.limits import size_text
from kopscheck.collectors.output.redact import redact
from kopscheck.knowledge.networking import PROVIDER_DAEMONSETS
from kopscheck.knowledge.networking_modes import KNOWN_PROVIDERS, MODES
from kopscheck.model.errors import InputError
from kopscheck.model.facts import ContainerLog, Fact, Node, NodeFiles, Pod, Workload

NETWORKING_LABEL = "role.kubernetes.io/networking"
DNS_LABEL_VALUES = frozenset({"kube-dns", "coredns"})
PROVIDER_NAMES = frozenset(name for _ns, name in PROVIDER_DAEMONSETS)
PROVIDER_CONTROLLERS = frozenset(
    {c.name for m in MODES for c in m.components if c.kind == "Deployment"}
    | {name for p in KNOWN_PROVIDERS for name in p.controllers}
)
MAX_CONTAINERS_PER_POD = 4


@dataclass(slots=True)
class NodeOutcome:
    node: str
    configz: dict[str, Any] | None = None
    configz_raw: bytes | None = None
    kubelet_log: str | None = None
    log_cut: bool = False  # the kubelet log stopped at --log-bytes
    unavailable: dict[str, str] = field(default_factory=dict)
    denied: ApiFailure | None = None

    @property
    def seen(self) -> bool:
        return self.configz is not None or self.kubelet_log is not None or bool(self.unavailable)


def proxy_path(node: str, path: str) -> str:
    return f"/api/v1/nodes/{quote(node, safe='')}/proxy/{path}"


def collect_node_facts(
    requester: Requester, pool: ThreadPoolExecutor, out: KubeCollection, tuning: Tuning
) -> None:
    nodes = out.fields.get("nodes")
    if nodes is None:
        reason = f"needs the node list ({out.missing.get(Fact.NODES, 'not collected')})"
        out.lack(Fact.NODE_FILES, reason, failed=Fact.NODES in out.failed)
        return
    names = [node.name for node in nodes]
    if not names:
        out.lack(Fact.NODE_FILES, "the cluster has no nodes", failed=False)
        return
    # kubelet logs are big: read them from the nodes in trouble first, and from a bounded few
    by_trouble = sorted(nodes, key=lambda n: (_node_ready(n), n.name))
    with_log = {n.name for n in by_trouble[: tuning.max_kubelet_logs]}

    def visit(name: str) -> NodeOutcome:
        return _node(requester, name, tuning, name in with_log)

    first = visit(names[0])
    if first.denied is not None:
        out.lack(Fact.NODE_FILES, _denied("get nodes/proxy", first.denied), failed=False)
        return
    outcomes = [first, *pool.map(visit, names[1:])]
    out.node_outcomes = {o.node: o for o in outcomes}
    cut = sum(o.log_cut for o in outcomes)
    if cut:
        out.notes.append(
            f"kubelet logs of {cut} node(s) stopped at {size_text(tuning.log_bytes)}"
            f" (--log-bytes) of their last {tuning.kubelet_log_lines} lines"
        )
    if not any(o.configz is not None or o.kubelet_log is not None for o in outcomes):
        problems = sorted({reason for o in outcomes for reason in o.unavailable.values()})
        reason = "no kubelet gave its config or logs through the API proxy"
        failed = bool(problems)
        out.lack(Fact.NODE_FILES, f"{reason}: {'; '.join(problems)}" if failed else reason, failed)
        return
    out.fields["node_files"] = {
        o.node: NodeFiles(
            node=o.node,
            kubelet_log=o.kubelet_log,
            configz=o.configz,
            unavailable=dict(o.unavailable),
        )
        for o in outcomes
        if o.seen
    }


def _node_ready(node: Node) -> bool:
    ready = node.condition("Ready")
    return ready is not None and ready.status == "True"


def _node(requester: Requester, node: str, tuning: Tuning, want_log: bool) -> NodeOutcome:
    outcome = NodeOutcome(node)
    try:
        reply = requester.raw(proxy_path(node, "configz"))
        outcome.configz_raw = reply.body
        outcome.configz = dict(ko.parse_configz(reply.json("configz"), f"{node} configz"))
    except ApiFailure as failure:
        if failure.status in (401, 403):
            outcome.denied = failure
            return outcome
        outcome.unavailable["configz"] = f"kubelet configz: {describe_failure(failure)}"
        if failure.status is None or failure.status >= 500:
            return outcome  # the kubelet is unreachable: its log would fail the same way
    except InputError as exc:
        outcome.unavailable["configz"] = f"kubelet configz: {exc}"
    if not want_log:
        return outcome
    if outcome.configz is not None and not _log_query_on(outcome.configz):
        return outcome  # the kubelet does not serve its log: nothing failed
    _kubelet_log(requester, outcome, tuning)
    return outcome


def _log_query_on(configz: dict[str, Any]) -> bool:
    """The kubelet serves `/logs/?query=` with both settings on (and gate NodeLogQuery)."""
    return (
        bool(configz.get("enableSystemLogQuery"))
        and configz.get("enableSystemLogHandler", True) is not False
    )


def _kubelet_log(requester: Requester, outcome: NodeOutcome, tuning: Tuning) -> None:
    query = [("query", "kubelet"), ("tailLines", str(tuning.kubelet_log_lines))]
    try:
        reply = requester.raw(proxy_path(outcome.node, "logs/"), query, keep_bytes=tuning.log_bytes)
    except ApiFailure as failure:
        if failure.status not in (400, 404):  # 400/404: this kubelet has no log query
            outcome.unavailable["kubelet.log"] = f"kubelet log: {describe_failure(failure)}"
        return
    if "html" not in reply.content_type:  # without NodeLogQuery it lists /var/log in HTML
        text = reply.text()
        if reply.cut:  # the last line is probably cut in half
            text = text[: text.rfind("\n")] if "\n" in text else ""
        outcome.kubelet_log = redact(text)
        outcome.log_cut = reply.cut


def collect_pod_logs(
    requester: Requester, pool: ThreadPoolExecutor, out: KubeCollection, tuning: Tuning
) -> None:
    pods = out.fields.get("pods")
    if pods is None:
        reason = f"needs the pod list ({out.missing.get(Fact.PODS, 'not collected')})"
        out.lack(Fact.POD_LOGS, reason, failed=Fact.PODS in out.failed)
        return
    targets = log_targets(pods, out.fields.get("workloads") or (), tuning.max_log_pods)
    jobs = [(pod, name) for pod in targets for name in log_containers(pod)]
    if not jobs:
        reason = "no networking or DNS pod has a started container to read logs from"
        out.lack(Fact.POD_LOGS, reason, failed=False)
        return
    core = client.CoreV1Api(requester.target.api_client)

    def fetch(job: tuple[Pod, str]) -> ContainerLog | ApiFailure:
        pod, container = job
        try:
            reply = requester.typed(
                core.read_namespaced_pod_log,
                name=pod.name,
                namespace=pod.namespace,
                container=container,
                tail_lines=tuning.log_tail_lines,
                limit_bytes=tuning.log_bytes,
                keep_bytes=tuning.log_bytes,
            )
        except ApiFailure as failure:
            if failure.status in (401, 403):
                return failure
            return ContainerLog(pod.namespace, pod.name, container, error=failure.message)
        body = "\n".join(reply.text().splitlines())  # as a bundle's logs.txt reads back
        return container_log(pod.namespace, pod.name, container, body)

    first = fetch(jobs[0])
    if isinstance(first, ApiFailure):
        out.lack(Fact.POD_LOGS, _denied("get pods/log", first), failed=False)
        return
    logs = [first, *pool.map(fetch, jobs[1:])]
    out.fields["pod_logs"] = tuple(
        log if isinstance(log, ContainerLog) else _log_error(job, log)
        for job, log in zip(jobs, logs, strict=True)
    )


def _log_error(job: tuple[Pod, str], failure: ApiFailure) -> ContainerLog:
    pod, container = job
    return ContainerLog(pod.namespace, pod.name, container, error=failure.message)


def log_targets(pods: Sequence[Pod], workloads: Iterable[Workload], limit: int) -> list[Pod]:
    """Networking and DNS pods, troubled ones first, spread over their workloads, capped.

    Networking pods are the node agents (DaemonSets), the provider's control plane
    (operator and controller Deployments: tigera-operator, cilium-operator, ...), whose own
    log is what says why they crash-loop, and kube-proxy."""
    workloads = list(workloads)
    networking = {
        (w.namespace, w.name)
        for w in workloads
        if w.kind == "DaemonSet"
        and (w.labels.get(NETWORKING_LABEL) == "1" or w.name in PROVIDER_NAMES)
    }
    controllers = {
        (w.namespace, w.name)
        for w in workloads
        if w.kind == "Deployment"
        and (w.labels.get(NETWORKING_LABEL) == "1" or w.name in PROVIDER_CONTROLLERS)
    }
    groups: dict[tuple[str, str], list[Pod]] = {}
    for pod in pods:
        owner = pod.owner
        deployment = owner.name.rsplit("-", 1)[0] if owner and owner.kind == "ReplicaSet" else ""
        if owner and owner.kind == "DaemonSet" and (pod.namespace, owner.name) in networking:
            groups.setdefault((pod.namespace, owner.name), []).append(pod)
        elif (pod.namespace, deployment) in controllers:
            groups.setdefault((pod.namespace, deployment), []).append(pod)
        elif pod.labels.get("k8s-app") == "kube-proxy":  # node.kube-proxy reads why it fails
            groups.setdefault((pod.namespace, "kube-proxy"), []).append(pod)
        elif pod.labels.get("k8s-app") in DNS_LABEL_VALUES:
            groups.setdefault((pod.namespace, "dns"), []).append(pod)
    queues = [sorted(group, key=_trouble_first) for _key, group in sorted(groups.items())]
    chosen: list[Pod] = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda p: (p.namespace, p.name))


def _trouble_first(pod: Pod) -> tuple[bool, str]:
    troubled = not pod.ready or any(c.restart_count for c in pod.containers)
    return (not troubled, pod.name)


def log_containers(pod: Pod) -> list[str]:
    """Containers that ran at least once (a container still being created has no log)."""
    started = [
        c.name
        for c in pod.containers
        if not c.init and (c.state != "waiting" or c.restart_count > 0)
    ]
    return started[:MAX_CONTAINERS_PER_POD]


def _denied(verb: str, failure: ApiFailure) -> str:
    if failure.status == 401:
        return f"{verb}: authentication refused (401 Unauthorized)"
    return f"RBAC: cannot {verb}{forbidden_user(failure)}"
