"""Fixtures for `kopscheck provision`: a stand-in kops first on PATH, a scenario it plays, the
calls it recorded, and fake API servers the gate really checks through the exported kubeconfig."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "live"))
sys.path.insert(0, str(HERE.parent / "aws"))
sys.path.insert(0, str(HERE))

from fake_apiserver import FakeApiServer  # noqa: E402
from fake_kubelet import AGENT_LOG, FakeKubelets, dns_message  # noqa: E402
from live_env import api_view  # noqa: E402
from provision_env import FIXTURES, FakeKops  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real kubeconfig, kops state or AWS account reaches a test."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "KUBE", "KOPS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials are present (kops is then asked for its dry-run spec); AWS itself is not
    asked: the tests pass --no-aws."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def fake_kops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeKops:
    root = tmp_path / "fake-kops"
    (root / "bin").mkdir(parents=True)
    (root / "state").mkdir()
    wrapper = root / "bin" / "kops"
    wrapper.write_text(
        f"#!{sys.executable}\nimport runpy, sys\nsys.argv[0] = 'kops'\n"
        f"runpy.run_path({str(HERE / 'fake_kops.py')!r}, run_name='__main__')\n"
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KOPS_SCENARIO", str(root / "scenario.json"))
    fake = FakeKops(root)
    fake.play(calls=str(fake.calls_file), fixtures=str(FIXTURES), interval=0.02)
    return fake


# a journal node whose kubelet logged nothing of the probe pods (below --v=2): pod.node-logs warns
QUIET_JOURNAL = "==== kopscheck-node-logs 1\n==== source journal\n==== end\n"


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[Callable[..., FakeApiServer]]:
    """A fake API server showing a demo cluster (healthy, cni-no-provider, ...); with
    `kubelet_quiet`, its nodes' journals hold no line about the probe pods."""
    started: list[tuple[FakeApiServer, FakeKubelets]] = []

    def start(demo: str, kubelet_quiet: bool = False) -> FakeApiServer:
        bundle = api_view(demo, tmp_path / f"{demo}-{len(started)}-api-view")
        server = FakeApiServer().load_bundle(bundle).start()
        # the gate probes (`check --probe`): kubelets that run its pods and answer its DNS probe
        kubelets = FakeKubelets(
            server,
            termination_message=dns_message(),
            agent_log=lambda _node: AGENT_LOG,
            node_log=(lambda _node: QUIET_JOURNAL) if kubelet_quiet else None,
        ).start()
        started.append((server, kubelets))
        return server

    yield start
    for server, kubelets in started:
        kubelets.stop()
        server.stop()
