"""cni.provider-healthy judges provider log lines by meaning (knowledge.provider_logs), fails a
pod restarting now with current errors, and quotes the line that explains a crash-looping
operator or controller. Every log line below is a real wording; its source is noted."""

from __future__ import annotations

from pathlib import Path

import kube_builders as kb
import network_clusters as nc
import pytest
from kopscheck_checks.cni.provider_healthy import ProviderHealthy

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.kube.nodes import log_targets
from kopscheck.knowledge.provider_logs import CATALOGUE, Meaning, meaning_of
from kopscheck.model.facts import ContainerStatus, ObjectRef, Owner, Pod, Workload
from kopscheck.model.results import Finding, Status, Verdict

KS = nc.KS
W1, W2, W3 = (w[0] for w in nc.WORKERS)
HEALTHY = ProviderHealthy()

# weaveworks/weave#3588 (bboreham: "Under this condition you will never have a fully-connected
# network"); the INFO prefix and connection wording as weave 2.8 logs a refused peer.
WEAVE_SPLIT = (
    "INFO: 2026/11/27 09:40:02.512311 ->[172.20.48.43:6783|6a:6c:c9:b5:18:8a(ip-172-20-48-43)]:"
    " connection shutting down due to error: IP allocation was seeded by different peers"
    " (received: [4a:ba:4c:fa:5c:b3(tracker)], ours: [6a:6c:c9:b5:18:8a(getter-test)])"
)
# cilium/cilium#16402: a healthy operator in CI, the lease conflict logged at error level.
LEASE_CONFLICT = (
    '2026-11-27T09:41:26.766651169Z level=error msg="Failed to update lock: Operation cannot be'
    ' fulfilled on leases.coordination.k8s.io \\"cilium-operator-resource-lock\\": the object has'
    ' been modified; please apply your changes to the latest version and try again" subsys=klog'
)
# cilium/cilium#777 (tgraf: "This is harmless, there is no thirdpartyresource to list yet").
CRD_NOT_YET = (
    'level=error msg="github.com/cilium/cilium/daemon/k8s_watcher.go:150: Failed to list'
    ' *k8s.CiliumRule: the server could not find the requested resource"'
)
# cilium/cilium#32846: cilium-operator in CrashLoopBackOff.
LEADER_LOST = (
    'time="2024-06-03T08:07:09Z" level=fatal msg="Leader election lost"'
    " subsys=cilium-operator-generic"
)
# tigera/operator#41: the operator's service account missing a permission (logged at info).
TIGERA_FORBIDDEN = (
    '{"level":"info","ts":1560308365.8705475,"logger":"cmd","msg":"failed to initialize service'
    ' object for metrics: replicasets.apps \\"tigera-operator-668f854b79\\" is forbidden: User'
    ' \\"system:serviceaccount:tigera-operator:tigera-operator\\" cannot get resource'
    ' \\"replicasets\\" in API group \\"apps\\" in the namespace \\"tigera-operator\\""}'
)
# flannel-io/flannel#728, #1344: a node without a podCIDR.
FLANNEL_NO_CIDR = (
    "E0519 00:37:28.550351       1 network.go:102] failed to register network: failed to acquire"
    ' lease: node "k8s-test-2.novalocal" pod cidr not assigned'
)
# k0sproject/k0s#1334 (kube-router CrashLoopBackOff on a new worker), cut where the thread cuts.
KUBE_ROUTER_NO_CIDR = (
    "E1210 10:14:02.118204       1 network_routes_controller.go:1062] Failed to get pod CIDR from"
    " node spec. kube-router relies on kube-controller-manager to allocate pod CIDR for the node"
)
# The AWS SDK's EC2 throttling error as alanbover/deathnode#20 quotes it, in ipamd's zap JSON.
IPAMD_THROTTLED = (
    '{"level":"error","ts":"2026-11-27T09:41:10.118Z","caller":"ipamd/ipamd.go:869","msg":'
    '"Failed to increase pool size due to not able to allocate ENI RequestLimitExceeded:'
    ' Request limit exceeded.\\n\\tstatus code: 503, request id: c6ef5d71-6037-4f29-b108-76778b3cc3d5"}'
)


def _problems(verdict: Verdict) -> dict[ObjectRef | None, Status]:
    return {f.object: f.status for f in verdict.findings if f.status in (Status.FAIL, Status.WARN)}


def _finding(verdict: Verdict, ref: ObjectRef) -> Finding:
    return next(f for f in verdict.findings if f.object == ref and f.status is not Status.PASS)


