"""Every `caused_by` edge the built-in checks draw follows the evidence, in the right direction.

Each edge is pinned on a realistic bundle where it appears: the symptom is caused by the cause,
never the other way round, and the root causes are what a senior engineer would name. A meta-test
runs every demo and fixture bundle and fails on an edge that is not pinned here, and on a pinned
edge the declarations do not support (the cause's `explains` meets a signal of the symptom's
decisive findings, or the symptom names an object the cause found a problem with).
"""

from __future__ import annotations

from pathlib import Path

import aws_builders as ab
import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import Selection, build_report
from kopscheck.model.results import Report, Status

FIXTURES = Path(__file__).parent / "fixtures"
BUNDLE_PARENTS = (DEMO_ROOT, FIXTURES)

# kubernetes/kubernetes#47524 "AWS not cleaning up routes" (kops, kubenet, v1.6.2): "a number of
# black hole routes are left behind. Ultimately, the cluster runs out of routes that are available
# to it (50 maximum by default on AWS) and new nodes fail to start." Rebuilt: 8 nodes (the group
# may grow to 10), 42 blackhole routes of terminated instances, the 50-route table full, the two
# newest nodes NoRouteCreated with FailedToCreateRoute RouteLimitExceeded events.
BLACKHOLES = [
    ab.instance_route(f"100.96.{100 + i}.0/24", ab.hexid("i", f"terminated/{i}"), "blackhole")
    for i in range(42)
]


def blackholes_fill_the_table(root: Path) -> Path:
    cluster = ab.KubenetCluster(workers=7, routed=6, nodes_max=10, extra_routes=BLACKHOLES)
    return ab.write_bundle(root, cluster)


def _report(bundle: Path) -> Report:
    # The AWS builders write nodes, events and AWS files, no workloads: leave DNS out there.
    built = not (bundle / "cluster-info" / "kube-system").is_dir()
    selection = Selection(skip=frozenset({"dns"})) if built else Selection()
    return build_report(read_bundle(bundle), load_checks(), selection)


def _bundle(name: str, tmp_path: Path) -> Path:
    if name == "blackholes-fill-the-table":
        return blackholes_fill_the_table(tmp_path / name)
    for parent in BUNDLE_PARENTS:
        if (parent / name).is_dir():
            return parent / name
    raise AssertionError(name)


# (bundle, symptom, cause): the symptom's result is caused_by the cause.
EDGES = [
    ("cni-no-provider", "node.network-ready", "cni.provider-deployed"),
    ("cni-no-provider", "node.network-ready", "cni.node-config"),
    ("cni-no-provider", "cni.node-config", "cni.provider-deployed"),
    ("cni-no-provider", "dns.rollout", "node.network-ready"),
    ("cni-no-provider", "dns.rollout", "cni.node-config"),
    ("cni-no-provider", "pod.node-logs", "cni.provider-deployed"),
    ("cni-no-provider", "pod.node-logs", "cni.node-config"),
    ("kubenet-route-limit", "node.network-ready", "aws.route-table-capacity"),
    ("kubenet-route-limit", "node.network-ready", "aws.route-table-health"),
    ("kubenet-route-limit", "aws.route-table-health", "aws.route-table-capacity"),
    # the demo's probe: the pairs to and from the two unrouted nodes fail at the VPC route
    ("kubenet-route-limit", "net.connectivity", "aws.route-table-health"),
    ("kubenet-route-limit", "net.connectivity", "node.network-ready"),
    ("aws-vpc-ip-exhausted", "pod.node-logs", "pod.sandbox-errors"),
    ("kubelet-network-plugin-after-1.24", "node.network-ready", "kubelet.network-plugin"),
    ("kubelet-network-plugin-after-1.24", "cni.provider-healthy", "node.network-ready"),
    ("blackholes-fill-the-table", "node.network-ready", "aws.route-table-health"),
]

# What each bundle's root causes are, most fundamental first.
ROOTS = {
    "cni-no-provider": ("cni.provider-deployed",),
    "kubenet-route-limit": ("aws.route-table-capacity",),
    "aws-vpc-ip-exhausted": ("pod.sandbox-errors", "cni.provider-healthy"),
    "kubelet-network-plugin-after-1.24": ("kubelet.network-plugin",),
    "blackholes-fill-the-table": ("aws.route-table-health",),
}


