from __future__ import annotations

from collections.abc import Sequence

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.signals import Signal
from kopscheck.model.connectivity import (
    CLASSES,
    ConnectivityProbe,
    HopKind,
    Outcome,
    PairResult,
    ProbeClass,
    hop_group,
)
from kopscheck.model.facts import JSON, Fact, ObjectRef
from kopscheck.model.results import Code, Finding, Status, Verdict

from .hops import Facts, Hop, judge
from .judge_facts import judge_facts

CLASS_WORDS = {
    ProbeClass.POD_SAME_NODE: "pod to pod on the same node",
    ProbeClass.POD_CROSS_NODE: "pod to pod across nodes",
    ProbeClass.CLUSTER_IP: "pod to the Service's cluster IP",
    ProbeClass.NODE_PORT: "node (hostNetwork) to another node's NodePort",
    ProbeClass.NODE_TO_POD: "node (hostNetwork) to pod",
    ProbeClass.POD_TO_NODE: "pod to node (hostNetwork)",
    ProbeClass.EXTERNAL: "pod to the external target",
    ProbeClass.DNS: "DNS from each client pod",
    ProbeClass.PATH_MTU: "path MTU (don't-fragment at the interface MTU minus 28)",
}
MAX_PAIRS_SHOWN = 20
PROBE_POD_HOPS = (HopKind.SOURCE_POD, HopKind.DESTINATION_POD)


