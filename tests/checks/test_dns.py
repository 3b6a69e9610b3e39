"""dns.rollout: CoreDNS or kube-dns as Deployment, DaemonSet or ReplicationController."""

from __future__ import annotations

from typing import Any

import kube_builders as kb
import pytest
from kopscheck_checks.dns.rollout import DnsRollout
from snapshots import snapshot

from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Status

CHECK = DnsRollout()
KS = "kube-system"
IMAGE = "registry.k8s.io/coredns/coredns:v1.11.4"
NODES = [
    kb.node("i-0aa", "172.20.40.1", "100.96.1.0/24"),
    kb.node("i-0bb", "172.20.40.2", "100.96.2.0/24"),
]
DNS_SERVICE = kb.service("kube-dns", KS, {"k8s-app": "kube-dns"}, "100.64.0.10")


def _coredns(name: str, node: str, ip: str, **status: Any) -> dict[str, Any]:
    statuses = [kb.container_status("coredns", IMAGE, **status)]
    return kb.pod(
        name,
        KS,
        {"k8s-app": "kube-dns"},
        ("ReplicaSet", "coredns-7d8f9c6b5"),
        IMAGE,
        "coredns",
        node_name=node,
        pod_ip=ip,
        host_ip="172.20.40.1",
        statuses=statuses,
    )


HEALTHY_PODS = [
    _coredns("coredns-a", "i-0aa", "100.96.1.5"),
    _coredns("coredns-b", "i-0bb", "100.96.2.5"),
]


def _deploy(ready: int, **kw: Any) -> dict[str, Any]:
    return kb.deployment(
        "coredns", KS, {"k8s-app": "kube-dns"}, {"k8s-app": "kube-dns"}, IMAGE, 2, ready, **kw
    )


def test_rolled_out_coredns_with_endpoints_passes() -> None:
    eps = kb.endpoints(
        "kube-dns", KS, [("100.96.1.5", "i-0aa", "coredns-a"), ("100.96.2.5", "i-0bb", "coredns-b")]
    )
    verdict = CHECK.run(
        CheckContext(
            snapshot(
                nodes=NODES,
                pods=HEALTHY_PODS,
                deployments=[_deploy(2)],
                services=[DNS_SERVICE],
                endpoints=[eps],
            )
        )
    )
    assert verdict.status is Status.PASS
    assert (
        verdict.summary
        == "Deployment kube-system/coredns 2/2 ready; Service kube-dns has 2 ready endpoints"
    )
    [service] = verdict.findings
    assert service.evidence["ready_endpoints"] == ["coredns-a", "coredns-b"]


def test_kube_dns_as_a_daemonset_like_the_origin_document() -> None:
    ds = kb.daemonset("kube-dns", KS, {"k8s-app": "kube-dns"}, {"k8s-app": "kube-dns"}, IMAGE, 2, 1)
    verdict = CHECK.run(
        CheckContext(snapshot(nodes=NODES, pods=[HEALTHY_PODS[0]], daemonsets=[ds]))
    )
    assert verdict.status is Status.FAIL
    assert verdict.findings[0].object == ObjectRef("DaemonSet", "kube-dns", KS)
    assert verdict.findings[0].message == "1/2 pods ready, 1 available"


def test_kube_dns_replication_controller_from_old_clusters() -> None:
    rc = {
        "metadata": kb.meta("kube-dns-v20", KS, labels={"k8s-app": "kube-dns", "version": "v20"}),
        "spec": {
            "replicas": 1,
            "selector": {"k8s-app": "kube-dns", "version": "v20"},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns", "version": "v20"}},
                "spec": {
                    "containers": [
                        {"name": "kubedns", "image": "gcr.io/google_containers/kubedns-amd64:1.9"}
                    ]
                },
            },
        },
        "status": {"replicas": 1, "fullyLabeledReplicas": 1, "observedGeneration": 1},
    }
    from snapshots import add_objects

    from kopscheck.collectors.formats.assemble import KubeObjects

    kube = KubeObjects()
    add_objects(kube, "ReplicationController", [rc])
    snap = snapshot(pods=[], workloads=tuple(kube.workloads or ()))
    verdict = CHECK.run(CheckContext(snap))
    assert verdict.findings[0].object == ObjectRef("ReplicationController", "kube-dns-v20", KS)
    assert verdict.findings[0].message == "0/1 pods ready, 0 available"


def test_pending_on_not_ready_taint_names_the_nodes() -> None:
    message = (
        "0/2 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }."
    )
    nodes = [
        kb.node("i-0aa", "172.20.40.1", "100.96.1.0/24", ready=kb.CNI_NOT_INITIALIZED),
        kb.node("i-0bb", "172.20.40.2", "100.96.2.0/24", ready=kb.CNI_NOT_INITIALIZED),
    ]
    pending = kb.pod(
        "coredns-a",
        KS,
        {"k8s-app": "kube-dns"},
        ("ReplicaSet", "coredns-7d8f9c6b5"),
        IMAGE,
        "coredns",
        phase="Pending",
        unschedulable_message=message,
    )
    verdict = CHECK.run(
        CheckContext(
            snapshot(nodes=nodes, pods=[pending], deployments=[_deploy(0)], services=[DNS_SERVICE])
        )
    )
    pod = next(f for f in verdict.findings if f.object == ObjectRef("Pod", "coredns-a", KS))
    assert pod.status is Status.FAIL
    assert pod.message.startswith("Pending, unschedulable: 0/2 nodes are available")
    assert set(pod.related) == {ObjectRef("Node", "i-0aa"), ObjectRef("Node", "i-0bb")}
    assert Signal.NOT_READY_TAINT in pod.signals
    service = next(f for f in verdict.findings if f.object and f.object.kind == "Service")
    assert service.status is Status.FAIL
    assert (
        service.evidence["source"]
        == "ready pods matching the Service selector (endpoints not collected)"
    )