@pytest.mark.parametrize(
    ("line", "meaning"),
    [
        pytest.param(WEAVE_SPLIT, Meaning.FATAL, id="weave-ipam-split-brain-at-info"),
        pytest.param(FLANNEL_NO_CIDR, Meaning.FATAL, id="flannel-pod-cidr-not-assigned"),
        pytest.param(KUBE_ROUTER_NO_CIDR, Meaning.FATAL, id="kube-router-no-pod-cidr"),
        pytest.param(IPAMD_THROTTLED, Meaning.THROTTLED, id="ec2-request-limit-exceeded"),
        pytest.param(LEADER_LOST, Meaning.CONTROL_PLANE, id="operator-leader-election-lost"),
        pytest.param(TIGERA_FORBIDDEN, Meaning.CONTROL_PLANE, id="operator-rbac-forbidden"),
        pytest.param(LEASE_CONFLICT, Meaning.HARMLESS, id="lease-conflict-is-not-a-lost-lease"),
        pytest.param(CRD_NOT_YET, Meaning.HARMLESS, id="cilium-crd-not-registered-yet"),
    ],
)
def test_catalogue_judges_real_lines_by_meaning(line: str, meaning: Meaning) -> None:
    known = meaning_of(line)
    assert known is not None and known.meaning is meaning
    assert known.source  # every entry says where its wording was seen


def test_catalogue_entries_are_sourced_and_unknown_lines_are_left_to_their_level() -> None:
    assert all(entry.source and entry.explanation for entry in CATALOGUE)
    assert meaning_of("2026-11-27 09:02:31.118 [INFO][62] felix/health.go 336: live=true") is None


def test_weave_split_brain_logged_at_info_fails(tmp_path: Path) -> None:
    cluster = nc.healthy("weave")
    cluster.logs[(KS, "weave-net-hx4rw")]["weave"] += WEAVE_SPLIT + "\n"
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert verdict.status is Status.FAIL
    ref = ObjectRef("Pod", "weave-net-hx4rw", KS)
    assert _problems(verdict) == {ref: Status.FAIL}
    finding = _finding(verdict, ref)
    assert finding.code == "log-fatal"
    assert finding.message.startswith("weave IPAM split brain")
    assert finding.evidence["log"] == [WEAVE_SPLIT]
    assert finding.evidence["known_from"] == "weaveworks/weave#3588, #1720, #3908"


@pytest.mark.parametrize(
    ("pod", "container", "line"),
    [
        pytest.param(
            "cilium-operator-5b9d7c8f4-lq2sd", "cilium-operator", LEASE_CONFLICT,
            id="operator-lease-conflicts-at-error-level",
        ),
        pytest.param("cilium-8zt5n", "cilium-agent", CRD_NOT_YET, id="agent-crd-not-yet-listed"),
    ],
)  # fmt: skip
def test_healthy_cluster_with_noisy_error_lines_stays_quiet(
    tmp_path: Path, pod: str, container: str, line: str
) -> None:
    cluster = nc.healthy("cilium")
    logs = cluster.logs.setdefault((KS, pod), {})
    logs[container] = logs.get(container, "") + (line + "\n") * 3
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    assert (verdict.status, _problems(verdict)) == (Status.PASS, {})


def _restarting(cluster: nc.Cluster, pod: str, restarts: int) -> None:
    status = cluster.find(KS, "pods.json", pod)["status"]["containerStatuses"][0]
    status["restartCount"] = restarts
    status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error"}}


