"""Classify what kubelet, runtimes, CNI providers and controllers print into signals.

Patterns match the stable part of a message (a reason, a key phrase, a path), never whole
lines: dockershim, containerd and CRI-O word the same failure differently, and so do versions.
"""

from __future__ import annotations

import re

from kopscheck.knowledge.signals import Signal

PATTERNS: tuple[tuple[Signal, re.Pattern[str]], ...] = tuple(
    (signal, re.compile(pattern, re.IGNORECASE))
    for signal, pattern in (
        (
            Signal.CNI_NOT_INITIALIZED,
            r"cni plugin not initiali[sz]ed|cni config uninitiali[sz]ed|NetworkPluginNotReady"
            r"|no CNI configuration file|No networks found in /etc/cni/net\.d"
            r"|network plugin is not ready",
        ),
        (Signal.CNI_BINARY_MISSING, r"failed to find plugin \S+ in"),
        (
            Signal.CNI_AGENT_NOT_RUNNING,
            r"/var/lib/calico/nodename: no such file|calico/node container is running"
            r"|unable to connect to Cilium agent|cilium\.sock|Is the agent running"
            r"|/run/flannel/subnet\.env: no such file|failed to connect service \W*:50051",
        ),
        (
            Signal.IP_EXHAUSTED,
            r"failed to assign an IP address|InsufficientFreeAddressesInSubnet"
            r"|no IP addresses available|no remaining CIDRs|range is full",
        ),
        (
            Signal.SANDBOX_NETWORK_FAILED,
            r"failed to (set ?up|destroy|tear ?down|clean up)\b.{0,40}\b(network|sandbox)"
            r"|NetworkPlugin cni failed|plugin type=\S+ failed \((add|del|delete)\)",
        ),
        (Signal.NO_POD_CIDR, r"lack of PodCIDR|no podCidr for node"),
        (Signal.NO_ROUTE_CREATED, r"NoRouteCreated|RouteController failed to create a route"),
        (Signal.ROUTE_LIMIT_EXCEEDED, r"RouteLimitExceeded"),
        (Signal.NOT_READY_TAINT, r"node\.kubernetes\.io/not-ready"),
        (Signal.DNS_LOOP, r"plugin/loop\b.*loop detected|\bLoop \(.+\) detected"),
        (Signal.KUBELET_NETWORK_PLUGIN, r"unknown flag: --network-plugin"),
        # the kubelet's runtime state (pkg/kubelet/runtime.go): no successful CRI Status call
        # for 30s, a RuntimeReady=false condition, a stalled PLEG relist
        (
            Signal.RUNTIME_DOWN,
            r"container runtime is down|container runtime not ready"
            r"|container runtime status check may not have completed|PLEG is not healthy",
        ),
        # Other runtimes and versions word the same failures differently (containerd's config
        # loader, CRI-O's default-network lookup, pflag vs Go flag errors, klog vs structured).
        (
            Signal.CNI_NOT_INITIALIZED,
            r"NetworkReady=false|runtime network not ready|no network config found in"
            r"|cni config load failed|Missing CNI default network",
        ),
        (Signal.CNI_BINARY_MISSING, r"failed to find plugin\b|/opt/cni/bin/\S+: no such file"),
        (Signal.CNI_AGENT_NOT_RUNNING, r"Agent is down, falling back"),
        (
            Signal.CNI_AGENT_NOT_READY,
            r"calico/node is not ready|BIRD is not ready|Felix is not (live|ready)"
            r"|BGP not established|Failed to set NetworkUnavailable to False"
            r"|127\.0\.0\.1:9879|cilium-health.{0,40}(fail|unreachable)",
        ),
        (
            Signal.IP_EXHAUSTED,
            r"CIDRNotAvailable|CIDR allocation failed|No more free affine blocks"
            r"|InsufficientCidrBlocks|failed to allocate for range",
        ),
        (
            Signal.SANDBOX_NETWORK_FAILED,
            r"error (adding|removing) pod \S+ (to|from) CNI network"
            r"|failed to (setup|set up|destroy|teardown|tear down) network",
        ),
        (Signal.NO_POD_CIDR, r"does not have netConfig|no pod ?CIDR (assigned|for node)"),
        (
            Signal.KUBELET_NETWORK_PLUGIN,
            r"kubernetes\.io/no-op|flag provided but not defined: -+network-plugin",
        ),
    )
)


def classify(*texts: str) -> tuple[Signal, ...]:
    """Every signal whose pattern occurs in any of the texts, in declaration order."""
    joined = "\n".join(t for t in texts if t)
    found = (signal for signal, pattern in PATTERNS if pattern.search(joined))
    return tuple(dict.fromkeys(found))


def first_match(text: str, signal: Signal) -> str | None:
    """The line of `text` that carries `signal`, for evidence."""
    patterns = [pattern for name, pattern in PATTERNS if name is signal]
    lines = (line.strip() for line in text.splitlines())
    return next((line for line in lines if any(p.search(line) for p in patterns)), None)
