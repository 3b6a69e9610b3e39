"""A probe run (`--probe`): the node agent, the DNS pod and the lifecycle pods, in one workspace.

Everything is started first (agent DaemonSet, DNS pod, lifecycle pods) so the waits overlap;
the workspace deletes it all when the run ends, however it ends. The outcomes are facts merged
into the snapshot: checks stay pure.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from kopscheck.collectors.kube.client import ApiFailure, Requester, describe_failure
from kopscheck.collectors.kube.kubeconfig import KubeTarget
from kopscheck.collectors.offline.connectivity_file import redact_connectivity
from kopscheck.collectors.offline.probe_files import redact_dns, redact_lifecycle
from kopscheck.collectors.output.redact import redact, redact_args
from kopscheck.collectors.probes import agent, connectivity, dns, lifecycle, node_log_reader
from kopscheck.collectors.probes.connectivity import ConnState
from kopscheck.collectors.probes.node_logs import log_mentions
from kopscheck.collectors.probes.options import ProbeOptions, select_nodes
from kopscheck.collectors.probes.workspace import (
    DAEMONSETS,
    PODS,
    Leftover,
    Workspace,
    new_run_id,
)
from kopscheck.knowledge.cni_provider import agent_pods, provider_workloads
from kopscheck.knowledge.networking import resolve_networking
from kopscheck.knowledge.node_sysctl import IP_FORWARD_FILE, bounded
from kopscheck.model.connectivity import ConnectivityProbe
from kopscheck.model.errors import InputError, Stopped
from kopscheck.model.facts import Fact, Node, NodeFiles, Snapshot
from kopscheck.model.probes import DnsProbe, LifecycleProbe, Step

NOT_RUNNING_STEPS = (Step.BOUND, Step.SANDBOX, Step.IP, Step.RUNNING)
NOT_ASKED = "not asked for: --no-probe-connectivity"

Say = Callable[[str], None]


@dataclass
class ProbeResults:
    """What the probe run found, and the facts it could not establish (with the reason)."""

    run_id: str
    lifecycle: LifecycleProbe | None = None
    dns: DnsProbe | None = None
    connectivity: ConnectivityProbe | None = None
    conn_state: ConnState | None = None  # for the partial matrix at a deadline
    agent: dict[str, agent.AgentOutput] = field(default_factory=dict)
    missing: dict[Fact, str] = field(default_factory=dict)
    failed: set[Fact] = field(default_factory=set)
    left: list[Leftover] = field(default_factory=list)


def run_probes(
    target: KubeTarget,
    snapshot: Snapshot,
    options: ProbeOptions,
    request_timeout: float,
    say: Say = lambda _line: None,
) -> ProbeResults:
    requester = Requester(target, request_timeout, attempts=3, backoff=0.5)
    results = ProbeResults(new_run_id())
    if snapshot.nodes is None:
        reason = f"needs the node list ({snapshot.why_missing(Fact.NODES)})"
        results.missing = {f: reason for f in PROBED}
        return results
    try:
        chosen, how = select_nodes(snapshot.nodes, options.nodes)
    except ValueError as exc:
        raise InputError("--probe-nodes", str(exc)) from None
    ws = Workspace(requester, results.run_id, options.timeout, say)
    say(f"kopscheck: probe: namespace {ws.namespace}, {how}")
    started = time.monotonic()
    try:
        with ws:
            _run(ws, requester, snapshot, chosen, how, options, results, started)
    except Stopped as stop:
        if stop.signum == signal.SIGALRM:
            note = f"the probe run's deadline ({options.timeout:g}s, --probe-timeout) came first"
        else:
            note = f"stopped by {stop} before the probe run finished"
        _partial_matrix(ws, results, options, note)
        for fact in PROBED:
            if fact not in results.missing and getattr(results, _attr(fact)) is None:
                results.missing[fact] = note
                results.failed.add(fact)
        if stop.signum != signal.SIGALRM:  # the caller reports what was read, then exits
            results.left = ws.left
            stop.probes = results
            raise
    except ApiFailure as failure:
        reason = _refused("create the probe namespace", failure)
        results.missing.update({f: reason for f in PROBED})
        if not failure.unavailable:
            results.failed |= set(PROBED)
    results.left = ws.left
    if ws.left:
        say(f"kopscheck: probe: left behind: {'; '.join(map(str, ws.left))} (kopscheck cleanup)")
    return results


PROBED = (Fact.POD_LIFECYCLE, Fact.DNS_PROBE, Fact.CONNECTIVITY)


def _attr(fact: Fact) -> str:
    return {
        Fact.POD_LIFECYCLE: "lifecycle",
        Fact.DNS_PROBE: "dns",
        Fact.CONNECTIVITY: "connectivity",
    }[fact]


def _partial_matrix(ws: Workspace, results: ProbeResults, options: ProbeOptions, note: str) -> None:
    """At the deadline or a signal: the connectivity matrix as far as it got (the rest is
    not-run)."""
    state = results.conn_state
    if state is not None and results.connectivity is None and state.endpoints:
        state.note = note  # no server reached yet: nothing to show, the fact stays missing
        results.connectivity = connectivity.result(ws, state, options)


def _refused(what: str, failure: ApiFailure) -> str:
    if failure.status == 403:
        return f"RBAC: cannot {what}: {failure.message}"
    return f"could not {what}: {describe_failure(failure)}"


def _run(
    ws: Workspace,
    requester: Requester,
    snapshot: Snapshot,
    chosen: list[Node],
    how: str,
    options: ProbeOptions,
    results: ProbeResults,
    started: float,
) -> None:
    names = [n.name for n in chosen]
    agent_error = (
        (_start_agent(ws, options, names) if chosen else "the cluster has no nodes")
        if options.agent
        else None
    )
    dns_state = _start_dns(ws, snapshot, chosen, options)
    if options.connectivity:
        _start_connectivity(ws, snapshot, options, results)
    try:
        trackers = lifecycle.run_lifecycle(ws, requester, chosen, options)
    except ApiFailure as failure:
        results.missing[Fact.POD_LIFECYCLE] = _refused(f"create pods in {ws.namespace}", failure)
        trackers = None
    readers: dict[str, str] | None = None
    if trackers is not None and options.agent:  # the probe pods that ran are gone by now
        began = time.time() - (time.monotonic() - started)  # the window's start, wall clock
        # no kubelet took the probe pod there: it would not take the reader either
        unbound = dict.fromkeys(_failed_at(trackers, (Step.BOUND,)), node_log_reader.NOT_BOUND)
        alive = [n for n in chosen if n.name not in unbound]
        readers = node_log_reader.start_readers(ws, alive, options, int(began) - 2) | unbound
    results.dns = _finish_dns(ws, requester, dns_state, options, results)
    if trackers is not None:
        logs = (
            node_log_reader.read_node_logs(
                requester,
                ws,
                names,
                readers,
                options.agent_timeout,
                options.poll,
                options.log_lines,
            )
            if readers is not None
            else {}
        )
        results.lifecycle = _lifecycle(
            ws, requester, snapshot, trackers, logs, options, started, how
        )
    if results.conn_state is not None:
        never_ran = _failed_at(trackers, NOT_RUNNING_STEPS)
        results.connectivity = connectivity.finish(
            ws, requester, results.conn_state, options, never_ran
        )
    elif not options.connectivity:
        results.missing[Fact.CONNECTIVITY] = NOT_ASKED
    elif Fact.CONNECTIVITY not in results.missing:
        results.missing[Fact.CONNECTIVITY] = "the connectivity probe was not run"
    if agent_error:
        results.missing[Fact.NODE_FILES] = agent_error
    elif agent_error is not None:
        dead = _failed_at(trackers, (Step.BOUND,))
        results.agent = agent.read_outputs(
            requester, ws, names, options.agent_timeout, options.poll, dead
        )


def _failed_at(trackers: list[lifecycle.Tracker] | None, steps: tuple[Step, ...]) -> frozenset[str]:
    """The nodes whose lifecycle pod failed waiting for one of `steps`."""
    return frozenset(
        t.node.name for t in trackers or () if t.failed is not None and t.failed.step in steps
    )


def _lifecycle(
    ws: Workspace,
    requester: Requester,
    snapshot: Snapshot,
    trackers: list[lifecycle.Tracker],
    logs: Mapping[str, node_log_reader.NodeLog],
    options: ProbeOptions,
    started: float,
    how: str,
) -> LifecycleProbe:
    """The lifecycle outcomes, each with what its node logged about the pod: the node's own
    log read after the pods were gone; the kubelet's log query where no reader ran."""
    events = lifecycle.namespace_events(requester, ws.namespace)
    agents = agent_pods(snapshot, provider_workloads(snapshot, resolve_networking(snapshot)))
    since = int(time.monotonic() - started) + 30
    pods = []
    for tracker in trackers:
        probe = lifecycle.outcome(tracker, ws.namespace, events)
        node = tracker.node.name
        log = logs.get(node)
        if log is not None and not log.error:
            mentions = node_log_reader.pod_mentions(log, ws.namespace, tracker.pod)
            others, unreadable = log_mentions(
                requester, node, tracker.pod, agents.get(node, []), since, kubelet=False
            )
            cut_at = len(log.lines) if log.cut else None
            probe = replace(probe, log_sources=log.notes(), log_cut_at=cut_at)
            mentions, unread = mentions + others, unreadable
        else:
            mentions, unread = log_mentions(
                requester, node, tracker.pod, agents.get(node, []), since
            )
            unread = ((log.error,) if log is not None else ()) + unread
        pods.append(replace(probe, log_mentions=mentions, logs_unavailable=unread))
    return LifecycleProbe(
        ws.run_id,
        ws.namespace,
        options.lifecycle_image,
        tuple(pods),
        len(snapshot.nodes or ()),
        how,
    )


