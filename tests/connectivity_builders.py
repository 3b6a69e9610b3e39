"""Connectivity probe outcomes for the demo bundles (`probes/connectivity.json`).

Used by the connectivity tests and for the demo bundles (lead: make_demo_bundles.py should call
`add_connectivity(out)` after the bundles are
built; it reads each bundle's nodes.json, so it works on whatever the generator wrote). The
outcomes are what kopscheck's client pods record: busybox `nc` answered by `httpd` ("HTTP/1.0
200 OK"), or `nc: timed out` / `ping: ... 100% packet loss` when a path is broken. A node
without its VPC route (kubenet) loses every pod pair to and from it; same-node pairs, the
cluster IP (Local policy: answered on the client's own node) and pod-to-node via the node's own
address keep working.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kopscheck.collectors.offline.connectivity_file import CONNECTIVITY_FILE, connectivity_doc
from kopscheck.collectors.offline.probe_files import SCHEMA
from kopscheck.model.connectivity import (
    ClassSkip,
    ConnectivityProbe,
    Outcome,
    PairResult,
    ProbeClass,
    ProbeEndpoint,
)
from kopscheck.model.results import Finding

RUN = "20261128-124500-3fa9"
SERVER_PORT = 8080
HOST_PORT = 19180
NODE_PORT = 31180
CLUSTER_IP = "100.64.17.42"
MTU = 9001  # an AWS VPC's jumbo frames, as kubenet's ptp pods inherit them
OK = "HTTP/1.0 200 OK"
TIMED_OUT = "nc: timed out"
LOST = "1 packets transmitted, 0 packets received, 100% packet loss"
EXTERNAL_SKIP = "no --probe-external-target given"


@dataclass(frozen=True, slots=True)
class ProbeNode:
    """A sampled node as the probe sees it."""

    name: str
    ip: str
    pod_cidr: str
    zone: str = "us-east-1a"
    group: str = "nodes-us-east-1a"

    def pod_ip(self, host: int) -> str:
        return self.pod_cidr.rsplit(".", 1)[0] + f".{host}"


@dataclass(frozen=True, slots=True)
class Faults:
    """What is broken, per node: the names of the nodes each fault is on."""

    unrouted: frozenset[str] = frozenset()  # its podCIDR has no route in the VPC
    small_mtu: frozenset[str] = frozenset()  # a link on its path carries less than MTU
    no_proxy: frozenset[str] = frozenset()  # kube-proxy is not running on it
    # its security groups admit nothing from the other nodes (replies to its own requests pass)
    firewalled: frozenset[str] = frozenset()
    # its security groups let nothing out to the other nodes (replies to their requests pass);
    # its DNS queries, to the cluster DNS elsewhere, are lost too
    muzzled: frozenset[str] = frozenset()
    # the cluster DNS does not answer its pods, while other Service IPs work (CoreDNS at fault)
    no_dns_answer: frozenset[str] = frozenset()
    # its IPv4 forwarding is off: nothing to or from its pods crosses to another node (its DNS
    # queries, to the cluster DNS elsewhere, are lost too; a NodePort to it reaches no pod);
    # its same-node pairs and the cluster IP answered on it keep working
    unforwarded: frozenset[str] = frozenset()


def matrix(
    nodes: Iterable[ProbeNode],
    faults: Faults = Faults(),
    total: int | None = None,
    dns_ip: str = "100.64.0.10",
) -> ConnectivityProbe:
    """The outcome of one probe run over `nodes` with `faults` in place."""
    sampled = list(nodes)
    endpoints: list[ProbeEndpoint] = []
    for node in sampled:
        for role, ip in (("server", node.pod_ip(4)), ("client", node.pod_ip(5))):
            endpoints.append(
                ProbeEndpoint(
                    role,
                    node.name,
                    f"conn-{role}-{node.name}",
                    ip,
                    node.ip,
                    node.zone,
                    node.group,
                    MTU if role == "client" else None,
                )
            )
        for role in ("host-server", "host-client"):
            endpoints.append(
                ProbeEndpoint(
                    role,
                    node.name,
                    f"conn-{role}-{node.name}",
                    node.ip,
                    node.ip,
                    node.zone,
                    node.group,
                )
            )
    pairs: list[PairResult] = []
    for src in sampled:
        for dst in sampled:
            pairs += _node_pairs(src, dst, faults)
        proxied = src.name not in faults.no_proxy
        resolved = proxied and not ({src.name} & (faults.muzzled | faults.unforwarded))
        pairs.append(
            _pair(
                ProbeClass.CLUSTER_IP,
                src.name,
                "Service/probe",
                f"{CLUSTER_IP}:{SERVER_PORT}",
                proxied,
            )
        )
        pairs.append(
            _pair(
                ProbeClass.DNS,
                src.name,
                "kubernetes.default",
                dns_ip,
                resolved and src.name not in faults.no_dns_answer,
                "Address: 100.64.0.1",
            )
        )
    count = len(sampled)
    return ConnectivityProbe(
        run_id=RUN,
        namespace=f"kopscheck-{RUN}",
        image="docker.io/library/busybox:1.36",
        endpoints=tuple(endpoints),
        pairs=tuple(pairs),
        nodes_total=total or count,
        selection=f"{count} of {total or count} nodes (one per instance group and zone, then NotReady first)",
        skipped=(ClassSkip(ProbeClass.EXTERNAL, EXTERNAL_SKIP),),
    )


EXTERNAL_TARGET = "203.0.113.80:80"  # TEST-NET-3: a documentation address, never routed


def with_external(
    probe: ConnectivityProbe, pods_out: Iterable[str], nodes_out: Iterable[str]
) -> ConnectivityProbe:
    """The probe run with --probe-external-target: every node's client pod and host network
    try it; only the pods of `pods_out` and the host networks of `nodes_out` get an answer."""
    pods, hosts = set(pods_out), set(nodes_out)
    names = list(dict.fromkeys(e.node for e in probe.endpoints))

    def tried(name: str, ok: bool) -> PairResult:
        return _pair(ProbeClass.EXTERNAL, name, EXTERNAL_TARGET, EXTERNAL_TARGET, ok)

    return replace(
        probe,
        pairs=(*probe.pairs, *(tried(n, n in pods) for n in names)),
        external_from_nodes=tuple(tried(n, n in hosts) for n in names),
        skipped=tuple(s for s in probe.skipped if s.probe is not ProbeClass.EXTERNAL),
        external_target=EXTERNAL_TARGET,
    )


def _node_pairs(src: ProbeNode, dst: ProbeNode, faults: Faults) -> list[PairResult]:
    same = src.name == dst.name
    admitted = same or (dst.name not in faults.firewalled and src.name not in faults.muzzled)
    # a pod on either end needs its podCIDR routed by the VPC (request or reply)
    lost = faults.unrouted | faults.unforwarded
    routed = admitted and (same or not ({src.name, dst.name} & lost))
    src_routed = admitted and (same or src.name not in lost)
    dst_routed = admitted and dst.name not in lost
    mtu_ok = routed and (same or not ({src.name, dst.name} & faults.small_mtu))
    pod = f"{dst.pod_ip(4)}:{SERVER_PORT}"
    found = [
        _pair(
            ProbeClass.POD_SAME_NODE if same else ProbeClass.POD_CROSS_NODE,
            src.name,
            dst.name,
            pod,
            routed,
        ),
        _pair(
            ProbeClass.PATH_MTU,
            src.name,
            dst.name,
            f"{dst.pod_ip(4)} size {MTU - 28}",
            mtu_ok,
            "1 packets transmitted, 1 packets received, 0% packet loss",
        ),
    ]
    if not same:
        found += [
            _pair(
                ProbeClass.NODE_TO_POD,
                src.name,
                dst.name,
                pod,
                dst_routed,
            ),
            _pair(ProbeClass.POD_TO_NODE, src.name, dst.name, f"{dst.ip}:{HOST_PORT}", src_routed),
            # from the node's host network: no podCIDR on the way, only dst's kube-proxy
            _pair(
                ProbeClass.NODE_PORT,
                src.name,
                dst.name,
                f"{dst.ip}:{NODE_PORT}",
                admitted and not ({dst.name} & (faults.no_proxy | faults.unforwarded)),
            ),
        ]
    return found


def _pair(
    probe: ProbeClass, src: str, dst: str, target: str, ok: bool, good: str = OK
) -> PairResult:
    if ok:
        return PairResult(probe, src, dst, target, Outcome.PASS, 0.01, good)
    bad = LOST if probe is ProbeClass.PATH_MTU else TIMED_OUT
    if probe is ProbeClass.DNS:
        bad = ";; connection timed out; no servers could be reached"
    return PairResult(probe, src, dst, target, Outcome.FAIL, 3.0, bad)


def nodes_of(bundle: Path, names: Iterable[str] | None = None) -> list[ProbeNode]:
    """The bundle's worker nodes (or the named ones) as the probe would sample them."""
    doc = json.loads((bundle / "cluster-info" / "nodes.json").read_text(encoding="utf-8"))
    wanted = list(names) if names is not None else None
    found: dict[str, ProbeNode] = {}
    for item in doc["items"]:
        meta, spec = item["metadata"], item.get("spec") or {}
        labels: Mapping[str, str] = meta.get("labels") or {}
        if wanted is None and "node-role.kubernetes.io/control-plane" in labels:
            continue
        ip = next(a["address"] for a in item["status"]["addresses"] if a["type"] == "InternalIP")
        found[meta["name"]] = ProbeNode(
            meta["name"],
            ip,
            spec.get("podCIDR", ""),
            labels.get("topology.kubernetes.io/zone", ""),
            labels.get("kops.k8s.io/instancegroup", ""),
        )
    return [found[n] for n in wanted] if wanted is not None else list(found.values())


