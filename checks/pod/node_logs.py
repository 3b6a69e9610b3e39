from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_provider import (
    agent_pods,
    files_by_node,
    logs_by_pod,
    provider_workloads,
)
from kopscheck.knowledge.log_lines import LineKind, LogLine, sandbox_lines
from kopscheck.model.facts import JSON, Fact, Node, ObjectRef
from kopscheck.model.probes import LifecycleProbe, PodProbe
from kopscheck.model.results import Code, Finding, Status, Verdict, worst

PROBE_CREATE = re.compile(r"SyncLoop \(?ADD|RunPodSandbox|ADD|Created|Started|assigned addresses")
PROBE_DELETE = re.compile(
    r"SyncLoop \(?(DELETE|REMOVE)|StopPodSandbox|Killing|DEL\b|releasing|Delete"
)
READ = "node log: read "  # the probe's note naming the node log source it read
UNREAD = ("kubelet log:", "node log:")  # the probe's notes for a node log it could not read
LONG_LOG = 200  # lines; a log this long at kops's --v=2 shows pods coming and going


@dataclass(frozen=True, slots=True)
class Reading:
    """What one log says about pod sandboxes."""

    source: str
    lines: int
    events: tuple[LogLine, ...]

    def count(self, *kinds: LineKind) -> int:
        return sum(e.kind in kinds for e in self.events)

    @property
    def failures(self) -> list[LogLine]:
        return [e for e in self.events if e.kind is LineKind.FAILURE]

    @property
    def failing_now(self) -> list[LogLine]:
        """Failures after the last sandbox that came up: the node is still failing."""
        started = [e.index for e in self.events if e.kind is LineKind.STARTED]
        last_ok = max(started, default=-1)
        return [e for e in self.failures if e.index > last_ok]

    @property
    def not_ready_last(self) -> LogLine | None:
        network = [e for e in self.events if e.kind is not LineKind.DELETE]
        last = network[-1] if network else None
        return last if last is not None and last.kind is LineKind.NOT_READY else None