def test_container_creating_with_sandbox_failure_event() -> None:
    stuck = _coredns(
        "coredns-a", "i-0aa", "", state="waiting", reason="ContainerCreating", ready=False
    )
    event = kb.event(
        ("Pod", KS, "coredns-a"),
        "FailedCreatePodSandBox",
        'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3eb6": '
        'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container',
        count=12,
    )
    verdict = CHECK.run(
        CheckContext(
            snapshot(
                nodes=NODES, pods=[stuck, HEALTHY_PODS[1]], deployments=[_deploy(1)], events=[event]
            )
        )
    )
    pod = next(f for f in verdict.findings if f.object == ObjectRef("Pod", "coredns-a", KS))
    assert pod.message.startswith(
        "ContainerCreating on i-0aa; FailedCreatePodSandBox: Failed to create pod sandbox"
    )
    assert set(pod.signals) >= {Signal.IP_EXHAUSTED, Signal.SANDBOX_NETWORK_FAILED}
    assert pod.related == ()
    assert pod.evidence["events"] == [f"FailedCreatePodSandBox: {event['message']} (x12)"]


def test_crash_loop_on_plugin_loop_is_a_dns_problem_not_a_network_one() -> None:
    looping = _coredns(
        "coredns-a",
        "i-0aa",
        "100.96.1.5",
        state="waiting",
        reason="CrashLoopBackOff",
        ready=False,
        restarts=14,
        last_reason="Error",
    )
    from kopscheck.model.facts import ContainerLog

    log = ContainerLog(
        KS,
        "coredns-a",
        "coredns",
        text=(
            '[FATAL] plugin/loop: Loop (127.0.0.1:40531 -> :53) detected for zone ".", see '
            'https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 4547991504243258144.3688648895315093531."\n'
        ),
    )
    verdict = CHECK.run(
        CheckContext(
            snapshot(
                nodes=NODES,
                pods=[looping, HEALTHY_PODS[1]],
                deployments=[_deploy(1)],
                pod_logs=(log,),
            )
        )
    )
    pod = next(f for f in verdict.findings if f.object == ObjectRef("Pod", "coredns-a", KS))
    assert pod.message.startswith(
        "CrashLoopBackOff on i-0aa after 14 restarts; log: [FATAL] plugin/loop: Loop (127.0.0.1:40531 -> :53) detected"
    )
    assert pod.signals == (Signal.DNS_LOOP,)
    assert pod.related == ()
    assert pod.evidence["last_terminated"] == "Error"


def test_no_dns_workload_fails() -> None:
    verdict = CHECK.run(CheckContext(snapshot(pods=[], deployments=[])))
    assert verdict.status is Status.FAIL
    assert (
        verdict.summary
        == "no kube-dns or CoreDNS Deployment, DaemonSet or ReplicationController found"
    )


@pytest.mark.parametrize(
    ("deploy", "status", "message"),
    [
        pytest.param(
            _deploy(2, generation=4, observed=3),
            Status.WARN,
            "rollout not yet observed (generation 4, observed 3)",
            id="generation-not-observed",
        ),
        pytest.param(
            _deploy(2, updated=1),
            Status.WARN,
            "rollout in progress: 1/2 pods updated",
            id="rollout-in-progress",
        ),
        pytest.param(
            kb.deployment("coredns", KS, {}, {"k8s-app": "kube-dns"}, IMAGE, 0, 0),
            Status.FAIL,
            "scaled to zero: no DNS pods wanted",
            id="scaled-to-zero",
        ),
    ],
)
def test_rollout_states(deploy: dict[str, Any], status: Status, message: str) -> None:
    verdict = CHECK.run(
        CheckContext(snapshot(nodes=NODES, pods=HEALTHY_PODS, deployments=[deploy]))
    )
    assert [(f.status, f.message) for f in verdict.findings] == [(status, message)]


def test_service_selector_that_matches_no_dns_pod() -> None:
    wrong = kb.service("kube-dns", KS, {"k8s-app": "coredns"}, "100.64.0.10")
    eps = kb.endpoints("kube-dns", KS, [])
    verdict = CHECK.run(
        CheckContext(
            snapshot(
                nodes=NODES,
                pods=HEALTHY_PODS,
                deployments=[_deploy(2)],
                services=[wrong],
                endpoints=[eps],
            )
        )
    )
    [finding] = verdict.findings
    assert (
        finding.message
        == "no ready endpoints behind 100.64.0.10; its selector matches none of the DNS pods"
    )


def test_events_not_collected_are_said_so_not_shown_as_none() -> None:
    message = (
        "0/2 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }."
    )
    pending = kb.pod(
        "coredns-a",
        KS,
        {"k8s-app": "kube-dns"},
        ("ReplicaSet", "coredns-7d8f9c6b5"),
        IMAGE,
        "coredns",
        phase="Pending",
        unschedulable_message=message,
    )
    without = CHECK.run(
        CheckContext(snapshot(nodes=NODES, pods=[pending], deployments=[_deploy(0)]))
    )
    pod = next(f for f in without.findings if f.object == ObjectRef("Pod", "coredns-a", KS))
    assert pod.evidence["events"] == "not collected"
    with_events = CHECK.run(
        CheckContext(snapshot(nodes=NODES, pods=[pending], deployments=[_deploy(0)], events=[]))
    )
    pod = next(f for f in with_events.findings if f.object == ObjectRef("Pod", "coredns-a", KS))
    assert pod.evidence["events"] == []