def test_ready_agent_restarting_now_and_logging_errors_fails(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    _restarting(cluster, "cilium-8zt5n", 12)
    # test_cni.py's line: cilium's k8s client timing out on the kubernetes Service.
    error = (
        'time="2026-11-27T10:12:00Z" level=error msg="Unable to contact k8s api-server" error="Get'
        ' \\"https://100.64.0.1:443/api/v1/namespaces\\": dial tcp 100.64.0.1:443: i/o timeout"'
        " subsys=k8s-client"
    )
    cluster.logs[(KS, "cilium-8zt5n")]["cilium-agent"] += error + "\n"
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    ref = ObjectRef("Pod", "cilium-8zt5n", KS)
    assert _problems(verdict) == {ref: Status.FAIL}
    finding = _finding(verdict, ref)
    assert finding.code == "restarting-with-errors"
    assert finding.message.startswith("cilium-agent restarted 12 times (last: Error) and logs")
    assert finding.evidence["log"] == [error]


def test_restarts_without_current_errors_only_warn(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    _restarting(cluster, "cilium-8zt5n", 12)
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    ref = ObjectRef("Pod", "cilium-8zt5n", KS)
    assert _problems(verdict) == {ref: Status.WARN}
    assert _finding(verdict, ref).code == "restarting"


def test_ec2_rate_limiting_the_provider_warns(tmp_path: Path) -> None:
    cluster = nc.healthy("amazonvpc")
    cluster.logs[(KS, "aws-node-hx4rw")]["aws-node"] += IPAMD_THROTTLED + "\n"
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    ref = ObjectRef("Pod", "aws-node-hx4rw", KS)
    assert _problems(verdict) == {ref: Status.WARN}
    finding = _finding(verdict, ref)
    assert finding.code == "ec2-rate-limited"
    assert finding.evidence["log"] == [IPAMD_THROTTLED]


def test_crash_looping_cilium_operator_quotes_its_lost_lease(tmp_path: Path) -> None:
    cluster = nc.healthy("cilium")
    pod = "cilium-operator-5b9d7c8f4-lq2sd"
    kb.crash_loop(cluster.find(KS, "pods.json", pod), "cilium-operator", restarts=14)
    cluster.logs[(KS, pod)] = {"cilium-operator": LEASE_CONFLICT + "\n" + LEADER_LOST + "\n"}
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    ref = ObjectRef("Pod", pod, KS)
    assert _problems(verdict)[ref] is Status.FAIL
    finding = _finding(verdict, ref)
    assert finding.message == (
        f"CrashLoopBackOff on {nc.CONTROL_PLANE[0]} after 14 restarts; the controller lost or"
        f" could not take its leader lease and exits: {LEADER_LOST}"
    )
    assert finding.evidence["explaining_line"] == LEADER_LOST


def test_crash_looping_tigera_operator_in_cni_mode_is_the_providers_and_quotes_rbac(
    tmp_path: Path,
) -> None:
    cluster = nc.healthy("cni")  # calico installed by the user through the tigera operator
    image = "quay.io/tigera/operator:v1.36.2"
    labels = {"k8s-app": "tigera-operator"}
    cluster.add(
        "tigera-operator",
        "deployments.json",
        kb.deployment("tigera-operator", "tigera-operator", labels, dict(labels), image, 1, 0),
    )
    pod = "tigera-operator-668f854b79-x7k2p"
    cluster.add("tigera-operator", "pods.json", kb.pod(
        pod, "tigera-operator", {**labels, "pod-template-hash": "668f854b79"},
        ("ReplicaSet", "tigera-operator-668f854b79"), image, "tigera-operator",
        node_name=nc.CONTROL_PLANE[0], pod_ip=nc.CONTROL_PLANE[1], host_ip=nc.CONTROL_PLANE[1],
        host_network=True, statuses=[kb.container_status("tigera-operator", image)]))  # fmt: skip
    kb.crash_loop(cluster.find("tigera-operator", "pods.json", pod), "tigera-operator", restarts=14)
    cluster.logs[("tigera-operator", pod)] = {"tigera-operator": TIGERA_FORBIDDEN + "\n"}
    verdict = HEALTHY.run(CheckContext(cluster.snapshot(tmp_path)))
    ref = ObjectRef("Pod", pod, "tigera-operator")
    assert _problems(verdict)[ref] is Status.FAIL
    finding = _finding(verdict, ref)
    assert "lacks an RBAC permission it needs" in finding.message
    assert finding.evidence["explaining_line"] == TIGERA_FORBIDDEN
    assert finding.evidence["known_from"] == "tigera/operator#41"


def test_live_log_targets_include_operator_pods() -> None:
    def pod(name: str, owner: tuple[str, str], ns: str = KS) -> Pod:
        ready = ContainerStatus("c", ready=True)
        return Pod(
            ns, name, owner=Owner(*owner), node_name=W1, phase="Running", containers=(ready,)
        )

    workloads = [
        Workload("DaemonSet", "calico-system", "calico-node"),
        Workload("Deployment", "tigera-operator", "tigera-operator"),
        Workload("Deployment", "default", "web"),
    ]
    pods = [
        pod("calico-node-2fkq8", ("DaemonSet", "calico-node"), "calico-system"),
        pod("tigera-operator-668f854b79-x7k2p", ("ReplicaSet", "tigera-operator-668f854b79"),
            "tigera-operator"),
        pod("web-7d9c5b-abcde", ("ReplicaSet", "web-7d9c5b"), "default"),
        Pod(KS, "kube-proxy-i-0c1a0000000000002", labels={"k8s-app": "kube-proxy"}, node_name=W1),
    ]  # fmt: skip
    chosen = [p.name for p in log_targets(pods, workloads, limit=10)]
    assert chosen == [
        "calico-node-2fkq8",
        "kube-proxy-i-0c1a0000000000002",
        "tigera-operator-668f854b79-x7k2p",
    ]


@pytest.mark.parametrize(
    "check_id",
    ["cni.provider-healthy", "pod.sandbox-errors", "node.kube-proxy", "aws.source-dest-check"],
)
def test_each_touched_check_states_its_fail_and_warn_rule_for_explain(check_id: str) -> None:
    from kopscheck.checkapi.check import check_doc
    from kopscheck.engine.registry import load_checks

    check = next(c for c in load_checks(include_plugins=False) if c.id == check_id)
    body = check_doc(check).body
    assert body.startswith("Fails when: ") and "Warns when: " in body
    assert "Fails when" not in check_doc(check).fix  # the fix text stays the fix


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: f"{e.provider}-{e.meaning}-{e.source}")
def test_every_catalogue_entry_is_the_meaning_of_its_own_sourced_example(entry: object) -> None:
    assert meaning_of(entry.example) is entry  # type: ignore[attr-defined]
