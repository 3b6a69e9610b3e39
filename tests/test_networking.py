"""Networking mode resolution (flag, kops spec, deployed) and the helpers the checks share."""

from __future__ import annotations

from typing import Any

import kube_builders as kb
import pytest
from snapshots import snapshot

from kopscheck.collectors.formats.kops_spec import parse_cluster
from kopscheck.knowledge.cni_provider import daemonset_targets
from kopscheck.knowledge.kubelet_flags import daemon_args, parse_args, read_flags
from kopscheck.knowledge.log_lines import LineKind, error_lines, sandbox_lines
from kopscheck.knowledge.networking import expected_components, resolve_networking
from kopscheck.knowledge.networking_modes import BY_NAME, MODES, mode_for_alias
from kopscheck.knowledge.versions import kops_version, kubernetes_version, parse_minor
from kopscheck.model.facts import NodeFiles, Version

KS = "kube-system"
NETWORKING_LABELS = {"app.kubernetes.io/managed-by": "kops", "role.kubernetes.io/networking": "1"}


def _cluster(networking: dict[str, Any], version: str = "1.32.4", **spec: Any) -> Any:
    doc = {
        "apiVersion": "kops.k8s.io/v1alpha2",
        "kind": "Cluster",
        "metadata": {"name": "t.k8s.local"},
        "spec": {"kubernetesVersion": version, "networking": networking, **spec},
    }
    return parse_cluster([doc], "cluster.yaml")


def _ds(name: str, ns: str = KS, labels: dict[str, str] | None = None, image: str = "x:1") -> Any:
    return kb.daemonset(name, ns, labels or {"app": name}, {"app": name}, image, 3, 3)


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        pytest.param("flannel-vxlan", "flannel", id="flannel-vxlan"),
        pytest.param("flannel-udp", "flannel", id="flannel-udp"),
        pytest.param("amazon-vpc-routed-eni", "amazonvpc", id="amazon-vpc-routed-eni"),
        pytest.param("gcp", "gce", id="gcp"),
        pytest.param("kopeio-vxlan", "kopeio", id="kopeio-vxlan"),
        pytest.param("cilium-eni", "cilium-eni", id="cilium-eni"),
        pytest.param("Calico", "calico", id="case-insensitive"),
    ],
)
def test_networking_flag_values_kops_accepts(value: str, mode: str) -> None:
    found = mode_for_alias(value)
    assert found is not None and found.name == mode


def test_flag_overrides_the_spec_and_says_so() -> None:
    snap = snapshot(kops_cluster=_cluster({"calico": {}}))
    mode = resolve_networking(snap, "cilium")
    assert mode is not None
    assert (mode.name, mode.source, mode.detail) == ("cilium", "--networking", "cilium")


def test_unknown_flag_value_is_kept_without_a_mode_spec() -> None:
    mode = resolve_networking(snapshot(), "calcio")
    assert mode is not None and (mode.name, mode.spec) == ("calcio", None)


@pytest.mark.parametrize(
    ("networking", "mode", "key"),
    [
        pytest.param({"amazonvpc": {}}, "amazonvpc", "amazonvpc", id="v1alpha2-amazonvpc"),
        pytest.param({"amazonVPC": {}}, "amazonvpc", "amazonVPC", id="v1alpha3-amazonVPC"),
        pytest.param({"kuberouter": {}}, "kube-router", "kuberouter", id="v1alpha2-kuberouter"),
        pytest.param({"kubeRouter": {}}, "kube-router", "kubeRouter", id="v1alpha3-kubeRouter"),
        pytest.param({"gce": {}}, "gce", "gce", id="v1alpha2-gce"),
        pytest.param({"gcp": {}}, "gce", "gcp", id="v1alpha3-gcp"),
        pytest.param({"lyftvpc": {}}, "lyftvpc", "lyftvpc", id="old-lyftvpc"),
        pytest.param({"classic": {}}, "classic", "classic", id="old-classic"),
        pytest.param(
            {"networkCIDR": "172.20.0.0/16", "kubenet": {}, "subnets": []},
            "kubenet",
            "kubenet",
            id="v1alpha3-networking-holds-cidrs-too",
        ),
        pytest.param({"cilium": {"ipam": "eni"}}, "cilium-eni", "cilium", id="cilium-eni-variant"),
        pytest.param(
            {"cilium": {"etcdManaged": True}}, "cilium-etcd", "cilium", id="cilium-etcd-variant"
        ),
        pytest.param({"cilium": {"enableNodePort": True}}, "cilium", "cilium", id="cilium-plain"),
    ],
)
def test_spec_keys_of_every_api_version(networking: dict[str, Any], mode: str, key: str) -> None:
    found = resolve_networking(snapshot(kops_cluster=_cluster(networking)))
    assert found is not None
    assert (found.name, found.source, found.detail) == (mode, "kops spec", f"spec.networking.{key}")


