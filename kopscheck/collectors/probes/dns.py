"""The `dns.resolution` probe: one pod asks the DNS Service and each DNS endpoint two names.

Names are fully qualified with a trailing dot (`kubernetes.default.svc.cluster.local.`), so no
search path is applied: busybox 1.29+ `nslookup` prints NXDOMAIN for search-path expansions on a
healthy cluster, a false alarm this avoids. The pod writes one line per query to its
termination message, which the API returns in the pod's status: no `pods/log` or exec needed.
A pod whose result never arrives (a node that does not run containers) is "not observed".
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kopscheck.collectors.kube.client import ApiFailure, Requester, describe_failure
from kopscheck.collectors.output.redact import redact
from kopscheck.collectors.probes.lifecycle import tolerations
from kopscheck.collectors.probes.options import ProbeOptions
from kopscheck.collectors.probes.workspace import PODS, Workspace
from kopscheck.model.facts import Endpoints, Node, Service
from kopscheck.model.probes import DnsProbe, DnsQuery, Lookup

POD = "dns-resolution"
MAX_ENDPOINTS = 8  # the termination message holds 4 KiB
DNS_SERVICES = ("kube-dns", "coredns")
SCRIPT = r"""
for s in $SERVERS; do for n in $NAMES; do
  out=$(timeout 6 nslookup -type=a "$n" "$s" 2>&1); rc=$?
  keep=$(echo "$out" | grep -E "$KEEP" | tr '\n' '|')
  echo "Q $s $n $rc $keep"
done; done > /dev/termination-log
"""
KEEP = "^Name:|^Address: |NXDOMAIN|SERVFAIL|REFUSED|timed out|no servers|can.t"
QUERY_LINE = re.compile(r"^Q (\S+) (\S+) (\d+) ?(.*)$")


@dataclass(frozen=True, slots=True)
class Target:
    """A DNS server to ask: the Service's cluster IP or one endpoint."""

    ip: str
    via: str
    ref: str


def dns_targets(
    services: Sequence[Service], endpoints: Sequence[Endpoints]
) -> tuple[list[Target], str]:
    """The cluster DNS Service and its ready endpoints; or an empty list and why."""
    service = next(
        (
            s
            for name in DNS_SERVICES
            for s in services
            if s.namespace == "kube-system" and s.name == name and s.cluster_ip not in ("", "None")
        ),
        None,
    )
    if service is None:
        return (
            [],
            "no kube-dns or coredns Service with a cluster IP in kube-system (see dns.rollout)",
        )
    targets = [Target(service.cluster_ip, "service", f"Service/kube-system/{service.name}")]
    ends = next(
        (e for e in endpoints if e.namespace == "kube-system" and e.name == service.name), None
    )
    for address in (ends.ready if ends else ())[:MAX_ENDPOINTS]:
        ref = (
            f"Pod/{address.target.namespace}/{address.target.name}"
            if address.target
            else address.ip
        )
        targets.append(Target(address.ip, "endpoint", ref))
    return targets, ""


def names(domain: str, external: str) -> tuple[str, str]:
    return f"kubernetes.default.svc.{domain.strip('.')}.", f"{external.strip('.')}."


def pod_body(
    ws: Workspace, node: Node, targets: Sequence[Target], domain: str, options: ProbeOptions
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": ws.metadata(POD, {"kopscheck.io/probe": "dns"}),
        "spec": {
            "nodeName": node.name,
            "restartPolicy": "Never",
            "activeDeadlineSeconds": max(int(options.dns_timeout) + 30, 30),
            "terminationGracePeriodSeconds": 1,
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "tolerations": tolerations(node),
            "dnsPolicy": "Default",  # the servers are named explicitly; no search path at all
            "containers": [
                {
                    "name": "resolve",
                    "image": options.tools_image,
                    "command": ["sh", "-c", SCRIPT],
                    "env": [
                        {"name": "SERVERS", "value": " ".join(t.ip for t in targets)},
                        {"name": "KEEP", "value": KEEP},
                        {"name": "NAMES", "value": " ".join(names(domain, options.external_name))},
                    ],
                    "terminationMessagePolicy": "File",
                    "resources": {"requests": {"cpu": "5m", "memory": "16Mi"}},
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]},
                        "runAsNonRoot": True,
                        "runAsUser": 65534,
                    },
                }
            ],
        },
    }


def wait_for_answer(
    requester: Requester, ws: Workspace, timeout: float, poll: float
) -> tuple[str | None, str]:
    """The pod's termination message, or None and why it could not be observed."""
    end = time.monotonic() + timeout
    phase, detail = "", ""
    while True:
        try:
            pod = requester.raw(PODS.path(ws.namespace, POD)).json("get the DNS probe pod")
        except ApiFailure as failure:
            return None, f"could not read the DNS probe pod: {describe_failure(failure)}"
        status = pod.get("status") or {}
        phase = str(status.get("phase") or "Pending")
        for container in status.get("containerStatuses") or ():
            state = container.get("state") or {}
            if "terminated" in state:
                return str(state["terminated"].get("message") or ""), ""
            detail = str((state.get("waiting") or {}).get("reason") or detail)
        if phase in ("Failed", "Succeeded"):
            why = status.get("reason") or "no reason"
            return None, f"the DNS probe pod ended {phase} ({why}) without a result"
        if time.monotonic() >= end or ws.remaining() <= 0:
            waiting = f", {detail}" if detail else ""
            return None, (
                f"the DNS probe pod gave no result within {timeout:g}s (phase {phase}{waiting}):"
                " its node may not run containers, so nothing was observed"
            )
        time.sleep(poll)


def parse_answers(
    message: str, targets: Sequence[Target], domain: str, external: str
) -> tuple[DnsQuery, ...]:
    """One query per `Q server name rc output` line, judged strictly."""
    by_ip = {t.ip: t for t in targets}
    _internal, outside = names(domain, external)
    queries = []
    for line in message.splitlines():
        match = QUERY_LINE.match(line.strip())
        if not match or match.group(1) not in by_ip:
            continue
        server, name, rc, output = match.groups()
        target = by_ip[server]
        parts = [p.strip() for p in output.split("|") if p.strip()]
        outcome, addresses = _judge(int(rc), parts)
        queries.append(
            DnsQuery(
                server,
                target.via,
                target.ref,
                name,
                name == outside,
                outcome,
                addresses,
                redact("; ".join(parts))[:300],
            )
        )
    return tuple(queries)


def _judge(rc: int, parts: Sequence[str]) -> tuple[Lookup, tuple[str, ...]]:
    addresses: list[str] = []
    answered = False
    for part in parts:
        if part.startswith("Name:"):
            answered = True
        elif answered and part.startswith("Address: "):
            addresses.append(part.split()[-1])
    text = " ".join(parts)
    if addresses:
        return Lookup.RESOLVED, tuple(addresses)
    if "NXDOMAIN" in text:
        return Lookup.NXDOMAIN, ()
    if rc in (124, 143) or "timed out" in text or "no servers" in text:
        return Lookup.TIMEOUT, ()
    return Lookup.ERROR, ()


def not_observed(
    ws: Workspace, node: str, domain: str, options: ProbeOptions, reason: str
) -> DnsProbe:
    return DnsProbe(
        ws.run_id, ws.namespace, POD, node, options.tools_image, domain, (), False, reason
    )


def cluster_domain(configz: Mapping[str, Any] | None) -> str:
    domain = (configz or {}).get("clusterDomain")
    return str(domain) if isinstance(domain, str) and domain else "cluster.local"