def write(bundle: Path, probe: ConnectivityProbe) -> None:
    path = bundle / CONNECTIVITY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = connectivity_doc(probe, SCHEMA)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def add_connectivity(out: Path) -> None:
    """Probe outcomes for the demo bundles: all pass on `healthy`; on `kubenet-route-limit`
    two of the four sampled nodes have no route (the table is full)."""
    write(out / "healthy", matrix(nodes_of(out / "healthy")))
    limit = out / "kubenet-route-limit"
    every = nodes_of(limit)
    routed, unrouted = every[:2], every[-2:]
    probe = matrix(
        routed + unrouted,
        Faults(unrouted=frozenset(n.name for n in unrouted)),
        total=len(every) + 1,
    )
    write(limit, probe)


# the classes between two nodes' addresses: the ones a security group can refuse
NODE_IP_CLASSES = frozenset(
    {"pod-cross-node", "node-to-pod", "pod-to-node", "node-port", "path-mtu"}
)
# what each of them puts on a kubenet wire: (protocol, port, ICMP type)
KUBENET_WIRE = {
    "pod-cross-node": ("tcp", SERVER_PORT, None),
    "node-to-pod": ("tcp", SERVER_PORT, None),
    "pod-to-node": ("tcp", HOST_PORT, None),
    "node-port": ("tcp", NODE_PORT, None),
    "path-mtu": ("icmp", None, 8),
}


def wire_evidence(found: Mapping[str, Finding], hop: str, node: str) -> dict[str, tuple[Any, ...]]:
    """The packet each node-IP class's `hop` finding on `node` names: (protocol, port, type)."""
    return {
        c: (
            found[f"{c}/{hop}/{node}"].evidence["protocol"],
            found[f"{c}/{hop}/{node}"].evidence.get("port"),
            found[f"{c}/{hop}/{node}"].evidence.get("icmp_type"),
        )
        for c in NODE_IP_CLASSES
    }
