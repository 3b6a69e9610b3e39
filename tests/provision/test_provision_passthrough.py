"""`provision -- KOPS_FLAGS`: no passthrough overrides what kopscheck sets, judges or tears down;
the offline preflight refuses before anything reads S3 or AWS."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cli_outcome import CliOutcome
from provision_env import ORIGIN_NAME, FakeKops

ZONES = "us-east-1a,us-east-1b"
OTHER = "payments.example.com"


def provision(store: str, *more: str) -> list[str]:
    return [
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "calico",
        "--state-store", store, "--no-aws", *more,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("passthrough", "named", "instead"),
    [
        pytest.param(
            ["--name", OTHER, "--state", "s3://other"], "--name", "use --name", id="other-name"
        ),
        pytest.param(["--name=" + OTHER], "--name", "use --name", id="other-name-equals"),
        pytest.param(["--state=s3://other"], "--state", "use --state-store", id="other-state"),
        pytest.param(
            ["--config", "/tmp/kops.yaml"],
            "--config",
            "kopscheck passes --state itself; use --state-store",
            id="kops-config-file",
        ),
        pytest.param(["--node-count", "200"], "--node-count", "use --node-count", id="node-count"),
        pytest.param(["--node-count=200"], "--node-count", "use --node-count", id="node-count-eq"),
        pytest.param(
            ["--networking", "kubenet"], "--networking", "use --networking", id="networking"
        ),
        pytest.param(
            ["--master-count=3"],
            "--master-count",
            "preflight plans one control plane per --control-plane-zones zone",
            id="control-plane-count",
        ),
        pytest.param(["-t", "private"], "-t (--topology)", "use --topology", id="topology-short"),
        pytest.param(["-tprivate"], "-t (--topology)", "use --topology", id="topology-joined"),
        pytest.param(
            ["-oyaml"],
            "-o (--output)",
            "kopscheck reads kops's output itself; use -o for kopscheck's report",
            id="output-short",
        ),
        pytest.param(
            ["--kubernetes-version", "1.24.0"],
            "--kubernetes-version",
            "use --kubernetes-version",
            id="kubernetes-version",
        ),
        pytest.param(
            [OTHER],
            OTHER,
            "kops reads a bare word as the cluster name; use --name",
            id="positional-cluster-name",
        ),
        pytest.param(
            ["--bastion", OTHER],
            OTHER,
            "kops reads a bare word as the cluster name; use --name",
            id="positional-after-a-boolean",
        ),
        pytest.param(
            ["--", "--whatever"],
            "--",
            "after it kops reads every argument as the cluster name",
            id="second-separator",
        ),
    ],
)
def test_a_passthrough_flag_kopscheck_owns_is_refused_before_kops_runs(
    fake_kops: FakeKops,
    run_cli: Callable[..., CliOutcome],
    passthrough: list[str],
    named: str,
    instead: str,
) -> None:
    outcome = run_cli(*provision(fake_kops.state_store), "--", *passthrough)
    assert outcome.code == 2
    assert outcome.stderr.strip() == (
        f"kopscheck: error: provision --: {named} is kopscheck's to set, not a kops flag to pass"
        f" through ({instead})"
    )
    assert fake_kops.calls() == []  # not even kops version: nothing ran, nothing was created


@pytest.mark.parametrize(
    ("passthrough", "named"),
    [
        pytest.param(["--yes"], "--yes", id="yes"),
        pytest.param(["--yes=true"], "--yes", id="yes-equals"),
        pytest.param(["-y"], "-y (--yes)", id="yes-short"),
        pytest.param(["-v2y"], "-v2y", id="yes-after-verbosity-is-its-value"),
        pytest.param(["-hy"], "-y (--yes)", id="yes-joined-to-help"),
        pytest.param(["--dry-run=false"], "--dry-run", id="dry-run-off"),
    ],
)
def test_dry_run_never_passes_yes_to_kops(
    fake_kops: FakeKops,
    aws_credentials: None,
    run_cli: Callable[..., CliOutcome],
    passthrough: list[str],
    named: str,
) -> None:
    outcome = run_cli(*provision(fake_kops.state_store, "--dry-run"), "--", *passthrough)
    if named == "-v2y":  # `-v2y` is -v with the level "2y": kops's business, no --yes in it
        assert outcome.code == 0, outcome.stderr
        assert fake_kops.commands() == ["version", "create cluster --dry-run"]
        assert fake_kops.calls()[1][-4:] == ["-v2y", "--dry-run", "-o", "yaml"]
    else:
        assert outcome.code == 2
        assert f"provision --: {named} is kopscheck's to set" in outcome.stderr
        assert fake_kops.calls() == []
    assert fake_kops.with_yes() == []


def test_kops_flags_kopscheck_does_not_own_reach_kops_and_are_judged_in_its_spec(
    fake_kops: FakeKops, aws_credentials: None, run_cli: Callable[..., CliOutcome]
) -> None:
    passthrough = [
        "--ssh-public-key",
        "/tmp/k.pub",
        "--bastion",
        "--cloud-labels=Team=net",
        "-v",
        "2",
    ]
    outcome = run_cli(*provision(fake_kops.state_store, "--dry-run"), "--", *passthrough)
    assert outcome.code == 0, outcome.stderr
    assert fake_kops.commands() == ["version", "create cluster --dry-run"]
    assert fake_kops.calls()[1] == [
        "create", "cluster", "--name", ORIGIN_NAME, "--state", fake_kops.state_store,
        "--zones", ZONES, "--networking", "calico", *passthrough, "--dry-run", "-o", "yaml",
    ]  # fmt: skip
    assert fake_kops.with_yes() == []
    assert (
        f"preflight {ORIGIN_NAME} (calico, spec from kops create cluster --dry-run):"
        in outcome.stdout
    )


class _Recorder(BaseHTTPRequestHandler):
    """Stands in for S3 and every AWS endpoint: records each request, answers 500."""

    seen: list[str]

    def _any(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_PUT = _any

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def aws_recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """AWS_ENDPOINT_URL points every boto3 client (the state store's S3, Service Quotas, EC2)
    at a loopback server that records what was asked."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    yield seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("flags", "refusal"),
    [
        pytest.param(
            ["--networking", "kubenet", "--topology", "private"],
            "kubenet does not support private topology",
            id="kubenet-private",
        ),
        pytest.param(
            ["--networking", "kubenet", "--node-count", "60", "--no-aws"],
            "63 routes > documented default quota 50",
            id="kubenet-over-the-default-quota",
        ),
        pytest.param(
            ["--networking", "weave", "--kubernetes-version", "1.32.4"],
            "kops 1.32.0 no longer supports weave",
            id="mode-kops-removed",
        ),
    ],
)
def test_the_offline_preflight_refuses_before_any_s3_or_aws_read(
    fake_kops: FakeKops,
    aws_recorder: list[str],
    run_cli: Callable[..., CliOutcome],
    flags: list[str],
    refusal: str,
) -> None:
    outcome = run_cli(
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--state-store", "s3://kops-state",
        *flags,
    )  # fmt: skip
    assert outcome.code == 2, outcome.stderr
    assert "preflight: refused before creating anything" in outcome.stderr
    assert refusal in " ".join(outcome.stderr.split())
    assert aws_recorder == []  # neither the state store nor Service Quotas was asked
    assert fake_kops.commands() == ["version"]


def test_over_the_default_quota_with_aws_asked_reads_the_applied_quota_after_the_offline_pass(
    fake_kops: FakeKops, aws_recorder: list[str], run_cli: Callable[..., CliOutcome]
) -> None:
    """The default is only a floor: above it, the applied quota decides (here it cannot be
    read, so the documented default refuses, and says why)."""
    outcome = run_cli(
        "provision", "--name", ORIGIN_NAME, "--zones", ZONES, "--networking", "kubenet",
        "--node-count", "60", "--state-store", "s3://kops-state", "--dry-run",
    )  # fmt: skip
    assert outcome.code == 2, outcome.stderr
    # only Service Quotas was asked (its JSON protocol: POST /, retried), never the state store
    assert aws_recorder[:1] == ["POST /"] and set(aws_recorder) == {"POST /"}
    assert "63 routes > documented default quota 50" in outcome.stdout
