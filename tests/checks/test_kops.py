"""kops.networking-supported: the spec's mode against the Kubernetes and kops versions."""

from __future__ import annotations

from typing import Any

import kube_builders as kb
import pytest
from kopscheck_checks.kops.networking_supported import NetworkingSupported
from snapshots import snapshot

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.formats.kops_spec import parse_cluster
from kopscheck.model.facts import ObjectRef, Version
from kopscheck.model.results import Status

CHECK = NetworkingSupported()
REF = ObjectRef("Cluster", "t.k8s.local")
# The subnets `kops create cluster --topology private` writes (kops 1.32 dry run, see
# tests/provision/kops-cli/create-cluster-dry-run-private-calico.yaml).
PRIVATE_SUBNETS = [
    {"cidr": "172.20.64.0/18", "name": "us-east-1a", "type": "Private", "zone": "us-east-1a"},
    {
        "cidr": "172.20.0.0/21",
        "name": "utility-us-east-1a",
        "type": "Utility",
        "zone": "us-east-1a",
    },
]


def _snap(
    networking: dict[str, Any],
    k8s: str = "1.32.4",
    kops: str | None = "1.32.0",
    server: str | None = None,
    override: str | None = None,
    **spec: Any,
) -> CheckContext:
    doc = {
        "apiVersion": "kops.k8s.io/v1alpha2",
        "kind": "Cluster",
        "metadata": {"name": "t.k8s.local"},
        "spec": {
            "cloudProvider": "aws",
            "kubernetesVersion": k8s,
            "networking": networking,
            **spec,
        },
    }
    daemonsets = []
    if kops:
        image = f"registry.k8s.io/kops/kops-controller:{kops}"
        daemonsets.append(
            kb.daemonset(
                "kops-controller", "kube-system", {}, {"k8s-app": "kops-controller"}, image, 1, 1
            )
        )
    version = None
    if server:
        version = Version(server, 1, int(server.split(".")[1]))
    return CheckContext(
        snapshot(
            daemonsets=daemonsets,
            kops_cluster=parse_cluster([doc], "kops/cluster.yaml"),
            version=version,
        ),
        networking_flag=override,
    )


@pytest.mark.parametrize(
    ("snap", "message"),
    [
        pytest.param(
            _snap({"calico": {}}),
            "calico (stable) is valid for Kubernetes 1.32.4 with kops 1.32.0",
            id="calico-on-1.32",
        ),
        pytest.param(
            _snap({"flannel": {"backend": "vxlan"}}, kops="1.33.1"),
            "flannel (experimental) is valid for Kubernetes 1.32.4 with kops 1.33.1"
            " (kops 1.33 or later is needed for Kubernetes 1.28+)",
            id="flannel-allowed-again-in-kops-1.33",
        ),
        pytest.param(
            _snap({"weave": {}}, k8s="1.22.17", kops="1.22.6"),
            "weave (removed) is valid for Kubernetes 1.22.17 with kops 1.22.6; kops rejects it"
            " from Kubernetes 1.23: migrate before upgrading",
            id="weave-still-fine-on-1.22",
        ),
        pytest.param(
            _snap({"kindnet": {}}, kops="1.32.0"),
            "kindnet (experimental) is valid for Kubernetes 1.32.4 with kops 1.32.0",
            id="kindnet-with-kops-1.32",
        ),
        pytest.param(
            _snap({"cni": {}}, kops=None),
            "cni (stable) is valid for Kubernetes 1.32.4",
            id="cni-kops-version-unknown",
        ),
        pytest.param(
            _snap({"calico": {}}, subnets=PRIVATE_SUBNETS),
            "calico (stable) is valid for Kubernetes 1.32.4 with kops 1.32.0",
            id="calico-private-topology",
        ),
    ],
)
def test_supported_modes_pass(snap: CheckContext, message: str) -> None:
    verdict = CHECK.run(snap)
    assert verdict.status is Status.PASS
    assert verdict.summary == message
    assert verdict.findings[0].object == REF


