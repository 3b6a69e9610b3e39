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
    "kops.networking-supported": (FIXTURES / "weave-upgrade-to-1.23", DEMO_ROOT / "healthy"),
    "kubelet.network-plugin": (
        FIXTURES / "kubelet-network-plugin-after-1.24",
        DEMO_ROOT / "healthy",
    ),
    "cni.provider-deployed": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "cni.provider-healthy": (FIXTURES / "calico-bgp-not-established", DEMO_ROOT / "healthy"),
    "cni.node-config": (DEMO_ROOT / "cni-no-provider", DEMO_ROOT / "healthy"),
    "pod.sandbox-errors": (FIXTURES / "aws-vpc-ip-exhausted", DEMO_ROOT / "healthy"),
    "pod.node-logs": (FIXTURES / "aws-vpc-ip-exhausted", DEMO_ROOT / "healthy"),
}
