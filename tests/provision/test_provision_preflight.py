"""`kopscheck provision --dry-run` and preflight: the exact commands, refusals before create."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from provision_env import ORIGIN_NAME, FakeKops

ZONES = "us-east-1a,us-east-1b"


def origin_example(*more: str) -> list[str]:
    """The origin document's `kops create cluster` example, as a provision dry run."""
    return [
        "provision",
        "--zones",
        ZONES,
        "--master-zones",
        ZONES,
        "--master-size",
        "m4.large",
        "--node-size",
        "m4.large",
        "--networking",
        "kubenet",
        "--name",
        ORIGIN_NAME,
        "--dry-run",
        "--no-aws",
        *more,
    ]


def test_origin_example_dry_run_prints_the_commands_in_order_and_runs_none_with_yes(
    fake_kops: FakeKops,
    aws_credentials: None,
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "run"
    store = fake_kops.state_store
    outcome = run_cli(*origin_example("--state-store", store, "--run-dir", str(run_dir)))
    assert outcome.code == 0, outcome.stderr
    kubeconfig = run_dir / f"{ORIGIN_NAME}.kubeconfig"
    target = f"--name {ORIGIN_NAME} --state {store}"
    commands = [
        line for line in outcome.stdout.splitlines() if line.startswith(("kops ", "kopscheck "))
    ]
    assert commands == [
        f"kops create cluster {target} --zones {ZONES} --networking kubenet"
        f" --control-plane-zones {ZONES} --control-plane-size m4.large --node-size m4.large",
        f"kops update cluster {target} --yes --admin",
        f"kops export kubecfg {target} --admin --kubeconfig {kubeconfig}",
        f"kops validate cluster {target} --wait 20m -o json",
        f"kopscheck check --kubeconfig {kubeconfig} --context {ORIGIN_NAME} --name {ORIGIN_NAME}"
        f" --state-store {store} --networking kubenet --probe --no-aws",
        f"kops delete cluster {target} --yes   # teardown on every exit path, once, within 20m",
    ]
    # kops was asked for its spec (credentials and a state store are present), never with --yes
    assert fake_kops.commands() == ["version", "create cluster --dry-run"]
    assert fake_kops.with_yes() == []
    assert fake_kops.calls()[1] == [
        "create", "cluster", "--name", ORIGIN_NAME, "--state", store, "--zones", ZONES,
        "--networking", "kubenet", "--control-plane-zones", ZONES, "--control-plane-size",
        "m4.large", "--node-size", "m4.large", "--dry-run", "-o", "yaml",
    ]  # fmt: skip
    # the spec checks ran on the flags' spec and on kops's own
    assert f"preflight {ORIGIN_NAME} (kubenet, spec from flags):" in outcome.stdout
    assert (
        f"preflight {ORIGIN_NAME} (kubenet, spec from kops create cluster --dry-run):"
        in outcome.stdout
    )
    assert (
        "  pass  kops.networking-supported: kubenet (stable) is valid for Kubernetes 1.32.1 with"
        " kops 1.32.0" in outcome.stdout
    )
    # kops's spec: 1 control plane + 2 nodes (one per zone); the quota is the documented default
    assert (
        "  pass  aws.route-table-capacity: planned-route-table: 2 other routes + 3 nodes at"
        " instance-group maxima = 5 routes <= documented default quota 50 (10%); headroom 45"
        " routes" in outcome.stdout
    )
    assert "AWS not asked (--no-aws); assuming 50" in outcome.stdout
    assert "REFUSED" not in outcome.stdout


def test_dry_run_without_credentials_or_state_store_says_kops_was_not_asked(
    fake_kops: FakeKops, run_cli: Callable[..., CliOutcome]
) -> None:
    outcome = run_cli(*origin_example())
    assert outcome.code == 0, outcome.stderr
    assert fake_kops.commands() == ["version"]
    assert "# no state store given: $KOPS_STATE_STORE stands for it" in outcome.stdout
    assert (
        "kops create cluster --dry-run -o yaml was not run: no state store (--state-store or"
        " KOPS_STATE_STORE)" in outcome.stdout
    )
    assert f"kops create cluster --name {ORIGIN_NAME} --state '$KOPS_STATE_STORE'" in outcome.stdout


def test_dry_run_with_a_state_store_but_no_credentials_does_not_ask_kops(
    fake_kops: FakeKops, run_cli: Callable[..., CliOutcome]
) -> None:
    outcome = run_cli(*origin_example("--state-store", fake_kops.state_store))
    assert outcome.code == 0, outcome.stderr
    assert fake_kops.commands() == ["version"]
    assert (
        "was not run: no AWS credentials (kops reads the state store and EC2 even for a dry run)"
        in outcome.stdout
    )


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
def test_kubenet_with_private_topology_is_refused_before_any_create(
    fake_kops: FakeKops,
    aws_credentials: None,
    run_cli: Callable[..., CliOutcome],
    dry_run: bool,
) -> None:
    args = [
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "kubenet",
        "--topology", "private", "--state-store", fake_kops.state_store, "--no-aws",
    ]  # fmt: skip
    outcome = run_cli(*args, *(["--dry-run"] if dry_run else []))
    assert outcome.code == 2
    assert fake_kops.commands() == ["version"]  # no kops create cluster at all, not even a dry run
    assert (
        f"kopscheck: error: preflight: refused before creating anything: {ORIGIN_NAME}:"
        " kops.networking-supported: kubenet is not valid here: kubenet does not support private"
        ' topology (kops: "invalid networking option kubenet. Kubenet does not support private'
        ' topology")' in " ".join(outcome.stderr.split())
    )


def test_kubenet_over_the_route_quota_is_refused_with_the_arithmetic(
    fake_kops: FakeKops, run_cli: Callable[..., CliOutcome]
) -> None:
    outcome = run_cli(
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "kubenet",
        "--node-count", "60", "--state-store", fake_kops.state_store, "--no-aws",
    )  # fmt: skip
    assert outcome.code == 2
    assert fake_kops.commands() == ["version"]
    error = " ".join(outcome.stderr.split())
    assert (
        "aws.route-table-capacity: kubenet needs 2 other routes + 61 nodes at instance-group"
        " maxima = 63 routes > documented default quota 50 (126%)" in error
    )
    assert "AWS not asked (--no-aws); assuming 50" in error


def test_a_mode_kops_no_longer_supports_is_refused(
    fake_kops: FakeKops, run_cli: Callable[..., CliOutcome]
) -> None:
    outcome = run_cli(
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "weave",
        "--kubernetes-version", "1.32.4", "--state-store", fake_kops.state_store, "--no-aws",
    )  # fmt: skip
    assert outcome.code == 2
    assert fake_kops.commands() == ["version"]
    assert (
        "kops.networking-supported: weave is not valid here: kops 1.32.0 no longer supports weave"
        " (removed in kops 1.28)" in " ".join(outcome.stderr.split())
    )


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param(
            {"version": "Version 1.27.1 (git-v1.27.1)"},
            "kops version: kops 1.27.1 is older than 1.28, the oldest kopscheck provision"
            " supports: install kops 1.28 or later",
            id="kops-too-old",
        ),
        pytest.param(
            {"version": "Client version: 1.32.0 (git-v1.32.0)", "no_store": True},
            "--state-store: no kops state store: pass --state-store s3://BUCKET or set"
            " KOPS_STATE_STORE",
            id="no-state-store",
        ),
    ],
)
def test_unusable_kops_or_state_store_is_exit_2_with_what_to_do(
    fake_kops: FakeKops,
    run_cli: Callable[..., CliOutcome],
    setup: dict[str, object],
    message: str,
) -> None:
    fake_kops.play(version=setup["version"])
    store = [] if setup.get("no_store") else ["--state-store", fake_kops.state_store]
    outcome = run_cli(
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "calico",
        *store, "--no-aws",
    )  # fmt: skip
    assert outcome.code == 2
    assert message in " ".join(outcome.stderr.split())
    assert fake_kops.with_yes() == []