def _start_connectivity(
    ws: Workspace, snapshot: Snapshot, options: ProbeOptions, results: ProbeResults
) -> None:
    nodes = snapshot.nodes or ()
    try:
        results.conn_state = connectivity.start(
            ws, nodes, len(nodes), options.nodes, options, snapshot.services
        )
    except ApiFailure as failure:
        results.missing[Fact.CONNECTIVITY] = _refused(
            f"create the connectivity probe in {ws.namespace}", failure
        )


def _start_agent(ws: Workspace, options: ProbeOptions, nodes: list[str]) -> str:
    """Create the node agent DaemonSet; the reason when it could not be."""
    try:
        ws.create(DAEMONSETS, agent.daemonset_body(ws, options, nodes))
    except ApiFailure as failure:
        return _refused("create the node agent DaemonSet", failure)
    return ""


@dataclass(frozen=True, slots=True)
class DnsStart:
    targets: list[dns.Target]
    node: str
    domain: str
    reason: str = ""  # why the DNS pod was not started


def _start_dns(
    ws: Workspace, snapshot: Snapshot, chosen: list[Node], options: ProbeOptions
) -> DnsStart:
    configz = next((f.configz for f in (snapshot.node_files or {}).values() if f.configz), None)
    domain = dns.cluster_domain(configz)
    if snapshot.services is None or snapshot.endpoints is None:
        return DnsStart(
            [],
            "",
            domain,
            f"needs the Services and Endpoints ({snapshot.why_missing(Fact.SERVICES)})",
        )
    targets, reason = dns.dns_targets(snapshot.services, snapshot.endpoints)
    ready = [n for n in chosen if (c := n.condition("Ready")) is not None and c.status == "True"]
    node = next(iter(ready or chosen), None)
    if node is None:
        return DnsStart([], "", domain, "the cluster has no node to run the DNS probe pod on")
    if not targets:
        return DnsStart([], node.name, domain, reason)
    try:
        ws.create(PODS, dns.pod_body(ws, node, targets, domain, options))
    except ApiFailure as failure:
        return DnsStart([], node.name, domain, _refused(f"create pods in {ws.namespace}", failure))
    return DnsStart(targets, node.name, domain)


