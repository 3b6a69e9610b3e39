"""`--log-lines` bounds the node log the probe reads (pod.node-logs), end to end: the reader pod's
own script runs here over a syslog node's /var/log/syslog, the fake API server returns its
printout as the pod's log, and the report says the log was cut; a create line older than the
last N lines is not claimed, and the node's logging is not judged on what was cut away."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome
from fake_kubelet import AGENT_LOG, FakeKubelets, dns_message
from live_env import LiveCluster

from kopscheck.collectors.probes.node_log_reader import SCAN_BYTES, SCRIPT

NODE = "i-0a1b2c3d4e5f60002"
FAST = ["--no-aws", "--no-probe-connectivity", "--probe-dns-timeout", "3s"]
FAST += ["--probe-step-timeout", "bound=2s,sandbox=2s"]
STATUS_UPDATES = 6  # kubelet status_manager lines between the probe pod's ADD and DELETE


def _syslog(node: str, namespace: str, pod: str) -> str:
    """A syslog node's kubelet lines about one pod, at --v=2: its ADD, status updates, DELETE,
    among the node's other traffic."""
    head = f"Nov 28 12:45:{{:02d}} {node} kubelet[2231]: I1128 12:45:{{:02d}}.201342    2231 "
    lines = [
        head.format(0, 0) + '"SyncLoop ADD" source="api" pods=["kube-system/ebs-csi-node-7xk2p"]',
        head.format(1, 1)
        + f'kubelet.go:2456] "SyncLoop ADD" source="api" pods=["{namespace}/{pod}"]',
    ]
    for i in range(STATUS_UPDATES):
        lines.append(
            head.format(2 + i, 2 + i)
            + f'status_manager.go:877] "Status for pod updated successfully" pod="{namespace}/{pod}"'
            f" statusVersion={i + 1}"
        )
    lines.append(
        head.format(9, 9)
        + f'kubelet.go:2472] "SyncLoop DELETE" source="api" pods=["{namespace}/{pod}"]'
    )
    lines.append(f"Nov 28 12:45:10 {node} systemd[1]: Started session-31.scope.")
    return "\n".join(lines) + "\n"


