"""What CNI provider log lines mean, whatever level they are logged at.

A log level is the provider author's guess, not a severity: weave logs an IPAM split brain
("IP allocation was seeded by different peers") at INFO although the network will never be
fully connected, and healthy cilium operators log optimistic-lock conflicts on their lease at
ERROR. Each entry names the stable part of a message, what it means and where it was seen.
Lines no entry knows fall back to their own level marker (knowledge.log_lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Meaning(StrEnum):
    FATAL = "fatal"  # the provider cannot do its job while this is logged, at any level
    THROTTLED = "throttled"  # the cloud API refuses the provider's calls for now (rate limit)
    CONTROL_PLANE = "control-plane"  # why an operator or controller cannot run (RBAC, lease)
    HARMLESS = "harmless"  # printed by healthy clusters; never a finding on its own


@dataclass(frozen=True, slots=True)
class KnownLine:
    provider: str  # whose log prints it ("any" for shared client-go / AWS SDK wordings)
    meaning: Meaning
    pattern: re.Pattern[str]
    explanation: str  # what it means for the cluster, for the finding's message
    source: str  # where the wording was seen (repository and issue or file)
    example: str  # a line as the source quotes it; the tests hold each entry to its example


def _line(
    provider: str, meaning: Meaning, pattern: str, explanation: str, source: str, example: str
) -> KnownLine:
    compiled = re.compile(pattern, re.IGNORECASE)
    return KnownLine(provider, meaning, compiled, explanation, source, example)


F, T, C, H = Meaning.FATAL, Meaning.THROTTLED, Meaning.CONTROL_PLANE, Meaning.HARMLESS
# Order matters: the first entry a line matches decides, so harmless exceptions come before
# the broader fatal wording they resemble (a lease *conflict* before a lease *loss*).
CATALOGUE: tuple[KnownLine, ...] = (
    _line("any", H, r"Operation cannot be fulfilled on leases\.coordination\.k8s\.io.*"
          r"the object has been modified",
          "a lease update lost an optimistic-lock race and is retried; leader election goes on",
          "cilium/cilium#16402 (healthy cilium-operator in CI)",
          r'level=error msg="Failed to update lock: Operation cannot be fulfilled on leases.coordination.k8s.io \"cilium-operator-resource-lock\": the object has been modified; please apply your changes to the latest version and try again" subsys=klog'),
    _line("cilium", H, r"Failed to list \*k8s\.Cilium\w+: the server could not find the requested",
          "the agent lists its own CRDs before they are registered; it retries",
          "cilium/cilium#777 (maintainer: 'This is harmless')",
          r'level=error msg="github.com/cilium/cilium/daemon/k8s_watcher.go:150: Failed to list *k8s.CiliumRule: the server could not find the requested resource"'),
    _line("cilium", H, r"Unable to (flush|delete) Cilium iptables chain.*CILIUM_TRANSIENT_FORWARD",
          "a transient chain that does not exist yet on a fresh node",
          "cilium/cilium#8980 ('a harmless warning')",
          r'WARN  [2019-08-20T20:10:55.071877466Z] cilium.io/agent: "Unable to flush Cilium iptables chain" error="exit status 1" obj="[-w 5 -t filter -F CILIUM_TRANSIENT_FORWARD]" subsys=iptables'),
    _line("weave", F, r"IP allocation was seeded by different peers",
          "weave IPAM split brain: peers formed separate rings, so the pod network will never be"
          " fully connected", "weaveworks/weave#3588, #1720, #3908",
          "IP allocation was seeded by different peers (received: [4a:ba:4c:fa:5c:b3(tracker)], ours: [6a:6c:c9:b5:18:8a(getter-test)])"),
    _line("flannel", F, r"failed to acquire lease: node \S+ pod cidr not assigned",
          "flannel cannot take a subnet: the node has no podCIDR (controller-manager"
          " --allocate-node-cidrs / --cluster-cidr)", "flannel-io/flannel#1344, #728, #1558",
          r'E0519 00:37:28.550351       1 network.go:102] failed to register network: failed to acquire lease: node "k8s-test-2.novalocal" pod cidr not assigned'),
    _line("flannel", F, r"Failed to create SubnetManager|Error registering network",
          "flannel could not register the node's subnet and serves no pods",
          "flannel-io/flannel#1344",
          "Error registering network: failed to acquire lease: node."),
    _line("kube-router", F, r"Failed to get pod CIDR (from node spec|details from Node\.spec)",
          "kube-router has no podCIDR for the node (controller-manager --allocate-node-cidrs,"
          " --node-cidr-mask-size) and routes nothing",
          "cloudnativelabs/kube-router#360, #320; k0sproject/k0s#1334",
          "Failed to create network services controller: Failed to get pod CIDR details from Node.spec: node.Spec.PodCIDR not set for node: master-etcd3"),
    _line("calico", F, r"calico/node is not ready: BIRD is not ready: BGP not established",
          "BGP sessions are down: routes to other nodes' pods are missing",
          "projectcalico/calico#9549",
          "calico/node is not ready: BIRD is not ready: BGP not established with 10.16.133.58, 10.16.133.30"),
    _line("calico", F, r"Health endpoint failed, trying to restart it.*address already in use",
          "another calico-node or BIRD holds the health port: this one never becomes healthy",
          "projectcalico/calico#2450",
          "2019-02-26 15:26:40.162 [ERROR][89] health.go 193: Health endpoint failed, trying to restart it... error=listen tcp :9099: bind: address already in use"),
    _line("cilium", F, r"invalid daemon configuration",
          "the cilium agent exits on start: its configuration is refused",
          "cilium/cilium-cli#2590",
          r'time="2024-06-10T14:23:43Z" level=fatal msg="invalid daemon configuration: native routing cidr must be configured with option --ipv6-native-routing-cidr in combination with --enable-ipv6=true --enable-ipv6-masquerade=true --enable-ip-masq-agent=false --routing-mode=native" subsys=daemon'),
    _line("amazon-vpc-cni", F, r"Failed to check API server connectivity"
          r"|Unable to reach API Server",
          "ipamd cannot reach the API server's Service IP (kube-proxy, security groups)",
          "aws/amazon-vpc-cni-k8s cmd/aws-k8s-agent/main.go; #122, #1847",
          "Failed to check API server connectivity: invalid configuration: no configuration has been provided"),
    _line("amazon-vpc-cni", F, r"ipamd init: failed|Failed to initialize ipamd",
          "ipamd did not start: no pod on this node gets an IP",
          "aws/amazon-vpc-cni-k8s pkg/ipamd/ipamd.go; #1847",
          "ipamd init: failed to retrieve attached ENIs info: UnauthorizedOperation"),
    _line("any", T, r"RequestLimitExceeded|Request limit exceeded|\bThrottling: Rate exceeded",
          "the EC2 API is rate-limiting the provider: ENI and IP calls fail or wait",
          "aws/amazon-vpc-cni-k8s#617, #873; AWS EC2 error code RequestLimitExceeded",
          r'time="2017-07-12T18:49:11Z" level=error msg="RequestLimitExceeded: Request limit exceeded.\n\tstatus code: 503, request id: c6ef5d71-6037-4f29-b108-76778b3cc3d5"'),
    _line("any", C, r'is forbidden: User \\?"system:serviceaccount:[^"\\]+\\?" cannot',
          "the controller's service account lacks an RBAC permission it needs",
          "tigera/operator#41",
          r'{"level":"info","ts":1560308365.8705475,"logger":"cmd","msg":"failed to initialize service object for metrics: replicasets.apps \"tigera-operator-668f854b79\" is forbidden: User \"system:serviceaccount:tigera-operator:tigera-operator\" cannot get resource \"replicasets\" in API group \"apps\" in the namespace \"tigera-operator\""}'),
    _line("any", C, r"[Ll]eader election lost|leaderelection lost|failed to renew lease"
          r"|error retrieving resource lock",
          "the controller lost or could not take its leader lease and exits",
          "cilium/cilium#7647, #32846, #13185, #24266",
          r'time="2024-06-03T08:07:09Z" level=fatal msg="Leader election lost" subsys=cilium-operator-generic'),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Judged:
    line: str
    known: KnownLine


def meaning_of(line: str) -> KnownLine | None:
    """The first catalogue entry the line matches, or None when the catalogue has no word."""
    return next((entry for entry in CATALOGUE if entry.pattern.search(line)), None)


def judged_lines(text: str, wanted: Iterable[Meaning]) -> list[Judged]:
    """Lines of `text` whose catalogue meaning is one of `wanted`, in log order."""
    want = frozenset(wanted)
    out = []
    for raw in text.splitlines():
        known = meaning_of(raw) if _maybe_known(raw) else None
        if known is not None and known.meaning in want:
            out.append(Judged(raw.strip(), known))
    return out


def harmless(line: str) -> bool:
    known = meaning_of(line) if _maybe_known(line) else None
    return known is not None and known.meaning is Meaning.HARMLESS


# Cheap pre-filter: every pattern above contains one of these words (lower-cased).
_WORDS = re.compile(
    "lease|cilium|seeded|pod cidr|subnet|bgp|health endpoint|invalid daemon|api server"
    "|ipamd|limit|throttl|forbidden|leader|lock"
)


def _maybe_known(line: str) -> bool:
    return _WORDS.search(line.lower()) is not None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a pod sandbox error names when the node's own provider agent did not answer: its
    local socket, port, state file or CNI binary. Keyed by the agent DaemonSet's name."""

    daemonsets: tuple[str, ...]
    pattern: re.Pattern[str]
    source: str


