"""Fixtures for the live path: a fake kube-apiserver loaded from a bundle, and its kubeconfig."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_outcome import CliOutcome
from live_env import STATE_BUCKET, LiveCluster, api_view, seed_state_store, write_kubeconfig
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from fake_apiserver import FakeApiServer


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real kubeconfig, cluster or AWS account can leak into a test."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "KUBE", "KOPS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "home" / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "home" / "aws-credentials"))


@pytest.fixture
def moto_s3() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def live_cluster(tmp_path: Path) -> Iterator[Callable[..., LiveCluster]]:
    """A fake API server holding a demo scenario (as the API shows it); with `kops=True` also
    its kops state store in moto's S3."""
    started: list[FakeApiServer] = []
    aws: list[Any] = []  # the moto mock, started on the first kops=True

    def start(
        demo: str = "healthy", setup: Callable[[Path], None] | None = None, kops: bool = False
    ) -> LiveCluster:
        bundle = api_view(demo, tmp_path / f"{demo}-api-view")
        if setup is not None:
            setup(bundle)
        name = str(
            yaml.safe_load((bundle / "kops" / "cluster.yaml").read_text())["metadata"]["name"]
        )
        if kops:
            if not aws:
                aws.append(mock_aws())
                aws[0].start()
            seed_state_store(bundle)
        server = FakeApiServer().load_bundle(bundle).start()
        started.append(server)
        kubeconfig = tmp_path / f"{demo}.kubeconfig"
        write_kubeconfig(kubeconfig, server.url, server.token, context=name)
        store = f"s3://{STATE_BUCKET}" if kops else None
        return LiveCluster(server, kubeconfig, bundle, name, store)

    yield start
    for server in started:
        server.stop()
    for mock in aws:
        mock.stop()


@pytest.fixture
def kopscheck_cli(run_cli: Callable[..., CliOutcome]) -> Callable[..., CliOutcome]:
    """Run `kopscheck ARGS` through the real entry point (errors, exit codes)."""
    return run_cli