def run_reader(host: Path, namespace: str, max_lines: int) -> str:
    """The reader pod's script, as the pod runs it, over `host` standing in for /host."""
    env = {
        "PATH": os.environ["PATH"],
        "TMPDIR": str(host.parent),
        "NS": namespace,
        "SINCE": "1795870000",
        "MAX_LINES": str(max_lines),
        "SCAN_BYTES": str(SCAN_BYTES),
    }
    script = SCRIPT.replace("R=/host", f"R={host}")
    done = subprocess.run(
        ["sh", "-c", script], env=env, capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


@pytest.fixture
def syslog_node(
    live_cluster: Callable[..., LiveCluster], tmp_path: Path
) -> Iterator[Callable[[Callable[[str, str], str]], LiveCluster]]:
    """A cluster whose reader pods print `printout(node, namespace)`; NODE's /var/log/syslog
    holds its lifecycle pod's lines."""
    running: list[FakeKubelets] = []

    def start(printout: Callable[[str, str], str]) -> LiveCluster:
        cluster = live_cluster("healthy")
        holder: list[FakeKubelets] = []

        def node_log(node: str) -> str:
            ran = [p for p in holder[0]._ran.get(node, []) if p[1].startswith("lifecycle-")]
            namespace = ran[0][0] if ran else "kopscheck-none"
            if node == NODE and ran:
                host = tmp_path / "host" / node
                (host / "var" / "log").mkdir(parents=True, exist_ok=True)
                (host / "var" / "log" / "syslog").write_text(_syslog(node, *ran[0]))
            return printout(node, namespace)

        fake = FakeKubelets(
            cluster.server,
            termination_message=dns_message(),
            agent_log=lambda _n: AGENT_LOG,
            node_log=node_log,
        )
        holder.append(fake)
        running.append(fake.start())
        return cluster

    yield start
    for fake in running:
        fake.stop()


def _pod_finding(outcome: CliOutcome) -> dict[str, Any]:
    try:
        doc = json.loads(outcome.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"exit {outcome.code}: {outcome.stderr}") from exc
    result = next(r for r in doc["results"] if r["check"] == "pod.node-logs")
    found: dict[str, Any] = next(
        f for f in result["findings"] if f["object"]["name"] == f"lifecycle-{NODE}"
    )
    return found


def _reader_script(tmp_path: Path, bound: int) -> Callable[[str, str], str]:
    def printout(node: str, namespace: str) -> str:
        host = tmp_path / "host" / node
        (host / "var" / "log").mkdir(parents=True, exist_ok=True)
        return run_reader(host, namespace, bound)

    return printout


def test_within_the_bound_the_nodes_create_and_delete_lines_are_found(
    syslog_node: Callable[[Callable[[str, str], str]], LiveCluster],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = syslog_node(_reader_script(tmp_path, 1000))
    args = ["--probe", "--probe-nodes", NODE, "--log-lines", "1000", *FAST, "-o", "json"]
    finding = _pod_finding(run_cli("check", *cluster.args(*args)))
    assert (finding["status"], finding["code"]) == ("pass", "pod.node-logs/probe-pod-logged")
    assert (
        finding["message"] == f"{NODE} logged the probe pod's create and delete (/var/log/syslog)"
    )
    assert finding["evidence"]["log_sources"] == [
        "node log: read /var/log/syslog",
        "node log: journal: no journalctl on the host",
        "node log: /var/log/messages: absent",
        "node log: /var/log/kubelet.log: absent",
    ]
    assert "log_cut_at" not in finding["evidence"]


def test_a_log_longer_than_the_bound_is_read_as_its_last_lines_and_says_so(
    syslog_node: Callable[[Callable[[str, str], str]], LiveCluster],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = syslog_node(_reader_script(tmp_path, 5))
    args = ["--probe", "--probe-nodes", NODE, "--log-lines", "5", *FAST, "-o", "json"]
    finding = _pod_finding(run_cli("check", *cluster.args(*args)))
    assert (finding["status"], finding["code"]) == ("warn", "pod.node-logs/probe-pod-log-cut")
    assert finding["message"] == (
        f"the node log on {NODE} was read as its last 5 lines (--log-lines), which hold no"
        " create line for the probe pod: not judged, the line may be older"
    )
    evidence = finding["evidence"]
    assert evidence["log_cut_at"] == 5
    assert evidence["create_lines"] == []  # the ADD line is older than the last 5: not claimed
    assert [line.split('"')[1] for line in evidence["delete_lines"]] == ["SyncLoop DELETE"]
    assert (
        "node log: read as its last 5 of 8 matching lines (--log-lines)"
        in (evidence["log_sources"])
    )


def test_the_bound_holds_on_what_is_read_even_if_the_node_printed_more(
    syslog_node: Callable[[Callable[[str, str], str]], LiveCluster],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    """A reader that printed every matching line (no `tail`, no count): kopscheck keeps the
    last --log-lines of them all the same."""
    script = _reader_script(tmp_path, 1000)

    def untailed(node: str, namespace: str) -> str:
        return "\n".join(
            line for line in script(node, namespace).splitlines() if "==== matched" not in line
        )

    cluster = syslog_node(untailed)
    args = ["--probe", "--probe-nodes", NODE, "--log-lines", "5", *FAST, "-o", "json"]
    finding = _pod_finding(run_cli("check", *cluster.args(*args)))
    assert (finding["code"], finding["evidence"]["log_cut_at"]) == (
        "pod.node-logs/probe-pod-log-cut",
        5,
    )
    assert finding["evidence"]["create_lines"] == []


def test_the_reader_script_keeps_the_last_lines_and_counts_what_matched(tmp_path: Path) -> None:
    host = tmp_path / "host" / NODE
    (host / "var" / "log").mkdir(parents=True)
    namespace = "kopscheck-20261128-124500-3fa9"
    (host / "var" / "log" / "syslog").write_text(_syslog(NODE, namespace, f"lifecycle-{NODE}"))
    lines = run_reader(host, namespace, 5).splitlines()
    assert lines[:5] == [
        "==== kopscheck-node-logs 1",
        "==== skipped journal: no journalctl on the host",
        "==== skipped /var/log/messages: absent",
        "==== skipped /var/log/kubelet.log: absent",
        "==== source /var/log/syslog",
    ]
    assert lines[5] == "==== matched 8"
    assert [line.split("] ")[0].rsplit(" ", 1)[1] for line in lines[6:-1]] == [
        "status_manager.go:877",
        "status_manager.go:877",
        "status_manager.go:877",
        "status_manager.go:877",
        "kubelet.go:2472",
    ]
    assert lines[-1] == "==== end"