def test_deployed_kops_addon_decides_without_a_spec() -> None:
    ds = _ds(
        "kube-flannel-ds",
        "kube-flannel",
        {**NETWORKING_LABELS, "addon.kops.k8s.io/name": "networking.flannel", "app": "flannel"},
    )
    mode = resolve_networking(snapshot(daemonsets=[_ds("kops-controller"), ds]))
    assert mode is not None
    assert (mode.name, mode.source, mode.detail) == (
        "flannel",
        "deployed",
        "DaemonSet/kube-flannel/kube-flannel-ds",
    )


def test_old_k8s_addon_label_still_names_the_mode() -> None:
    ds = _ds("weave-net", labels={"k8s-addon": "networking.weave", "name": "weave-net"})
    mode = resolve_networking(snapshot(daemonsets=[ds]))
    assert mode is not None and mode.name == "weave"


def test_user_deployed_provider_means_cni_mode() -> None:
    ds = _ds("calico-node", "calico-system", image="quay.io/calico/node:v3.29.1")
    mode = resolve_networking(snapshot(daemonsets=[ds]))
    assert mode is not None
    assert (mode.name, mode.detail) == ("cni", "calico: DaemonSet/calico-system/calico-node")


def test_provider_recognised_by_image_when_renamed() -> None:
    ds = _ds("netagent", "networking", image="quay.io/cilium/cilium:v1.18.12")
    mode = resolve_networking(snapshot(daemonsets=[ds]))
    assert mode is not None and mode.detail == "cilium: DaemonSet/networking/netagent"


def test_route_controller_routes_mean_kubenet_when_nothing_is_deployed() -> None:
    node = kb.node("i-0aa", "172.20.40.1", "100.96.1.0/24")
    node["status"]["conditions"].insert(
        0,
        kb.condition(
            "NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"
        ),
    )
    mode = resolve_networking(snapshot(nodes=[node], daemonsets=[_ds("kops-controller")]))
    assert mode is not None and (mode.name, mode.source) == ("kubenet", "deployed")


def test_no_mode_when_nothing_says() -> None:
    assert resolve_networking(snapshot(daemonsets=[_ds("kops-controller")])) is None


def test_optional_components_follow_the_spec() -> None:
    calico = BY_NAME["calico"]
    plain = snapshot(kops_cluster=_cluster({"calico": {}}), daemonsets=[], deployments=[])
    typha = snapshot(kops_cluster=_cluster({"calico": {"typhaReplicas": 3}}), deployments=[])
    assert [e.component.name for e in expected_components(plain, calico)] == [
        "calico-node",
        "calico-kube-controllers",
    ]
    assert [e.component.name for e in expected_components(typha, calico)][-1] == "calico-typha"


def test_every_mode_with_workloads_names_an_addon_and_a_node_agent() -> None:
    for mode in MODES:
        if mode.components and mode.name != "romana":
            assert mode.addon and mode.agent is not None, mode.name


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("v1.32.4", (1, 32)),
        ("1.24.0", (1, 24)),
        ("v1.23.17-eks-1", (1, 23)),
        ("1.33", (1, 33)),
        ("latest", None),
    ],
)
def test_parse_minor(text: str, minor: tuple[int, int] | None) -> None:
    assert parse_minor(text) == minor


def test_versions_prefer_the_api_server_then_spec_then_kubelets() -> None:
    nodes = [kb.node("i-0aa", "172.20.40.1", "100.96.1.0/24", kubelet_version="v1.31.2")]
    server = snapshot(nodes=nodes, version=Version("v1.32.4", 1, 32), kops_cluster=_cluster({}))
    spec = snapshot(nodes=nodes, kops_cluster=_cluster({}, version="1.33.0"))
    kubelets = snapshot(nodes=nodes)
    assert kubernetes_version(server).source == "API server"  # type: ignore[union-attr]
    assert kubernetes_version(spec).minor == (1, 33)  # type: ignore[union-attr]
    assert kubernetes_version(kubelets).text == "v1.31.2"  # type: ignore[union-attr]


def test_kops_version_from_the_kops_controller_image() -> None:
    ds = kb.daemonset(
        "kops-controller", KS, {}, {"k8s-app": "kops-controller"},
        "registry.k8s.io/kops/kops-controller:1.32.0@sha256:abc", 1, 1,
    )  # fmt: skip
    found = kops_version(snapshot(daemonsets=[ds]))
    assert found is not None and (found.minor, found.text) == ((1, 32), "1.32.0")


def test_kubelet_flags_from_argv_then_sysconfig_then_spec() -> None:
    argv = NodeFiles("n", kubelet_cmdline=("/usr/bin/kubelet", "--network-plugin", "cni", "--v=2"))
    sysconfig = NodeFiles(
        "n", sysconfig_kubelet='DAEMON_ARGS="--network-plugin=kubenet --network-plugin-mtu=9001"\n'
    )
    spec = _cluster({}, kubelet={"networkPluginName": "cni"})
    from_argv, from_sys = read_flags(argv, spec), read_flags(sysconfig, spec)
    from_spec = read_flags(NodeFiles("n"), spec)
    assert from_argv is not None and from_argv.network_plugin == "cni"
    assert from_argv.line == "--network-plugin cni"
    assert from_sys is not None and from_sys.source == "/etc/sysconfig/kubelet DAEMON_ARGS"
    assert from_sys.removed == ["--network-plugin=kubenet", "--network-plugin-mtu=9001"]
    assert from_spec is not None and from_spec.source.startswith("kops spec")
    assert read_flags(NodeFiles("n"), None) is None


