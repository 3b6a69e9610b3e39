"""A failing and a passing realistic scenario for every built-in check (used by the catalog test).

Each side is a demo bundle, or a function that writes a bundle in the real formats into a
directory and returns its path; add an entry when you add a check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aws_builders as ab

from kopscheck.demo import DEMO_ROOT

Scenario = Path | Callable[[Path], Path]


def small_routed_kubenet(root: Path) -> Path:
    """Six kubenet nodes, every one routed, well inside an applied quota of 50."""
    return ab.write_bundle(root, ab.KubenetCluster(workers=5, nodes_max=8))


# check id -> (bundle where it must fail, bundle where it must pass)
SCENARIOS: dict[str, tuple[Scenario, Scenario]] = {
    "node.network-ready": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "dns.rollout": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "aws.route-table-capacity": (DEMO_ROOT / "kubenet-route-limit", small_routed_kubenet),
    "aws.route-table-health": (DEMO_ROOT / "kubenet-route-limit", small_routed_kubenet),
}


def bundle(scenario: Scenario, workdir: Path) -> Path:
    return scenario if isinstance(scenario, Path) else scenario(workdir)