def _endpoint(daemonsets: tuple[str, ...], pattern: str, source: str) -> Endpoint:
    return Endpoint(daemonsets, re.compile(pattern, re.IGNORECASE), source)


ENDPOINTS: tuple[Endpoint, ...] = (
    _endpoint(("aws-node",), r"127\.0\.0\.1:50051|(Add|Del)Network gRPC|plugin type=\W*aws-cni",
              "aws/amazon-vpc-cni-k8s#1322, #1590 (ipamd's gRPC port 50051)"),
    _endpoint(("calico-node", "canal"),
              r"/var/(lib|run)/calico/|calico/node container|plugin type=\W*calico",
              "failure-signatures.md (calico nodename); projectcalico/calico CNI plugin"),
    _endpoint(("cilium",), r"cilium\.sock|/var/run/cilium/|Cilium (agent|daemon)|cilium-cni",
              "cilium CNI plugin: 'unable to connect to Cilium daemon'"),
    _endpoint(("weave-net",), r"127\.0\.0\.1:6784|plugin type=\W*weave-net",
              "weaveworks/weave#3998 (weave's IPAM port 6784)"),
    _endpoint(("kube-flannel-ds", "kube-flannel", "canal"),
              r"/run/flannel/subnet\.env|plugin type=\W*flannel",
              "flannel CNI plugin: /run/flannel/subnet.env written by flanneld"),
)  # fmt: skip


def named_endpoint(message: str, daemonset: str) -> str | None:
    """The part of a sandbox error that names `daemonset`'s local endpoint, or None."""
    for endpoint in ENDPOINTS:
        if daemonset in endpoint.daemonsets:
            found = endpoint.pattern.search(message)
            if found:
                return found.group(0)
    return None
