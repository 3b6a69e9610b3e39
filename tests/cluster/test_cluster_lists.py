"""The live collectors against a real API server: every page of every list is read.

The collectors ask for 500 items a page (kubectl's chunk size); each test here makes more than
that of one kind, so the result depends on following `continue` tokens to the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cli_outcome import CliOutcome
from cluster_kopscheck import (
    audit_requests,
    create_many,
    ensure_namespace,
    names,
    pending_pod,
    report,
    result,
)
from cluster_plane import ControlPlane
from kubernetes import client

PAGE = 500
FILLER = PAGE + 20
ADMIN = "kubernetes-admin"
# The message aws-cni writes when the subnet is full, as in
# tests/fixtures/aws-vpc-ip-exhausted/cluster-info/default/events.json.
IP_EXHAUSTED = (
    'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "fe7b8d78d2a3": '
    'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container'
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_collect_writes_every_pod_of_a_list_longer_than_a_page(
    apiserver: ControlPlane, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    ensure_namespace(apiserver, "paging-pods")
    core = client.CoreV1Api(apiserver.api_client())
    wanted = {f"filler-{i:04d}" for i in range(FILLER)}
    create_many(
        lambda i: core.create_namespaced_pod("paging-pods", pending_pod(f"filler-{i:04d}")),
        FILLER,
    )
    before = len(audit_requests(apiserver, ADMIN, "pods"))

    outcome = run_cli(
        "collect",
        "--kubeconfig",
        str(apiserver.kubeconfig),
        "--no-aws",
        "--out",
        str(tmp_path / "b"),
    )

    assert outcome.code == 0, outcome.stderr
    written = json.loads(
        (tmp_path / "b" / "cluster-info" / "paging-pods" / "pods.json").read_text()
    )
    assert names(written["items"]) == wanted
    pages = audit_requests(apiserver, ADMIN, "pods")[before:]
    assert len(pages) >= 2
    assert all(f"limit={PAGE}" in e["requestURI"] for e in pages)
    assert any("continue=" in e["requestURI"] for e in pages)


def test_sandbox_failures_on_the_last_page_of_events_are_found(
    apiserver: ControlPlane, run_cli: Callable[..., CliOutcome]
) -> None:
    core = client.CoreV1Api(apiserver.api_client())
    ensure_namespace(apiserver, "paging-events")
    ensure_namespace(apiserver, "zz-stuck")  # sorts after paging-events: its events come last
    now = _now()
    create_many(
        lambda i: core.create_namespaced_event(
            "paging-events",
            {
                "metadata": {"name": f"filler-{i:04d}"},
                "involvedObject": {"kind": "Pod", "namespace": "paging-events", "name": f"p{i}"},
                "reason": "Scheduled",
                "message": f"Successfully assigned paging-events/p{i} to i-0c1a0000000000001",
                "type": "Normal",
                "source": {"component": "default-scheduler"},
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
            },
        ),
        FILLER,
    )
    for pod in ("web-1", "web-2"):
        core.create_namespaced_pod("zz-stuck", pending_pod(pod))
        core.create_namespaced_event(
            "zz-stuck",
            {
                "metadata": {"name": f"{pod}.sandbox"},
                "involvedObject": {"kind": "Pod", "namespace": "zz-stuck", "name": pod},
                "reason": "FailedCreatePodSandBox",
                "message": IP_EXHAUSTED,
                "type": "Warning",
                "source": {"component": "kubelet", "host": "i-0c1a0000000000003"},
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 14,
            },
        )
    before = len(audit_requests(apiserver, ADMIN, "events"))

    outcome = run_cli(
        "check",
        "--kubeconfig",
        str(apiserver.kubeconfig),
        "--no-aws",
        "-o",
        "json",
        "--select",
        "pod.sandbox-errors",
    )

    assert outcome.code == 1, outcome.stderr
    found = result(report(outcome), "pod.sandbox-errors")
    assert found["status"] == "fail"
    [finding] = found["findings"]
    assert finding["object"] == {"kind": "Node", "namespace": None, "name": "i-0c1a0000000000003"}
    assert finding["evidence"]["cause"] == "no IP addresses left"
    assert finding["evidence"]["pods"] == ["zz-stuck/web-1", "zz-stuck/web-2"]
    assert finding["evidence"]["events"] == 28
    assert finding["evidence"]["pods_now"] == "2 still not running"
    pages = audit_requests(apiserver, ADMIN, "events")[before:]
    assert len(pages) >= 2 and any("continue=" in e["requestURI"] for e in pages)
