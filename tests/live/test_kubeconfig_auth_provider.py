"""kubeconfig auth-provider users: no refresh that could hang (gcp's cmd-path, oidc's issuer);
gcp and azure are exit 2 as kubectl 1.26+ has it, a valid oidc id-token is used as written."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_outcome import CliOutcome
from live_env import LiveCluster


def _jwt(exp: float, token: str) -> str:
    def part(doc: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part({'exp': int(exp), 'sub': token})}.sig"


def _with_user(cluster: LiveCluster, path: Path, user: dict[str, Any]) -> Path:
    doc = yaml.safe_load(cluster.kubeconfig.read_text())
    doc["users"][0]["user"] = user
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    ("name", "instead"),
    [
        pytest.param("gcp", "gke-gcloud-auth-plugin", id="gcp-with-a-hanging-cmd-path"),
        pytest.param("azure", "kubelogin (Azure/kubelogin)", id="azure"),
    ],
)
def test_a_removed_auth_provider_is_exit_2_and_its_command_never_runs(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    name: str,
    instead: str,
) -> None:
    cluster = live_cluster("healthy")
    marker = tmp_path / "ran"
    provider = {
        "name": name,
        "config": {"cmd-path": f"/bin/sh -c 'touch {marker}; sleep 300'", "expiry": "2000-01-01T00:00:00Z"},
    }  # fmt: skip
    kubeconfig = _with_user(cluster, tmp_path / "kubeconfig", {"auth-provider": provider})
    started = time.monotonic()
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig))
    assert (outcome.code, outcome.stderr) == (
        2,
        f"kopscheck: error: {kubeconfig}: users[0] (name '{cluster.name}-reader').user."
        f"auth-provider: the {name} auth provider was removed in kubectl 1.26; use the exec "
        f"credential plugin {instead} (kopscheck runs exec plugins, bounded)\n",
    )
    assert time.monotonic() - started < 10
    assert not marker.exists()
    assert cluster.server.requests == []


def test_an_expired_oidc_token_is_exit_2_and_the_issuer_is_never_asked(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    provider = {
        "name": "oidc",
        "config": {
            "id-token": _jwt(time.time() - 3600, "old"),
            "refresh-token": "refresh-secret",
            "client-id": "kubernetes",
            "client-secret": "client-secret-value",
            "idp-issuer-url": "https://192.0.2.1",  # TEST-NET-1: never reached
        },
    }
    kubeconfig = _with_user(cluster, tmp_path / "kubeconfig", {"auth-provider": provider})
    started = time.monotonic()
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig))
    assert outcome.code == 2, outcome.stderr
    assert outcome.stderr.endswith(
        "auth-provider: the oidc id-token has expired; kopscheck does not refresh auth-provider"
        " tokens (the refresh has no deadline): run any kubectl command to refresh it, or use"
        " an exec plugin such as kubelogin\n"
    )
    assert outcome.stderr.count("\n") == 1
    assert "secret" not in outcome.stderr
    assert time.monotonic() - started < 10


def test_a_valid_oidc_token_is_sent_as_the_bearer_token(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    token = _jwt(time.time() + 3600, "fresh")
    cluster.server.token = token
    provider = {
        "name": "oidc",
        "config": {"id-token": token, "idp-issuer-url": "https://192.0.2.1"},
    }
    kubeconfig = _with_user(cluster, tmp_path / "kubeconfig", {"auth-provider": provider})
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig), "--select", "node")
    assert outcome.code == 0, outcome.stderr
    assert cluster.server.count("^/api/v1/nodes$") == 1
