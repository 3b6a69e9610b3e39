"""The `net.connectivity` probe: servers on each sampled node, then clients that try the pairs.

Two phases in the run's workspace: `start` creates a server pod and a hostNetwork server per
sampled node and the probe Service (while the lifecycle pods are being timed); `finish` waits
for the servers' IPs, creates a client and a hostNetwork client per node with its targets, and
reads every client's result from its termination message. Each client tries all its targets at
once, so the pairs run concurrently within `pair_window`. Cost is linear in nodes: each node
probes at most `pairs_per_node` peers (the next ones in a ring), and the result says so.
Whatever is cut short (a deadline, an interruption) is recorded as `not-run`, never as a pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kopscheck.collectors.kube.client import ApiFailure, Requester, describe_failure
from kopscheck.collectors.probes import conn_pods as cp
from kopscheck.collectors.probes.options import ProbeOptions, select_nodes
from kopscheck.collectors.probes.workspace import PODS, SERVICES, Workspace
from kopscheck.model.connectivity import (
    ClassSkip,
    ConnectivityProbe,
    Outcome,
    PairResult,
    ProbeClass,
    ProbeEndpoint,
)
from kopscheck.model.facts import Node, Service
from kopscheck.model.probes import Step

IG_LABEL = "kops.k8s.io/instancegroup"
ZONE_LABEL = "topology.kubernetes.io/zone"
KUBERNETES = "kubernetes.default.svc.cluster.local."


def pick_nodes(nodes: Sequence[Node], spec: str) -> tuple[list[Node], str]:
    """By default one Ready node per instance group and zone (at least three when there are),
    capped at the --probe-nodes number; `all` or the names given. In name order, as the
    report's sampling sentence says."""
    text = spec.strip()
    if not text.isdigit():
        named, how = select_nodes(nodes, text)
        return sorted(named, key=lambda n: n.name), how  # `peers` rings them by name
    cap = int(text)
    ready = sorted((n for n in nodes if _ready(n)), key=lambda n: n.name)
    chosen: dict[tuple[str, str], Node] = {}
    for node in ready:
        chosen.setdefault((node.labels.get(IG_LABEL, ""), node.labels.get(ZONE_LABEL, "")), node)
    picked = list(chosen.values())[:cap]
    for node in ready:
        if len(picked) >= min(3, cap):
            break
        if node not in picked:
            picked.append(node)
    how = f"{len(picked)} of {len(nodes)} nodes (one Ready node per instance group and zone)"
    return picked, how


def _ready(node: Node) -> bool:
    cond = node.condition("Ready")
    return cond is not None and cond.status == "True"


def peers(names: Sequence[str], index: int, fan_out: int) -> list[str]:
    """The next `fan_out` names after `names[index]`, in a ring: every node probes and is
    probed by the same number of peers."""
    others = [names[(index + k) % len(names)] for k in range(1, len(names))]
    return others[:fan_out]


@dataclass
class ConnState:
    """What `start` created, for `finish` (mutable: a deadline may end the run half-way)."""

    nodes: list[Node]
    selection: str
    total: int
    cluster_ip: str = ""
    node_port: int = 0
    dns_reason: str = ""
    skipped: list[ClassSkip] = field(default_factory=list)
    endpoints: dict[tuple[str, str], ProbeEndpoint] = field(default_factory=dict)
    pairs: list[PairResult] = field(default_factory=list)
    external_from_nodes: list[PairResult] = field(default_factory=list)
    note: str = ""


def start(
    ws: Workspace,
    nodes: Sequence[Node],
    total: int,
    spec: str,
    options: ProbeOptions,
    services: Sequence[Service] | None,
) -> ConnState:
    chosen, how = pick_nodes(nodes, spec)
    state = ConnState(chosen, how, total)
    if not chosen:
        state.note = f"no Ready node of {total} to run the connectivity probe on"
    if services is None or not any(
        s.namespace == "kube-system" and s.name in ("kube-dns", "coredns") for s in services
    ):
        state.skipped.append(
            ClassSkip(ProbeClass.DNS, "no kube-dns or coredns Service in kube-system")
        )
    if not options.external_target:
        state.skipped.append(ClassSkip(ProbeClass.EXTERNAL, "no --probe-external-target given"))
    if len(chosen) < 2:
        for probe in (
            ProbeClass.POD_CROSS_NODE,
            ProbeClass.NODE_TO_POD,
            ProbeClass.POD_TO_NODE,
            ProbeClass.NODE_PORT,
        ):
            state.skipped.append(ClassSkip(probe, f"only {len(chosen)} node selected"))
    for node in chosen:
        for host in (False, True):
            ws.create(PODS, cp.server_body(ws, node, options, host))
    service = ws.create(SERVICES, cp.service_body(ws))
    spec_doc = service.get("spec") or {}
    state.cluster_ip = str(spec_doc.get("clusterIP") or "")
    ports = spec_doc.get("ports") or [{}]
    state.node_port = int(ports[0].get("nodePort") or 0)
    planned = {s.probe for s in state.skipped}
    for probe, got, what in (
        (ProbeClass.CLUSTER_IP, state.cluster_ip, "cluster IP"),
        (ProbeClass.NODE_PORT, state.node_port, "node port"),
    ):
        if not got and probe not in planned:  # not a pass on no pairs: said as not run
            state.skipped.append(ClassSkip(probe, f"the probe Service was given no {what}"))
    return state


