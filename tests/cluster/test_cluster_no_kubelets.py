"""A real control plane (API server, controller-manager, scheduler) with no kubelet at all:
what kopscheck says when nothing can run pods."""

from __future__ import annotations

from collections.abc import Callable

from cli_outcome import CliOutcome
from cluster_kopscheck import deploy_coredns, dns_pods, remove_coredns, report, result, statuses
from cluster_plane import ControlPlane
from kubernetes import client


def test_no_nodes_is_a_warning_and_dns_pods_pending_fail_the_rollout(
    control_plane: ControlPlane, run_cli: Callable[..., CliOutcome]
) -> None:
    deploy_coredns(control_plane)
    try:
        events = client.CoreV1Api(control_plane.api_client())

        def unschedulable() -> bool:
            pods = dns_pods(control_plane)
            seen = events.list_namespaced_event("kube-system").items
            failed = {e.involved_object.name for e in seen if e.reason == "FailedScheduling"}
            return len(pods) == 2 and {p.metadata.name for p in pods} <= failed

        control_plane.wait_for("CoreDNS pods FailedScheduling", unschedulable)

        outcome = run_cli(
            "check", "--kubeconfig", str(control_plane.kubeconfig), "--no-aws", "-o", "json"
        )

        doc = report(outcome)
        assert outcome.code == 1, outcome.stderr
        # a real API server's `Date` agrees with the local clock: no skew to note (issue 19)
        assert not [n for n in doc["notes"] if n.startswith("clock skew")], doc["notes"]
        assert result(doc, "node.network-ready")["summary"] == (
            "no nodes registered: nothing can run pods"
        )
        assert statuses(doc)["node.network-ready"] == "warn"
        assert statuses(doc)["cni.node-config"] == "warn"
        assert result(doc, "pod.node-logs")["summary"] == "cannot decide: the cluster has no nodes"
        dns = result(doc, "dns.rollout")
        assert dns["status"] == "fail"
        pending = {
            f["object"]["name"]: f
            for f in dns["findings"]
            if (f["object"] or {}).get("kind") == "Pod"
        }
        assert set(pending) == {p.metadata.name for p in dns_pods(control_plane)}
        for finding in pending.values():
            assert finding["status"] == "fail"
            assert "Pending" in finding["message"]
    finally:
        remove_coredns(control_plane)
