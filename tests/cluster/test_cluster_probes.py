"""`check --probe` on a real control plane: no nodes, nodes without kubelets, hollow nodes,
signals at random moments, and the shipped RBAC roles."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome
from cluster_kopscheck import (
    apply_documents,
    deploy_coredns,
    remove_coredns,
    report,
    result,
    service_account_token,
)
from cluster_nodes import HollowCluster
from cluster_plane import ControlPlane
from kubernetes import client

OWNED = "app.kubernetes.io/managed-by=kopscheck"
FAST_STEPS = "bound=5s,sandbox=10s,ip=10s,running=10s,gone=20s"


def check(run_cli: Callable[..., CliOutcome], kubeconfig: Path, *args: str) -> CliOutcome:
    return run_cli("check", "--kubeconfig", str(kubeconfig), "--no-aws", "-o", "json", *args)


def owned(plane: ControlPlane) -> list[str]:
    """Every kopscheck-labelled namespace, DaemonSet and pod on the cluster."""
    api = plane.api_client()
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    found = [
        f"namespace/{n.metadata.name}" for n in core.list_namespace(label_selector=OWNED).items
    ]
    found += [
        f"daemonset/{d.metadata.namespace}/{d.metadata.name}"
        for d in apps.list_daemon_set_for_all_namespaces(label_selector=OWNED).items
    ]
    found += [
        f"pod/{p.metadata.namespace}/{p.metadata.name}"
        for p in core.list_pod_for_all_namespaces(label_selector=OWNED).items
    ]
    return sorted(found)


@pytest.fixture
def unmanned_nodes(control_plane: ControlPlane) -> Iterator[list[str]]:
    """Two registered Node objects that no kubelet serves (nodes that never run pods)."""
    core = client.CoreV1Api(control_plane.api_client())
    names = ["ghost-1", "ghost-2"]
    for name in names:
        core.create_node({"metadata": {"name": name, "labels": {"kubernetes.io/os": "linux"}}})
    try:
        yield names
    finally:
        for name in names:
            core.delete_node(name)


def test_probe_without_any_node_fails_lifecycle_and_leaves_nothing(
    control_plane: ControlPlane, run_cli: Callable[..., CliOutcome]
) -> None:
    started = time.monotonic()

    doc = report(check(run_cli, control_plane.kubeconfig, "--probe"))

    assert time.monotonic() - started < 60
    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "fail"
    assert lifecycle["summary"] == (
        "the cluster has no nodes: no probe pod could be placed, and no pod can run"
    )
    dns = result(doc, "dns.resolution")
    assert dns["status"] == "skip"
    assert dns["summary"] == "cannot decide: the cluster has no node to run the DNS probe pod on"
    assert owned(control_plane) == []


def test_probe_on_nodes_without_kubelets_fails_at_bound_within_its_deadline(
    control_plane: ControlPlane, unmanned_nodes: list[str], run_cli: Callable[..., CliOutcome]
) -> None:
    started = time.monotonic()

    outcome = check(
        run_cli, control_plane.kubeconfig, "--probe", "--probe-step-timeout", FAST_STEPS
    )

    elapsed = time.monotonic() - started
    doc = report(outcome)
    assert outcome.code == 1
    assert elapsed < 5 + 30 + 30, elapsed  # bound deadline + agent read + cleanup bound
    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "fail"
    by_node = {f["evidence"]["node"]: f for f in lifecycle["findings"]}
    assert set(by_node) == set(unmanned_nodes)
    for finding in by_node.values():
        assert finding["status"] == "fail"
        assert finding["evidence"]["failed_step"] == "bound"
        assert finding["message"] == (
            "the node's kubelet never took the pod (bound): did not happen within 5s"
        )
    assert owned(control_plane) == []


def test_probe_passes_on_every_hollow_node_and_cleans_up(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    plane = hollow_cluster.plane
    deploy_coredns(plane)
    try:
        # calico allocates pod IPs from its own pools: the fake runtime's constant pod IP
        # (192.168.192.168) is not judged against the nodes' podCIDRs
        outcome = check(
            run_cli,
            plane.kubeconfig,
            "--networking",
            "calico",
            "--probe",
            "--probe-dns-timeout",
            "5s",
            "--no-probe-agent",  # a hollow node runs no agent's shell: nothing would print
            "--no-probe-connectivity",  # nor a client's: the matrix is the real-node tier's
        )
    finally:
        remove_coredns(plane)

    doc = report(outcome)
    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "pass", (lifecycle["summary"], lifecycle["findings"])
    findings = {f["evidence"]["node"]: f for f in lifecycle["findings"]}
    assert set(findings) == set(hollow_cluster.node_names)
    for finding in findings.values():
        steps = finding["evidence"]["steps"]
        assert [s["step"] for s in steps] == [
            "bound",
            "sandbox",
            "ip",
            "running",
            "deleted",
            "gone",
        ]
        assert all(s["seconds"] is not None and s["seconds"] <= s["deadline"] for s in steps)
        assert finding["message"].startswith("bound, sandbox, IP 192.168.192.168, running,")
        assert finding["evidence"]["pod_cidr"].startswith("192.168.192.168 outside 100.96.")
    dns = result(doc, "dns.resolution")  # a fake runtime runs no nslookup: never a pass
    assert dns["status"] == "warn"
    assert dns["summary"].startswith(
        "could not observe DNS resolution: the DNS probe pod gave no result within 5s"
    )
    connectivity = result(doc, "net.connectivity")
    assert (connectivity["status"], connectivity["summary"]) == (
        "skip",
        "cannot decide: not asked for: --no-probe-connectivity",
    )
    assert owned(plane) == []


def test_a_pod_ip_outside_the_pod_cidr_fails_where_the_mode_allocates_from_it(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome]
) -> None:
    node = hollow_cluster.node_names[0]

    doc = report(
        check(
            run_cli,
            hollow_cluster.plane.kubeconfig,
            "--networking",
            "kubenet",
            "--probe",
            "--probe-nodes",
            node,
            "--no-probe-agent",
            "--no-probe-connectivity",
        )
    )

    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "fail"
    (finding,) = lifecycle["findings"]
    assert finding["evidence"]["node"] == node
    assert finding["message"].startswith(
        "the pod's IP 192.168.192.168 is outside the node's podCIDR 100.96."
    )
    assert owned(hollow_cluster.plane) == []


def test_shipped_probe_role_is_enough_and_read_only_role_skips_naming_the_permission(
    hollow_cluster: HollowCluster, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    plane = hollow_cluster.plane
    roles: dict[str, Path] = {}
    for account, flags in (("kc-prober", ["--probe"]), ("kc-looker", [])):
        rbac = run_cli("rbac", *flags, "--service-account", f"kube-system:{account}")
        assert rbac.code == 0, rbac.stderr
        apply_documents(plane, rbac.stdout)
        token = service_account_token(plane, "kube-system", account)
        roles[account] = plane.token_kubeconfig(tmp_path / f"{account}.kubeconfig", token)

    probing = report(
        check(
            run_cli,
            roles["kc-prober"],
            "--networking",
            "calico",
            "--probe",
            "--probe-dns-timeout",
            "3s",
            "--no-probe-agent",  # hollow nodes run no shell; the role's DaemonSet verbs: test_rbac
            "--no-probe-connectivity",  # and its Service verbs (the matrix: the real-node tier)
        )
    )
    looking = report(check(run_cli, roles["kc-looker"], "--probe"))

    lifecycle = result(probing, "pod.lifecycle")
    assert lifecycle["status"] == "pass", (lifecycle["summary"], lifecycle["findings"])
    for check_id in ("pod.lifecycle", "dns.resolution"):
        skipped = result(looking, check_id)
        assert skipped["status"] == "skip"
        assert skipped["summary"].startswith(
            "cannot decide: RBAC: cannot create the probe namespace: namespaces is forbidden:"
            ' User "system:serviceaccount:kube-system:kc-looker" cannot create resource'
            ' "namespaces"'
        )
    assert owned(plane) == []


def _kopscheck(kubeconfig: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "AWS_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "kopscheck", *args, "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _gone(plane: ControlPlane, within: float) -> list[str]:
    end = time.monotonic() + within
    left = owned(plane)
    while left and time.monotonic() < end:
        time.sleep(0.5)
        left = owned(plane)
    return left


ROUNDS = 4  # SIGINT and SIGTERM twice each, at seeded moments; each round costs ~10s


def test_sigint_and_sigterm_at_random_moments_leave_nothing_after_cleanup(
    hollow_cluster: HollowCluster,
) -> None:
    plane = hollow_cluster.plane
    chance = random.Random(13)
    clean_without_help = 0
    runs: list[dict[str, Any]] = []
    for number in range(ROUNDS):
        signum = (signal.SIGINT, signal.SIGTERM)[number % 2]
        delay = chance.uniform(1.0, 8.0)
        proc = _kopscheck(plane.kubeconfig, "check", "--probe", "--no-aws", "-o", "json")
        time.sleep(delay)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
        left = _gone(plane, 10)
        runs.append(
            {
                "signal": signum.name,
                "delay": round(delay, 1),
                "code": proc.returncode,
                "left": left,
                "stderr": err[-300:],
            }
        )
        # before the probe starts the signal's default applies (nothing created yet), during it
        # kopscheck cleans up and exits 128 + signal; after it the run may have finished
        assert proc.returncode in (0, 1, 128 + signum, -signum), json.dumps(runs[-1])
        if proc.returncode == 128 + signum and "deleted" in err:  # stopped mid-probe
            notes = json.loads(out)["notes"]  # the report as far as it got, still written
            assert any(n.startswith(f"stopped by {signum.name}: ") for n in notes), notes
        if not left:
            clean_without_help += 1
        cleanup = _kopscheck(plane.kubeconfig, "cleanup")
        _out, cleanup_err = cleanup.communicate(timeout=90)
        assert cleanup.returncode == 0, cleanup_err
        assert _gone(plane, 30) == [], runs[-1]
    assert clean_without_help >= ROUNDS - 1, runs


def test_without_probe_the_audit_log_shows_only_reads(
    control_plane: ControlPlane, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    kubeconfig = control_plane.user_kubeconfig(
        tmp_path / "auditor.kubeconfig", "kc-auditor", ("system:masters",)
    )

    doc = report(check(run_cli, kubeconfig))

    assert result(doc, "pod.lifecycle")["status"] == "skip"
    verbs = {
        e["verb"]
        for e in control_plane.audit_events()
        if e.get("user", {}).get("username") == "kc-auditor"
        and e.get("stage") == "ResponseComplete"
    }
    assert verbs and verbs <= {"get", "list"}, verbs
