"""node.network-ready on realistic node objects."""

from __future__ import annotations

import kube_builders as kb
import pytest
from kopscheck_checks.node.network_ready import NodeNetworkReady
from snapshots import snapshot

from kopscheck.checkapi.context import CheckContext
from kopscheck.model.results import Status

CHECK = NodeNetworkReady()
NO_ROUTE = ("True", "NoRouteCreated", "RouteController failed to create a route")
ROUTE_OK = ("False", "RouteCreated", "RouteController created a route")
CRIO = (
    "False",
    "KubeletNotReady",
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: No CNI configuration file in /etc/cni/net.d/. "
    "Has your network provider started?",
)
DOCKERSHIM = (
    "False",
    "KubeletNotReady",
    "runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:docker: network plugin is not ready: cni config uninitialized",
)


def _nodes(
    *states: tuple[tuple[str, str, str], tuple[str, str, str] | None],
) -> list[dict[str, object]]:
    return [
        kb.node(
            f"i-0{i:016x}",
            f"172.20.40.{i}",
            f"100.96.{i}.0/24",
            ready=ready,
            network_unavailable=net,
        )
        for i, (ready, net) in enumerate(states, start=1)
    ]


def test_ready_nodes_with_routes_pass() -> None:
    verdict = CHECK.run(
        CheckContext(snapshot(nodes=_nodes((kb.READY, ROUTE_OK), (kb.READY, None))))
    )
    assert verdict.status is Status.PASS
    assert verdict.summary == "all 2 nodes Ready, none NetworkUnavailable"


@pytest.mark.parametrize(
    ("ready", "signal"),
    [
        pytest.param(
            kb.CNI_NOT_INITIALIZED,
            "cni-not-initialized",
            id="containerd-cni-plugin-not-initialized",
        ),
        pytest.param(CRIO, "cni-not-initialized", id="crio-no-cni-configuration-file"),
        pytest.param(DOCKERSHIM, "cni-not-initialized", id="dockershim-cni-config-uninitialized"),
    ],
)
def test_not_ready_node_fails_with_its_condition_as_evidence(
    ready: tuple[str, str, str], signal: str
) -> None:
    verdict = CHECK.run(CheckContext(snapshot(nodes=_nodes((kb.READY, None), (ready, None)))))
    assert verdict.status is Status.FAIL
    [finding] = verdict.findings
    assert finding.object is not None and finding.object.name == "i-00000000000000002"
    assert finding.evidence["reason"] == "KubeletNotReady"
    assert finding.evidence["message"] == ready[2]
    assert finding.evidence["taints"] == ["node.kubernetes.io/not-ready:NoSchedule"]
    assert finding.evidence["instance_group"] == "nodes-us-east-1a"
    assert signal in finding.signals and "node-not-ready" in finding.signals
    assert (
        verdict.summary == "1 of 2 nodes not network-ready (KubeletNotReady): i-00000000000000002"
    )


def test_network_unavailable_no_route_created_fails_with_route_signal() -> None:
    verdict = CHECK.run(
        CheckContext(snapshot(nodes=_nodes((kb.READY, ROUTE_OK), (kb.READY, NO_ROUTE))))
    )
    [finding] = verdict.findings
    assert finding.status is Status.FAIL
    assert (
        finding.message
        == "NetworkUnavailable: NoRouteCreated: RouteController failed to create a route"
    )
    assert finding.signals == ("no-route-created",)
    assert finding.evidence["condition"] == "NetworkUnavailable"


def test_unknown_ready_status_after_kubelet_stops_posting() -> None:
    lost = ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
    verdict = CHECK.run(CheckContext(snapshot(nodes=_nodes((lost, None)))))
    [finding] = verdict.findings
    assert (finding.status, finding.message) == (
        Status.FAIL,
        "Ready=Unknown: Kubelet stopped posting node status.",
    )


def test_no_nodes_is_a_warning_not_a_pass() -> None:
    verdict = CHECK.run(CheckContext(snapshot(nodes=[])))
    assert verdict.status is Status.WARN
    assert verdict.summary == "no nodes registered: nothing can run pods"


# the real kubelet v1.32.13's Ready condition 30s after containerd 1.6.20 was stopped on a real
# node of the tier (tests/cluster/test_realnode_faults.py)
RUNTIME_DOWN = ("False", "KubeletNotReady", "container runtime is down")
PLEG_UNHEALTHY = (
    "False",
    "KubeletNotReady",
    "PLEG is not healthy: pleg was last seen active 3m5.30015447s ago; threshold is 3m0s",
)


@pytest.mark.parametrize(
    "ready",
    [
        pytest.param(RUNTIME_DOWN, id="containerd-stopped-runtime-is-down"),
        pytest.param(PLEG_UNHEALTHY, id="runtime-hung-pleg-not-healthy"),
    ],
)
def test_node_whose_runtime_does_not_answer_fails_as_runtime_down(
    ready: tuple[str, str, str],
) -> None:
    nodes = _nodes((kb.READY, None), (ready, None))
    nodes[1]["status"]["nodeInfo"]["containerRuntimeVersion"] = "containerd://1.6.20"
    verdict = CHECK.run(CheckContext(snapshot(nodes=nodes)))
    [finding] = verdict.findings
    assert (finding.status, finding.code) == (Status.FAIL, "runtime-down")
    assert finding.message == f"NotReady: {ready[2]} (containerd://1.6.20)"
    assert finding.signals == ("node-not-ready", "runtime-down")
    assert finding.evidence["container_runtime"] == "containerd://1.6.20"
    assert finding.evidence["message"] == ready[2]


def test_runtime_network_not_ready_is_not_a_runtime_down() -> None:
    verdict = CHECK.run(
        CheckContext(snapshot(nodes=_nodes((kb.READY, None), (kb.CNI_NOT_INITIALIZED, None))))
    )
    [finding] = verdict.findings
    assert finding.code == "not-ready"
    assert "runtime-down" not in finding.signals
    assert "container_runtime" not in finding.evidence
