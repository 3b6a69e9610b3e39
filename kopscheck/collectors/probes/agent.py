"""The node agent: a short-lived DaemonSet that prints what only the node can show.

Per node: the kubelet's argv (`/proc/<kubelet>/cmdline`, hostPID), `/etc/sysconfig/kubelet`,
the files of `/etc/cni/net.d`, the listing of `/opt/cni/bin`, the node's IPv4 forwarding switch
(`/proc/sys/net/ipv4/ip_forward`: on the host network, /proc/sys/net is the node's; its first
65 bytes, two lines at most) and recent kubelet log lines. All host paths are mounted read-only.
Kubeconfigs and tokens are blanked by `sed` on the node, before anything is printed; kopscheck
blanks credentials again as it reads (defence in depth).
It tolerates every taint, so NotReady nodes are covered. Its output is read with `pods/log`.
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

NAME = "node-agent"
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,200}")  # a file name, never a path
NO_OUTPUT = "no agent output in the pod's log"
SILENT_POLLS = 5  # the agent prints as it starts: a running agent silent this long never will
BEGIN, END = "==== kopscheck-agent 1", "==== end"
HOST_PATHS = {
    "sysconfig": "/etc/sysconfig",
    "cni-net-d": "/etc/cni/net.d",
    "cni-bin": "/opt/cni/bin",
    "var-log": "/var/log",
}
# Blank the values of credential-looking keys (kubeconfig data, tokens, passwords) and JWTs.
SCRIPT = r"""
red() { sed -E \
  -e 's/(TOKEN_KEY"?[[:space:]]*[:=][[:space:]]*"?)[^",[:space:]]+/\1<redacted>/g' \
  -e 's/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/<redacted>/g'; }
echo "==== kopscheck-agent 1"
pid=$(pidof kubelet | cut -d' ' -f1)
if [ -n "$pid" ]; then
  echo "==== file kubelet.cmdline"; tr '\0' '\n' < /proc/$pid/cmdline | red
fi
if [ -f /host/etc/sysconfig/kubelet ]; then
  echo "==== file sysconfig-kubelet"; red < /host/etc/sysconfig/kubelet
