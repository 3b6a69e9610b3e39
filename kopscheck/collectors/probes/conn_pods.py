"""The connectivity probe's objects: server, hostNetwork server, Service, and the clients.

Servers are busybox `httpd`; clients are one busybox shell each that tries every target at once
(`nc` for HTTP, `ping` for the path MTU, `nslookup` for DNS) and writes one line per target to
its termination message, which the API returns in the pod's status: no exec, no logs needed.
The path-MTU ping is sent don't-fragment: `ping -M do` where the image's ping has it, else
busybox's, whose socket keeps the kernel default (path-MTU discovery: DF set on a packet that
fits the interface) and which therefore gets one attempt only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kopscheck.collectors.probes.lifecycle import tolerations
from kopscheck.collectors.probes.options import ProbeOptions
from kopscheck.collectors.probes.workspace import RUN_LABEL, Workspace
from kopscheck.model.facts import Node

ROLE = "kopscheck.io/probe"
SERVER_PORT = 8080
SERVICE = "connectivity"
MAX_DETAIL = 48
SERVE = (
    "mkdir -p /tmp/www && echo kopscheck > /tmp/www/index.html"
    ' && exec httpd -f -p "$PORT" -h /tmp/www'
)
CLIENT = r"""
mtu=$(cat /sys/class/net/eth0/mtu 2>/dev/null || echo 0)
PING_KEEP='transmitted|ping:|Message too long'
DNS_KEEP='^Address|NXDOMAIN|timed out|can.t|no servers'
df=""; ping -M do -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 && df="-M do"
attempt() {
  case $kind in
  http) out=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc -w 2 "$ip" "$port" 2>&1 | head -1)
        case "$out" in HTTP/*) rc=0;; *) rc=1; [ -n "$out" ] || out="no answer";; esac;;
  mtu) out=$(timeout 4 ping $df -c 1 -W 3 -s $((mtu - 28)) "$ip" 2>&1 | grep -E "$PING_KEEP" |
         head -1)
       case "$out" in *" 1 packets received"*|*" 1 received"*) rc=0;; *) rc=1;; esac;;
  dns) out=$(timeout 5 nslookup "$ip" 2>&1 | grep -E "$DNS_KEEP" | tail -1)
       case "$out" in Address*) rc=0;; *) rc=1;; esac;;
  esac
}
probe() {
  start=$(date +%s); end=$((start + WINDOW))
  while :; do
    attempt
    [ "$rc" = 0 ] && break
    [ "$kind" = mtu ] && [ -z "$df" ] && break
    [ "$(date +%s)" -ge "$end" ] && break
    sleep 1
  done
  detail=$(echo "$out" | tr -c 'A-Za-z0-9 .:/%_-' ' ' | cut -c1-DETAIL)
  echo "R $i $rc $(( $(date +%s) - start )) $detail" > /tmp/r.$i
}
echo "M $mtu" > /tmp/r.0
echo "$TARGETS" | { while read i kind ip port; do [ -n "$i" ] && probe & done; wait; }
cat /tmp/r.* > /dev/termination-log
""".replace("DETAIL", str(MAX_DETAIL))
RESULT = re.compile(r"^R (\d+) (\d+) (\d+) ?(.*)$")
MTU_LINE = re.compile(r"^M (\d+)$")


@dataclass(frozen=True, slots=True)
class Target:
    """One line of a client's TARGETS: `index kind address port`."""

    index: int
    kind: str  # http, mtu, dns
    address: str
    port: int = 0

    def line(self) -> str:
        return f"{self.index} {self.kind} {self.address} {self.port}"


def pod_name(role: str, node: str) -> str:
    return f"conn-{role}-{node}"[:63].rstrip("-.")


def _pod(
    ws: Workspace, role: str, node: Node, container: dict[str, Any], host: bool, life: int
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "nodeName": node.name,
        "restartPolicy": "Never",
        "activeDeadlineSeconds": max(life, 30),
        "terminationGracePeriodSeconds": 1,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "tolerations": tolerations(node),
        "containers": [container],
    }
    if host:
        spec |= {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": ws.metadata(pod_name(role, node.name), {ROLE: f"conn-{role}"}),
        "spec": spec,
    }


def _container(
    options: ProbeOptions, name: str, script: str, env: dict[str, str]
) -> dict[str, Any]:
    return {
        "name": name,
        "image": options.tools_image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", script],
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "terminationMessagePolicy": "File",
        "resources": {"requests": {"cpu": "5m", "memory": "16Mi"}},
        # root with NET_RAW only: busybox ping opens a raw socket
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"], "add": ["NET_RAW", "NET_BIND_SERVICE"]},
            "runAsUser": 0,
        },
    }


def server_body(ws: Workspace, node: Node, options: ProbeOptions, host: bool) -> dict[str, Any]:
    port = options.host_port if host else SERVER_PORT
    container = _container(options, "serve", SERVE, {"PORT": str(port)})
    container["ports"] = [{"containerPort": port, "name": "http"}] if not host else []
    life = int(ws.remaining()) + 60
    return _pod(ws, "host-server" if host else "server", node, container, host, life)


def client_body(
    ws: Workspace, node: Node, options: ProbeOptions, targets: Sequence[Target], host: bool
) -> dict[str, Any]:
    env = {
        "TARGETS": "\n".join(t.line() for t in targets),
        "WINDOW": str(max(int(options.pair_window), 1)),
    }
    container = _container(options, "probe", CLIENT, env)
    life = int(options.pair_window) + 90
    return _pod(ws, "host-client" if host else "client", node, container, host, life)


def service_body(ws: Workspace) -> dict[str, Any]:
    """ClusterIP and NodePort; both traffic policies Local, so the node asked answers itself.

    The NodePort is tried from the hostNetwork clients, as a load balancer's traffic arrives:
    kube-proxy sends a pod's traffic to a NodePort to any endpoint, whatever the policy, and
    without masquerading it, so an endpoint on a third node (or the client's own) answers the
    client directly, and the client drops an answer from an address it never called.
    """
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": ws.metadata(SERVICE),
        "spec": {
            "type": "NodePort",
            "selector": {ROLE: "conn-server", RUN_LABEL: ws.run_id},
            "ports": [{"port": SERVER_PORT, "targetPort": SERVER_PORT, "protocol": "TCP"}],
            "internalTrafficPolicy": "Local",
            "externalTrafficPolicy": "Local",
        },
    }


@dataclass(frozen=True, slots=True)
class ClientOutput:
    mtu: int | None
    results: dict[int, tuple[bool, float, str]]  # index -> (passed, seconds, detail)


def parse_output(message: str) -> ClientOutput:
    """A client's termination message: its MTU and one result per target index."""
    mtu: int | None = None
    results: dict[int, tuple[bool, float, str]] = {}
    for raw in message.splitlines():
        line = raw.strip()
        if match := MTU_LINE.match(line):
            mtu = int(match.group(1)) or None
        elif match := RESULT.match(line):
            index, rc, seconds, detail = match.groups()
            results[int(index)] = (rc == "0", float(seconds), detail.strip()[:MAX_DETAIL])
    return ClientOutput(mtu, results)
