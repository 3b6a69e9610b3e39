"""cni.provider-deployed, cni.provider-healthy and cni.node-config on realistic clusters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import kube_builders as kb
import network_clusters as nc
import pytest
from kopscheck_checks.cni.node_config import NodeConfig
from kopscheck_checks.cni.provider_deployed import ProviderDeployed
from kopscheck_checks.cni.provider_healthy import ProviderHealthy

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.runner import Selection, run_check
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Status, Verdict

KS = nc.KS
CP = nc.CONTROL_PLANE[0]
W1, W2, W3 = (w[0] for w in nc.WORKERS)
DEPLOYED, HEALTHY, CONFIG = ProviderDeployed(), ProviderHealthy(), NodeConfig()


def _problems(verdict: Verdict) -> dict[ObjectRef | None, Status]:
    return {f.object: f.status for f in verdict.findings if f.status in (Status.FAIL, Status.WARN)}


def _drop(cluster: nc.Cluster, ns: str, filename: str, name: str) -> None:
    items = cluster.namespaces[ns][filename]
    items[:] = [o for o in items if not o["metadata"]["name"].startswith(name)]


def _not_ready_nodes(cluster: nc.Cluster, ready: tuple[str, str, str]) -> None:
    cluster.nodes = [
        kb.node(*nc.CONTROL_PLANE, control_plane=True, ready=ready),
        *(kb.node(*w, ready=ready) for w in nc.WORKERS),
    ]


# --- cni.provider-deployed ---------------------------------------------------------------------


def test_kops_addon_fully_deployed_passes(tmp_path: Path) -> None:
    verdict = DEPLOYED.run(CheckContext(nc.healthy("cilium").snapshot(tmp_path)))
    assert verdict.status is Status.PASS
    assert verdict.summary == (
        "cilium (from kops spec) deployed: DaemonSet/kube-system/cilium,"
        " Deployment/kube-system/cilium-operator"
    )


def test_missing_component_of_a_kops_addon_fails(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    _drop(cluster, KS, "deployments.json", "calico-kube-controllers")
    _drop(cluster, KS, "pods.json", "calico-kube-controllers")
    verdict = DEPLOYED.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {
        ObjectRef("Deployment", "calico-kube-controllers", KS): Status.FAIL
    }
    assert verdict.summary == (
        "calico (from kops spec) is not fully deployed: missing"
        " Deployment/kube-system/calico-kube-controllers"
    )


def test_typha_is_required_only_when_the_spec_enables_it(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    cluster.networking = {"calico": {"typhaReplicas": 3}}
    verdict = DEPLOYED.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Deployment", "calico-typha", KS): Status.FAIL}


def test_cni_mode_without_any_provider_fails_and_names_waiting_nodes(tmp_path: Path) -> None:
    cluster = nc.healthy("cni")
    cluster.namespaces.pop("calico-system")
    _not_ready_nodes(cluster, kb.CNI_NOT_INITIALIZED)
    verdict = DEPLOYED.run(CheckContext(cluster.snapshot(tmp_path)))
    assert verdict.status is Status.FAIL
    [finding] = verdict.findings
    assert finding.object == ObjectRef("Networking", "cni")
    assert finding.evidence["nodes_without_cni_config"] == [CP, W1, W2, W3]
    assert finding.evidence["daemonsets"] == ["DaemonSet/kube-system/kops-controller"]
    assert finding.signals == () and finding.related == ()  # a root cause, never a symptom


def test_cni_mode_with_ready_nodes_but_unknown_provider_only_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("cni")
    cluster.namespaces.pop("calico-system")
    verdict = DEPLOYED.run(CheckContext(cluster.snapshot(tmp_path)))
    assert verdict.status is Status.WARN
    assert "kopscheck recognises no provider DaemonSet" in verdict.summary


def test_kubenet_with_a_provider_daemonset_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("kubenet")
    flannel = nc.healthy("flannel")
    cluster.namespaces["kube-flannel"] = flannel.namespaces["kube-flannel"]
    verdict = DEPLOYED.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {
        ObjectRef("DaemonSet", "kube-flannel-ds", "kube-flannel"): Status.WARN
    }


def test_second_provider_next_to_the_mode_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    cilium = nc.healthy("cilium")
    cluster.add(KS, "daemonsets.json", cilium.find(KS, "daemonsets.json", "cilium"))
    verdict = DEPLOYED.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("DaemonSet", "cilium", KS): Status.WARN}
    warn = next(f for f in verdict.findings if f.status is Status.WARN)
    assert warn.message.startswith("cilium (DaemonSet/kube-system/cilium) runs next to calico")


def test_cilium_etcd_needs_its_etcd_static_pods(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    cluster.networking = {"cilium": {"etcdManaged": True}}
    verdict = DEPLOYED.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Pod", "etcd-manager-cilium", KS): Status.FAIL}


def test_mode_unknown_and_nodes_waiting_for_a_cni_fails(tmp_path: Path) -> None:
    cluster = nc.healthy("cni")
    cluster.namespaces.pop("calico-system")
    _not_ready_nodes(cluster, kb.CNI_NOT_INITIALIZED)
    root = cluster.write(tmp_path)
    (root / "kops" / "cluster.yaml").unlink()
    from kopscheck.collectors.offline.bundle import read_bundle

    verdict = DEPLOYED.run(CheckContext(read_bundle(root)))
    assert verdict.status is Status.FAIL
    assert verdict.summary.startswith("networking mode unknown (no --networking, no kops spec")


# --- cni.provider-healthy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode", ["calico", "cilium", "amazonvpc", "flannel", "kube-router", "kopeio", "kindnet", "cni"]
)
def test_healthy_provider_passes(tmp_path: Path, mode: str) -> None:
    verdict = HEALTHY.run(CheckContext(nc.healthy(mode).snapshot(tmp_path)))
    assert verdict.status is Status.PASS
    assert "4/4 ready" in verdict.summary and "no errors in 4 log(s)" in verdict.summary


@pytest.mark.parametrize("mode", ["kubenet", "gce"])
def test_modes_without_provider_pods_pass(tmp_path: Path, mode: str) -> None:
    verdict = HEALTHY.run(CheckContext(nc.healthy(mode).snapshot(tmp_path)))
    assert (verdict.status, verdict.summary) == (
        Status.PASS,
        f"{mode} deploys no provider pods: nothing here can be unhealthy",
    )


def test_no_agent_pod_on_a_node_it_must_cover(tmp_path: Path) -> None:
    cluster = nc.healthy("kindnet")
    _drop(cluster, KS, "pods.json", "kindnet-wm7jc")
    ds = cluster.find(KS, "daemonsets.json", "kindnet")
    ds["status"].update(
        currentNumberScheduled=3,
        desiredNumberScheduled=3,
        numberReady=3,
        numberAvailable=3,
        updatedNumberScheduled=3,
    )
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Node", W3): Status.FAIL}
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert (
        finding.message
        == "no kindnet pod on this node: it has no pod network from kube-system/kindnet"
    )
    assert finding.signals == (Signal.CNI_AGENT_NOT_RUNNING,)


def test_nodes_the_agent_does_not_tolerate_are_not_required(tmp_path: Path) -> None:
    cluster = nc.healthy("flannel")  # tolerates NoSchedule only
    cluster.node(W3)["spec"]["taints"] = [
        {"key": "dedicated", "value": "batch", "effect": "NoExecute"}
    ]
    _drop(cluster, "kube-flannel", "pods.json", "kube-flannel-ds-wm7jc")
    ds = cluster.find("kube-flannel", "daemonsets.json", "kube-flannel-ds")
    ds["status"].update(
        currentNumberScheduled=3,
        desiredNumberScheduled=3,
        numberReady=3,
        numberAvailable=3,
        updatedNumberScheduled=3,
    )
    assert HEALTHY.run(CheckContext(cluster.snapshot(tmp_path))).status is Status.PASS


def test_crash_looping_agent_fails_with_its_state(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    pod = cluster.find(KS, "pods.json", "cilium-hx4rw")
    pod["status"]["containerStatuses"] = [
        kb.container_status("cilium-agent", "quay.io/cilium/cilium:v1.18.12", state="waiting", reason="CrashLoopBackOff",
                            message="back-off 5m0s restarting failed container", ready=False, restarts=37, last_reason="Error")
    ]  # fmt: skip
    for cond in pod["status"]["conditions"]:
        if cond["type"] in ("Ready", "ContainersReady"):
            cond["status"] = "False"
    cluster.find(KS, "daemonsets.json", "cilium")["status"].update(numberReady=3, numberAvailable=3)
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {
        ObjectRef("DaemonSet", "cilium", KS): Status.FAIL,
        ObjectRef("Pod", "cilium-hx4rw", KS): Status.FAIL,
    }
    pod_finding = next(
        f for f in verdict.findings if f.object == ObjectRef("Pod", "cilium-hx4rw", KS)
    )
    assert pod_finding.message == f"CrashLoopBackOff on {W2} after 37 restarts"
    assert pod_finding.evidence["last_terminated"] == "Error"
    assert pod_finding.signals == (Signal.CNI_AGENT_NOT_READY,)
    assert pod_finding.related == ()  # its node is Ready: nothing to blame but the agent


def test_bgp_not_established_leads_with_calicos_words(tmp_path: Path) -> None:
    from kopscheck.collectors.offline.bundle import read_bundle

    root = Path(__file__).parents[1] / "fixtures" / "calico-bgp-not-established"
    verdict = HEALTHY.run(CheckContext(read_bundle(root)))
    pod = next(f for f in verdict.findings if f.object == ObjectRef("Pod", "calico-node-hx4rw", KS))
    assert pod.status is Status.FAIL
    assert pod.message == (
        f"Running on {W2}, not ready: calico/node is not ready: BIRD is not ready: BGP not"
        " established with 172.20.46.21,172.20.48.43"
    )
    assert pod.evidence["bgp_not_established_with"] == ["172.20.46.21", "172.20.48.43"]
    assert pod.signals == (Signal.CNI_AGENT_NOT_READY,)


def test_restarts_and_recent_probe_failures_on_a_ready_agent_warn(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    pod = cluster.find(KS, "pods.json", "calico-node-8zt5n")
    pod["status"]["containerStatuses"][0]["restartCount"] = 9
    pod["status"]["containerStatuses"][0]["lastState"] = {
        "terminated": {"exitCode": 137, "reason": "OOMKilled"}
    }
    felix = ('Liveness probe failed: calico/node is not ready: Felix is not live: Get "http://localhost:9099/liveness":'
             " dial tcp 127.0.0.1:9099: connect: connection refused")  # fmt: skip
    cluster.add(
        KS,
        "events.json",
        kb.event(
            ("Pod", KS, "calico-node-8zt5n"),
            "Unhealthy",
            felix,
            count=6,
            host=W1,
            last="2026-11-27T10:10:00Z",
        ),
    )
    cluster.add(
        KS,
        "events.json",
        kb.event(
            ("Pod", KS, "calico-node-hx4rw"),
            "Unhealthy",
            felix,
            count=2,
            host=W2,
            last="2026-11-27T08:01:00Z",
        ),
    )
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert verdict.status is Status.WARN
    messages = [f.message for f in verdict.findings if f.status is Status.WARN]
    assert messages == [
        "calico-node restarted 9 times (last: OOMKilled)",
        "probe failed 6 time(s) in the last hour: " + felix,
    ]  # the event two hours old on calico-node-hx4rw is history, not a finding


def test_error_lines_in_a_ready_agents_log_warn(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    cluster.logs[(KS, "cilium-8zt5n")]["cilium-agent"] += (
        'time="2026-11-27T10:12:00Z" level=error msg="Unable to contact k8s api-server" error="Get'
        ' \\"https://100.64.0.1:443/api/v1/namespaces\\": dial tcp 100.64.0.1:443: i/o timeout" subsys=k8s-client\n'
    )
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Pod", "cilium-8zt5n", KS): Status.WARN}
    finding = next(f for f in verdict.findings if f.status is Status.WARN)
    assert finding.message.startswith(
        '1 error line(s) in its log, last: time="2026-11-27T10:12:00Z" level=error'
    )


def test_operator_scaled_to_zero_fails(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    op = cluster.find(KS, "deployments.json", "cilium-operator")
    op["spec"]["replicas"] = 0
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Deployment", "cilium-operator", KS): Status.FAIL}


def test_rollout_in_progress_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("amazonvpc")
    cluster.find(KS, "daemonsets.json", "aws-node")["status"]["updatedNumberScheduled"] = 2
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert [f.message for f in verdict.findings if f.status is Status.WARN] == [
        "rollout in progress: 2/4 pods updated"
    ]


def test_nothing_deployed_in_cni_mode_is_provider_deployeds_answer_not_this_checks(
    tmp_path: Path,
) -> None:
    cluster = nc.healthy("cni")
    cluster.namespaces.pop("calico-system")
    snap = cluster.snapshot(tmp_path)
    result = run_check(HEALTHY, CheckContext(snap), Selection())
    assert result.status is Status.SKIP
    assert result.summary == (
        "no CNI provider pods to judge (whether one is needed: cni.provider-deployed)"
    )
    deployed = ProviderDeployed().run(CheckContext(snap))
    assert deployed.status is Status.WARN  # `cni`, nothing recognised, nodes Ready: ask


MINIKUBE = Path(__file__).parents[1] / "fixtures" / "minikube-bridge-healthy"


def test_no_provider_pods_with_a_working_pod_network_passes_when_the_mode_is_unknown() -> None:
    snap = read_bundle(MINIKUBE)
    verdict = HEALTHY.run(CheckContext(snap))
    assert verdict.status is Status.PASS
    assert verdict.summary == (
        "no CNI provider pods, and none needed: all 1 node(s) Ready with a working runtime"
        " network; 1 pod(s) got IPs from their node's podCIDR (e.g."
        " kube-system/coredns-6f6b679f8f-7xk8p 10.244.0.2 in 10.244.0.0/24)"
    )
    deployed = ProviderDeployed().run(CheckContext(snap))
    assert deployed.status is Status.PASS
    assert "a plugin that runs no pods (bridge, host-local" in deployed.summary


def test_no_provider_pods_and_a_pod_outside_its_nodes_podcidr_is_not_proof(
    tmp_path: Path,
) -> None:
    root = tmp_path / "bundle"
    shutil.copytree(MINIKUBE, root)
    pods = root / "cluster-info" / "kube-system" / "pods.json"
    pods.write_text(pods.read_text().replace('"10.244.0.2"', '"172.17.0.2"'))  # docker0
    snap = read_bundle(root)
    assert run_check(HEALTHY, CheckContext(snap), Selection()).status is Status.SKIP
    deployed = ProviderDeployed().run(CheckContext(snap))
    assert deployed.status is Status.WARN
    assert deployed.summary.endswith("cannot tell which provider to expect; pass --networking")


def test_agent_on_a_node_whose_kubelet_stopped_blames_the_node(tmp_path: Path) -> None:
    from kopscheck.collectors.offline.bundle import read_bundle

    root = Path(__file__).parents[1] / "fixtures" / "kubelet-network-plugin-after-1.24"
    verdict = HEALTHY.run(CheckContext(read_bundle(root)))
    pod = next(f for f in verdict.findings if f.object == ObjectRef("Pod", "calico-node-wm7jc", KS))
    assert pod.related == (ObjectRef("Node", W3),)


# --- cni.node-config ---------------------------------------------------------------------------

RUNTIME_WORDINGS = [
    pytest.param(
        ("False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
         " message:Network plugin returns error: cni plugin not initialized"),
        "Network plugin returns error: cni plugin not initialized",
        id="containerd-cni-plugin-not-initialized",
    ),
    pytest.param(
        ("False", "KubeletNotReady", "runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
         " message:docker: network plugin is not ready: cni config uninitialized"),
        "docker: network plugin is not ready: cni config uninitialized",
        id="dockershim-cni-config-uninitialized",
    ),
    pytest.param(
        ("False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
         " message:Network plugin returns error: No CNI configuration file in /etc/cni/net.d/. Has your network provider started?"),
        "Network plugin returns error: No CNI configuration file in /etc/cni/net.d/. Has your network provider started?",
        id="crio-no-cni-configuration-file",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("ready", "detail"), RUNTIME_WORDINGS)
def test_node_condition_wordings_of_every_runtime(
    tmp_path: Path, ready: tuple[str, str, str], detail: str
) -> None:
    cluster = nc.healthy("calico")
    cluster.nodes[2] = kb.node(*nc.WORKERS[1], ready=ready)
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Node", W2): Status.FAIL}
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert finding.message == f"the runtime has no CNI config: {detail}"
    assert finding.signals == (Signal.CNI_NOT_INITIALIZED,)
    assert str(finding.evidence["condition"]).startswith("Ready=False KubeletNotReady: ")
    assert verdict.summary == f"1 of 4 node(s): the runtime has no CNI config: {W2}"


def test_kubenet_without_pod_cidr_is_not_a_cni_problem(tmp_path: Path) -> None:
    cluster = nc.healthy("kubenet", k8s="v1.22.17", runtime="docker://20.10.17")
    message = ("runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin"
               " is not ready: Kubenet does not have netConfig. This is most likely due to lack of PodCIDR")  # fmt: skip
    cluster.nodes[1] = kb.node(*nc.WORKERS[0], ready=("False", "KubeletNotReady", message))
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert finding.message.startswith(
        "kubenet has no pod CIDR: docker: network plugin is not ready: Kubenet"
    )
    assert finding.signals == (Signal.NO_POD_CIDR,)


@pytest.mark.parametrize(
    ("mode", "pod_cidr", "code"),
    [
        pytest.param("kubenet", False, "no-pod-cidr", id="kubenet-no-pod-cidr-allocated"),
        pytest.param("kubenet", True, "no-cni-config", id="kubenet-with-pod-cidr-no-config"),
        pytest.param("calico", False, "no-cni-config", id="calico-own-ipam-needs-no-pod-cidr"),
    ],
)
def test_a_node_without_pod_cidr_is_the_cause_where_the_mode_needs_one(
    tmp_path: Path, mode: str, pod_cidr: bool, code: str
) -> None:
    cluster = nc.healthy(mode)
    cluster.nodes[1] = kb.node(*nc.WORKERS[0], ready=kb.NO_CIDR_READY)
    if not pod_cidr:
        del cluster.nodes[1]["spec"]["podCIDR"], cluster.nodes[1]["spec"]["podCIDRs"]
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Node", W1): Status.FAIL}
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert finding.code == code
    assert finding.evidence["condition"] == f"Ready=False KubeletNotReady: {kb.NO_CIDR_READY[2]}"
    detail = (
        "Network plugin returns error: cni plugin not initialized, CSINode is not yet initialized]"
    )
    if code == "no-pod-cidr":
        assert finding.message == (
            "the node has no podCIDR (spec.podCIDR is empty), which kubenet gives pod IPs from:"
            f" no CNI config can be written, the runtime says {detail}"
        )
        assert finding.signals == (Signal.NO_POD_CIDR,)
        assert finding.evidence["pod_cidr"] is None
    else:
        assert finding.message == f"the runtime has no CNI config: {detail}"
        assert finding.signals == (Signal.CNI_NOT_INITIALIZED,)


def test_ready_node_with_an_empty_cni_dir_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    cluster.node_files[W1] = {
        k: v for k, v in cluster.node_files[W1].items() if not k.startswith("cni-net.d/")
    }
    cluster.node_files[W1]["cni-net.d/.keep"] = ""
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Node", W1): Status.WARN}


def test_leftover_config_of_another_provider_sorts_first(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    cluster.node_files[W3]["cni-net.d/05-cilium.conflist"] = nc.cni_config(
        ("cilium-cni",), "100.96.3.0/24"
    )
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Node", W3): Status.WARN}
    finding = next(f for f in verdict.findings if f.status is Status.WARN)
    assert finding.message == (
        "the runtime uses 05-cilium.conflist (cilium-cni), not the calico config (calico):"
        " a leftover from another provider sorts first"
    )


def test_unparsable_first_config_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("flannel")
    cluster.node_files[W1]["cni-net.d/00-broken.conf"] = '{"cniVersion": "0.4.0", "type": '
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    finding = next(f for f in verdict.findings if f.status is Status.WARN)
    assert (
        finding.message
        == "00-broken.conf sorts first but is not valid JSON with plugins: the runtime skips it"
    )


def test_config_evidence_for_healthy_nodes(tmp_path: Path) -> None:
    verdict = CONFIG.run(CheckContext(nc.healthy("amazonvpc").snapshot(tmp_path)))
    assert verdict.status is Status.PASS
    finding = next(f for f in verdict.findings if f.object == ObjectRef("Node", W1))
    assert finding.message == "CNI config 10-aws.conflist (aws-cni, egress-cni, portmap)"
    assert json.loads(json.dumps(finding.evidence))["active_config"] == "10-aws.conflist"


def test_boot_time_not_ready_lines_on_a_ready_node_are_history(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    cluster.node_files[W1]["kubelet.log"] = (
        f'Nov 27 09:01:59 {W1} kubelet[2231]: E1127 09:01:59.418701    2231 kubelet.go:3002] "Container runtime network'
        ' not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error:'
        ' cni plugin not initialized"\n'
    ) + cluster.node_files[W1]["kubelet.log"]
    cluster.node_files[W1] = {
        k: v for k, v in cluster.node_files[W1].items() if not k.startswith("cni-net.d/")
    }
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert verdict.status is Status.PASS
    finding = next(f for f in verdict.findings if f.object == ObjectRef("Node", W1))
    assert (
        finding.message == "runtime network ready (the kubelet log shows it was not ready earlier)"
    )


def test_unregistered_node_whose_log_says_not_ready_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    new = "i-0c1a0000000000009"
    cluster.node_files[new] = {
        "kubelet.log": f'Nov 27 10:14:10 {new} kubelet[811]: E1127 10:14:10.1    811 kubelet.go:3002] "Container runtime'
        ' network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin'
        ' returns error: cni plugin not initialized"\n'
    }
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Node", new): Status.WARN}


def test_node_whose_kubelet_stopped_is_not_judged(tmp_path: Path) -> None:
    from kopscheck.collectors.offline.bundle import read_bundle

    root = Path(__file__).parents[1] / "fixtures" / "kubelet-network-plugin-after-1.24"
    verdict = CONFIG.run(CheckContext(read_bundle(root)))
    assert verdict.status is Status.PASS
    assert verdict.findings[-1].object == ObjectRef("Node", W3)
    assert verdict.findings[-1].status is Status.SKIP
    assert verdict.summary == "no node reports a missing CNI config (3 judged, 1 not)"


def test_detected_mode_only_notes_a_missing_controller(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    _drop(cluster, KS, "deployments.json", "calico-kube-controllers")
    _drop(cluster, KS, "pods.json", "calico-kube-controllers")
    root = cluster.write(tmp_path)
    (root / "kops" / "cluster.yaml").unlink()
    from kopscheck.collectors.offline.bundle import read_bundle

    verdict = DEPLOYED.run(CheckContext(read_bundle(root)))
    assert verdict.status is Status.PASS
    assert verdict.summary == (
        "calico (detected from the cluster) deployed: DaemonSet/kube-system/calico-node"
        " (not found: Deployment/kube-system/calico-kube-controllers)"
    )


def test_agent_pods_count_by_owner_when_labels_drifted(tmp_path: Path) -> None:
    cluster = nc.healthy("calico")
    ds = cluster.find(KS, "daemonsets.json", "calico-node")
    ds["spec"]["selector"]["matchLabels"]["role.kubernetes.io/networking"] = "1"
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert verdict.status is Status.PASS
    assert "calico-node 4/4 ready" in verdict.summary and "5 pods ready" in verdict.summary


# `ls -l /host/opt/cni/bin` as the node agent (busybox 1.35) prints it on a Debian 12 node with
# containernetworking-plugins 1.1.1 (captured on the project's CI machine)
CNI_BIN_LS = """total 44760
-rwxr-xr-x    1 root     root       2634240 Apr  9  2023 bandwidth
-rwxr-xr-x    1 root     root       2943104 Apr  9  2023 bridge
-rwxr-xr-x    1 root     root       2397696 Apr  9  2023 host-local
-rwxr-xr-x    1 root     root       2258944 Apr  9  2023 loopback
-rwxr-xr-x    1 root     root       2807296 Apr  9  2023 portmap
-rwxr-xr-x    1 root     root       2692096 Apr  9  2023 ptp
"""


def _without(listing: str, binary: str) -> str:
    return "".join(line for line in listing.splitlines(True) if not line.endswith(f" {binary}\n"))


BINARY_FAULTS = [
    pytest.param(_without(CNI_BIN_LS, "ptp"), ["ptp"], id="ptp-plugin-missing"),
    pytest.param(_without(CNI_BIN_LS, "host-local"), ["host-local"], id="ipam-host-local-missing"),
    pytest.param(
        _without(_without(CNI_BIN_LS, "portmap"), "ptp"), ["ptp", "portmap"], id="chained-both-missing"
    ),
    pytest.param(
        CNI_BIN_LS.replace("-rwxr-xr-x    1 root     root       2692096", "-rw-r--r--    1 root     root       2692096"),
        ["ptp"],
        id="ptp-not-executable",
    ),
    pytest.param("total 0\n", ["ptp", "host-local", "portmap"], id="bin-dir-empty"),
]  # fmt: skip


@pytest.mark.parametrize(("listing", "missing"), BINARY_FAULTS)
def test_plugin_binary_missing_from_the_bin_dir_is_the_nodes_fault(
    tmp_path: Path, listing: str, missing: list[str]
) -> None:
    cluster = nc.healthy("kubenet")
    cluster.node_files[W2]["cni-bin.txt"] = listing
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {ObjectRef("Node", W2): Status.FAIL}
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert finding.code == "plugin-binary-missing"
    assert finding.signals == (Signal.CNI_BINARY_MISSING,)
    assert finding.evidence["missing_binaries"] == missing
    quoted = ", ".join(f'"{m}"' for m in missing)
    assert finding.message == (
        f"10-containerd-net.conflist needs plugin {quoted}, not found (or not executable) in"
        " /opt/cni/bin: every pod sandbox on this node fails"
    )


def test_all_plugin_and_ipam_binaries_present_passes(tmp_path: Path) -> None:
    cluster = nc.healthy("kubenet")
    for host in cluster.node_files:
        cluster.node_files[host]["cni-bin.txt"] = CNI_BIN_LS
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert verdict.status is Status.PASS
    assert {f.code for f in verdict.findings if f.object == ObjectRef("Node", W2)} == {"config-ok"}


def test_binaries_are_checked_for_the_file_the_runtime_picks_first(tmp_path: Path) -> None:
    """A .conf sorting before the .conflist is the active file: its types are the ones needed."""
    cluster = nc.healthy("kubenet")
    single = '{"cniVersion": "0.4.0", "name": "k8s", "type": "ptp", "ipam": {"type": "dhcp"}}'
    cluster.node_files[W1]["cni-net.d/05-ptp.conf"] = single
    cluster.node_files[W1]["cni-bin.txt"] = CNI_BIN_LS
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    finding = next(f for f in verdict.findings if f.object == ObjectRef("Node", W1))
    assert finding.code == "plugin-binary-missing"
    assert finding.evidence["active_config"] == "05-ptp.conf"
    assert finding.evidence["missing_binaries"] == ["dhcp"]