def test_daemon_args_quoting_and_parse_args_forms() -> None:
    line, words = daemon_args("HOME=/root\nDAEMON_ARGS='--a=1 --b 2'  # kops\n") or ("", [])
    assert line == "DAEMON_ARGS='--a=1 --b 2'  # kops"
    assert parse_args(words) == {"a": "1", "b": "2"}
    assert parse_args(["--x", "--y=", "--z", "v"]) == {"x": "", "y": "", "z": "v"}


def test_error_lines_by_level_marker_not_by_word() -> None:
    log = "\n".join(
        [
            'time="t" level=info msg="retrying after error" subsys=daemon',
            'time="t" level=error msg="Unable to contact k8s api-server" subsys=k8s',
            '{"level":"error","msg":"InsufficientFreeAddressesInSubnet"}',
            "2026-11-27 10:00:00.000 [ERROR][62] felix/int_dataplane.go 1: Failed to program",
            "E1127 10:00:00.000000       1 controller.go:1] failed to sync",
            "2026-11-27 10:00:00.000 [WARNING][9] startup.go 1: Failed to set NetworkUnavailable"
            " to False; will retry error=Unauthorized",
            "2026-11-27 10:00:00.000 [WARNING][9] felix.go 1: Slow dataplane apply",
        ]
    )
    assert [line[:24] for line in error_lines(log, limit=10)] == [
        'time="t" level=error msg',
        '{"level":"error","msg":"',
        "2026-11-27 10:00:00.000 ",
        "E1127 10:00:00.000000   ",
        "2026-11-27 10:00:00.000 ",
    ]


def test_sandbox_lines_classify_create_delete_failure_and_not_ready() -> None:
    log = "\n".join(
        [
            'kubelet.go:2456] "SyncLoop ADD" source="api" pods=["default/web-1"]',
            '"Container runtime network not ready" networkReady="NetworkReady=false"',
            'err="failed to setup network for sandbox \\"ab\\": plugin type=\\"calico\\" failed (add)"',
            '"SyncLoop (PLEG): event for pod" pod="default/web-1" event={"Type":"ContainerStarted"}',
            'SyncLoop (DELETE, "api"): "web-1_default(1234)"',
            "ipam_plugin.go 226: Calico CNI IPAM request count IPv4=1",
            "utils.go 176: Calico CNI releasing IP address",
            "I1127 09:00:00 1 main.go:1] nothing about pods",
        ]
    )
    assert [line.kind for line in sandbox_lines(log)] == [
        LineKind.CREATE,
        LineKind.NOT_READY,
        LineKind.FAILURE,
        LineKind.STARTED,
        LineKind.DELETE,
        LineKind.CREATE,
        LineKind.DELETE,
    ]


def test_daemonset_targets_follow_node_selector_and_taints() -> None:
    worker = kb.node("i-0aa", "172.20.40.1", "100.96.1.0/24")
    gpu = kb.node(
        "i-0bb", "172.20.40.2", "100.96.2.0/24",
        taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
    )  # fmt: skip
    control = kb.node("i-0cc", "172.20.40.3", "100.96.0.0/24", control_plane=True)
    not_ready = kb.node("i-0dd", "172.20.40.4", "100.96.3.0/24", ready=kb.CNI_NOT_INITIALIZED)
    ds = kb.daemonset("agent", KS, {}, {"app": "agent"}, "a:1", 4, 4)
    ds["spec"]["template"]["spec"]["tolerations"] = [
        {"key": "CriticalAddonsOnly", "operator": "Exists"}
    ]
    snap = snapshot(nodes=[worker, gpu, control, not_ready], daemonsets=[ds])
    assert snap.workloads and snap.nodes
    names = [n.name for n in daemonset_targets(snap.workloads[0], snap.nodes)]
    assert names == ["i-0aa", "i-0dd"]


def test_node_files_match_nodes_by_instance_id_or_private_dns_name() -> None:
    from kopscheck.knowledge.cni_provider import files_by_node

    snap = snapshot(
        nodes=[
            kb.node("i-0aa", "172.20.40.1", "100.96.1.0/24"),
            kb.node("i-0bb", "172.20.40.2", "100.96.2.0/24"),
        ]
    )
    files = {
        "ip-172-20-40-1.ec2.internal": NodeFiles("ip-172-20-40-1.ec2.internal"),
        "i-0bb": NodeFiles("i-0bb"),
        "i-0zz-never-registered": NodeFiles("i-0zz-never-registered"),
    }
    assert sorted(files_by_node(snap.nodes or (), files)) == [
        "i-0aa",
        "i-0bb",
        "i-0zz-never-registered",
    ]
