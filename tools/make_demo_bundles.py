"""Write the demo bundles shipped in kopscheck/demo/ (run from the repository root).

    python tools/make_demo_bundles.py [OUT_DIR]

The bundles are what `kubectl cluster-info dump --all-namespaces --output-directory`,
`kubectl get endpoints -o json`, `kubectl version -o json` and `kops get ... -o yaml` write for
a small kops cluster on AWS, with the probe outcomes `collect --probe` adds (the connectivity
matrix, tests/connectivity_builders.py); each scenario is a module of tools/demo_bundles/. tests/
test_demo_data.py regenerates them and compares, so the committed files and this script cannot
drift apart.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # kube_builders, aws_builders
sys.path.insert(0, str(HERE))  # demo_bundles, also when a test loads this file by path

from connectivity_builders import add_connectivity  # noqa: E402
from demo_bundles.cni_no_provider import cni_no_provider  # noqa: E402
from demo_bundles.coredns_loop import coredns_loop  # noqa: E402
from demo_bundles.healthy import healthy  # noqa: E402
from demo_bundles.kubenet_route_limit import kubenet_route_limit  # noqa: E402

SCENARIOS: dict[str, Callable[[Path], None]] = {
    "cni-no-provider": cni_no_provider,
    "healthy": healthy,
    "coredns-loop": coredns_loop,
    "kubenet-route-limit": kubenet_route_limit,
}


def main(out: Path) -> None:
    for scenario, build in SCENARIOS.items():
        build(out / scenario)
    add_connectivity(out)  # probes/connectivity.json, from the nodes the bundles hold


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("kopscheck/demo"))
