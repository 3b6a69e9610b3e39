"""A failing and a passing realistic scenario for every built-in check (used by the catalog test).

Each entry names demo bundles or fixture bundles; add one when you add a check.
"""

from __future__ import annotations

from pathlib import Path

from kopscheck.demo import DEMO_ROOT

FIXTURES = Path(__file__).parent / "fixtures"

# check id -> (bundle where it must fail, bundle where it must pass)
SCENARIOS: dict[str, tuple[Path, Path]] = {
    "node.network-ready": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "dns.rollout": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
}
