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


def _line(
    provider: str, meaning: Meaning, pattern: str, explanation: str, source: str
) -> KnownLine:
    return KnownLine(provider, meaning, re.compile(pattern, re.IGNORECASE), explanation, source)


F, T, C, H = Meaning.FATAL, Meaning.THROTTLED, Meaning.CONTROL_PLANE, Meaning.HARMLESS
# Order matters: the first entry a line matches decides, so harmless exceptions come before
# the broader fatal wording they resemble (a lease *conflict* before a lease *loss*).
CATALOGUE: tuple[KnownLine, ...] = (
    _line("any", H, r"Operation cannot be fulfilled on leases\.coordination\.k8s\.io.*"
          r"the object has been modified",
          "a lease update lost an optimistic-lock race and is retried; leader election goes on",
          "cilium/cilium#16402 (healthy cilium-operator in CI)"),
    _line("cilium", H, r"Failed to list \*k8s\.Cilium\w+: the server could not find the requested",
          "the agent lists its own CRDs before they are registered; it retries",
          "cilium/cilium#777 (maintainer: 'This is harmless')"),
    _line("cilium", H, r"Unable to (flush|delete) Cilium iptables chain.*CILIUM_TRANSIENT_FORWARD",
          "a transient chain that does not exist yet on a fresh node",
          "cilium/cilium#8980 ('a harmless warning')"),
    _line("weave", F, r"IP allocation was seeded by different peers",
          "weave IPAM split brain: peers formed separate rings, so the pod network will never be"
          " fully connected", "weaveworks/weave#3588, #1720, #3908"),
    _line("flannel", F, r"failed to acquire lease: node \S+ pod cidr not assigned",
          "flannel cannot take a subnet: the node has no podCIDR (controller-manager"
          " --allocate-node-cidrs / --cluster-cidr)", "flannel-io/flannel#1344, #728, #1558"),
    _line("flannel", F, r"Failed to create SubnetManager|Error registering network",
          "flannel could not register the node's subnet and serves no pods",
          "flannel-io/flannel#1344"),
    _line("kube-router", F, r"Failed to get pod CIDR (from node spec|details from Node\.spec)",
          "kube-router has no podCIDR for the node (controller-manager --allocate-node-cidrs,"
          " --node-cidr-mask-size) and routes nothing",
          "cloudnativelabs/kube-router#360, #320; k0sproject/k0s#1334"),
    _line("calico", F, r"calico/node is not ready: BIRD is not ready: BGP not established",
          "BGP sessions are down: routes to other nodes' pods are missing",
          "projectcalico/calico#9549"),
    _line("calico", F, r"Health endpoint failed, trying to restart it.*address already in use",
          "another calico-node or BIRD holds the health port: this one never becomes healthy",
          "projectcalico/calico#2450"),
    _line("cilium", F, r"invalid daemon configuration",
          "the cilium agent exits on start: its configuration is refused",
          "cilium/cilium-cli#2590"),
    _line("amazon-vpc-cni", F, r"Failed to check API server connectivity"
          r"|Unable to reach API Server",
          "ipamd cannot reach the API server's Service IP (kube-proxy, security groups)",
          "aws/amazon-vpc-cni-k8s#122, #1847"),
    _line("amazon-vpc-cni", F, r"ipamd init: failed|Failed to initialize ipamd",
          "ipamd did not start: no pod on this node gets an IP", "aws/amazon-vpc-cni-k8s#1847"),
    _line("any", T, r"RequestLimitExceeded|Request limit exceeded|\bThrottling: Rate exceeded",
          "the EC2 API is rate-limiting the provider: ENI and IP calls fail or wait",
          "aws/amazon-vpc-cni-k8s#617, #873; AWS EC2 error code RequestLimitExceeded"),
    _line("any", C, r'is forbidden: User \\?"system:serviceaccount:[^"\\]+\\?" cannot',
          "the controller's service account lacks an RBAC permission it needs",
          "tigera/operator#41"),
    _line("any", C, r"[Ll]eader election lost|leaderelection lost|failed to renew lease"
          r"|error retrieving resource lock",
          "the controller lost or could not take its leader lease and exits",
          "cilium/cilium#7647, #32846, #13185, #24266"),
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