@pytest.mark.parametrize(
    ("bundle", "symptom", "cause"),
    [pytest.param(*edge, id=f"{edge[0]}:{edge[1]}<-{edge[2]}") for edge in EDGES],
)
def test_each_edge_runs_from_the_evidence(
    bundle: str, symptom: str, cause: str, tmp_path: Path
) -> None:
    report = _report(_bundle(bundle, tmp_path))
    assert cause in report.result(symptom).caused_by
    assert symptom not in report.result(cause).caused_by  # never the reverse
    assert report.root_causes == ROOTS[bundle]
    assert symptom not in report.root_causes


def test_a_table_full_of_blackhole_routes_is_a_health_fault_not_capacity(tmp_path: Path) -> None:
    report = _report(blackholes_fill_the_table(tmp_path / "b"))
    capacity = report.result("aws.route-table-capacity")
    assert capacity.status is Status.PASS
    (finding,) = capacity.findings
    assert finding.code == "aws.route-table-capacity/filled-by-unneeded-routes"
    assert finding.evidence["projected_routes"] == 13  # 2 other + 1 control plane + 10 nodes
    assert finding.evidence["routes_now"] == 50
    assert finding.evidence["other_routes"] == [
        "172.20.0.0/16 -> local",
        "0.0.0.0/0 -> igw-06a2c9e4f1b7d3580",
    ]
    assert (
        finding.evidence["unneeded_routes"][0]
        == f"100.96.100.0/24 -> {BLACKHOLES[0]['InstanceId']}"
    )
    assert "a higher quota is not the fix" in finding.message
    health = report.result("aws.route-table-health")
    assert health.status is Status.FAIL
    assert health.caused_by == ()
    codes = {f.code.rpartition("/")[2] for f in health.problems}
    assert codes == {"blackhole-route", "missing-route"}
    assert health.remediation is not None and "delete" in health.remediation.lower()
    network = report.result("node.network-ready")
    assert network.caused_by == ("aws.route-table-health",)
    assert report.root_causes == ("aws.route-table-health",)


def test_when_the_groups_outgrow_the_quota_and_blackholes_remain_both_are_roots(
    tmp_path: Path,
) -> None:
    # The route-limit demo's cluster (59 workers, maxSize 70, 48 routed) plus 2 blackholes.
    cluster = ab.KubenetCluster(workers=59, routed=46, nodes_max=70, extra_routes=BLACKHOLES[:2])
    report = _report(ab.write_bundle(tmp_path / "b", cluster))
    assert report.result("aws.route-table-capacity").status is Status.FAIL
    health = report.result("aws.route-table-health")
    assert health.caused_by == ("aws.route-table-capacity",)  # its missing routes
    # ... but its blackhole routes are its own: it is a root too, after capacity
    assert report.root_causes == ("aws.route-table-capacity", "aws.route-table-health")
    assert "aws.route-table-health" not in report.result("aws.route-table-capacity").caused_by


def _bundles() -> list[Path]:
    return [
        b
        for parent in BUNDLE_PARENTS
        for b in sorted(parent.iterdir())
        if (b / "README.md").is_file()
    ]


def test_every_edge_drawn_on_a_realistic_bundle_is_pinned_and_declared(tmp_path: Path) -> None:
    checks = {c.id: c for c in load_checks()}
    pinned = {(b, s, c) for b, s, c in EDGES}
    bundles = {b.name: b for b in _bundles()}
    bundles["blackholes-fill-the-table"] = blackholes_fill_the_table(tmp_path / "b")
    for name, path in bundles.items():
        report = _report(path)
        drawn = {(name, r.check, c) for r in report.results for c in r.caused_by}
        assert drawn == {e for e in pinned if e[0] == name}, name
        for _, symptom, cause in drawn:
            result, by = report.result(symptom), report.result(cause)
            signals = {s for f in result.findings if f.status is result.status for s in f.signals}
            objects = {f.object for f in by.problems if f.object is not None}
            related = {o for f in result.findings if f.status is result.status for o in f.related}
            assert signals & checks[cause].explains or related & objects, (symptom, cause)