class NodeLogs(Check):
    """Node-side logs record pod sandbox create and delete without network errors.

    Why: the kubelet logs every pod it is given and removes (`SyncLoop ADD`, `SyncLoop DELETE`)
    and every sandbox the runtime fails to create (`RunPodSandbox ... failed`, "failed to setup
    network for sandbox"); the CNI providers log their own ADD and DEL (calico "Calico CNI IPAM
    assigned addresses" / "releasing IP address", cilium "Create/Delete endpoint request", the
    AWS VPC CNI's add/del requests). A node whose logs show set-up failures after the last pod
    that started is failing pods right now, even when its events have expired.

    Fix: remove the cause named by the failure lines quoted for each node. They are the same
    causes as pod.sandbox-errors
    (IP exhaustion, a missing CNI binary, the provider's agent down). "Container runtime network
    not ready" while the node is NotReady: the provider has not written its CNI config yet (see
    cni.node-config). A long log without any pod create or delete line: the kubelet runs below
    --v=2, which kops does not do by default. A node log longer than --log-lines is read as
    its last lines, and says so: a probe pod's line older than them is not judged (raise
    --log-lines).

    Step: "Logging on a node will display messages on pod create and delete" (Troubleshooting,
    Validating CNI Installation).
    """

    id = "pod.node-logs"
    family = "pod"
    needs = frozenset({Fact.NODE_FILES})
    wants = frozenset(
        {
            Fact.POD_LOGS,
            Fact.PODS,
            Fact.NODES,
            Fact.WORKLOADS,
            Fact.KOPS_CLUSTER,
            Fact.POD_LIFECYCLE,
        }
    )
    explains: frozenset[str] = frozenset()
    codes = {
        "ok": Code("the node's logs show pod create and delete lines and no failing sandbox"),
        "nothing-to-judge": Code("a node's logs hold no pod create or delete line"),
        "no-logs": Code(
            "no kubelet or CNI provider logs collected on any node",
            fix=(
                "Collect node logs into the bundle (nodes/<node>/kubelet.log from journalctl "
                "-u kubelet), give the read-only role nodes/proxy (kopscheck rbac "
                "--with-node-proxy), or run with --probe."
            ),
        ),
        "no-create-lines": Code(
            "long logs show no pod create or delete at all (kubelet below --v=2?)",
            fix=(
                "Raise the kubelet's log level to 2 (kops: spec.kubelet.logLevel: 2) so pod "
                "create and delete are logged."
            ),
        ),
        "sandbox-failing": Code(
            "sandbox network failures in the logs and no pod started since",
            fix=(
                "Read the sandbox failure lines quoted from the node's log, and the provider "
                "agent's log on that node at the same time."
            ),
        ),
        "network-not-ready": Code(
            "the logs say the runtime network is not ready and the node is NotReady",
            fix=(
                "Deploy or fix the CNI provider on the node: its runtime network is not ready "
                "(no valid config in /etc/cni/net.d)."
            ),
        ),
        "ends-not-ready": Code(
            "the logs end with the runtime network not ready",
            fix=(
                "Check the provider's agent on the node now: the log ends with the runtime "
                "network not ready, so it may have lost its config."
            ),
        ),
        "probe-pod-logged": Code("the node logged the probe pod's create and delete (--probe)"),
        "probe-pod-log-cut": Code(
            "the node log was read as its last --log-lines lines, and they lack a probe pod's"
            " create or delete line (--probe)",
            fix=(
                "Run again with a larger --log-lines: the line may be older than the last lines"
                " read, so the node's logging is not judged."
            ),
        ),
        "probe-pod-not-logged": Code(
            "the kubelet log has no create or delete line for a probe pod that ran (--probe)",
            fix=(
                "Raise the kubelet's log level to 2 (spec.kubelet.logLevel), or check the log "
                "read is the running kubelet's: a probe pod ran there and left no line."
            ),
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        readings = _readings(context)
        probed = probe_findings(context.snapshot.pod_lifecycle)
        if not readings and not probed:
            message = "no kubelet or CNI provider logs collected on any node"
            return Verdict(message, (Finding(Status.SKIP, message, code="no-logs"),))
        nodes = context.nodes_by_name
        findings = [
            _judge(name, nodes.get(name), found) for name, found in sorted(readings.items())
        ] + probed
        silent = _silent(findings, readings)
        if silent is not None:
            return silent
        bad = [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
        creates = sum(int(str(f.evidence.get("creates", 0))) for f in findings)
        deletes = sum(int(str(f.evidence.get("deletes", 0))) for f in findings)
        if not bad:
            also = f"; {len(probed)} probe pod(s) logged by their node" if probed else ""
            return Verdict(
                f"logs of {len(readings)} node(s) show {creates} pod create and {deletes} delete"
                f" line(s) and no failing sandbox{also}",
                tuple(findings),
            )
        by_message: dict[str, list[str]] = {}
        for finding in bad:
            name = finding.object.name if finding.object else "?"
            by_message.setdefault(finding.message, []).append(name)
        parts = [f"{message}: {', '.join(names)}" for message, names in by_message.items()]
        return Verdict(f"{len(bad)} node(s): " + "; ".join(parts[:3]), tuple(findings))


def _readings(context: CheckContext) -> dict[str, list[Reading]]:
    """Kubelet logs and the provider agents' container logs, by node."""
    snapshot = context.snapshot
    found: dict[str, list[Reading]] = {}
    for name, files in files_by_node(snapshot.nodes or (), snapshot.node_files).items():
        if files.kubelet_log is not None:
            found.setdefault(name, []).append(_read("kubelet log", files.kubelet_log))
    agents = agent_pods(snapshot, provider_workloads(snapshot, context.networking))
    logs = logs_by_pod(snapshot.pod_logs or ())
    for node, pods in agents.items():
        for pod in pods:
            for log in logs.get((pod.namespace, pod.name), []):
                if log.text:
                    found.setdefault(node, []).append(_read(f"{pod.name} log", log.text))
    return found


def _read(source: str, text: str) -> Reading:
    return Reading(source, len(text.splitlines()), tuple(sandbox_lines(text)))


def _judge(name: str, node: Node | None, readings: Iterable[Reading]) -> Finding:
    readings = list(readings)
    # The node's logs are evidence, not the node: kept apart from the Node objects that pods
    # waiting for a node relate to.
    ref = ObjectRef("NodeLogs", name)
    evidence: dict[str, JSON] = {
        "creates": sum(r.count(LineKind.CREATE, LineKind.STARTED) for r in readings),
        "deletes": sum(r.count(LineKind.DELETE) for r in readings),
        "sources": [f"{r.source} ({r.lines} lines)" for r in readings],
    }
    ready = _ready(node) if node is not None else None  # unregistered or nodes not collected
    problems = [p for r in readings for p in _problems(r, ready)]
    if problems:
        status = worst(p.status for p in problems)
        first = next(p for p in problems if p.status is status)
        evidence["lines"] = [p.line for p in problems][-5:]
        signals = tuple(dict.fromkeys(s for p in problems for s in p.signals))
        return Finding(status, first.message, ref, evidence, signals=signals, code=first.code)
    return _quiet_or_ok(ref, readings, evidence)


@dataclass(frozen=True, slots=True)
class Problem:
    status: Status
    message: str
    line: str
    signals: tuple[str, ...]
    code: str


def _problems(reading: Reading, ready: bool | None) -> list[Problem]:
    out = []
    failing = reading.failing_now
    if failing:
        last = failing[-1]
        causes = ", ".join(last.signals)
        message = (
            f"{len(failing)} sandbox network failure(s) in the {reading.source} and no pod"
            f" started since ({causes})"
        )
        out.append(Problem(Status.FAIL, message, last.text, last.signals, "sandbox-failing"))
    last_state = reading.not_ready_last
    not_ready = [e for e in reading.events if e.kind is LineKind.NOT_READY]
    if not_ready and ready is False:
        line = not_ready[-1]
        message = f"the {reading.source} says the runtime network is not ready (node NotReady)"
        out.append(Problem(Status.FAIL, message, line.text, line.signals, "network-not-ready"))
    elif last_state is not None and ready is None:
        message = f"the {reading.source} ends with the runtime network not ready"
        out.append(
            Problem(Status.WARN, message, last_state.text, last_state.signals, "ends-not-ready")
        )
    return out


def _quiet_or_ok(ref: ObjectRef, readings: list[Reading], evidence: dict[str, JSON]) -> Finding:
    seen = int(str(evidence["creates"])) + int(str(evidence["deletes"]))
    recovered = sum(len(r.failures) for r in readings)
    if seen:
        note = f"; {recovered} earlier failure(s) recovered" if recovered else ""
        message = f"{evidence['creates']} create and {evidence['deletes']} delete line(s){note}"
        return Finding(Status.PASS, message, ref, evidence, code="ok")
    longest = max(r.lines for r in readings)
    message = f"no pod create or delete line in {longest} log line(s): nothing to judge here"
    return Finding(Status.PASS, message, ref, evidence, code="nothing-to-judge")


def probe_findings(probe: LifecycleProbe | None) -> list[Finding]:
    """For each probe pod that ran and was deleted: did its node log the create and delete?"""
    found = []
    for pod in probe.pods if probe is not None else ():
        if pod.failed_step is not None:
            continue  # pod.lifecycle names the step that failed
        finding = _probe_pod(pod)
        if finding is not None:
            found.append(finding)
    return found


def _probe_pod(pod: PodProbe) -> Finding | None:
    ref = ObjectRef("Pod", pod.pod, pod.namespace)
    related = (ObjectRef("Node", pod.node),)
    lines = [f"{m.source}: {m.line}" for m in pod.log_mentions]
    creates = [m for m in pod.log_mentions if PROBE_CREATE.search(m.line)]
    deletes = [m for m in pod.log_mentions if PROBE_DELETE.search(m.line)]
    read = next((s[len(READ) :] for s in pod.log_sources if s.startswith(READ)), "")
    evidence: dict[str, JSON] = {
        "node": pod.node,
        "lines": lines[-6:],
        "create_lines": [f"{m.source}: {m.line}" for m in creates][:4],
        "delete_lines": [f"{m.source}: {m.line}" for m in deletes][-4:],
        "log_sources": list(pod.log_sources),
    }
    where = f" ({read})" if read else ""
    if pod.log_cut_at is not None:  # the bound is said, pass or not
        evidence["log_cut_at"] = pod.log_cut_at
        where = f" ({read or 'node log'}, its last {pod.log_cut_at} lines: --log-lines)"
    missing = "create" if not creates else "delete"
    if creates and deletes:
        message = f"{pod.node} logged the probe pod's create and delete{where}"
        return Finding(Status.PASS, message, ref, evidence, related, code="probe-pod-logged")
    if pod.log_cut_at is not None:  # a line older than the bound is neither claimed nor missed
        message = (
            f"the node log on {pod.node} was read as its last {pod.log_cut_at} lines"
            f" (--log-lines), which hold no {missing} line for the probe pod: not judged,"
            " the line may be older"
        )
        return Finding(Status.WARN, message, ref, evidence, related, code="probe-pod-log-cut")
    if read or not any(u.startswith(UNREAD) for u in pod.logs_unavailable):
        message = (
            f"the kubelet log on {pod.node} has no {missing} line for the probe pod, which"
            f" ran and was deleted{where}: the kubelet may run below --v=2"
        )
        return Finding(Status.WARN, message, ref, evidence, related, code="probe-pod-not-logged")
    return None


def _silent(findings: list[Finding], readings: dict[str, list[Reading]]) -> Verdict | None:
    """A WARN when every log is substantial and none shows a single pod create or delete."""
    if not readings:
        return None
    if any(e for rs in readings.values() for r in rs for e in r.events):
        return None
    longest = max(r.lines for rs in readings.values() for r in rs)
    if longest < LONG_LOG:
        return None
    message = (
        f"logs of {len(readings)} node(s), up to {longest} lines, show no pod create or delete"
        " at all: the kubelet may run below --v=2 (kops uses 2), so this step cannot be confirmed"
    )
    return Verdict(message, (Finding(Status.WARN, message, code="no-create-lines"), *findings))


def _ready(node: Node) -> bool:
    cond = node.condition("Ready")
    return cond is not None and cond.status == "True"