def finish(
    ws: Workspace,
    requester: Requester,
    state: ConnState,
    options: ProbeOptions,
    failed_nodes: frozenset[str] = frozenset(),
) -> ConnectivityProbe:
    """Run the clients once the servers serve; on `failed_nodes` (where the lifecycle pod never
    ran) the servers are not waited for: they will not run either, their pairs are not-run."""
    try:
        _finish(ws, requester, state, options, failed_nodes)
    except ApiFailure as failure:
        state.note = f"the probe was cut short: {describe_failure(failure)}"
    return result(ws, state, options)


def result(ws: Workspace, state: ConnState, options: ProbeOptions) -> ConnectivityProbe:
    """The probe as far as it got (a deadline may have ended it: the rest is not-run)."""
    names = [n.name for n in state.nodes]
    sampled = ""
    if len(names) - 1 > options.pairs_per_node:
        sampled = (
            f"each node probes {options.pairs_per_node} of its {len(names) - 1} peers"
            " (the next ones by name, in a ring)"
        )
    return ConnectivityProbe(
        run_id=ws.run_id,
        namespace=ws.namespace,
        image=options.tools_image,
        endpoints=tuple(state.endpoints.values()),
        pairs=tuple(state.pairs),
        nodes_total=state.total,
        selection=state.selection,
        sampling=sampled,
        skipped=tuple(state.skipped),
        external_target=options.external_target,
        note=state.note,
        external_from_nodes=tuple(state.external_from_nodes),
    )


def _finish(
    ws: Workspace,
    requester: Requester,
    state: ConnState,
    options: ProbeOptions,
    failed_nodes: frozenset[str],
) -> None:
    running = options.deadlines[Step.RUNNING]  # the servers started with the lifecycle pods
    wanted = [cp.pod_name(r, n.name) for n in state.nodes for r in ("server", "host-server")]
    awaited = [
        cp.pod_name(r, n.name)
        for n in state.nodes
        if n.name not in failed_nodes
        for r in ("server", "host-server")
    ]
    servers = _wait(ws, requester, awaited, _serving, options, running, keep=wanted)
    for node in state.nodes:
        for role in ("server", "host-server"):
            pod = servers.get(cp.pod_name(role, node.name), {})
            state.endpoints[(role, node.name)] = _endpoint(role, node, pod)
    plans = {node.name: _plan(state, index, options) for index, node in enumerate(state.nodes)}
    # a node that ran no server pod will not run a client either: its pairs are not-run
    runs = {n.name: bool(state.endpoints[("server", n.name)].ip) for n in state.nodes}
    names = []
    for node in (n for n in state.nodes if runs[n.name]):
        for role, host in (("client", False), ("host-client", True)):
            targets = [t for t, _pair in plans[node.name][host]]
            if targets:
                ws.create(PODS, cp.client_body(ws, node, options, targets, host))
                names.append(cp.pod_name(role, node.name))
    # the image is on the node already (the servers run it): a client reports within its window
    clients = _wait(ws, requester, names, _terminated, options, options.pair_window + 10)
    for node in state.nodes:
        why = "" if runs[node.name] else "not started: the node ran no server pod either"
        for role, host in (("client", False), ("host-client", True)):
            client = clients.get(cp.pod_name(role, node.name))
            _record(state, node, role, client, plans[node.name][host], why)


def _plan(
    state: ConnState, index: int, options: ProbeOptions
) -> dict[bool, list[tuple[cp.Target, PairResult]]]:
    """Each client's targets, with the pair each one records (outcome filled in later)."""
    node = state.nodes[index]
    skipped = {s.probe for s in state.skipped}
    names = [n.name for n in state.nodes]
    by_name = {n.name: n for n in state.nodes}
    pod: list[tuple[str, ProbeClass, str, str, int]] = []
    host: list[tuple[str, ProbeClass, str, str, int]] = []
    own = state.endpoints[("server", node.name)].ip
    if own:
        pod += [
            ("http", ProbeClass.POD_SAME_NODE, node.name, own, cp.SERVER_PORT),
            ("mtu", ProbeClass.PATH_MTU, node.name, own, 0),
        ]
    for peer in peers(names, index, options.pairs_per_node) if len(names) > 1 else ():
        ip = state.endpoints[("server", peer)].ip
        node_ip = _internal_ip(by_name[peer])
        if ip:
            pod += [
                ("http", ProbeClass.POD_CROSS_NODE, peer, ip, cp.SERVER_PORT),
                ("mtu", ProbeClass.PATH_MTU, peer, ip, 0),
            ]
            host.append(("http", ProbeClass.NODE_TO_POD, peer, ip, cp.SERVER_PORT))
        if node_ip:
            pod.append(("http", ProbeClass.POD_TO_NODE, peer, node_ip, options.host_port))
            if state.node_port:  # from the host: see conn_pods.service_body
                host.append(("http", ProbeClass.NODE_PORT, peer, node_ip, state.node_port))
    if state.cluster_ip:
        pod.append(
            (
                "http",
                ProbeClass.CLUSTER_IP,
                f"Service/{cp.SERVICE}",
                state.cluster_ip,
                cp.SERVER_PORT,
            )
        )
    pod.append(("dns", ProbeClass.DNS, "kubernetes.default", KUBERNETES, 0))
    if options.external_target:
        where, _, port = options.external_target.rpartition(":")
        out = ("http", ProbeClass.EXTERNAL, options.external_target, where, int(port))
        pod.append(out)
        host.append(out)  # the node's own way out, apart from the pod network
    return {False: _targets(pod, node.name, skipped), True: _targets(host, node.name, skipped)}


