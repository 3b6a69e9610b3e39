"""Probe outcomes as `collect --probe` records them, and bundles that carry them (the healthy
demo cluster plus `probes/*.json`), for the probe checks' tests and catalog scenarios."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kopscheck.collectors.offline.probe_files import (
    DNS_FILE,
    LIFECYCLE_FILE,
    dns_doc,
    lifecycle_doc,
)
from kopscheck.collectors.probes.options import STEP_DEADLINES
from kopscheck.demo import DEMO_ROOT
from kopscheck.model.probes import (
    STEPS,
    DnsProbe,
    DnsQuery,
    LifecycleProbe,
    LogMention,
    Lookup,
    PodProbe,
    StepOutcome,
)

RUN = "20261128-124500-3fa9"
NAMESPACE = f"kopscheck-{RUN}"
NODES = ("i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003")
CIDRS = {"i-0a1b2c3d4e5f60002": "100.96.1.0/24", "i-0a1b2c3d4e5f60003": "100.96.2.0/24"}
SANDBOX_EVENT = (
    "Warning FailedCreatePodSandBox: Failed to create pod sandbox: rpc error: code = Unknown"
    ' desc = failed to setup network for sandbox "3f2a": plugin type="calico" failed (add):'
    " stat /var/lib/calico/nodename: no such file or directory"
)


def pod_probe(
    node: str, fails_at: int | None = None, ip: str = "", cidr: str | None = None
) -> PodProbe:
    """A probe pod that passed every step, or failed at STEPS[fails_at]."""
    steps = []
    for index, step in enumerate(STEPS):
        deadline = STEP_DEADLINES[step]
        if fails_at is None or index < fails_at:
            steps.append(StepOutcome(step, 0.4, deadline))
        elif index == fails_at:
            steps.append(StepOutcome(step, None, deadline, f"did not happen within {deadline:g}s"))
        else:
            steps.append(StepOutcome(step, None, deadline, "not attempted"))
    pod_cidr = CIDRS.get(node, "100.96.9.0/24") if cidr is None else cidr
    failing = fails_at is not None
    return PodProbe(
        node=node,
        pod=f"lifecycle-{node}",
        namespace=NAMESPACE,
        steps=tuple(steps),
        pod_ip=ip
        or (
            ""
            if failing and fails_at is not None and fails_at <= 2
            else pod_cidr.replace("0/24", "7")
        ),
        node_pod_cidrs=(pod_cidr,) if pod_cidr else (),
        phase="Pending" if failing else "Running",
        conditions=("PodScheduled=True", "PodReadyToStartContainers=False") if failing else (),
        events=(SANDBOX_EVENT,) if fails_at == 1 else (),
        log_mentions=() if failing else kubelet_lines(node),
    )


def kubelet_lines(node: str) -> tuple[LogMention, ...]:
    """What a kops kubelet (--v=2) logs about a probe pod, as the log query returns it."""
    pods = f'pods=["{NAMESPACE}/lifecycle-{node}"]'
    return (
        LogMention(
            "kubelet log", f'I1128 12:45:01.118 kubelet.go:2459] "SyncLoop ADD" source="api" {pods}'
        ),
        LogMention(
            "kubelet log",
            f'I1128 12:45:04.530 kubelet.go:2475] "SyncLoop DELETE" source="api" {pods}',
        ),
    )


def lifecycle(*pods: PodProbe, total: int = 4) -> LifecycleProbe:
    return LifecycleProbe(
        RUN,
        NAMESPACE,
        "registry.k8s.io/pause:3.10",
        pods,
        total,
        f"{len(pods)} of {total} nodes (NotReady first, then by instance group)",
    )


SERVERS = (
    ("100.64.0.10", "service", "Service/kube-system/kube-dns"),
    ("100.96.1.3", "endpoint", "Pod/kube-system/coredns-7d8f9c6b5-4xk2m"),
    ("100.96.2.4", "endpoint", "Pod/kube-system/coredns-7d8f9c6b5-p9wqz"),
)


def dns(
    internal: dict[str, Lookup] | None = None,
    external: dict[str, Lookup] | None = None,
    observed: bool = True,
    reason: str = "",
) -> DnsProbe:
    """The DNS probe; every server resolves both names unless told otherwise (by server IP)."""
    queries = []
    for server, via, target in SERVERS if observed else ():
        for name, is_external, outcomes, address in (
            ("kubernetes.default.svc.cluster.local.", False, internal or {}, "100.64.0.1"),
            ("registry.k8s.io.", True, external or {}, "34.96.108.209"),
        ):
            outcome = outcomes.get(server, Lookup.RESOLVED)
            addresses = (address,) if outcome is Lookup.RESOLVED else ()
            detail = (
                "" if outcome is Lookup.RESOLVED else f"** server can't find {name[:-1]}: NXDOMAIN"
            )
            queries.append(
                DnsQuery(server, via, target, name, is_external, outcome, addresses, detail)
            )
    return DnsProbe(
        RUN,
        NAMESPACE,
        "dns-resolution",
        NODES[0],
        "docker.io/library/busybox:1.36",
        "cluster.local",
        tuple(queries),
        observed,
        reason,
    )


def probed_bundle(
    root: Path, lifecycle_probe: LifecycleProbe | None, dns_probe: DnsProbe | None
) -> Path:
    """The healthy demo cluster with these probe outcomes in `probes/`."""
    target = root / "probed"
    # the demo's own probe outcomes (connectivity) left out: only these are in the bundle
    skip = shutil.ignore_patterns("__pycache__", "probes")
    shutil.copytree(DEMO_ROOT / "healthy", target, ignore=skip)
    (target / "probes").mkdir()
    if lifecycle_probe is not None:
        (target / LIFECYCLE_FILE).write_text(json.dumps(lifecycle_doc(lifecycle_probe), indent=2))
    if dns_probe is not None:
        (target / DNS_FILE).write_text(json.dumps(dns_doc(dns_probe), indent=2))
    return target


def lifecycle_failing(root: Path) -> Path:
    return probed_bundle(
        root, lifecycle(pod_probe(NODES[0]), pod_probe(NODES[1], fails_at=1)), dns()
    )


def lifecycle_passing(root: Path) -> Path:
    return probed_bundle(root, lifecycle(pod_probe(NODES[0]), pod_probe(NODES[1])), dns())


def dns_failing(root: Path) -> Path:
    bad = {"100.96.2.4": Lookup.NXDOMAIN}
    return probed_bundle(root, lifecycle(pod_probe(NODES[0])), dns(internal=bad))


def dns_passing(root: Path) -> Path:
    return probed_bundle(root, lifecycle(pod_probe(NODES[0])), dns())
