"""`pod.node-logs`, probe part: the lines the node itself logged about a probe pod.

The node's own log is read by node_log_reader.py; where that reader could not run, the kubelet
log through the node proxy's log query (`/logs/?query=kubelet&pattern=POD`, where
the kubelet serves it) and the CNI provider's agent on that node (its container log since the
probe began), filtered to the lines that name the probe pod.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from kopscheck.collectors.kube.client import ApiFailure, Requester, describe_failure
from kopscheck.collectors.output.redact import redact
from kopscheck.model.facts import Pod
from kopscheck.model.probes import LogMention

MAX_LINES = 20


def log_mentions(
    requester: Requester,
    node: str,
    pod: str,
    agents: Sequence[Pod],
    since_seconds: int,
    kubelet: bool = True,
) -> tuple[tuple[LogMention, ...], tuple[str, ...]]:
    """Lines naming `pod` in the node's kubelet log (its log query, unless `kubelet` is false:
    the node's own log was read) and provider agent logs; what was unreadable."""
    found: list[LogMention] = []
    unreadable: list[str] = []
    path = f"/api/v1/nodes/{quote(node, safe='')}/proxy/logs/"
    try:
        if kubelet:
            reply = requester.raw(path, [("query", "kubelet"), ("pattern", pod)])
            if "html" in reply.content_type:
                unreadable.append(
                    "kubelet log: the kubelet does not serve its log (NodeLogQuery off)"
                )
            else:
                found += _matching("kubelet log", reply.text(), pod)
    except ApiFailure as failure:
        unreadable.append(f"kubelet log: {describe_failure(failure)}")
    for agent in agents:
        containers = [c.name for c in agent.containers if not c.init]
        query = [("sinceSeconds", str(max(since_seconds, 1)))]
        if containers:
            query.append(("container", containers[0]))
        log_path = f"/api/v1/namespaces/{agent.namespace}/pods/{agent.name}/log"
        try:
            text = requester.raw(log_path, query).text()
        except ApiFailure as failure:
            unreadable.append(f"{agent.name} log: {describe_failure(failure)}")
            continue
        found += _matching(f"{agent.name} log", text, pod)
    return tuple(found), tuple(unreadable)


def _matching(source: str, text: str, pod: str) -> list[LogMention]:
    lines = [redact(line.strip())[:400] for line in text.splitlines() if pod in line]
    return [LogMention(source, line) for line in lines[-MAX_LINES:]]
