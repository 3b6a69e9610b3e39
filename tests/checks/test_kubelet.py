"""kubelet.network-plugin: argv, /etc/sysconfig/kubelet DAEMON_ARGS and the kops spec, per node."""

from __future__ import annotations

import shutil
from pathlib import Path

import kube_builders as kb
import network_clusters as nc
import pytest
from kopscheck_checks.cni.node_config import NodeConfig
from kopscheck_checks.kubelet.network_plugin import KubeletNetworkPlugin

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import scenario_path
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Status, Verdict

CHECK = KubeletNetworkPlugin()
W1, W2, W3 = (w[0] for w in nc.WORKERS)


def _run(cluster: nc.Cluster, tmp_path: Path) -> Verdict:
    return CHECK.run(CheckContext(cluster.snapshot(tmp_path / "bundle")))


def _statuses(verdict: Verdict) -> dict[ObjectRef | None, Status]:
    return {f.object: f.status for f in verdict.findings}


def _origin() -> Path:
    path = scenario_path("cni-no-provider")
    assert path is not None
    return path


def _sysconfig(cluster: nc.Cluster, host: str, args: list[str]) -> None:
    cluster.node_files[host]["sysconfig-kubelet"] = 'DAEMON_ARGS="' + " ".join(args[1:]) + '"\n'


def test_1_24_plus_without_the_flag_passes(tmp_path: Path) -> None:
    verdict = _run(nc.healthy("calico"), tmp_path)
    assert verdict.status is Status.PASS
    assert verdict.summary == ("4 node(s) OK: no --network-plugin on Kubernetes v1.32.4")
    finding = next(f for f in verdict.findings if f.object == ObjectRef("Kubelet", W1))
    assert finding.message == "kubelet v1.32.4: no --network-plugin (kubelet argv)"
    assert finding.evidence["flag_source"] == "kubelet argv"


def test_flag_left_in_sysconfig_on_1_24_fails_before_the_next_restart(tmp_path: Path) -> None:
    cluster = nc.healthy("calico", k8s="v1.25.16")
    legacy = nc.kubelet_args(W2, "v1.23.17", "containerd://1.6.8", "calico")
    _sysconfig(cluster, W2, legacy)
    del cluster.node_files[W2]["kubelet.cmdline"]
    verdict = _run(cluster, tmp_path)
    assert verdict.status is Status.FAIL
    bad = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert bad.object == ObjectRef("Kubelet", W2)
    assert bad.message == (
        "kubelet v1.25.16 is given --network-plugin=cni --cni-bin-dir=/opt/cni/bin/"
        " --cni-conf-dir=/etc/cni/net.d/ (/etc/sysconfig/kubelet DAEMON_ARGS): it will not start"
        " after its next restart"
    )
    assert "--network-plugin=cni" in str(bad.evidence["flag_line"])
    assert str(bad.evidence["flag_line"]).startswith('DAEMON_ARGS="')
    assert bad.signals == (Signal.KUBELET_NETWORK_PLUGIN,)
    assert verdict.summary.endswith(f": {W2}")