def test_no_kops_on_path_is_exit_2_with_what_to_do(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    outcome = run_cli(
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "calico",
        "--state-store", "s3://kops-state",
    )  # fmt: skip
    assert outcome.code == 2
    assert (
        "kopscheck: error: kops: 'kops' not found: install kops 1.28 or later"
        " (https://kops.sigs.k8s.io/getting_started/install/) and put it on PATH, or pass --kops"
        " PATH" in " ".join(outcome.stderr.split())
    )


@pytest.mark.parametrize(
    ("applied", "code", "verdict"),
    [
        pytest.param(
            50,
            2,
            "REFUSED: aws.route-table-capacity: kubenet needs 2 other routes + 61 nodes at"
            " instance-group maxima = 63 routes > applied quota 50 (126%)",
            id="applied-50-refused",
        ),
        pytest.param(
            1000,
            0,
            "pass  aws.route-table-capacity: planned-route-table: 2 other routes + 61 nodes at"
            " instance-group maxima = 63 routes <= applied quota 1000 (6.3%); headroom 937 routes",
            id="applied-1000-fits",
        ),
    ],
)
def test_the_route_quota_is_read_from_service_quotas(
    fake_kops: FakeKops,
    run_cli: Callable[..., CliOutcome],
    monkeypatch: pytest.MonkeyPatch,
    applied: int,
    code: int,
    verdict: str,
) -> None:
    from moto import mock_aws
    from moto_ext import MotoExtension

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        MotoExtension(monkeypatch).quota(applied=applied)
        outcome = run_cli(
            "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "kubenet",
            "--node-count", "60", "--state-store", fake_kops.state_store, "--dry-run",
        )  # fmt: skip
    assert outcome.code == code, outcome.stderr
    assert verdict in outcome.stdout
    assert fake_kops.with_yes() == []


def test_out_over_the_users_kubeconfig_is_refused_before_kops_runs(
    fake_kops: FakeKops,
    aws_credentials: None,
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kubeconfig = tmp_path / "home" / ".kube" / "config"
    kubeconfig.parent.mkdir(parents=True)
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncurrent-context: prod\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    outcome = run_cli(
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "calico",
        "--state-store", fake_kops.state_store, "--no-aws", "--out", str(kubeconfig),
    )  # fmt: skip
    assert (outcome.code, outcome.stderr) == (
        2,
        f"kopscheck: error: --out {kubeconfig}: is the kubeconfig {kubeconfig} (~/.kube/config);"
        " write the output somewhere else\n",
    )
    assert fake_kops.commands() == []
    assert kubeconfig.read_text() == "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