def _finish_dns(
    ws: Workspace,
    requester: Requester,
    state: DnsStart,
    options: ProbeOptions,
    results: ProbeResults,
) -> DnsProbe | None:
    if not state.targets:
        results.missing[Fact.DNS_PROBE] = state.reason
        return None
    message, why = dns.wait_for_answer(requester, ws, options.dns_timeout, options.poll)
    if message is None:
        return dns.not_observed(ws, state.node, state.domain, options, why)
    queries = dns.parse_answers(message, state.targets, state.domain, options.external_name)
    if not queries:
        return dns.not_observed(
            ws, state.node, state.domain, options, "the DNS probe pod wrote no result"
        )
    return DnsProbe(
        ws.run_id,
        ws.namespace,
        dns.POD,
        state.node,
        options.tools_image,
        state.domain,
        queries,
        True,
    )


def apply(snapshot: Snapshot, results: ProbeResults) -> Snapshot:
    """The snapshot with the probe outcomes and the agent's node files merged in."""
    missing: dict[Fact, str] = {k: v for k, v in snapshot.missing.items() if k not in PROBED}
    for fact, reason in results.missing.items():
        if fact is not Fact.NODE_FILES:
            missing[fact] = reason
    failed = (snapshot.failed - set(PROBED)) | (results.failed & set(missing))
    node_files = merge_node_files(snapshot.node_files, results.agent)
    agent_trouble = results.missing.get(Fact.NODE_FILES) or next(
        (o.error for o in results.agent.values() if o.error), ""
    )
    if node_files is None and agent_trouble:
        missing[Fact.NODE_FILES] = (
            f"{snapshot.why_missing(Fact.NODE_FILES)}; node agent: {agent_trouble}"
        )
    elif node_files is not None:
        missing.pop(Fact.NODE_FILES, None)
        failed -= {Fact.NODE_FILES}
    return replace(
        snapshot,
        pod_lifecycle=None if results.lifecycle is None else redact_lifecycle(results.lifecycle),
        dns_probe=None if results.dns is None else redact_dns(results.dns),
        connectivity=None
        if results.connectivity is None
        else redact_connectivity(results.connectivity),
        node_files=node_files,
        missing=missing,
        failed=frozenset(failed),
    )


