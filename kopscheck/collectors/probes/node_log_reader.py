"""`pod.node-logs`, node part: what the kubelet and the container runtime logged about the probe
pods, read on each node **after** the probe pods are gone and within the probe's time window.

One short-lived pod per probed node (`node-logs-<node>`, host network, every taint tolerated, the
host's root mounted read-only at /host, as `kubectl debug node` does) reads the node's log:

1. the systemd journal, `chroot /host journalctl -u kubelet -u containerd --since @<probe start>`
   (Ubuntu 24.04, Debian 12, Amazon Linux 2023, Flatcar: the journal is where they log);
2. else `/var/log/syslog` (Ubuntu with rsyslog), `/var/log/messages` (RHEL-likes with rsyslog),
   `/var/log/kubelet.log` (older images), the first that exists, its last bytes only.

It keeps the lines naming the run's namespace (unique per run: a probe pod's kubelet lines say
`pods=["<ns>/<pod>"]`, containerd's `RunPodSandbox for &PodSandboxMetadata{Name:<pod>,...
Namespace:<ns>...} returns sandbox id "<id>"`) and the lines naming the sandbox and container
ids those lines gave (containerd's `StopPodSandbox for "<id>"`, `TearDown network for sandbox
"<id>" successfully` name only the id): the last `--log-lines` of them (kept by awk in a ring,
so the reader writes no file: a read-only root filesystem is fine), and how many matched,
so the report says when the bound cut the log (the bound is applied again to what is read). It
says which source it read and why it read no other. Its output is read with `pods/log` once it
has exited.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kopscheck.collectors.kube.client import ApiFailure, Requester, describe_failure
from kopscheck.collectors.output.redact import redact
from kopscheck.collectors.probes.options import ProbeOptions
from kopscheck.collectors.probes.workspace import PODS, Workspace
from kopscheck.model.facts import Node
from kopscheck.model.probes import LogMention

LABEL = "node-logs"
BEGIN, END = "==== kopscheck-node-logs 1", "==== end"
SCAN_BYTES = 64 * 1024 * 1024  # of a syslog file: a run's lines are at its end
MAX_LINE = 600
NOT_BOUND = "node log: not read: the node's kubelet never took the probe pod (see pod.lifecycle)"
ID = re.compile(r"\b[0-9a-f]{64}\b")
SCRIPT = r"""
R=/host
echo "==== kopscheck-node-logs 1"
src=""
if [ -x $R/usr/bin/journalctl ] || [ -x $R/bin/journalctl ]; then
  if ls $R/var/log/journal/*/*.journal >/dev/null 2>&1 \
    || ls $R/run/log/journal/*/*.journal >/dev/null 2>&1; then
    src=journal
  else
    echo "==== skipped journal: no journal files in /var/log/journal or /run/log/journal"
  fi
else
  echo "==== skipped journal: no journalctl on the host"
fi
for f in /var/log/syslog /var/log/messages /var/log/kubelet.log; do
  if [ ! -f "$R$f" ]; then echo "==== skipped $f: absent"
  elif [ -n "$src" ]; then echo "==== skipped $f: $src read first"
  else src=$f; fi
done
logs() {
  if [ "$src" = journal ]; then
    chroot $R journalctl -u kubelet -u containerd --since "@$SINCE" -o short-iso -q --no-pager
  else
    tail -c $SCAN_BYTES "$R$src" | grep -E 'kubelet|containerd'
  fi
}
if [ -z "$src" ]; then echo "==== source none"; echo "==== end"; exit 0; fi
echo "==== source $src"
ids=$(logs 2>/dev/null | grep -F -e "$NS" | grep -oE '[0-9a-f]{64}' | sort -u | head -n 400 \
  | tr '\n' '|')
pat="$NS"; [ -n "$ids" ] && pat="$NS|${ids%|}"
logs 2>&1 | grep -E "$pat" | cut -c1-600 | awk -v max="$MAX_LINES" '
  max > 0 { kept[NR % max] = $0 }
  END { print "==== matched " NR
        for (i = NR - max + 1; max > 0 && i <= NR; i++) if (i > 0) print kept[i % max] }'
