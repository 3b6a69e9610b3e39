"""Probes (`check --probe`) against the fake API server, with fake kubelets moving the pods:
the writes kopscheck makes, the facts it records, and what it leaves (nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome
from fake_kubelet import (
    AGENT_LOG,
    SANDBOX_ERROR,
    FakeKubelets,
    dns_message,
)
from live_env import LiveCluster

NODES = ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003", "i-0a1b2c3d4e5f60004"]
FAST = ["--no-aws", "--probe-dns-timeout", "3s", "--probe-step-timeout", "bound=2s,sandbox=2s"]


@pytest.fixture
def probed(
    live_cluster: Callable[..., LiveCluster],
) -> Iterator[Callable[..., tuple[LiveCluster, FakeKubelets]]]:
    running: list[FakeKubelets] = []

    def start(**kubelets: Any) -> tuple[LiveCluster, FakeKubelets]:
        cluster = live_cluster("healthy")
        fake = FakeKubelets(cluster.server, **kubelets).start()
        running.append(fake)
        return cluster, fake

    yield start
    for fake in running:
        fake.stop()


def report(outcome: CliOutcome) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(outcome.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"exit {outcome.code}: {outcome.stderr}") from exc
    return doc


def result(doc: dict[str, Any], check: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in doc["results"] if r["check"] == check)
    return found


def owned(cluster: LiveCluster) -> list[tuple[str, str]]:
    """Every object in the fake store that carries kopscheck's label."""
    return sorted(
        (plural, key)
        for (plural, key), obj in cluster.server.store.objects.items()
        if (obj.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/managed-by")
        == "kopscheck"
    )


def test_without_probe_only_reads_and_probe_checks_skip(
    live_cluster: Callable[..., LiveCluster], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")

    doc = report(run_cli("check", *cluster.args("--no-aws", "-o", "json")))

    assert {m for m, _p, _q in cluster.server.requests} == {"GET"}
    for check in ("pod.lifecycle", "dns.resolution"):
        assert result(doc, check)["status"] == "skip"
        assert result(doc, check)["summary"] == (
            "not run: needs --probe on a live cluster (it runs short-lived pods; without"
            " it kopscheck only reads, and a bundle or dump holds no probe outcomes)"
        )


def test_probe_passes_on_healthy_nodes_and_leaves_nothing(
    probed: Callable[..., tuple[LiveCluster, FakeKubelets]], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster, _fake = probed(termination_message=dns_message(), agent_log=lambda _n: AGENT_LOG)

    outcome = run_cli(
        "check", *cluster.args("--probe", "--probe-nodes", "all", *FAST, "-o", "json")
    )

    doc = report(outcome)
    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "pass", lifecycle
    pods = {f["object"]["name"]: f for f in lifecycle["findings"]}
    assert set(pods) == {f"lifecycle-{n}" for n in NODES}
    first = pods[f"lifecycle-{NODES[1]}"]
    assert [s["step"] for s in first["evidence"]["steps"]] == [
        "bound",
        "sandbox",
        "ip",
        "running",
        "deleted",
        "gone",
    ]
    assert all(s["seconds"] is not None for s in first["evidence"]["steps"])
    assert first["evidence"]["pod_cidr"] == "100.96.1.8 inside 100.96.1.0/24"
    dns = result(doc, "dns.resolution")
    assert dns["status"] == "pass", dns
    assert {f["object"]["name"] for f in dns["findings"]} == {
        "kube-dns",
        "coredns-7d8f9c6b5-4xk2m",
        "coredns-7d8f9c6b5-p9wqz",
    }
    # this API server allocates no Service addresses: those classes say so, never a 0-pair pass
    skipped = {
        f["evidence"]["class"]: f["message"]
        for f in result(doc, "net.connectivity")["findings"]
        if f["status"] == "skip"
    }
    assert skipped["cluster-ip"] == "cluster-ip: skipped: the probe Service was given no cluster IP"
    assert skipped["node-port"] == "node-port: skipped: the probe Service was given no node port"
    assert owned(cluster) == []
    namespaces = {k for p, k in cluster.server.store.objects if p == "namespaces"}
    assert not [n for n in namespaces if n.startswith("kopscheck-")]


def test_probe_writes_are_labelled_and_time_limited(
    probed: Callable[..., tuple[LiveCluster, FakeKubelets]], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster, _fake = probed(termination_message=dns_message(), agent_log=lambda _n: AGENT_LOG)
    seen: list[dict[str, Any]] = []
    original = cluster.server.store.create

    def spy(rtype: Any, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        created = original(rtype, namespace, body)
        made = ("namespaces", "pods", "daemonsets", "services")
        if rtype.plural in made and "involvedObject" not in body:
            seen.append(created)
        return created

    cluster.server.store.create = spy  # type: ignore[method-assign]

    run_cli("check", *cluster.args("--probe", "--probe-nodes", "2", *FAST, "-o", "json"))

    writes = {(m, p) for m, p, _q in cluster.server.requests if m != "GET"}
    assert {m for m, _p in writes} == {"POST", "DELETE"}
    by_kopscheck = [o for o in seen if not o["metadata"]["name"].startswith("node-agent-")]
    kinds = sorted(
        (o["kind"], (o["metadata"].get("labels") or {}).get("kopscheck.io/probe", ""))
        for o in by_kopscheck
    )
    per_node = ["conn-client", "conn-host-client", "conn-host-server", "conn-server"]
    pods = sorted([*per_node * 2, "dns", "lifecycle", "lifecycle", "node-logs", "node-logs"])
    assert kinds == [
        ("DaemonSet", "node-agent"),
        ("Namespace", ""),
        *(("Pod", role) for role in pods),
        ("Service", ""),  # the connectivity probe's ClusterIP and NodePort
    ]
    run = by_kopscheck[0]["metadata"]["labels"]["kopscheck.io/run"]
    for obj in by_kopscheck:
        meta = obj["metadata"]
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "kopscheck"
        assert meta["labels"]["kopscheck.io/run"] == run
        assert "kopscheck.io/expires" in meta["annotations"]
        if obj["kind"] == "Pod":
            assert obj["spec"]["activeDeadlineSeconds"] > 0
            assert obj["spec"]["automountServiceAccountToken"] is False
            assert meta["namespace"] == f"kopscheck-{run}"
    namespace = next(o for o in by_kopscheck if o["kind"] == "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert owned(cluster) == []


def test_sandbox_failure_names_the_step_and_the_event_and_one_bad_replica(
    probed: Callable[..., tuple[LiveCluster, FakeKubelets]], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster, _fake = probed(
        behaviour={NODES[2]: "no-sandbox", NODES[3]: "dead"},
        termination_message=dns_message(bad_replica="100.96.2.4"),
        agent_log=lambda _n: AGENT_LOG,
    )

    doc = report(
        run_cli("check", *cluster.args("--probe", "--probe-nodes", "all", *FAST, "-o", "json"))
    )

    lifecycle = result(doc, "pod.lifecycle")
    assert lifecycle["status"] == "fail"
    by_node = {f["evidence"]["node"]: f for f in lifecycle["findings"]}
    assert {n: f["status"] for n, f in by_node.items()} == {
        NODES[0]: "pass",
        NODES[1]: "pass",
        NODES[2]: "fail",
        NODES[3]: "fail",
    }
    sandbox = by_node[NODES[2]]
    assert sandbox["evidence"]["failed_step"] == "sandbox"
    assert sandbox["message"].startswith(
        "the runtime never created the pod sandbox: did not happen within 2s; last warning:"
        " FailedCreatePodSandBox: Failed to create pod sandbox"
    )
    assert sandbox["evidence"]["events"] == [f"Warning FailedCreatePodSandBox: {SANDBOX_ERROR}"]
    assert "PodScheduled=True" in sandbox["evidence"]["conditions"]
    dead = by_node[NODES[3]]
    assert dead["evidence"]["failed_step"] == "bound"
    assert (
        dead["message"] == "the node's kubelet never took the pod (bound): did not happen within 2s"
    )
    dns = result(doc, "dns.resolution")
    assert dns["status"] == "fail"
    assert {(f["object"]["name"], f["status"]) for f in dns["findings"]} == {
        ("kube-dns", "pass"),
        ("coredns-7d8f9c6b5-4xk2m", "pass"),
        ("coredns-7d8f9c6b5-p9wqz", "fail"),
    }
    assert dns["summary"] == (
        "1 problem(s): DNS endpoint 100.96.2.4 does not resolve"
        " kubernetes.default.svc.cluster.local.: nxdomain"
    )
    # the servers on the two nodes whose lifecycle pod never ran are not waited for: the
    # pairs to and from them are not run, and pod.lifecycle explains them
    connectivity = result(doc, "net.connectivity")
    broken = [f for f in connectivity["findings"] if f["status"] == "fail"]
    assert {f["evidence"]["hop_node"] for f in broken} == {NODES[2], NODES[3]}
    assert {p["outcome"] for f in broken for p in f["evidence"]["pairs"]} == {"not-run"}
    assert "pod.lifecycle" in connectivity["caused_by"]
    assert owned(cluster) == []


def test_agent_output_reaches_node_files_with_credentials_blanked(
    probed: Callable[..., tuple[LiveCluster, FakeKubelets]], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster, _fake = probed(termination_message=dns_message(), agent_log=lambda _n: AGENT_LOG)

    doc = report(
        run_cli("check", *cluster.args("--probe", *FAST, "-o", "json", "--select", "kubelet"))
    )

    text = json.dumps(doc)
    assert "hunter22hunter" not in text
    plugin = result(doc, "kubelet.network-plugin")
    assert plugin["status"] == "pass", plugin


def test_refused_namespace_create_skips_naming_the_permission(
    live_cluster: Callable[..., LiveCluster], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(r"^/api/v1/namespaces$", "403", method="POST")

    doc = report(run_cli("check", *cluster.args("--probe", *FAST, "-o", "json")))

    for check in ("pod.lifecycle", "dns.resolution"):
        found = result(doc, check)
        assert found["status"] == "skip"
        assert found["summary"] == (
            "cannot decide: RBAC: cannot create the probe namespace: namespaces is forbidden:"
            ' User "system:serviceaccount:monitoring:kopscheck" cannot create resource'
            ' "namespaces" in API group "" at the cluster scope'
        )
    assert owned(cluster) == []


def test_collect_with_probe_writes_the_agent_files_as_node_folders(
    probed: Callable[..., tuple[LiveCluster, FakeKubelets]],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster, _fake = probed(termination_message=dns_message(), agent_log=lambda _n: AGENT_LOG)
    out = tmp_path / "bundle"

    outcome = run_cli("collect", "--out", str(out), *cluster.args("--no-aws", "--probe"))

    assert outcome.code == 0, outcome.stderr
    node = out / "nodes" / NODES[1]
    assert (node / "kubelet.cmdline").read_text() == (
        "/usr/local/bin/kubelet\n--cloud-provider=external\n--token=<redacted>\n"
    )
    assert (node / "cni-net.d" / "10-calico.conflist").read_text() == (
        '{"name": "k8s-pod-network", "plugins": [{"type": "calico", "etcd_password":'
        ' "<redacted>"}]}\n'
    )
    assert "calico" in (node / "cni-bin.txt").read_text()
    assert owned(cluster) == []


def test_admission_refusing_the_node_agent_is_a_skip_with_the_reason(
    probed: Callable[..., tuple[LiveCluster, FakeKubelets]], run_cli: Callable[..., CliOutcome]
) -> None:
    refusal = (
        'pods "node-agent-x7k2p" is forbidden: violates PodSecurity "baseline:latest":'
        " host namespaces (hostNetwork=true, hostPID=true), hostPath volumes"
    )
    cluster, _fake = probed(termination_message=dns_message(), refuse_daemonsets=refusal)
    cluster.server.inject(r"/proxy/", "403")  # no configz/log through the API either

    doc = report(run_cli("check", *cluster.args("--probe", *FAST, "-o", "json")))

    found = result(doc, "pod.node-logs")
    assert found["status"] == "skip", found["summary"]
    assert found["summary"].endswith(
        f"node agent: the cluster refused the node agent's pods: Error creating: {refusal}"
    )
    assert result(doc, "pod.lifecycle")["status"] == "pass"
    assert owned(cluster) == []


def test_bad_probe_nodes_is_an_input_error(
    live_cluster: Callable[..., LiveCluster], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")

    outcome = run_cli("check", *cluster.args("--probe", "--probe-nodes", "ip-10-0-0-1", *FAST))

    assert outcome.code == 2
    assert outcome.stderr.strip() == "kopscheck: error: --probe-nodes: no such node: ip-10-0-0-1"
    assert {m for m, _p, _q in cluster.server.requests} == {"GET"}


LEFT_RUN = "20261128-094500-01ab"
LEFT = f"run {LEFT_RUN}, expires 2026-11-28T10:00:00Z"


def test_cleanup_lists_then_deletes_what_a_killed_run_left(
    live_cluster: Callable[..., LiveCluster], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    labels = {"app.kubernetes.io/managed-by": "kopscheck", "kopscheck.io/run": LEFT_RUN}
    expires = {"kopscheck.io/expires": "2026-11-28T10:00:00Z"}
    cluster.server.add(
        "namespaces",
        {"metadata": {"name": f"kopscheck-{LEFT_RUN}", "labels": labels, "annotations": expires}},
    )
    cluster.server.add(
        "pods",
        {
            "metadata": {
                "name": "lifecycle-x",
                "namespace": f"kopscheck-{LEFT_RUN}",
                "labels": labels,
                "annotations": expires,
            },
            "spec": {"nodeName": NODES[1], "containers": [{"name": "pause", "image": "pause"}]},
        },
    )
    cluster.server.add(
        "daemonsets",
        {
            "metadata": {
                "name": f"kopscheck-{LEFT_RUN}-agent",  # lives elsewhere: named after its run
                "namespace": "kube-system",
                "labels": labels,
                "annotations": expires,
            },
            "spec": {},
        },
    )

    listing = run_cli("cleanup", "--kubeconfig", str(cluster.kubeconfig), "--dry-run")

    assert listing.code == 0
    assert [line for line in listing.stderr.splitlines() if line.startswith("would delete")] == [
        f"would delete namespaces kopscheck-{LEFT_RUN} ({LEFT})",
        f"would delete daemonsets kube-system/kopscheck-{LEFT_RUN}-agent ({LEFT})",
        f"would delete pods kopscheck-{LEFT_RUN}/lifecycle-x ({LEFT})",
    ]
    assert {m for m, _p, _q in cluster.server.requests} == {"GET"}

    done = run_cli("cleanup", "--kubeconfig", str(cluster.kubeconfig))

    assert done.code == 0, done.stderr
    assert owned(cluster) == []
    assert "kopscheck cleanup: deleted 3, 0 left" in done.stderr


def test_cleanup_leaves_the_rbac_objects_kopscheck_rbac_printed(
    live_cluster: Callable[..., LiveCluster], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    labels = {"app.kubernetes.io/managed-by": "kopscheck"}  # no kopscheck.io/run
    cluster.server.add("namespaces", {"metadata": {"name": "ops", "labels": labels}})

    done = run_cli("cleanup", "--kubeconfig", str(cluster.kubeconfig))

    assert done.code == 0, done.stderr
    assert ("namespaces", "ops") in cluster.server.store.objects
    assert {m for m, _p, _q in cluster.server.requests} == {"GET"}


def test_the_agents_ip_forward_round_trips_through_a_bundle_to_forwarding_off(
    probed: Callable[..., tuple[LiveCluster, FakeKubelets]],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    """The agent's read of /proc/sys/net/ipv4/ip_forward, 0 on one node: `collect --probe`
    writes nodes/<node>/ip_forward as printed and `check --bundle` fails that node only."""
    off = NODES[2]

    def agent_log(node: str) -> str:
        value = "0" if node == off else "1"
        return AGENT_LOG.replace("==== end", f"==== file ip_forward\n{value}\n==== end")

    cluster, _fake = probed(termination_message=dns_message(), agent_log=agent_log)
    out = tmp_path / "bundle"

    outcome = run_cli("collect", "--out", str(out), *cluster.args("--no-aws", "--probe"))

    assert outcome.code == 0, outcome.stderr
    written = {n: (out / "nodes" / n / "ip_forward").read_text() for n in NODES}
    assert written == {n: "0\n" if n == off else "1\n" for n in NODES}
    doc = report(run_cli("check", "--bundle", str(out), "-o", "json", "--select", "cni"))
    findings = result(doc, "cni.node-config")["findings"]
    failed = [(f["object"]["name"], f["code"]) for f in findings if f["status"] == "fail"]
    assert failed == [(off, "cni.node-config/forwarding-off")]
    off_finding = next(f for f in findings if f["status"] == "fail")
    assert off_finding["evidence"]["ip_forward"] == 0
    assert off_finding["evidence"]["source_file"] == "/proc/sys/net/ipv4/ip_forward"
    assert {f["evidence"].get("ip_forward") for f in findings if f["status"] == "pass"} == {1}
