from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.model.connectivity import HopKind, ProbeClass, hop_group
from kopscheck.model.facts import JSON, Fact, ObjectRef
from kopscheck.model.probes import DnsProbe, DnsQuery, Lookup
from kopscheck.model.results import Code, Finding, Status, Verdict


class DnsResolution(Check):
    """A pod resolves kubernetes.default through the cluster DNS, Service and every replica.

    Why: dns.rollout sees that CoreDNS runs; only a query shows that it answers. kopscheck
    (`--probe`) runs one pod that asks the DNS Service's cluster IP, and each DNS endpoint
    directly, for `kubernetes.default.svc.<cluster domain>.` and an external name
    (`--probe-external-name`), so one bad replica is found even when the Service mostly works.
    Names are fully qualified with a trailing dot: busybox 1.29+ `nslookup` prints NXDOMAIN for
    search-path expansions on a healthy cluster, a false alarm this probe cannot raise.

    Fix: a replica that fails the cluster name: look at its logs (`kubectl -n kube-system logs
    POD`), restart it, and check that it reaches the API server (its node's pod network). All
    servers failing: the DNS Service has no working endpoint (see dns.rollout) or pods on the
    probe's node cannot reach the Service network (kube-proxy, CNI). The Service silent while
    its endpoints answer the same pod: CoreDNS works and the probe's node does not forward
    Service IPs (kube-proxy on that node, or the provider's replacement). Only the external name
    failing: CoreDNS cannot reach its upstream (the `forward` plugin, the node's resolv.conf);
    on an air-gapped cluster this is expected and only a warning.

    Step: "kube-dns/CoreDNS ... cannot start" until the CNI works: once it runs, it must answer.
    """

    id = "dns.resolution"
    family = "dns"
    needs = frozenset({Fact.DNS_PROBE})
    wants: frozenset[Fact] = frozenset()
    explains: frozenset[str] = frozenset()
    codes = {
        "resolves": Code("this DNS server resolves the cluster and external names"),
        "not-observed": Code(
            "the probe pod's answers could not be read: nothing was observed",
            fix=(
                "Run again with --probe and a longer --probe-dns-timeout: the probe pod's "
                "answers were not read (its events say why)."
            ),
        ),
        "cluster-name-fails": Code(
            "this DNS server does not resolve kubernetes.default",
            fix=(
                "This DNS server does not resolve kubernetes.default: read the log of the "
                "CoreDNS pod behind it, and check pods reach it across nodes (kube-proxy, the "
                "pod network)."
            ),
        ),
        "service-unreachable": Code(
            "the DNS Service's cluster IP does not answer from the probe's node while its"
            " endpoints do",
            fix=(
                "Pods on the probe's node do not reach Service IPs: look at kube-proxy on that"
                " node (`kubectl -n kube-system logs kube-proxy-NODE`; on the node"
                " `iptables-save -t nat | grep KUBE-SERVICES`) or the provider's replacement"
                " (cilium's kubeProxyReplacement)."
            ),
        ),
        "external-name-fails": Code(
            "this DNS server does not resolve the external name while other servers do",
            fix=(
                "Compare this server's upstream (the Corefile's forward target, its node's "
                "resolv.conf) with those of the servers that resolve the external name."
            ),
        ),
        "external-name-fails-everywhere": Code(
            "no DNS server resolves the external name (air-gapped, or no upstream)",
            fix=(
                "Give CoreDNS a reachable upstream (the forward plugin; on AWS the VPC "
                "resolver 169.254.169.253), or name an internal host with "
                "--probe-external-name on an air-gapped cluster."
            ),
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        probe = context.snapshot.dns_probe
        assert probe is not None
        if not probe.observed:
            message = f"could not observe DNS resolution: {probe.reason}"
            finding = Finding(Status.WARN, message, _pod(probe), _base(probe), code="not-observed")
            return Verdict(message, (finding,))
        findings = [
            _server(probe, server, queries) for server, queries in _by_server(probe.queries)
        ]
        findings = [_unreachable_service(probe, f) or f for f in findings]
        external = [q for q in probe.queries if q.external]
        if external and not any(q.outcome is Lookup.RESOLVED for q in external):
            name = external[0].name
            message = (
                f"no DNS server resolved the external name {name}: an air-gapped cluster, or"
                " CoreDNS cannot reach its upstream"
            )
            findings.append(
                Finding(
                    Status.WARN,
                    message,
                    _pod(probe),
                    _base(probe),
                    code="external-name-fails-everywhere",
                )
            )
        bad = [f for f in findings if f.status is not Status.PASS]
        if not bad:
            return Verdict(
                f"the DNS Service and {len(findings) - 1} endpoint(s) resolve the cluster and"
                " external names",
                tuple(findings),
            )
        return Verdict(f"{len(bad)} problem(s): {bad[0].message}", tuple(findings))


def _by_server(queries: Sequence[DnsQuery]) -> list[tuple[str, list[DnsQuery]]]:
    grouped: dict[str, list[DnsQuery]] = {}
    for query in queries:
        grouped.setdefault(query.server, []).append(query)
    return list(grouped.items())


def _server(probe: DnsProbe, server: str, queries: list[DnsQuery]) -> Finding:
    first = queries[0]
    ref = _ref(first.target)
    evidence: dict[str, JSON] = {
        **_base(probe),
        "server": server,
        "via": first.via,
        "queries": [
            {
                "name": q.name,
                "outcome": q.outcome.value,
                "addresses": list(q.addresses),
                **({"detail": q.detail} if q.detail and q.outcome is not Lookup.RESOLVED else {}),
            }
            for q in queries
        ],
    }
    internal = [q for q in queries if not q.external]
    failing = [q for q in internal if q.outcome is not Lookup.RESOLVED]
    what = "the DNS Service" if first.via == "service" else f"DNS endpoint {server}"
    if failing:
        q = failing[0]
        message = f"{what} does not resolve {q.name}: {q.outcome.value}"
        return Finding(Status.FAIL, message, ref, evidence, code="cluster-name-fails")
    if probe_external_elsewhere(probe, queries):
        q = next(q for q in queries if q.external)
        message = f"{what} does not resolve {q.name} ({q.outcome.value}) while other servers do"
        return Finding(Status.FAIL, message, ref, evidence, code="external-name-fails")
    names = ", ".join(f"{q.name} -> {', '.join(q.addresses) or q.outcome.value}" for q in queries)
    return Finding(Status.PASS, f"{what}: {names}", ref, evidence, code="resolves")


def _unreachable_service(probe: DnsProbe, finding: Finding) -> Finding | None:
    """The Service's failure restated when no answer came from its cluster IP while an endpoint
    resolved the cluster name from the same pod: CoreDNS works, the node's path to Service IPs
    (kube-proxy's rules, or the provider's replacement) does not. Related to the node and to
    net.connectivity's cluster-ip break at that node's service proxy, which explains it."""
    if finding.code != "cluster-name-fails" or finding.evidence.get("via") != "service":
        return None
    internal = [q for q in probe.queries if not q.external]
    service = [q for q in internal if q.via == "service"]
    answering = sorted(
        {q.server for q in internal if q.via == "endpoint" and q.outcome is Lookup.RESOLVED}
    )
    if not answering or any(q.outcome is not Lookup.TIMEOUT for q in service):
        return None
    message = (
        f"the DNS Service ({service[0].server}) does not answer from node {probe.node} while"
        f" its endpoint(s) {', '.join(answering)} do: pods on {probe.node} do not reach Service"
        " IPs (kube-proxy on that node, or the provider's replacement)"
    )
    related = (
        ObjectRef("Node", probe.node),
        ObjectRef(
            "ProbeClass",
            hop_group(ProbeClass.CLUSTER_IP, HopKind.SERVICE_PROXY, probe.node),
            probe.namespace,
        ),
    )
    return replace(finding, message=message, related=related, code="service-unreachable")


def probe_external_elsewhere(probe: DnsProbe, queries: list[DnsQuery]) -> bool:
    """This server fails the external name that another server resolved."""
    mine = [q for q in queries if q.external]
    others = [q for q in probe.queries if q.external and q.server != queries[0].server]
    return (
        bool(mine)
        and all(q.outcome is not Lookup.RESOLVED for q in mine)
        and any(q.outcome is Lookup.RESOLVED for q in others)
    )


def _ref(target: str) -> ObjectRef:
    parts = target.split("/")
    if len(parts) == 3:
        return ObjectRef(parts[0], parts[2], parts[1])
    return ObjectRef("Endpoint", target)


def _pod(probe: DnsProbe) -> ObjectRef:
    return ObjectRef("Pod", probe.pod, probe.namespace)


def _base(probe: DnsProbe) -> dict[str, JSON]:
    return {"probe_pod": f"{probe.namespace}/{probe.pod}", "node": probe.node, "image": probe.image}
