"""Hostile API servers: every bound of a live scan is hit, named with its flag, and the scan goes
on. Each case finishes within its deadline; the assertions are on the reason, not the clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest
from cli_outcome import CliOutcome
from live_env import LiveCluster
from peak_memory import run_measured

from kopscheck.collectors.kube.reader import Tuning
from kopscheck.collectors.live import collect_live
from kopscheck.collectors.offline.limits import FileLimits
from kopscheck.gate.sources import SourceOptions
from kopscheck.model.facts import Fact, Snapshot

FAST = Tuning(backoff=0.01)


def _scan(cluster: LiveCluster, **options: object) -> Snapshot:
    base = SourceOptions(kubeconfig=cluster.kubeconfig, aws=False)
    return collect_live(replace(base, **options), FAST).snapshot  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "action", "options", "fact", "reason"),
    [
        pytest.param(
            r"^/api/v1/events$",
            "continue-endless",
            {"max_pages": 5},
            Fact.EVENTS,
            "list events: stopped after 5 pages of 500 (--max-pages)",
            id="endless-continue-stops-at-the-page-cap",
        ),
        pytest.param(
            r"^/api/v1/events$",
            "continue-same",
            {},
            Fact.EVENTS,
            "list events: the API server sent the same continue token twice (page 2)",
            id="repeated-continue-token",
        ),
        pytest.param(
            r"^/api/v1/nodes$",
            "trickle",
            {"request_timeout": 1.0},
            Fact.NODES,
            "list nodes: the response took longer than 1s (--request-timeout)",
            id="trickling-server-is-cut-at-the-request-deadline",
        ),
        pytest.param(
            r"^/api/v1/nodes$",
            "trickle-headers",
            {"request_timeout": 1.0},
            Fact.NODES,
            "list nodes: timed out after 1s (--request-timeout)",
            id="trickling-headers-are-cut-at-the-request-deadline",
        ),
        pytest.param(
            r"^/api/v1/pods$",
            "huge",
            {"max_response_bytes": 1024 * 1024},
            Fact.PODS,
            "list pods: the response is larger than 1 MiB (--max-response-size)",
            id="endless-body-is-cut-at-the-byte-cap",
        ),
        pytest.param(
            r"^/api/v1/services$",
            "hang-body",
            {"request_timeout": 1.0},
            Fact.SERVICES,
            "list services: timed out after 1s (--request-timeout)",
            id="hang-mid-body",
        ),
        pytest.param(
            r"^/api/v1/events$",
            "timeout",
            {"request_timeout": 0.0, "timeout": 2.0},
            Fact.EVENTS,
            "list events: the scan ran out of time (--timeout 2s)",
            id="whole-scan-deadline-with-no-request-timeout",
        ),
        pytest.param(
            r"^/api/v1/nodes$",
            "wrong-type",
            {},
            Fact.NODES,
            "list nodes: 200 InvalidResponse: the API server sent items[0].status: expected an"
            " object, got a string",
            id="wrong-type-fails-the-fact",
        ),
    ],
)
def test_a_bound_fails_its_fact_and_the_scan_goes_on(
    live_cluster: Callable[..., LiveCluster],
    path: str,
    action: str,
    options: dict[str, object],
    fact: Fact,
    reason: str,
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.hold_seconds = 20
    cluster.server.inject(path, action)
    snapshot = _scan(cluster, **options)
    assert fact in snapshot.failed
    assert snapshot.missing[fact].startswith(reason), snapshot.missing[fact]
    others = {Fact.NODES, Fact.PODS, Fact.WORKLOADS, Fact.SERVICES} - {fact}
    assert all(snapshot.has(other) for other in others), snapshot.missing


def test_an_endless_error_body_is_read_only_to_its_cap(
    live_cluster: Callable[..., LiveCluster],
) -> None:
    # the generated client methods read an error's body whole before raising; kopscheck's
    # client stops at 64 KiB per attempt, so five attempts let through a few MiB, not 1.25 GiB
    cluster = live_cluster("healthy")
    cluster.server.inject(r"^/api/v1/nodes$", "huge-error")
    snapshot = _scan(cluster)
    assert Fact.NODES in snapshot.failed
    assert snapshot.missing[Fact.NODES].startswith(
        'list nodes: 500 InternalError: {"kind":"Status","apiVersion":"v1","status":"Failure"'
    ), snapshot.missing[Fact.NODES]
    assert cluster.server.count("/api/v1/nodes") > 1  # a 500 is retried, each time bounded
    assert cluster.server.sent_bytes < 32 * 1024 * 1024
    assert snapshot.has(Fact.PODS)


def test_an_endless_page_is_cut_in_bounded_memory(
    live_cluster: Callable[..., LiveCluster],
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(r"^/api/v1/pods$", "huge")  # 256 MiB if nothing stops reading
    outcome, peak_mib = run_measured(
        "check", *cluster.args("--no-aws", "--max-response-size", "16MiB", "-o", "json")
    )
    assert outcome.code == 3, outcome.stderr
    results = {r["check"]: r for r in json.loads(outcome.stdout)["results"]}
    assert (results["dns.rollout"]["status"], results["dns.rollout"]["summary"]) == (
        "error",
        "cannot decide: list pods: the response is larger than 16 MiB (--max-response-size)",
    )
    assert peak_mib < 200, peak_mib  # ~95 MiB here; reading it all would take over 500


def test_scan_deadline_fails_what_was_not_read_yet(
    live_cluster: Callable[..., LiveCluster],
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.hold_seconds = 20
    cluster.server.inject(r"^/api/v1/nodes$", "timeout")
    snapshot = _scan(cluster, timeout=1.5, aws=True)
    gone = "the scan ran out of time (--timeout 1.5s)"
    assert snapshot.missing[Fact.NODES] == f"list nodes: {gone}"
    assert snapshot.missing[Fact.AWS_ROUTE_TABLES] == f"not read: {gone}"
    assert {Fact.NODES, Fact.NODE_FILES, Fact.AWS_ROUTE_TABLES} <= snapshot.failed
    assert snapshot.has(Fact.PODS)


def test_page_cap_from_the_command_line_is_named_in_the_report(
    live_cluster: Callable[..., LiveCluster], kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject(r"^/api/v1/pods$", "continue-endless")
    outcome = kopscheck_cli("check", *cluster.args("-o", "json", "--max-pages", "3"))
    assert outcome.code == 3, outcome.stderr
    results = {r["check"]: r for r in json.loads(outcome.stdout)["results"]}
    assert (results["dns.rollout"]["status"], results["dns.rollout"]["summary"]) == (
        "error",
        "cannot decide: list pods: stopped after 3 pages of 500 (--max-pages)",
    )


def test_kubelet_log_over_the_byte_budget_is_cut_and_noted(
    live_cluster: Callable[..., LiveCluster],
) -> None:
    cluster = live_cluster("cni-no-provider")
    snapshot = _scan(cluster, files=FileLimits(log_lines=1000, log_bytes=200))
    assert snapshot.node_files is not None
    logs = [f.kubelet_log for f in snapshot.node_files.values() if f.kubelet_log is not None]
    assert logs and all(len(log.encode()) <= 200 for log in logs)
    assert snapshot.notes == (
        f"kubelet logs of {len(logs)} node(s) stopped at 200 bytes (--log-bytes)"
        " of their last 1000 lines",
    )
