"""What a probe run may do: which nodes, which images, how long each step may take.

Plain settings, parsed from the `--probe-*` flags; importing this module imports no client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kopscheck.model.probes import Step

if TYPE_CHECKING:
    from kopscheck.model.facts import Node

LIFECYCLE_IMAGE = "registry.k8s.io/pause:3.10"
TOOLS_IMAGE = "docker.io/library/busybox:1.36"  # DNS probe and node agent: sh, nslookup, sed
DEFAULT_NODES = 10
STEP_DEADLINES: dict[Step, float] = {
    Step.BOUND: 30.0,
    Step.SANDBOX: 60.0,
    Step.IP: 30.0,
    Step.RUNNING: 120.0,  # includes pulling the image
    Step.DELETED: 30.0,
    Step.GONE: 60.0,
}


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    """`--probe` and its settings."""

    nodes: str = str(DEFAULT_NODES)  # N, "all", or node names, comma-separated
    lifecycle_image: str = LIFECYCLE_IMAGE
    tools_image: str = TOOLS_IMAGE
    deadlines: dict[Step, float] = field(default_factory=lambda: dict(STEP_DEADLINES))
    timeout: float = 300.0  # the whole probe run, cleanup not included
    dns_timeout: float = 60.0  # for the DNS pod's answer
    agent_timeout: float = 60.0  # for every node agent's output
    external_name: str = "registry.k8s.io"
    agent: bool = True
    poll: float = 1.0
    log_lines: int = 1000  # --log-lines: the node log lines kept per node
    connectivity: bool = True  # run the net.connectivity probe
    external_target: str = ""  # HOST:PORT the connectivity clients try (empty: class skipped)
    pairs_per_node: int = 4  # peers each sampled node probes (cost linear in nodes)
    host_port: int = 19180  # the hostNetwork server's port on every sampled node
    pair_window: float = 20.0  # how long a client tries its pairs (then 10s to report): room
    # for kube-proxy on a busy node to program a new Service after its endpoints are Ready


def select_nodes(nodes: Sequence[Node], spec: str) -> tuple[list[Node], str]:
    """The nodes to probe and a line saying how they were chosen.

    A number picks that many, NotReady nodes first, then round-robin over instance groups
    (the `kops.k8s.io/instancegroup` label) so each group is sampled; `all` picks every node;
    anything else is a comma-separated list of node names (unknown names are an error).
    """
    total = len(nodes)
    text = spec.strip()
    if text == "all":
        return sorted(nodes, key=lambda n: n.name), f"all {total} nodes"
    if text.isdigit():
        count = int(text)
        chosen = _sample(nodes, count)
        if len(chosen) == total:
            return chosen, f"all {total} nodes"
        return chosen, f"{len(chosen)} of {total} nodes (NotReady first, then by instance group)"
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = {n.name: n for n in nodes}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"no such node: {', '.join(unknown)}")
    return [known[n] for n in dict.fromkeys(names)], f"{len(names)} named of {total} nodes"


def _sample(nodes: Sequence[Node], count: int) -> list[Node]:
    not_ready = sorted((n for n in nodes if not _ready(n)), key=lambda n: n.name)
    groups: dict[str, list[Node]] = {}
    for node in sorted((n for n in nodes if _ready(n)), key=lambda n: n.name):
        groups.setdefault(node.labels.get("kops.k8s.io/instancegroup", ""), []).append(node)
    spread: list[Node] = []
    queues = [list(g) for _k, g in sorted(groups.items())]
    while any(queues):
        for queue in queues:
            if queue:
                spread.append(queue.pop(0))
    return (not_ready + spread)[:count]


def _ready(node: Node) -> bool:
    cond = node.condition("Ready")
    return cond is not None and cond.status == "True"
