"""The real-cluster tier: session-scoped control planes (started once, shared by the tests
that ask for them) and hollow nodes. Three variants, each started on first use:

- `apiserver`: etcd + kube-apiserver only (what a setup-envtest user can run);
- `control_plane`: + controller-manager and scheduler, no kubelets;
- `hollow_cluster`: + `HOLLOW_NODES` hollow kubelets in network namespaces (needs root).

Every test here is marked `cluster`; `pytest -m "not cluster"` leaves the tier out.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cluster_assets import Assets, Binary, find_assets, require_root, unavailable
from cluster_nodes import HollowCluster, HollowNodes
from cluster_plane import ControlPlane, PlaneSpec, start_plane
from cluster_procs import ClusterStartError
from realnode import LogKind, RealCluster, missing_node_packages, start_real_cluster

HOLLOW_NODES = 2
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.cluster)


_TERMINATED: list[int] = []


def _terminate(signum: int, _frame: FrameType | None) -> None:
    _TERMINATED.append(signum)
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(autouse=True)
def _stop_after_sigterm() -> Iterator[None]:
    """The CLI under test turns KeyboardInterrupt into exit 130, hiding a SIGTERM from pytest:
    end the session after the test it hit (session teardown then stops the clusters)."""
    yield
    if _TERMINATED:
        pytest.exit(f"terminated by signal {_TERMINATED[0]}", returncode=130)


@pytest.fixture(autouse=True)
def _no_ambient_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the kubeconfig a test passes can be used: no KUBECONFIG, kops state store or
    in-cluster service account from the machine running the tests."""
    for name in ("KUBECONFIG", "KOPS_STATE_STORE", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def cluster_assets() -> Assets:
    """The binaries (skips the tier with the reason when kube-apiserver or etcd is missing)."""
    assets = find_assets()
    assets.path(Binary.APISERVER)
    assets.path(Binary.ETCD)
    # SIGTERM (a CI timeout, `kill`) runs the session teardown like Ctrl-C does
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _terminate)
    return assets


def _plane(assets: Assets, spec: PlaneSpec) -> Iterator[ControlPlane]:
    try:
        plane = start_plane(assets, spec)
    except ClusterStartError as exc:
        pytest.fail(f"the {spec.name} control plane did not start: {exc}", pytrace=False)
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def apiserver(cluster_assets: Assets) -> Iterator[ControlPlane]:
    """etcd + kube-apiserver on 127.0.0.1: RBAC and Node authorizers, audit log, no controllers."""
    yield from _plane(cluster_assets, PlaneSpec("apiserver"))


@pytest.fixture(scope="session")
def control_plane(cluster_assets: Assets) -> Iterator[ControlPlane]:
    """API server + controller-manager + scheduler, and no kubelet at all."""
    cluster_assets.path(Binary.CONTROLLER_MANAGER)
    cluster_assets.path(Binary.SCHEDULER)
    yield from _plane(cluster_assets, PlaneSpec("plane", controllers=True))


@pytest.fixture(scope="session")
def hollow_cluster(cluster_assets: Assets) -> Iterator[HollowCluster]:
    """A full control plane with `HOLLOW_NODES` Ready hollow nodes (needs root)."""
    require_root("hollow nodes")
    for binary in (Binary.CONTROLLER_MANAGER, Binary.SCHEDULER, Binary.KUBEMARK):
        cluster_assets.path(binary)
    for plane in _plane(cluster_assets, PlaneSpec("hollow", controllers=True, for_nodes=True)):
        nodes = HollowNodes(plane, HOLLOW_NODES)
        try:
            nodes.start()
        except ClusterStartError as exc:
            pytest.fail(f"hollow nodes did not become Ready: {exc}", pytrace=False)
        try:
            yield HollowCluster(plane, tuple(nodes.nodes))
        finally:
            nodes.stop()


def require_real_nodes(assets: Assets, log: LogKind = LogKind.SYSLOG) -> None:
    """Skip (or fail in CI) unless root, kubelet, kube-proxy and the node packages are there."""
    require_root("real nodes")
    for binary in (Binary.CONTROLLER_MANAGER, Binary.SCHEDULER, Binary.KUBELET, Binary.KUBE_PROXY):
        assets.path(binary)
    missing = missing_node_packages(log)
    if missing:
        unavailable("real nodes need " + ", ".join(missing))


def real_cluster_for(assets: Assets, name: str, **options: object) -> Iterator[RealCluster]:
    """Start a real-node cluster (see realnode.py), yield it, stop it whatever happens."""
    try:
        cluster = start_real_cluster(assets, name, **options)  # type: ignore[arg-type]
    except ClusterStartError as exc:
        pytest.fail(f"the real-node cluster {name} did not start: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def real_cluster(cluster_assets: Assets) -> Iterator[RealCluster]:
    """A control plane allocating podCIDRs and one healthy real kubenet node (LOG=syslog).
    Tests may add nodes (`real_cluster.nodes.add(spec)`) and must remove what they add."""
    require_real_nodes(cluster_assets)
    yield from real_cluster_for(cluster_assets, "realnode")


__all__ = [
    "HollowCluster",
    "real_cluster_for",
    "require_real_nodes",
    "unavailable",
]  # for tests that build on these fixtures