def test_kubelet_that_refuses_the_flag_and_never_registered(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium", k8s="v1.24.17")
    new = "i-0c1a0000000000009"
    cluster.node_files[new] = {
        "kubelet.log": f"Nov 27 10:14:10 {new} kubelet[811]: Error: failed to parse kubelet flag:"
        " unknown flag: --network-plugin\n"
    }
    verdict = _run(cluster, tmp_path)
    assert _statuses(verdict)[ObjectRef("Kubelet", new)] is Status.FAIL
    bad = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert bad.message == "kubelet refuses --network-plugin (removed in 1.24) and does not start"
    assert bad.evidence["log"] == (
        f"Nov 27 10:14:10 {new} kubelet[811]: Error: failed to parse kubelet flag: unknown flag:"
        " --network-plugin"
    )
    assert bad.evidence["kubelet_version"] == "v1.24.17"


def test_a_missing_runtime_cni_config_is_cni_node_configs_subject_not_this_checks(
    tmp_path: Path,
) -> None:
    cluster = nc.healthy("calico")
    del cluster.node_files[W3]["cni-net.d/10-calico.conflist"]
    cluster.node_files[W3]["cni-net.d/calico-kubeconfig"] = "apiVersion: v1\nkind: Config\n"
    snap = cluster.snapshot(tmp_path / "bundle")
    verdict = CHECK.run(CheckContext(snap))
    assert verdict.status is Status.PASS
    assert _statuses(verdict)[ObjectRef("Kubelet", W3)] is Status.PASS
    node_config = NodeConfig().run(CheckContext(snap))
    assert node_config.status is Status.WARN
    assert node_config.summary == (
        f"1 of 4 node(s): Ready, but /etc/cni/net.d holds no config: {W3}"
    )


def test_origin_case_fails_no_kubelet_flag_but_a_wrong_flag_still_does() -> None:
    demo = read_bundle(_origin())
    verdict = CHECK.run(CheckContext(demo))
    assert verdict.status is Status.PASS
    assert {f.object.name for f in verdict.findings if f.status is Status.PASS and f.object} == {
        "i-0a1b2c3d4e5f60002",
        "i-0a1b2c3d4e5f60003",
        "i-0a1b2c3d4e5f60004",
        "i-0a1b2c3d4e5f60001",
    }


def test_origin_case_with_the_flag_left_in_sysconfig_fails(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(_origin(), bundle)
    node = "i-0a1b2c3d4e5f60003"
    (bundle / "nodes" / node / "sysconfig-kubelet").write_text(
        'DAEMON_ARGS="--network-plugin=cni --cni-bin-dir=/opt/cni/bin/"\n'
    )
    (bundle / "nodes" / node / "kubelet.cmdline").unlink()
    verdict = CHECK.run(CheckContext(read_bundle(bundle)))
    assert verdict.status is Status.FAIL
    [bad] = [f for f in verdict.findings if f.status is Status.FAIL]
    assert bad.object == ObjectRef("Kubelet", node)
    assert bad.message == (
        "kubelet v1.32.4 is given --network-plugin=cni --cni-bin-dir=/opt/cni/bin/"
        " (/etc/sysconfig/kubelet DAEMON_ARGS): it will not start after its next restart"
    )


def test_kubelet_newer_than_the_api_server_says_so_where_it_explains_the_finding(
    tmp_path: Path,
) -> None:
    cluster = nc.healthy("calico", k8s="v1.23.17", runtime="containerd://1.6.8")
    cluster.nodes[1] = kb.node(*nc.WORKERS[0], kubelet_version="v1.25.16")
    cluster.nodes[1]["status"]["nodeInfo"]["containerRuntimeVersion"] = "containerd://1.6.8"
    args = nc.kubelet_args(W1, "v1.23.17", "containerd://1.6.8", "calico")
    cluster.node_files[W1]["kubelet.cmdline"] = "\x00".join(args) + "\x00"
    verdict = _run(cluster, tmp_path)
    bad = next(f for f in verdict.findings if f.object == ObjectRef("Kubelet", W1))
    assert bad.status is Status.FAIL
    assert bad.message.endswith(
        "(kubelet v1.25.16 is newer than the API server v1.23.17: an unsupported version skew,"
        " upgrade the control plane first)"
    )
    assert {
        f.object.name for f in verdict.findings if f.object and "version_skew" in f.evidence
    } == {W1}


@pytest.mark.parametrize(
    ("mode", "runtime", "edit", "status", "message"),
    [
        pytest.param(
            "calico", "docker://20.10.17", ["--network-plugin=cni"], Status.FAIL,
            "no --network-plugin (kubelet argv): dockershim falls back to the no-op plugin",
            id="dockershim-flag-missing",
        ),
        pytest.param(
            "calico", "docker://20.10.17", ["--network-plugin=kubenet"], Status.FAIL,
            "--network-plugin=kubenet (kubelet argv), the mode needs cni",
            id="dockershim-kubenet-in-a-cni-mode",
        ),
        pytest.param(
            "kubenet", "docker://20.10.17", ["--network-plugin=cni"], Status.FAIL,
            "--network-plugin=cni (kubelet argv), the mode needs kubenet",
            id="dockershim-cni-in-kubenet-mode",
        ),
        pytest.param(
            "calico", "containerd://1.6.8", ["--network-plugin=kubenet"], Status.WARN,
            "--network-plugin=kubenet (kubelet argv), the mode needs cni",
            id="containerd-ignores-a-wrong-value",
        ),
    ],
)  # fmt: skip
def test_before_1_24_the_flag_must_match_the_mode(
    tmp_path: Path, mode: str, runtime: str, edit: list[str], status: Status, message: str
) -> None:
    cluster = nc.healthy(mode, k8s="v1.23.17", runtime=runtime)
    args = nc.kubelet_args(W1, "v1.23.17", runtime, mode)
    plugin = next(a for a in args if a.startswith("--network-plugin"))
    args.remove(plugin)
    if edit[0] != plugin:
        args.insert(5, edit[0])
    cluster.node_files[W1]["kubelet.cmdline"] = "\x00".join(args) + "\x00"
    verdict = _run(cluster, tmp_path)
    assert verdict.status is status
    assert _statuses(verdict)[ObjectRef("Kubelet", W1)] is status
    assert {o.name for o, s in _statuses(verdict).items() if o and s is not Status.PASS} == {W1}
    bad = next(f for f in verdict.findings if f.object == ObjectRef("Kubelet", W1))
    assert bad.message == message


@pytest.mark.parametrize(
    ("mode", "runtime", "expected"),
    [
        pytest.param("calico", "docker://20.10.17", "--network-plugin=cni", id="docker-cni"),
        pytest.param("kubenet", "docker://20.10.17", "--network-plugin=kubenet", id="docker-kubenet"),
        pytest.param("kopeio", "containerd://1.6.8", "--network-plugin=kubenet", id="kopeio-is-kubenet"),
        pytest.param("flannel", "containerd://1.6.8", "--network-plugin=cni", id="containerd-cni"),
    ],
)  # fmt: skip
def test_before_1_24_the_right_flag_passes(
    tmp_path: Path, mode: str, runtime: str, expected: str
) -> None:
    verdict = _run(nc.healthy(mode, k8s="v1.22.17", runtime=runtime), tmp_path)
    assert verdict.status is Status.PASS
    assert verdict.summary == f"4 node(s) OK: {expected}"


def test_containerd_before_1_24_without_the_flag_is_fine(tmp_path: Path) -> None:
    cluster = nc.healthy("calico", k8s="v1.23.17", runtime="containerd://1.6.8")
    args = [
        a for a in nc.kubelet_args(W1, "v1.23.17", "containerd://1.6.8", "calico") if "cni" not in a
    ]
    cluster.node_files[W1]["kubelet.cmdline"] = "\x00".join(args) + "\x00"
    verdict = _run(cluster, tmp_path)
    finding = next(f for f in verdict.findings if f.object == ObjectRef("Kubelet", W1))
    assert (finding.status, finding.message) == (
        Status.PASS,
        "no --network-plugin (ignored by remote runtimes) (kubelet argv)",
    )


def test_no_op_plugin_in_the_log_fails(tmp_path: Path) -> None:
    cluster = nc.healthy("calico", k8s="v1.22.17", runtime="docker://20.10.17")
    cluster.node_files[W2]["kubelet.log"] += (
        f"Nov 27 10:01:00 {W2} kubelet[2231]: I1127 10:01:00.100000    2231 plugins.go:157]"
        ' Calling network plugin kubernetes.io/no-op to set up pod "web-1_default"\n'
    )
    verdict = _run(cluster, tmp_path)
    bad = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert bad.object == ObjectRef("Kubelet", W2)
    assert bad.message == "kubelet uses the no-op network plugin: --network-plugin is missing"
    assert "kubernetes.io/no-op" in str(bad.evidence["log"])


def test_kops_spec_is_the_last_source_before_1_24(tmp_path: Path) -> None:
    cluster = nc.healthy("calico", k8s="v1.23.17", runtime="docker://20.10.17")
    for files in cluster.node_files.values():
        files.pop("kubelet.cmdline")
        files.pop("sysconfig-kubelet")
    root = cluster.write(tmp_path / "bundle")
    spec = (root / "kops" / "cluster.yaml").read_text()
    (root / "kops" / "cluster.yaml").write_text(
        spec.replace("  kubeDNS:", "  kubelet:\n    networkPluginName: kubenet\n  kubeDNS:")
    )
    verdict = CHECK.run(CheckContext(read_bundle(root)))
    assert verdict.status is Status.FAIL
    assert {f.message for f in verdict.findings} == {
        "--network-plugin=kubenet (kops spec (spec.kubelet.networkPluginName)), the mode needs cni"
    }
    assert verdict.summary.startswith("4 of 4 node(s) deviate")


def test_before_1_24_without_any_flag_source_it_cannot_decide(tmp_path: Path) -> None:
    cluster = nc.healthy("calico", k8s="v1.23.17", runtime="docker://20.10.17")
    cluster.node_files = {}
    verdict = _run(cluster, tmp_path)
    assert verdict.status is Status.SKIP
    assert (
        verdict.summary
        == "kubelet flags not collected (nodes/<node>/kubelet.cmdline, sysconfig-kubelet)"
    )
    assert verdict.remediation is not None and "--probe" in verdict.remediation


def test_a_ready_1_24_kubelet_proves_it_accepted_its_flags(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    cluster.node_files = {}
    verdict = _run(cluster, tmp_path)
    assert verdict.status is Status.PASS
    assert {f.message for f in verdict.findings} == {
        "kubelet v1.32.4: running, so it accepted its flags"
    }


def test_a_node_without_cni_config_keeps_a_running_kubelet_passing(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    cluster.nodes[1] = kb.node(*nc.WORKERS[0], ready=kb.CNI_NOT_INITIALIZED)
    cluster.node_files = {}
    verdict = _run(cluster, tmp_path)
    finding = next(f for f in verdict.findings if f.object == ObjectRef("Kubelet", W1))
    assert (finding.status, finding.message) == (
        Status.PASS,
        "kubelet v1.32.4: running, so it accepted its flags",
    )
