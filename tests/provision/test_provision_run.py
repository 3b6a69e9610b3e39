"""`kopscheck provision` runs against the stand-in kops: the order of calls and the teardown
guarantee on every path (`kops delete cluster --yes` once under always, never under never)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_outcome import CliOutcome
from fake_apiserver import FakeApiServer
from provision_env import FIXTURES, FakeKops, alive, assert_called_then_torn_down

REPORTS = Path(__file__).parents[2] / "reports"
FLEET_SCHEMA = json.loads((REPORTS / "fleet.schema.json").read_text())
REPORT_SCHEMA = json.loads((REPORTS / "report.schema.json").read_text())
NAME = "gate.k8s.local"
ZONES = "us-east-1a,us-east-1b"
FULL_RUN = [
    "version",
    "create cluster --dry-run",
    "create cluster",
    "update cluster",
    "export kubecfg",
    "validate cluster",
    "delete cluster",
]


def provision(fake: FakeKops, tmp_path: Path, *more: str, mode: str = "calico") -> list[str]:
    return [
        "provision", "--name", NAME, "--zones", ZONES, "--networking", mode,
        "--node-size", "t3.medium", "--node-count", "2", "--state-store", fake.state_store,
        "--no-aws", "--run-dir", str(tmp_path / "run"), "-o", "json",
        "--out", str(tmp_path / "report.json"), *more,
    ]  # fmt: skip


def report(tmp_path: Path) -> dict[str, Any]:
    """The document provision wrote, valid against the fleet schema."""
    doc: dict[str, Any] = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(doc, FLEET_SCHEMA)
    for cluster in doc["clusters"]:
        if cluster["report"] is not None:
            jsonschema.validate(cluster["report"], REPORT_SCHEMA)
    return doc


@pytest.fixture
def ready(
    fake_kops: FakeKops, aws_credentials: None, api_server: Callable[[str], FakeApiServer]
) -> Callable[..., FakeApiServer]:
    """The stand-in kops, whose `export kubecfg` points at a fake API server of `demo`."""

    def setup(demo: str = "healthy", name: str = NAME, **scenario: Any) -> FakeApiServer:
        server = api_server(demo)
        fake_kops.play(**scenario)
        fake_kops.serve(name, server)
        return server

    return setup


def test_a_healthy_cluster_is_created_gated_and_deleted(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    server = ready("healthy", validate="settle", validate_attempts=3)
    outcome = run_cli(*provision(fake_kops, tmp_path))
    assert outcome.code == 0, outcome.stderr
    assert fake_kops.commands() == FULL_RUN
    assert fake_kops.with_yes() == [
        ["update", "cluster", "--name", NAME, "--state", fake_kops.state_store, "--yes", "--admin"],
        ["delete", "cluster", "--name", NAME, "--state", fake_kops.state_store, "--yes"],
    ]
    # every kops call used this run's private kubeconfig, never the user's
    kubeconfig = str(tmp_path / "run" / f"{NAME}.kubeconfig")
    assert {r["kubeconfig"] for r in fake_kops.records()} - {kubeconfig} == {
        str(tmp_path / "run" / "preflight.kubeconfig")
    }
    assert not Path(kubeconfig).exists()  # its credentials went with the cluster
    assert server.requests  # the gate really read the cluster
    assert "validate attempt 1: 2 nodes joined (1 ready), 1 pods pending" in outcome.stderr
    assert "validate attempt 3: 2 nodes joined (2 ready), 0 pods pending: cluster validated" in (
        outcome.stderr
    )
    doc = report(tmp_path)
    # the probes ran: the fake kubelets ran the probe pods, logged them and answered every pair
    assert (doc["schema"], doc["status"], doc["exit_code"]) == ("kopscheck/fleet/v1", "pass", 0)
    [cluster] = doc["clusters"]
    assert (cluster["name"], cluster["status"], cluster["exit_code"]) == (NAME, "pass", 0)
    assert cluster["report"]["target"]["networking"] == "calico"
    statuses = {r["check"]: r["status"] for r in cluster["report"]["results"]}
    assert {c for c, s in statuses.items() if s not in ("pass", "skip")} == set()
    probed = ("pod.lifecycle", "pod.node-logs", "dns.resolution", "net.connectivity")
    assert [statuses[c] for c in probed] == ["pass"] * 4
    provision_doc = cluster["provision"]
    assert [(s["step"], s["outcome"]) for s in provision_doc["steps"]] == [
        ("create", "ok"),
        ("update", "ok"),
        ("export kubecfg", "ok"),
        ("validate", "ok"),
        ("check", "ok"),
    ]
    assert (provision_doc["validated"], provision_doc["validate_attempts"]) == (True, 3)
    assert provision_doc["teardown"]["policy"] == "always"
    assert (provision_doc["teardown"]["action"], provision_doc["teardown"]["left"]) == (
        "deleted",
        [],
    )
    log = Path(provision_doc["run_log"]).read_text()
    assert "$ kops create cluster --name gate.k8s.local" in log
    assert 'Cloud Provider ID: "aws"' in log  # kops's own output is kept


@pytest.mark.parametrize("teardown", ["always", "never"])
def test_validation_that_never_settles_still_gates_then_tears_down(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    teardown: str,
) -> None:
    ready("cni-no-provider", validate="never")
    outcome = run_cli(
        *provision(
            fake_kops, tmp_path, "--validate-timeout", "1s", "--teardown", teardown, mode="cni"
        )
    )
    assert outcome.code == 1, outcome.stderr
    assert_called_then_torn_down(fake_kops, NAME, FULL_RUN[:-1], teardown)
    [validate] = [a for a in fake_kops.calls() if a[:2] == ["validate", "cluster"]]
    assert validate[-4:] == [
        "--wait", "1s", "-o", "json",
    ]  # fmt: skip
    [cluster] = report(tmp_path)["clusters"]
    assert (cluster["status"], cluster["exit_code"]) == ("fail", 1)
    assert cluster["report"]["root_causes"][0] == "cni.provider-deployed"
    assert cluster["error"].startswith("kops validate did not pass (failed after ")
    assert 'node "i-0n1a" of role "node" is not ready' in cluster["error"]
    assert cluster["provision"]["validated"] is False
    action = "deleted" if teardown == "always" else "kept"
    assert cluster["provision"]["teardown"]["action"] == action


@pytest.mark.parametrize("teardown", ["always", "never"])
def test_create_failing_halfway_is_torn_down_and_quoted(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    teardown: str,
) -> None:
    ready(create="asset-hash-error")
    outcome = run_cli(*provision(fake_kops, tmp_path, "--teardown", teardown))
    assert outcome.code == 3, outcome.stderr
    expected = ["version", "create cluster --dry-run", "create cluster"]
    assert_called_then_torn_down(fake_kops, NAME, expected, teardown)
    # kops's last lines are quoted, and the spec it wrote half-way is what delete removes
    assert (
        'Error: cannot determine hash for "https://artifacts.k8s.io/binaries/kops/1.32.0/linux/'
        'amd64/nodeup" (have you specified a valid file location?)' in outcome.stderr
    )
    assert (Path(fake_kops.state_store.removeprefix("file://")) / NAME / "config").is_file()
    [cluster] = report(tmp_path)["clusters"]
    assert (cluster["status"], cluster["exit_code"], cluster["report"]) == ("error", 3, None)
    assert cluster["error"].startswith("kops create exited 1 after ")
    assert [(s["step"], s["outcome"]) for s in cluster["provision"]["steps"]] == [
        ("create", "failed")
    ]
    if teardown == "never":
        assert cluster["provision"]["teardown"]["detail"] == (
            "--teardown never; delete it with: kops delete cluster --name gate.k8s.local --state"
            f" {fake_kops.state_store} --yes"
        )


@pytest.mark.parametrize("teardown", ["always", "never"])
def test_update_that_times_out_is_killed_then_torn_down(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    teardown: str,
) -> None:
    ready(update="hang")
    outcome = run_cli(
        *provision(fake_kops, tmp_path, "--update-timeout", "1s", "--teardown", teardown)
    )
    assert outcome.code == 3, outcome.stderr
    expected = ["version", "create cluster --dry-run", "create cluster", "update cluster"]
    assert_called_then_torn_down(fake_kops, NAME, expected, teardown)
    [update] = [r for r in fake_kops.records() if r["argv"][:2] == ["update", "cluster"]]
    assert not alive(update["pid"])  # its process group was killed at the deadline
    [cluster] = report(tmp_path)["clusters"]
    assert cluster["exit_code"] == 3
    assert cluster["error"].startswith("kops update timed out after 1s (deadline 1s, killed): ")
    assert "executor.go:" in cluster["error"]  # kops's last line, from the real output
    assert [s["outcome"] for s in cluster["provision"]["steps"]] == ["ok", "timed out"]


def test_delete_that_keeps_retrying_is_stopped_at_its_deadline_and_says_what_was_left(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    ready("healthy", delete="retry-forever")
    outcome = run_cli(*provision(fake_kops, tmp_path, "--delete-timeout", "1s"))
    assert outcome.code == 3, outcome.stderr
    assert fake_kops.commands() == FULL_RUN  # delete once, not retried by kopscheck
    [delete] = [r for r in fake_kops.records() if r["argv"][:2] == ["delete", "cluster"]]
    assert not alive(delete["pid"])
    doc = report(tmp_path)
    [cluster] = doc["clusters"]
    # the gate passed, but something was left behind: exit 3
    assert (cluster["status"], cluster["exit_code"], doc["exit_code"]) == ("pass", 3, 3)
    teardown = cluster["provision"]["teardown"]
    assert teardown["action"] == "delete timed out"
    assert teardown["left"] == [
        "dhcp-options:dopt-9e2bd96bfcce3afe7",
        "route-table:rtb-427d1b0005aa13ea8",
        "vpc:vpc-db78e552e7f5c4be5",
    ]
    assert "finish with: kops delete cluster --name gate.k8s.local" in teardown["detail"]
    assert (
        "left: dhcp-options:dopt-9e2bd96bfcce3afe7, route-table:rtb-427d1b0005aa13ea8"
        in (cluster["error"])
    )
    # the kubeconfig is kept: the cluster may still be there
    assert (tmp_path / "run" / f"{NAME}.kubeconfig").is_file()


def test_matrix_in_parallel_names_clusters_by_mode_and_exits_with_the_worst(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    ready("healthy", name=f"calico-{NAME}")
    ready("cni-no-provider", name=f"cni-{NAME}", per_cluster={f"cni-{NAME}": {"validate": "never"}})
    outcome = run_cli(
        *provision(
            fake_kops, tmp_path, "--parallel", "2", "--validate-timeout", "1s", mode="calico,cni"
        )
    )
    assert outcome.code == 1, outcome.stderr
    # preflight for every mode before anything is created
    assert fake_kops.commands()[:3] == [
        "version",
        "create cluster --dry-run",
        "create cluster --dry-run",
    ]
    for mode in ("calico", "cni"):
        name = f"{mode}-{NAME}"
        mine = [
            " ".join(argv[:2]) + (" --dry-run" if "--dry-run" in argv else "")
            for argv in fake_kops.calls()
            if name in argv
        ]
        assert mine == FULL_RUN[1:], mode
        assert [d[3] for d in fake_kops.deletes()].count(name) == 1
    doc = report(tmp_path)
    assert [(c["name"], c["status"], c["exit_code"]) for c in doc["clusters"]] == [
        (f"calico-{NAME}", "pass", 0),
        (f"cni-{NAME}", "fail", 1),
    ]
    assert (doc["status"], doc["exit_code"]) == ("fail", 1)
    assert [c["provision"]["mode"] for c in doc["clusters"]] == ["calico", "cni"]


def test_on_success_keeps_only_the_cluster_whose_gate_failed(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    ready("healthy", name=f"calico-{NAME}")
    ready("cni-no-provider", name=f"cni-{NAME}")
    outcome = run_cli(
        *provision(fake_kops, tmp_path, "--teardown", "on-success", mode="calico,cni")
    )
    assert outcome.code == 1, outcome.stderr
    assert [d[3] for d in fake_kops.deletes()] == [f"calico-{NAME}"]
    actions = [c["provision"]["teardown"]["action"] for c in report(tmp_path)["clusters"]]
    assert actions == ["deleted", "kept"]


def test_a_cluster_that_exists_already_is_refused_and_never_deleted(
    fake_kops: FakeKops,
    ready: Callable[..., FakeApiServer],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    ready()
    existing = Path(fake_kops.state_store.removeprefix("file://")) / NAME
    existing.mkdir()
    spec = (FIXTURES / "create-cluster-dry-run-calico.yaml").read_text().split("\n---\n")[0]
    (existing / "config").write_text(spec.replace("myclustername.mydns.io", NAME))
    outcome = run_cli(*provision(fake_kops, tmp_path))
    assert outcome.code == 2
    assert fake_kops.commands() == ["version"]
    assert (
        f"kopscheck: error: preflight: cluster {NAME} already exists in {fake_kops.state_store}:"
        " kopscheck provision only creates (and deletes) clusters of its own"
        in " ".join(outcome.stderr.split())
    )
    assert (existing / "config").is_file()


def test_validate_that_never_reaches_the_api_ends_in_3_and_teardown(
    fake_kops: FakeKops,
    aws_credentials: None,
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    fake_kops.play(
        validate="unreachable",
        clusters={NAME: {"server": "https://127.0.0.1:9", "token": "unused"}},
    )
    outcome = run_cli(*provision(fake_kops, tmp_path, "--request-timeout", "2s"))
    assert outcome.code == 3, outcome.stderr
    assert fake_kops.commands() == FULL_RUN
    [cluster] = report(tmp_path)["clusters"]
    assert cluster["error"].startswith(
        "kops validate never reached the cluster: kops validate exited 1 after 0s: Error:"
        " validation failed: unexpected error during validation: error listing nodes"
    )
    assert cluster["provision"]["teardown"]["action"] == "deleted"