echo "==== end"
"""


@dataclass(frozen=True, slots=True)
class NodeLog:
    """The run's lines in one node's log, the source read, and why no other source was."""

    node: str
    source: str = ""  # "journal", "/var/log/syslog", ...; "" when none was read
    skipped: tuple[str, ...] = ()  # "/var/log/syslog: journal read first"
    lines: tuple[str, ...] = ()
    error: str = ""  # why nothing could be read on this node
    cut: int = 0  # the run's lines left out: older than the last --log-lines of them

    def notes(self) -> tuple[str, ...]:
        """For the report: which source was read, and why the others were not."""
        read = f"node log: read {self.source}" if self.source else ""
        cut = (
            f"node log: read as its last {len(self.lines)} of {len(self.lines) + self.cut}"
            " matching lines (--log-lines)"
            if self.cut
            else ""
        )
        return tuple(n for n in (read, cut, *(f"node log: {s}" for s in self.skipped)) if n)


def reader_name(node: str) -> str:
    return f"node-logs-{node}"[:253].rstrip("-.")


def pod_body(ws: Workspace, node: Node, options: ProbeOptions, since: int) -> dict[str, Any]:
    env = {"NS": ws.namespace, "SINCE": str(since), "MAX_LINES": str(options.log_lines)}
    env["SCAN_BYTES"] = str(SCAN_BYTES)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": ws.metadata(reader_name(node.name), {"kopscheck.io/probe": LABEL}),
        "spec": {
            "nodeName": node.name,
            "hostNetwork": True,
            "restartPolicy": "Never",
            "activeDeadlineSeconds": max(int(ws.remaining()) + 30, 30),
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 1,
            "tolerations": [{"operator": "Exists"}],
            "containers": [
                {
                    "name": "read",
                    "image": options.tools_image,
                    "command": ["sh", "-c", SCRIPT],
                    "env": [{"name": k, "value": v} for k, v in env.items()],
                    "volumeMounts": [{"name": "host", "mountPath": "/host", "readOnly": True}],
                    "resources": {"requests": {"cpu": "5m", "memory": "16Mi"}},
                }
            ],
            "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
        },
    }


def start_readers(
    ws: Workspace, nodes: Sequence[Node], options: ProbeOptions, since: int
) -> dict[str, str]:
    """Create a reader pod per node; the reason for each node where it could not be."""
    refused: dict[str, str] = {}
    for node in nodes:
        try:
            ws.create(PODS, pod_body(ws, node, options, since))
        except ApiFailure as failure:
            refused[node.name] = f"node log: reader pod not created: {describe_failure(failure)}"
    return refused


def read_node_logs(
    requester: Requester,
    ws: Workspace,
    nodes: Sequence[str],
    refused: Mapping[str, str],
    timeout: float,
    poll: float,
    max_lines: int,
) -> dict[str, NodeLog]:
    """Each reader's output once it has exited (or why not, when `timeout` came first)."""
    end = time.monotonic() + timeout
    found = {n: NodeLog(n, error=why) for n, why in refused.items()}
    while True:
        pods = _reader_pods(requester, ws)
        for node in nodes:
            if node in found:
                continue
            pod = pods.get(reader_name(node))
            phase = ((pod or {}).get("status") or {}).get("phase") or "Pending"
            if phase in ("Succeeded", "Failed"):
                found[node] = _read_one(requester, ws, node, max_lines)
        late = time.monotonic() >= end or ws.remaining() <= 0
        if late or all(n in found for n in nodes):
            for node in nodes:
                if node not in found:
                    why = _not_run(pods.get(reader_name(node)), timeout)
                    found[node] = NodeLog(node, error=why)
            return found
        time.sleep(poll)


def _reader_pods(requester: Requester, ws: Workspace) -> dict[str, Mapping[str, Any]]:
    selector = f"{ws.selector},kopscheck.io/probe={LABEL}"
    try:
        doc = requester.raw(PODS.path(ws.namespace), [("labelSelector", selector)]).json("pods")
    except ApiFailure:
        return {}
    items = [p for p in doc.get("items") or () if isinstance(p, dict)]
    return {str(p["metadata"]["name"]): p for p in items}


def _not_run(pod: Mapping[str, Any] | None, timeout: float) -> str:
    status = (pod or {}).get("status") or {}
    waiting = [
        (c.get("state") or {}).get("waiting") or {} for c in status.get("containerStatuses") or ()
    ]
    reason = next((w.get("reason") for w in waiting if w.get("reason")), "")
    phase = status.get("phase") or "not created"
    detail = f" ({reason})" if reason else ""
    return f"node log: the reader pod did not run within {timeout:g}s: {phase}{detail}"


def _read_one(requester: Requester, ws: Workspace, node: str, max_lines: int) -> NodeLog:
    path = PODS.path(ws.namespace, reader_name(node)) + "/log"
    try:
        text = requester.raw(path, [("limitBytes", "4194304")]).text()
    except ApiFailure as failure:
        return NodeLog(
            node, error=f"node log: reader output unreadable: {describe_failure(failure)}"
        )
    return parse_output(node, text, max_lines)


def parse_output(node: str, text: str, max_lines: int) -> NodeLog:
    """The reader's printout: its source, what it skipped and why, the run's last `max_lines`
    lines, and how many it matched before them."""
    lines = text.splitlines()
    if BEGIN not in lines or END not in lines:
        first = next((line for line in lines if line.strip()), "empty log")
        return NodeLog(node, error=f"node log: the reader printed no result: {redact(first)[:200]}")
    body = lines[lines.index(BEGIN) + 1 : lines.index(END)]
    skipped = tuple(
        line[len("==== skipped ") :] for line in body if line.startswith("==== skipped ")
    )
    source = next(
        (line[len("==== source ") :] for line in body if line.startswith("==== source ")), ""
    )
    every = [line for line in body if not line.startswith("==== ")]
    kept = tuple(redact(line)[:MAX_LINE] for line in every[max(len(every) - max_lines, 0) :])
    if source == "none":
        return NodeLog(node, "", skipped, (), "node log: no journal and no log file on the node")
    return NodeLog(node, source, skipped, kept, cut=max(_matched(body), len(every)) - len(kept))


def _matched(body: Sequence[str]) -> int:
    """How many lines the reader matched before keeping its last --log-lines."""
    for line in body:
        if line.startswith("==== matched ") and line[len("==== matched ") :].isdigit():
            return int(line[len("==== matched ") :])
    return 0


def pod_mentions(log: NodeLog, namespace: str, pod: str) -> tuple[LogMention, ...]:
    """The lines about one pod: those naming it, and those naming the ids its lines gave."""
    own = [
        line
        for line in log.lines
        if f"{namespace}/{pod}" in line
        or (f"Name:{pod}," in line and f"Namespace:{namespace}," in line)
    ]
    ids = {i for line in own for i in ID.findall(line)}
    chosen = [
        line
        for line in log.lines
        if line in own or any(i in line for i in ID.findall(line) if i in ids)
    ]
    return tuple(LogMention(log.source, line) for line in chosen)
