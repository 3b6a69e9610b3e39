"""No false alarm: a healthy cluster of every supported networking mode passes every check.

Each cluster is a full bundle (cluster-info dump, kops spec, node files) read back through the
real bundle reader, so the mode is resolved the way a user's run resolves it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import network_clusters as nc
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.results import Report, Status

CHECKS = load_checks(include_plugins=False)
NETWORKING_CHECKS = {
    "kops.networking-supported",
    "kubelet.network-plugin",
    "cni.provider-deployed",
    "cni.provider-healthy",
    "cni.node-config",
    "node.network-ready",
    "dns.rollout",
    "pod.sandbox-errors",
    "pod.node-logs",
}
SUPPORTED = [
    "calico",
    "cilium",
    "amazonvpc",
    "flannel",
    "kube-router",
    "kopeio",
    "kindnet",
    "kubenet",
    "cni",
    "gce",
]
OLDER = [
    pytest.param("kubenet", "v1.22.17", "docker://20.10.17", id="kubenet-dockershim-1.22"),
    pytest.param("calico", "v1.23.17", "docker://20.10.17", id="calico-dockershim-1.23"),
    pytest.param("flannel", "v1.23.17", "containerd://1.6.8", id="flannel-containerd-1.23"),
    pytest.param("kopeio", "v1.22.17", "containerd://1.6.8", id="kopeio-containerd-1.22"),
    pytest.param("cilium", "v1.24.17", "containerd://1.6.8", id="cilium-first-release-without-the-flag"),
]  # fmt: skip


def _report(root: Path, networking: str | None = None) -> Report:
    return build_report(read_bundle(root), CHECKS, networking=networking)


def _alarms(report: Report) -> list[tuple[str, str, str]]:
    return [
        (r.check, r.status.value, r.summary)
        for r in report.results
        if r.status in (Status.FAIL, Status.WARN, Status.ERROR)
    ]


def test_the_catalog_holds_every_networking_check() -> None:
    assert {c.id for c in CHECKS} >= NETWORKING_CHECKS


@pytest.mark.parametrize("mode", SUPPORTED)
def test_healthy_cluster_raises_no_alarm(tmp_path: Path, mode: str) -> None:
    report = _report(nc.healthy(mode).write(tmp_path / mode))
    assert _alarms(report) == []
    assert {r.check for r in report.results if r.status is Status.PASS} >= NETWORKING_CHECKS
    assert (report.target.networking, report.target.networking_source) == (mode, "kops spec")
    assert report.root_causes == ()


@pytest.mark.parametrize(("mode", "k8s", "runtime"), OLDER)
def test_healthy_older_clusters_raise_no_alarm(
    tmp_path: Path, mode: str, k8s: str, runtime: str
) -> None:
    report = _report(
        nc.healthy(mode, k8s=k8s, runtime=runtime, kops="1.24.3").write(tmp_path / mode)
    )
    assert _alarms(report) == []
    assert report.result("kubelet.network-plugin").status is Status.PASS


@pytest.mark.parametrize(
    ("mode", "found"),
    [
        ("calico", "calico"),
        ("cilium", "cilium"),
        ("flannel", "flannel"),
        ("kindnet", "kindnet"),
        ("cni", "cni"),
        ("kubenet", "kubenet"),
    ],
)
def test_without_the_kops_spec_the_mode_comes_from_the_cluster(
    tmp_path: Path, mode: str, found: str
) -> None:
    root = nc.healthy(mode).write(tmp_path / mode)
    shutil.rmtree(root / "kops")
    report = _report(root)
    assert (report.target.networking, report.target.networking_source) == (found, "deployed")
    assert _alarms(report) == []
    assert report.result("kops.networking-supported").status is Status.SKIP


def test_networking_flag_with_an_alias_passes_too(tmp_path: Path) -> None:
    report = _report(nc.healthy("flannel").write(tmp_path / "flannel"), networking="flannel-vxlan")
    assert (report.target.networking, report.target.networking_source) == (
        "flannel",
        "--networking",
    )
    assert _alarms(report) == []


def test_wrong_networking_flag_is_visible(tmp_path: Path) -> None:
    report = _report(nc.healthy("calico").write(tmp_path / "calico"), networking="cilium")
    assert report.result("kops.networking-supported").status is Status.WARN
    assert report.result("cni.provider-deployed").status is Status.FAIL