fi
for f in /host/etc/cni/net.d/*; do
  [ -f "$f" ] || continue
  echo "==== cni-net.d $(basename "$f")"; head -c 65536 "$f" | red; echo
done
echo "==== file cni-bin.txt"; ls -l /host/opt/cni/bin 2>&1
fwd=$(head -c 65 /proc/sys/net/ipv4/ip_forward 2>&1 | head -n 2)
echo "==== file ip_forward"; printf '%s\n' "$fwd"
if [ -f /host/var/log/kubelet.log ]; then
  echo "==== file kubelet.log"; tail -n 500 /host/var/log/kubelet.log | red
else
  for f in /host/var/log/syslog /host/var/log/messages; do
    [ -f "$f" ] || continue
    echo "==== file kubelet.log"
    grep -E 'kubelet(\[[0-9]+\])?:' "$f" | tail -n 500 | red; break
  done
fi
echo "==== end"
exec sleep 3600
""".replace(
    "TOKEN_KEY",
    "[A-Za-z_-]*([Tt]oken|[Pp]ass(word|wd)|[Ss]ecret|client-key-data|client-certificate-data)"
    "[A-Za-z_-]*",
)


@dataclass(frozen=True, slots=True)
class AgentOutput:
    """What the agent printed on one node, or why it could not be read."""

    node: str
    # "kubelet.cmdline", "sysconfig-kubelet", "cni-bin.txt", "ip_forward", "kubelet.log"
    files: Mapping[str, str]
    cni_configs: Mapping[str, str]
    error: str = ""


def daemonset_body(ws: Workspace, options: ProbeOptions, nodes: Sequence[str]) -> dict[str, Any]:
    """The agent on the probed nodes only (node affinity on their names), on the host network
    so that it runs where the CNI is broken, tolerating every taint."""
    labels = {"kopscheck.io/probe": "node-agent", **ws.labels}
    volumes = [{"name": k, "hostPath": {"path": p}} for k, p in HOST_PATHS.items()]
    mounts = [
        {"name": k, "mountPath": f"/host{p}", "readOnly": True} for k, p in HOST_PATHS.items()
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": ws.metadata(NAME, {"kopscheck.io/probe": "node-agent"}),
        "spec": {
            "selector": {"matchLabels": {"kopscheck.io/probe": "node-agent", **ws.labels}},
            "template": {
                "metadata": {"labels": labels, "annotations": ws.metadata(NAME)["annotations"]},
                "spec": {
                    "hostPID": True,
                    "hostNetwork": True,
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {
                                        "matchFields": [
                                            {
                                                "key": "metadata.name",
                                                "operator": "In",
                                                "values": list(nodes),
                                            }
                                        ]
                                    }
                                ]
                            }
                        }
                    },
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": 1,
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [
                        {
                            "name": "agent",
                            "image": options.tools_image,
                            "command": ["sh", "-c", SCRIPT],
                            "volumeMounts": mounts,
                            "resources": {"requests": {"cpu": "5m", "memory": "16Mi"}},
                            "securityContext": {"readOnlyRootFilesystem": True},
                        }
                    ],
                    "volumes": volumes,
                },
            },
        },
    }


def read_outputs(
    requester: Requester,
    ws: Workspace,
    nodes: Sequence[str],
    timeout: float,
    poll: float,
    dead: frozenset[str] = frozenset(),
) -> dict[str, AgentOutput]:
    """Each node's agent output, waiting up to `timeout` for every node to print its end line;
    `dead` nodes (whose kubelet never took the lifecycle pod) are read once, not waited for."""
    end = time.monotonic() + timeout
    found: dict[str, AgentOutput] = {}
    silent: dict[str, int] = {}  # polls in a row a running agent's log had no output
    while True:
        pods = _agent_pods(requester, ws)
        refused = "" if pods else _refusal(requester, ws)
        if refused:  # admission (Pod Security, a policy webhook) refused the agent's pods
            return {n: AgentOutput(n, {}, {}, refused) for n in nodes}
        for node in nodes:
            if node in found and (not found[node].error or silent.get(node, 0) >= SILENT_POLLS):
                continue
            found[node] = _read_one(requester, ws, node, pods.get(node))
            running = ((pods.get(node) or {}).get("status") or {}).get("phase") == "Running"
            if running and found[node].error.startswith(NO_OUTPUT):
                silent[node] = silent.get(node, 0) + 1
        pending = [
            n for n in nodes if found[n].error and silent.get(n, 0) < SILENT_POLLS and n not in dead
        ]
        if not pending or time.monotonic() >= end or ws.remaining() <= 0:
            return found
        time.sleep(poll)


def _refusal(requester: Requester, ws: Workspace) -> str:
    """Why the DaemonSet controller could not create the agent's pods (its FailedCreate event)."""
    try:
        doc = requester.raw(f"/api/v1/namespaces/{ws.namespace}/events").json("events")
    except ApiFailure:
        return ""
    for event in doc.get("items") or ():
        involved = event.get("involvedObject") or {}
        if involved.get("kind") == "DaemonSet" and event.get("reason") == "FailedCreate":
            message = " ".join(str(event.get("message") or "").split())
            return f"the cluster refused the node agent's pods: {redact(message)[:400]}"
    return ""


def _agent_pods(requester: Requester, ws: Workspace) -> dict[str, Mapping[str, Any]]:
    selector = f"{ws.selector},kopscheck.io/probe=node-agent"
    doc = requester.raw(PODS.path(ws.namespace), [("labelSelector", selector)]).json("agent pods")
    pods = [p for p in doc.get("items") or () if isinstance(p, dict)]
    return {str((p.get("spec") or {}).get("nodeName") or ""): p for p in pods}


def _read_one(
    requester: Requester, ws: Workspace, node: str, pod: Mapping[str, Any] | None
) -> AgentOutput:
    if pod is None:
        return AgentOutput(node, {}, {}, "no node agent pod on this node (yet)")
    name = str(pod["metadata"]["name"])
    try:
        reply = requester.raw(PODS.path(ws.namespace, name) + "/log", [("limitBytes", "1048576")])
    except ApiFailure as failure:
        phase = (pod.get("status") or {}).get("phase") or "Pending"
        return AgentOutput(node, {}, {}, f"agent pod {name} ({phase}): {describe_failure(failure)}")
    return parse_output(node, reply.text())


def parse_output(node: str, text: str) -> AgentOutput:
    """Split the agent's printout into files; an error when it is not (yet) complete."""
    lines = text.splitlines()
    if BEGIN not in lines:
        first = next((line for line in lines if line.strip()), "empty log")
        return AgentOutput(node, {}, {}, f"{NO_OUTPUT}: {redact(first)[:200]}")
    if END not in lines:
        return AgentOutput(node, {}, {}, "the agent's output is incomplete")
    files: dict[str, list[str]] = {}
    cni: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[lines.index(BEGIN) + 1 : lines.index(END)]:
        if line.startswith("==== file "):
            current = files.setdefault(line[len("==== file ") :].strip(), [])
        elif line.startswith("==== cni-net.d "):
            name = line[len("==== cni-net.d ") :].strip()
            current = cni.setdefault(name, []) if SAFE_NAME.fullmatch(name) else None
        elif current is not None:
            current.append(line)
    return AgentOutput(
        node,
        {k: redact("\n".join(v) + "\n") for k, v in files.items()},
        {k: redact("\n".join(v).rstrip("\n") + "\n") for k, v in cni.items()},
    )