def merge_node_files(
    api: Mapping[str, NodeFiles] | None, outputs: dict[str, agent.AgentOutput]
) -> Mapping[str, NodeFiles] | None:
    """The API's node facts (configz, kubelet log) completed with what the agent printed."""
    if api is None and all(out.error for out in outputs.values()):
        return None  # nothing read anywhere: the fact stays missing
    merged: dict[str, NodeFiles] = dict(api or {})
    for node, out in outputs.items():
        base = merged.get(node, NodeFiles(node=node))
        if out.error:
            unavailable = {**base.unavailable, "node agent": out.error}
            merged[node] = replace(base, unavailable=unavailable)
            continue
        cmdline = out.files.get("kubelet.cmdline")
        sysconfig = out.files.get("sysconfig-kubelet")
        log = out.files.get("kubelet.log")
        forward = out.files.get(IP_FORWARD_FILE)
        merged[node] = replace(  # redacted on the node already; again here, as a bundle is
            base,
            kubelet_cmdline=tuple(redact_args([a for a in cmdline.splitlines() if a]))
            if cmdline
            else base.kubelet_cmdline,
            sysconfig_kubelet=redact(sysconfig)
            if sysconfig is not None
            else base.sysconfig_kubelet,
            cni_configs={k: redact(v) for k, v in out.cni_configs.items()}
            if out.cni_configs
            else base.cni_configs,
            cni_bin=out.files.get("cni-bin.txt", base.cni_bin),
            ip_forward=bounded(forward) if forward is not None else base.ip_forward,
            kubelet_log=base.kubelet_log or (redact(log) if log is not None else None),
        )
    return merged