def _targets(
    items: list[tuple[str, ProbeClass, str, str, int]], source: str, skipped: set[ProbeClass]
) -> list[tuple[cp.Target, PairResult]]:
    found: list[tuple[cp.Target, PairResult]] = []
    for kind, probe, dest, address, port in items:
        if probe in skipped:
            continue
        shown = f"{address}:{port}" if port else address
        target = cp.Target(len(found) + 1, kind, address, port)
        found.append((target, PairResult(probe, source, dest, shown, Outcome.NOT_RUN)))
    return found


def _record(
    state: ConnState,
    node: Node,
    role: str,
    pod: Mapping[str, Any] | None,
    plan: list[tuple[cp.Target, PairResult]],
    not_started: str = "",
) -> None:
    message, why = _message(pod)
    why = not_started or why
    output = cp.parse_output(message) if message is not None else None
    endpoint = _endpoint(role, node, pod or {}, why)
    if output is not None and output.mtu:
        endpoint = replace(endpoint, mtu=output.mtu)
    state.endpoints[(role, node.name)] = endpoint
    for target, pair in plan:
        from_node = role == "host-client" and pair.probe is ProbeClass.EXTERNAL
        into = state.external_from_nodes if from_node else state.pairs
        got = output.results.get(target.index) if output else None
        if got is None:
            into.append(_with(pair, Outcome.NOT_RUN, None, why or "no result line"))
        else:
            passed, seconds, detail = got
            into.append(_with(pair, Outcome.PASS if passed else Outcome.FAIL, seconds, detail))


def _with(pair: PairResult, outcome: Outcome, seconds: float | None, detail: str) -> PairResult:
    return replace(pair, outcome=outcome, seconds=seconds, detail=detail)


def _message(pod: Mapping[str, Any] | None) -> tuple[str | None, str]:
    if pod is None:
        return None, "the client pod gave no result before the deadline"
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        terminated = (status.get("state") or {}).get("terminated")
        if terminated:
            return str(terminated.get("message") or ""), ""
    phase = (pod.get("status") or {}).get("phase") or "Pending"
    return None, f"the client pod never finished (phase {phase})"


def _endpoint(role: str, node: Node, pod: Mapping[str, Any], note: str = "") -> ProbeEndpoint:
    status = pod.get("status") or {}
    ip = str(status.get("podIP") or "")
    if not ip and not note:
        note = f"no IP (phase {status.get('phase') or 'unknown'})"
    return ProbeEndpoint(
        role,
        node.name,
        cp.pod_name(role, node.name),
        ip,
        _internal_ip(node),
        node.labels.get(ZONE_LABEL, ""),
        node.labels.get(IG_LABEL, ""),
        None,
        "" if ip and role.endswith("server") else note,
    )


def _internal_ip(node: Node) -> str:
    return node.internal_ip


def _serving(pod: Mapping[str, Any]) -> bool:
    """Running with an IP and Ready: only a Ready pod is in the Service's endpoints, which
    kube-proxy programs for the NodePort and the cluster IP (or ended: it never will be)."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Failed", "Succeeded"):
        return True
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or ()
    )
    return bool(status.get("podIP")) and status.get("phase") == "Running" and ready


def _terminated(pod: Mapping[str, Any]) -> bool:
    return _message(pod)[0] is not None or (pod.get("status") or {}).get("phase") == "Failed"


def _wait(
    ws: Workspace,
    requester: Requester,
    names: Sequence[str],
    done: Callable[[Mapping[str, Any]], bool],
    options: ProbeOptions,
    within: float = 120.0,
    keep: Sequence[str] = (),
) -> dict[str, Mapping[str, Any]]:
    """The named pods once each is `done` (one list call a poll), or as they are at the end;
    the pods in `keep` too, as last listed, without waiting for them."""
    end = time.monotonic() + within
    seen: dict[str, Mapping[str, Any]] = {}
    recorded = set(names) | set(keep)
    while True:
        doc = requester.raw(PODS.path(ws.namespace), [("labelSelector", ws.selector)]).json(
            "list the connectivity probe pods"
        )
        for item in doc.get("items") or ():
            name = str((item.get("metadata") or {}).get("name") or "")
            if name in recorded:
                seen[name] = item
        if all(n in seen and done(seen[n]) for n in names):
            return seen
        if time.monotonic() >= end or ws.remaining() <= 1:
            return seen
        time.sleep(options.poll)
