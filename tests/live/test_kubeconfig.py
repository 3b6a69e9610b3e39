"""Which cluster a live run talks to: --kubeconfig, KUBECONFIG, --context, in-cluster."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cli_outcome import CliOutcome
from live_env import LiveCluster

from kopscheck.collectors.kube.kubeconfig import load_target
from kopscheck.gate.durations import parse_duration


def _config(path: Path, contexts: dict[str, str], current: str | None) -> Path:
    """A kubeconfig with one cluster and user per context: context name -> server URL."""
    doc: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in contexts.items()],
        "users": [{"name": n, "user": {"token": f"token-of-{n}"}} for n in contexts],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in contexts],
    }
    if current is not None:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc))
    return path


def test_kubeconfig_list_merges_and_the_first_current_context_wins(tmp_path: Path) -> None:
    first = _config(tmp_path / "a", {"prod": "https://api.prod.example.com"}, "prod")
    second = _config(tmp_path / "b", {"staging": "https://api.staging.example.com"}, "staging")
    environ = {"KUBECONFIG": os.pathsep.join([str(first), str(tmp_path / "absent"), str(second)])}
    target = load_target(None, None, 4, environ=environ)
    assert (target.context, target.host) == ("prod", "https://api.prod.example.com")
    other = load_target(None, "staging", 4, environ=environ)  # a context from the second file
    assert (other.context, other.host) == ("staging", "https://api.staging.example.com")
    assert other.api_client.configuration.api_key == {"BearerToken": "Bearer token-of-staging"}


def test_default_kubeconfig_is_home_kube_config(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    _config(home / ".kube" / "config", {"dev": "https://api.dev.example.com:6443"}, "dev")
    target = load_target(None, None, 4, environ={"HOME": str(home)})
    assert (target.context, target.host) == ("dev", "https://api.dev.example.com:6443")


def test_in_cluster_config_when_there_is_no_kubeconfig(tmp_path: Path) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("projected-token")
    (account / "ca.crt").write_text(
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    )
    environ = {
        "HOME": str(tmp_path / "home"),
        "KUBERNETES_SERVICE_HOST": "100.64.0.1",
        "KUBERNETES_SERVICE_PORT": "443",
    }
    target = load_target(None, None, 4, environ=environ, service_account_dir=account)
    assert (target.context, target.host) == (None, "https://100.64.0.1:443")
    assert target.describe() == "https://100.64.0.1:443 (in-cluster config)"
    config = target.api_client.configuration
    assert config.api_key == {"BearerToken": "bearer projected-token"}
    assert config.ssl_ca_cert == str(account / "ca.crt")


def test_live_run_through_kubeconfig_env(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    other = _config(tmp_path / "other", {"elsewhere": "http://127.0.0.1:9"}, None)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(other), str(cluster.kubeconfig)]))
    outcome = kopscheck_cli("check", "--select", "node", "-o", "json")
    assert outcome.code == 0, outcome.stderr
    assert cluster.server.count("^/api/v1/nodes$") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--context", "nope"],
            "context 'nope' is not in the kubeconfig; its contexts: calico-demo.k8s.local",
            id="unknown-context",
        ),
        pytest.param(
            ["--kubeconfig", "/nonexistent/kubeconfig"],
            "kopscheck: error: /nonexistent/kubeconfig: no such kubeconfig file",
            id="missing-kubeconfig-file",
        ),
        pytest.param(
            ["--request-timeout", "soon"],
            "kopscheck: error: --request-timeout: 'soon' is not a duration"
            " (use e.g. 30s, 2m, 1h30m)",
            id="bad-request-timeout",
        ),
    ],
)
def test_bad_source_flags_are_exit_2_in_one_line(
    args: list[str],
    message: str,
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
) -> None:
    cluster = live_cluster("healthy")
    flags = ["--kubeconfig", str(cluster.kubeconfig)] if "--kubeconfig" not in args else []
    outcome = kopscheck_cli("check", *flags, *args)
    assert outcome.code == 2
    assert message in outcome.stderr
    assert outcome.stderr.count("\n") == 1
    assert cluster.server.requests == []


def test_no_kubeconfig_anywhere_is_exit_2(kopscheck_cli: Callable[..., CliOutcome]) -> None:
    outcome = kopscheck_cli("check")
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "kopscheck: error: kubeconfig: none found (~/.kube/config); give --kubeconfig or set"
        " KUBECONFIG\n"
    )


def test_malformed_kubeconfig_is_exit_2(
    kopscheck_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("clusters: [\n")
    outcome = kopscheck_cli("check", "--kubeconfig", str(broken))
    assert (outcome.code, outcome.stderr) == (
        2,
        f"kopscheck: error: {broken}: unreadable kubeconfig: ParserError\n",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("clusters: " + "[" * 5000 + "]" * 5000, "nested too deeply", id="deep-flow"),
        pytest.param(
            "clusters: " + "[" * 300 + "]" * 300,
            "nested deeper than 100 levels: refused",
            id="deeper-than-the-shape-limit",
        ),
        pytest.param(
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
                for p, c in zip("abcdef", "bcdefg", strict=True)
            ),
            "more than 2,000,000 values (YAML aliases?): refused",
            id="alias-bomb",
        ),
        pytest.param(
            "when: 2026-13-45\n",
            "unreadable kubeconfig: month must be in 1..12",
            id="timestamp-out-of-range",
        ),
    ],
)
def test_a_hostile_kubeconfig_shape_is_exit_2_in_one_line(
    kopscheck_cli: Callable[..., CliOutcome], tmp_path: Path, text: str, problem: str
) -> None:
    """Found by test_fuzz_more's kubeconfig target: these were RecursionError/ValueError."""
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    outcome = kopscheck_cli("check", "--kubeconfig", str(path))
    assert outcome.code == 2, outcome.stderr
    assert outcome.stderr.startswith(f"kopscheck: error: {path}: ")
    assert problem in outcome.stderr and outcome.stderr.count("\n") == 1, outcome.stderr


def test_a_user_entry_with_no_body_connects_without_credentials(tmp_path: Path) -> None:
    """`user: null` is kubectl's empty user (no credentials), not a KeyError (found by fuzzing)."""
    path = _config(tmp_path / "kubeconfig", {"c": "https://127.0.0.1:6443"}, "c")
    doc = yaml.safe_load(path.read_text())
    doc["users"][0]["user"] = None
    path.write_text(yaml.safe_dump(doc))
    target = load_target(path, None, 1, environ={})
    assert (target.host, target.context, target.cluster) == ("https://127.0.0.1:6443", "c", "c")
    assert target.api_client.configuration.api_key == {}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("2m", 120.0), ("1m30s", 90.0), ("500ms", 0.5), ("5", 5.0), ("0", 0.0)],
)
def test_request_timeout_reads_like_kubectl(text: str, seconds: float) -> None:
    assert parse_duration(text, "--request-timeout", bare_seconds=True) == seconds