class Connectivity(Check):
    """Pods reach pods, Services, nodes and the world at the path MTU; a failure names its hop.

    Why: the other checks read how the network is configured; this one sends packets. With
    `--probe`, kopscheck runs a server pod (HTTP) and a hostNetwork server on each sampled node
    (one per instance group and zone by default; `--probe-nodes`), one Service (ClusterIP and
    NodePort, traffic policies Local, so each answer comes from the node asked), then a client
    pod and a hostNetwork client on each node, which try every peer at once within the probe's
    deadline. The classes: pod-same-node (client to the server on its own node: the node's
    bridge or veth routes); pod-cross-node (to the server on each sampled peer, across nodes,
    zones and instance groups: the VPC route table for kubenet, the overlay otherwise);
    cluster-ip (to the Service's cluster IP: kube-proxy, or the provider's replacement, on the
    client's node); node-port (the hostNetwork client to each peer's InternalIP at the
    nodePort, as a load balancer's traffic arrives: the peer's kube-proxy); node-to-pod (a
    hostNetwork client to each server pod, as the kubelet's probes go); pod-to-node (to each
    peer's hostNetwork server); external (to --probe-external-target, from each client pod and
    from each node's host network: skipped when none is set, or when the nodes cannot reach it
    either, which is the target or the way out and not the pod network; a node that reaches it
    while its pods do not points at masquerade);
    dns (kubernetes.default through the client's resolv.conf; skipped when the cluster has no
    DNS Service); path-mtu (a don't-fragment ping of the client's eth0 MTU minus 28 bytes to
    each peer: an overlay or a node link with a smaller MTU drops it while small packets pass).
    A failed pair is judged hop by hop (source pod, source node, kube-proxy, the VPC route for
    either end's podCIDR, the security groups against the packet on the wire: the probe's own
    on kubenet and other native modes, an overlay's tunnel between the two nodes (IP protocol
    4, UDP 8472, ...) where the kops spec fixes it, first the source instance's egress rules
    (the request meets them first; kops's groups let everything out, hardened accounts may
    not), then the destination instance's ingress rules; the destination node and pod) from
    the facts already collected (node-forwarding: the node of a pod whose packets cross to
    another node or leave the cluster, either end, read with IPv4 forwarding off by the node
    agent; the source's before the VPC route, the destination's after the security groups, in
    the packet's order; same-node pairs and the node-local cluster IP are not blamed), and
    pairs no fact explains are grouped by the node they all run through. Each group is one
    finding, related to the node at fault, so the check that explains that node (a missing
    route in aws.route-table-health, a CNI config in cni.node-config) becomes the root cause
    and the broken pairs its evidence. Large clusters are sampled: a bounded number of peers
    per node (--probe-pairs-per-node), so the cost grows with the nodes, not their square.

    Fix: read the first failing group: its hop and node. vpc-route: restore the node's route
    (see aws.route-table-health). security-group-egress: add an egress rule to the source
    instance's named group for the protocol and port to the other nodes' group or to their
    pods' and nodes' ranges (kops's default is all traffic to 0.0.0.0/0). security-group: add
    an ingress rule to the named group for the protocol and port from the other nodes' group
    (kops's all-node-to-node rule) or their pods' range (an overlay's tunnel comes from the
    nodes' range). node-forwarding: net.ipv4.ip_forward=1 on that node (see
    cni.node-config/forwarding-off). source-node or
    destination-node: the node's CNI config, routes, forwarding (net.ipv4.ip_forward) and
    firewall, or security groups between the nodes' instances. service-proxy: kube-proxy on
    that node (its pod or unit, its log). path-mtu: lower the CNI's MTU below the smallest
    link (overlays need 50 bytes or more of headroom) or raise the link's. egress: NAT
    gateway, route to the internet, proxy.

    Step: "Validating CNI Installation": pods can reach each other, across nodes and zones.
    """

    id = "net.connectivity"
    family = "net"
    needs = frozenset({Fact.CONNECTIVITY})
    wants = frozenset(
        {
            Fact.NODES,
            Fact.AWS_ROUTE_TABLES,
            Fact.AWS_INSTANCES,
            Fact.AWS_SECURITY_GROUPS,
            Fact.NODE_FILES,
            Fact.PODS,
        }
    )
    explains: frozenset[str] = frozenset()
    codes = {
        "ok": Code("every pair of the class passed"),
        "class-skipped": Code("the class was not run (no target, no DNS Service, one node)"),
        "not-run": Code(
            "no pair of the class ran: the probe run ended first (its deadline, a signal)",
            fix="Run the probe again, with a longer --probe-timeout if its deadline ended it.",
        ),
        "no-nodes": Code(
            "no probe node was selected or could run a server",
            fix=(
                "Pick Ready nodes with --probe-nodes, or make the server pods run: the probe "
                "note says why none did (no Ready node; an image not pullable: mirror it and "
                "pass --probe-tools-image)."
            ),
        ),
        "broken-source-pod": Code(
            "pairs fail at the source-pod hop",
            fix="See pod.lifecycle for the client pod's node: the client never ran or got no IP.",
        ),
        "broken-source-node": Code(
            "pairs fail at the source-node hop",
            fix=(
                "On the client's node: its CNI config (cni.node-config), its routes to other "
                "podCIDRs, net.ipv4.ip_forward and iptables FORWARD, and the security group "
                "between the nodes' instances."
            ),
        ),
        "broken-node-forwarding": Code(
            "pairs fail at the node-forwarding hop",
            fix=(
                "Turn IPv4 forwarding on on the named node (sysctl -w net.ipv4.ip_forward=1, "
                "persisted in /etc/sysctl.d; see cni.node-config): with it off the node routes "
                "no packet between its interface and its pods."
            ),
        ),
        "broken-service-proxy": Code(
            "pairs fail at the service-proxy hop",
            fix=(
                "Check kube-proxy (or the provider's replacement) on the client's node: its pod "
                "in kube-system, its log, and its KUBE-SERVICES rules (iptables-save)."
            ),
        ),
        "broken-security-group-egress": Code(
            "pairs fail at the security-group-egress hop",
            fix=(
                "Add an egress rule to the source instance's security group for the protocol "
                "and port the finding names (an overlay's tunnel, such as IP protocol 4 or UDP "
                "8472, goes to the other nodes), to the other nodes' security group or to "
                "their pods' and nodes' address ranges (kops's groups allow all traffic out "
                "to 0.0.0.0/0)."
            ),
        ),
        "broken-vpc-route": Code(
            "pairs fail at the vpc-route hop",
            fix=(
                "Restore the route for the node's podCIDR to its instance in the VPC route "
                "table (see aws.route-table-health and aws.route-table-capacity)."
            ),
        ),
        "broken-security-group": Code(
            "pairs fail at the security-group hop",
            fix=(
                "Add an ingress rule to the destination instance's security group for the "
                "protocol and port the finding names (an overlay's tunnel, such as IP protocol "
                "4 or UDP 8472, comes from the other nodes), from the other nodes' security "
                "group (kops's all-node-to-node rule admits all traffic from the nodes group) "
                "or from their pods' and nodes' address ranges."
            ),
        ),
        "broken-path-mtu": Code(
            "pairs fail at the path-mtu hop",
            fix=(
                "Lower the CNI's MTU below the smallest link on the path (overlays need 50 "
                "bytes or more of headroom), or raise that link's MTU."
            ),
        ),
        "broken-destination-node": Code(
            "pairs fail at the destination-node hop",
            fix=(
                "On the destination node: its CNI config and routes, forwarding and firewall, "
                "and the security group rules that admit the other nodes' traffic."
            ),
        ),
        "broken-destination-pod": Code(
            "pairs fail at the destination-pod hop",
            fix="See pod.lifecycle for the server pod's node: the server never ran or got no IP.",
        ),
        "broken-egress": Code(
            "pairs fail at the egress hop",
            fix=(
                "Check the way out of the VPC: the NAT gateway or internet gateway route of the "
                "nodes' subnets, a proxy, and the security groups' egress rules. Where the node "
                "itself reaches the target (node_reaches_target), its pods' traffic is not "
                "masqueraded: kubenet's nonMasqueradeCIDR in the kops spec, ip-masq-agent, or "
                "the provider's SNAT setting (calico natOutgoing, AWS_VPC_K8S_CNI_EXTERNALSNAT), "
                "or an egress NetworkPolicy."
            ),
        ),
        "broken-cluster-dns": Code(
            "pairs fail at the cluster-dns hop",
            fix="See dns.rollout and dns.resolution: the cluster DNS did not answer the client.",
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        probe = context.snapshot.connectivity
        assert probe is not None
        if not probe.endpoints:
            message = probe.note or "no node was selected for the connectivity probe"
            finding = Finding(
                Status.FAIL, message, evidence={"nodes": probe.nodes_total}, code="no-nodes"
            )
            return Verdict(message, (finding,))
        facts = judge_facts(context, probe)
        findings: list[Finding] = []
        for probe_class in CLASSES:
            findings += _class_findings(probe, probe_class, facts)
        bad = [f for f in findings if f.status is Status.FAIL]
        passed = sum(1 for p in probe.pairs if p.outcome is Outcome.PASS)
        scope = "; ".join(x for x in (probe.selection, probe.sampling, probe.note) if x)
        if not bad:
            return Verdict(
                f"{passed} of {len(probe.pairs)} pairs passed ({scope})", tuple(findings)
            )
        failed = sum(1 for p in probe.pairs if p.outcome is not Outcome.PASS)
        return Verdict(
            f"{failed} of {len(probe.pairs)} pairs failed; {bad[0].message} ({scope})",
            tuple(findings),
        )


def _class_findings(
    probe: ConnectivityProbe, probe_class: ProbeClass, facts: Facts
) -> list[Finding]:
    ref = ObjectRef("ProbeClass", probe_class.value, probe.namespace)
    skip = next((s for s in probe.skipped if s.probe is probe_class), None)
    if skip is not None:
        message = f"{probe_class}: skipped: {skip.reason}"
        return [
            Finding(Status.SKIP, message, ref, {"class": probe_class.value}, code="class-skipped")
        ]
    pairs = [p for p in probe.pairs if p.probe is probe_class]
    if not pairs:  # a run cut short (a deadline, a signal) before any client reported
        message = f"{probe_class}: no pair ran ({probe.note or 'none was planned'})"
        return [Finding(Status.ERROR, message, ref, {"class": probe_class.value}, code="not-run")]
    failed = [p for p in pairs if p.outcome is not Outcome.PASS]
    grid = matrix(probe, pairs)
    if probe_class is ProbeClass.EXTERNAL and len(failed) == len(pairs):
        unreachable = _unreachable_from_nodes(probe, ref)
        if unreachable is not None:
            return [unreachable]
    if not failed:
        message = f"{probe_class}: {len(pairs)} pair(s) passed ({CLASS_WORDS[probe_class]})"
        evidence: dict[str, JSON] = {"class": probe_class.value, "matrix": grid}
        evidence["pairs"] = _pairs(pairs)
        if probe_class is ProbeClass.EXTERNAL and probe.external_from_nodes:
            evidence["from_nodes"] = _pairs(probe.external_from_nodes)
        return [Finding(Status.PASS, message, ref, evidence, code="ok")]
    return [
        _broken(probe, probe_class, hop, group, grid)
        for hop, group in judge(probe_class, failed, facts)
    ]


def _unreachable_from_nodes(probe: ConnectivityProbe, ref: ObjectRef) -> Finding | None:
    """The external class skipped when the nodes' own host network reaches the target no
    better than their pods: the target or the way out is down, not the pod network."""
    tried = [p for p in probe.external_from_nodes if p.outcome is not Outcome.NOT_RUN]
    if not tried or any(p.outcome is Outcome.PASS for p in tried):
        return None
    message = (
        f"external: skipped: {probe.external_target} answers neither the pods nor the host"
        f" network of the {len(tried)} node(s) that tried it: the target or the cluster's way"
        " out is down (an air-gapped cluster?), not the pod network"
    )
    evidence: dict[str, JSON] = {"class": ProbeClass.EXTERNAL.value}
    evidence["from_nodes"] = _pairs(tried)
    return Finding(Status.SKIP, message, ref, evidence, code="class-skipped")


def matrix(probe: ConnectivityProbe, pairs: Sequence[PairResult]) -> dict[str, JSON]:
    """The class's pairs as a grid: a row per source node, a column per destination; a cell is
    "." pass, "X" fail, "-" not run, " " not sampled."""
    rows = list(dict.fromkeys(e.node for e in probe.endpoints if e.role == "client"))
    columns = list(dict.fromkeys(p.destination for p in pairs))
    if set(columns) <= set(rows):
        columns = rows
    mark = {Outcome.PASS: ".", Outcome.FAIL: "X", Outcome.NOT_RUN: "-"}
    cell = {(p.source, p.destination): mark[p.outcome] for p in pairs}
    cells: list[JSON] = ["".join(cell.get((r, c), " ") for c in columns) for r in rows]
    return {"rows": list(rows), "columns": list(columns), "cells": cells}


def _broken(
    probe: ConnectivityProbe,
    probe_class: ProbeClass,
    hop: Hop,
    pairs: Sequence[PairResult],
    grid: dict[str, JSON],
) -> Finding:
    ref = ObjectRef("ProbeClass", hop_group(probe_class, hop.kind, hop.node), probe.namespace)
    how = "from the facts" if hop.from_facts else "from the matrix: no collected fact explains it"
    where = hop.node or "any node"
    message = (
        f"{probe_class}: {len(pairs)} pair(s) fail at the {hop.kind} hop ({where}): {hop.reason}"
    )
    evidence: dict[str, JSON] = {
        "class": probe_class.value,
        "hop": hop.kind.value,
        "hop_node": hop.node,
        "judged": how,
        **hop.evidence,
        "pairs": _pairs(pairs),
        "matrix": grid,
    }
    # the probe's own pod never ran there: pod.lifecycle tells why, for that node
    signals = (Signal.PROBE_POD_NOT_RUN,) if hop.kind in PROBE_POD_HOPS else ()
    return Finding(
        Status.FAIL,
        message,
        ref,
        evidence,
        hop.related,
        signals=signals,
        code=f"broken-{hop.kind.value}",
    )


def _pairs(pairs: Sequence[PairResult]) -> list[JSON]:
    shown: list[JSON] = [
        {
            "source": p.source,
            "destination": p.destination,
            "target": p.target,
            "outcome": p.outcome.value,
            "seconds": p.seconds,
            **({"detail": p.detail} if p.detail else {}),
        }
        for p in pairs[:MAX_PAIRS_SHOWN]
    ]
    if len(pairs) > MAX_PAIRS_SHOWN:
        shown.append(f"... and {len(pairs) - MAX_PAIRS_SHOWN} more")
    return shown
