"""README "Adding a check": its worked example is run here, exactly as printed there."""

from __future__ import annotations

import types

import kube_builders as kb
from readme_example import README, readme_example_code
from snapshots import snapshot

from kopscheck.checkapi.check import CHECK_ID, Check, check_doc
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.runner import build_report
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import Status

CHECK_ID_IN_README = "example.pod-cidr-assigned"


def _example() -> Check:
    module = types.ModuleType("readme_example")
    exec(compile(readme_example_code(), str(README), "exec"), module.__dict__)
    check: Check = module.PodCidrAssigned()
    return check


CHECK = _example()


def _without_cidr() -> dict[str, object]:
    node = kb.node("i-2", "10.0.0.2", "")
    node["spec"] = {"providerID": "aws:///us-east-1a/i-2"}  # the IPAM controller gave none
    return node


NO_CIDR = _without_cidr()


def test_the_example_is_a_valid_documented_check() -> None:
    assert isinstance(CHECK, Check) and CHECK_ID.match(CHECK.id)
    assert CHECK.id == CHECK_ID_IN_README
    doc = check_doc(CHECK)
    assert doc.title == "Every node has a pod CIDR"
    assert doc.fix.startswith("check the controller-manager's `--allocate-node-cidrs`")
    assert doc.step == "kubenet"


def test_the_example_fails_on_a_node_without_a_pod_cidr() -> None:
    events = [
        kb.event(
            ("Node", "", "i-2"), "CIDRNotAvailable", "Node i-2 status is now: CIDRNotAvailable"
        )
    ]
    snap = snapshot(nodes=[kb.node("i-1", "10.0.0.1", "100.96.1.0/24"), NO_CIDR], events=events)
    result = build_report(snap, [CHECK], networking="kubenet").result(CHECK.id)
    assert (result.status, result.summary) == (Status.FAIL, "1 node(s) without a pod CIDR")
    [finding] = result.findings
    assert (finding.object, finding.message) == (ObjectRef("Node", "i-2"), "no pod CIDR assigned")
    assert finding.evidence == {"events": ["Node i-2 status is now: CIDRNotAvailable"]}
    assert result.remediation is not None and "--cluster-cidr" in result.remediation


def test_the_example_tells_events_not_collected_from_none() -> None:
    result = build_report(snapshot(nodes=[NO_CIDR]), [CHECK]).result(CHECK.id)
    assert result.status is Status.FAIL
    assert result.findings[0].evidence == {"events": "not collected: not in this test"}
    none = build_report(snapshot(nodes=[NO_CIDR], events=[]), [CHECK]).result(CHECK.id)
    assert none.findings[0].evidence == {"events": []}


def test_the_example_passes_on_the_kubenet_demo_and_does_not_apply_to_calico() -> None:
    kubenet = build_report(read_bundle(DEMO_ROOT / "kubenet-route-limit"), [CHECK])
    assert (kubenet.result(CHECK.id).status, kubenet.result(CHECK.id).summary) == (
        Status.PASS,
        "all 60 nodes have a pod CIDR",
    )
    calico = build_report(read_bundle(DEMO_ROOT / "healthy"), [CHECK]).result(CHECK.id)
    assert (calico.status, calico.summary) == (
        Status.SKIP,
        "networking is calico (from kops spec): pod CIDRs are the CNI's business",
    )
