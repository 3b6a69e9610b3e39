"""A pod sandbox error is caused by the provider when the provider's agent on the *same node*
is down and the error names that agent's own endpoint; elsewhere it stays a cause of its own.

Sandbox messages are verbatim from the threads noted (pod names and ids adapted)."""

from __future__ import annotations

from pathlib import Path

import kube_builders as kb
import network_clusters as nc
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Report

KS = nc.KS
W1, W2, W3 = (w[0] for w in nc.WORKERS)
SANDBOX_ID = "9742b380336c57443151508a577ace541c2b6c44b278f73f9afc7a2c23053220"
# aws/amazon-vpc-cni-k8s#1322: ipamd (aws-node) not answering on its gRPC port.
IPAMD_REFUSED = (
    f'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "{SANDBOX_ID}"'
    ' network for pod "web-6d4cf56db6-q8x7v": networkPlugin cni failed to set up pod "web-6d4cf56db6-q8x7v_default"'
    " network: add cmd: Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection"
    ' error: desc = "transport: Error while dialing dial tcp 127.0.0.1:50051: connect: connection refused"'
)  # fmt: skip
# weaveworks/weave#3998: weave's IPAM port refusing the CNI plugin.
WEAVE_REFUSED = (
    f'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{SANDBOX_ID}":'
    ' plugin type="weave-net" name="weave" failed (add): unable to allocate IP address: Post'
    f' "http://127.0.0.1:6784/ip/{SANDBOX_ID}": dial tcp 127.0.0.1:6784: connect: connection refused'
)  # fmt: skip
AGENTS = {"amazonvpc": ("aws-node", "aws-node"), "weave": ("weave-net", "weave")}
HOST_OF = {suffix: host for suffix, (host, _, _) in zip(nc.SUFFIXES, nc.HOSTS, strict=True)}


def _cluster(mode: str, message: str, stuck_on: str, agent_down_on: str) -> nc.Cluster:
    cluster = nc.healthy(mode)
    name, container = AGENTS[mode]
    suffix = next(s for s, host in HOST_OF.items() if host == agent_down_on)
    agent = cluster.find(KS, "pods.json", f"{name}-{suffix}")
    kb.crash_loop(agent, container, restarts=23)
    ds = cluster.find(KS, "daemonsets.json", name)
    ds["status"].update(numberReady=3, numberAvailable=3, numberUnavailable=1)
    web = kb.pod(
        "web-6d4cf56db6-q8x7v", "default", {"app": "web", "pod-template-hash": "6d4cf56db6"},
        ("ReplicaSet", "web-6d4cf56db6"), "nginx:1.27", "web", node_name=stuck_on, phase="Pending",
        statuses=[kb.container_status("web", "nginx:1.27", state="waiting",
                                      reason="ContainerCreating", ready=False)],
    )  # fmt: skip
    cluster.add("default", "pods.json", web)
    event = kb.event(
        ("Pod", "default", "web-6d4cf56db6-q8x7v"), "FailedCreatePodSandBox", message,
        count=31, host=stuck_on, last="2026-11-27T10:12:00Z",
    )  # fmt: skip
    cluster.add("default", "events.json", event)
    return cluster


def _report(cluster: nc.Cluster, tmp_path: Path) -> Report:
    return build_report(read_bundle(cluster.write(tmp_path)), load_checks())


@pytest.mark.parametrize(
    ("mode", "message", "agent"),
    [
        pytest.param("amazonvpc", IPAMD_REFUSED, "aws-node", id="ipamd-50051-refused"),
        pytest.param("weave", WEAVE_REFUSED, "weave-net", id="weave-6784-refused"),
    ],
)
def test_sandbox_error_naming_the_crash_looping_agent_on_its_node_is_caused_by_it(
    tmp_path: Path, mode: str, message: str, agent: str
) -> None:
    report = _report(_cluster(mode, message, stuck_on=W2, agent_down_on=W2), tmp_path)
    sandbox = report.result("pod.sandbox-errors")
    [finding] = sandbox.problems
    suffix = next(s for s, host in HOST_OF.items() if host == W2)
    agent_ref = ObjectRef("Pod", f"{agent}-{suffix}", KS)
    assert finding.object == ObjectRef("Node", W2)
    assert agent_ref in finding.related
    assert sandbox.caused_by == ("cni.provider-healthy",)
    assert "pod.sandbox-errors" not in report.root_causes
    assert "cni.provider-healthy" in report.root_causes


def test_same_error_where_the_nodes_own_agent_is_healthy_stays_its_own_cause(
    tmp_path: Path,
) -> None:
    # The agent crash-loops on another node: this node's ipamd refusing is not explained by it.
    report = _report(_cluster("amazonvpc", IPAMD_REFUSED, W2, agent_down_on=W3), tmp_path)
    sandbox = report.result("pod.sandbox-errors")
    [finding] = sandbox.problems
    assert finding.evidence["provider_endpoint"] == "AddNetwork gRPC"
    assert finding.evidence["agent_pods"] == ["aws-node-hx4rw: Running, ready"]
    assert sandbox.caused_by == ()
    assert {"pod.sandbox-errors", "cni.provider-healthy"} <= set(report.root_causes)