@pytest.mark.parametrize(
    ("snap", "problem"),
    [
        pytest.param(
            _snap({"weave": {}}, k8s="1.23.17", kops="1.23.2", server="v1.22.17"),
            "kops rejects weave for Kubernetes 1.23 and later (kops spec 1.23.17, API server"
            " v1.22.17): Weave is not supported for Kubernetes >= 1.23 (and gone from kops 1.28)",
            id="weave-upgrade-to-1.23",
        ),
        pytest.param(
            _snap({"weave": {}}, k8s="1.22.17", kops="1.28.0"),
            "kops 1.28.0 no longer supports weave (removed in kops 1.28): Weave is not supported"
            " for Kubernetes >= 1.23 (and gone from kops 1.28)",
            id="weave-with-kops-1.28",
        ),
        pytest.param(
            _snap({"canal": {}}, k8s="1.28.5", kops="1.28.4"),
            "kops rejects canal for Kubernetes 1.28 and later (kops spec 1.28.5): Canal is not"
            " supported for Kubernetes >= 1.28",
            id="canal-on-1.28",
        ),
        pytest.param(
            _snap({"external": {}}, k8s="1.26.3", kops="1.26.2"),
            "kops rejects external for Kubernetes 1.26 and later (kops spec 1.26.3): external is"
            " not supported for Kubernetes >= 1.26",
            id="external-on-1.26",
        ),
        pytest.param(
            _snap({"flannel": {}}, k8s="1.29.1", kops="1.30.0"),
            "kops rejects flannel for Kubernetes 1.28 and later (kops spec 1.29.1): flannel is not"
            " supported for Kubernetes >= 1.28 (kops 1.28 to 1.32)",
            id="flannel-blocked-by-kops-1.30",
        ),
        pytest.param(
            _snap({"kindnet": {}}, kops="1.31.1"),
            "kindnet needs kops 1.32 or later, not 1.31.1",
            id="kindnet-before-kops-1.32",
        ),
        pytest.param(
            _snap({"romana": {}}, k8s="1.20.15", kops=None),
            "Kubernetes 1.20 needs kops 1.20 or later, which no longer supports romana (removed in"
            " kops 1.19)",
            id="romana-removed-kops-version-unknown",
        ),
        pytest.param(
            _snap({"classic": {}}, k8s="1.18.20", kops="1.18.3"),
            "kops 1.18.3 no longer supports classic (removed in kops 1.18): classic networking is"
            " not supported",
            id="classic",
        ),
        pytest.param(
            _snap({"amazonvpc": {}}, cloudProvider={"gce": {}}),
            "amazonvpc runs only on aws, not on gce",
            id="amazonvpc-on-gce-v1alpha3-cloud-provider",
        ),
        pytest.param(
            _snap({"kubenet": {}}, nonMasqueradeCIDR="::/0"),
            "kubenet does not support IPv6 clusters (nonMasqueradeCIDR ::/0)",
            id="kubenet-ipv6",
        ),
        pytest.param(
            _snap({"kubenet": {}}, subnets=PRIVATE_SUBNETS),
            'kubenet does not support private topology (kops: "invalid networking option kubenet.'
            ' Kubenet does not support private topology")',
            id="kubenet-private-topology",
        ),
        pytest.param(
            _snap({"kubenet": {}}, topology={"masters": "private", "nodes": "private"}),
            'kubenet does not support private topology (kops: "invalid networking option kubenet.'
            ' Kubenet does not support private topology")',
            id="kubenet-private-topology-old-spec",
        ),
    ],
)
def test_unsupported_modes_fail_with_kops_reason(snap: CheckContext, problem: str) -> None:
    verdict = CHECK.run(snap)
    assert verdict.status is Status.FAIL
    [finding] = [f for f in verdict.findings if f.status is Status.FAIL]
    assert finding.message == problem
    assert finding.object == REF
    assert verdict.summary.endswith(problem)


def test_version_evidence_names_its_sources() -> None:
    verdict = CHECK.run(_snap({"weave": {}}, k8s="1.23.17", kops="1.23.2", server="v1.22.17"))
    evidence = verdict.findings[0].evidence
    assert evidence["kubernetes"] == {"kops spec": "1.23.17", "API server": "v1.22.17"}
    assert evidence["kops"] == "1.23.2"
    assert evidence["kops_source"] == "registry.k8s.io/kops/kops-controller:1.23.2"
    assert evidence["spec_key"] == "spec.networking.weave"


@pytest.mark.parametrize(
    ("networking", "message"),
    [
        pytest.param(
            {"calico": {}, "cilium": {}},
            "spec.networking sets calico and cilium; kops permits only one mode",
            id="two-modes",
        ),
        pytest.param(
            {"networkCIDR": "172.20.0.0/16"},
            "spec.networking names no networking mode (kops: no networking mode set)",
            id="no-mode",
        ),
    ],
)
def test_spec_must_name_exactly_one_mode(networking: dict[str, Any], message: str) -> None:
    verdict = CHECK.run(_snap(networking))
    assert verdict.status is Status.FAIL
    assert [(f.status, f.message) for f in verdict.findings] == [(Status.FAIL, message)]


def test_override_that_disagrees_with_the_spec_warns() -> None:
    verdict = CHECK.run(_snap({"calico": {}}, override="cilium"))
    assert verdict.status is Status.WARN
    warn = next(f for f in verdict.findings if f.status is Status.WARN)
    assert warn.message == (
        "--networking cilium overrides the spec's calico: checks expect cilium, the cluster is"
        " configured for calico"
    )


def test_override_kops_would_refuse_fails() -> None:
    verdict = CHECK.run(_snap({"calico": {}}, override="calcio"))
    assert verdict.status is Status.FAIL
    fail = next(f for f in verdict.findings if f.status is Status.FAIL)
    assert fail.message == "--networking calcio: unknown networking mode (kops would refuse it too)"


def test_override_alias_of_the_same_mode_is_fine() -> None:
    assert (
        CHECK.run(_snap({"flannel": {}}, kops="1.33.0", override="flannel-vxlan")).status
        is Status.PASS
    )
