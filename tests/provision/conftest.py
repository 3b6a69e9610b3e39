"""Fixtures for `kopscheck provision`: a stand-in kops first on PATH, a scenario it plays, the
calls it recorded, and fake API servers the gate really checks through the exported kubeconfig."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "live"))
sys.path.insert(0, str(HERE.parent / "aws"))
sys.path.insert(0, str(HERE))

from fake_apiserver import FakeApiServer  # noqa: E402
from live_env import api_view  # noqa: E402

FIXTURES = HERE / "kops-cli"  # not under tests/fixtures/: that holds scenario bundles only
ORIGIN_NAME = "myclustername.mydns.io"


@dataclass
class FakeKops:
    """The stand-in kops of one test: its scenario, and what it was asked to do."""

    root: Path
    scenario: dict[str, Any] = field(default_factory=dict)

    @property
    def calls_file(self) -> Path:
        return self.root / "calls.jsonl"

    @property
    def state_store(self) -> str:
        return f"file://{self.root / 'state'}"

    def play(self, **scenario: Any) -> FakeKops:
        self.scenario.update(scenario)
        self._write()
        return self

    def serve(self, name: str, server: FakeApiServer) -> None:
        """`kops export kubecfg --name NAME` points at this fake API server."""
        clusters = self.scenario.setdefault("clusters", {})
        clusters[name] = {"server": server.url, "token": server.token}
        self._write()

    def _write(self) -> None:
        (self.root / "scenario.json").write_text(json.dumps(self.scenario))

    def records(self) -> list[dict[str, Any]]:
        if not self.calls_file.is_file():
            return []
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]

    def calls(self) -> list[list[str]]:
        return [r["argv"] for r in self.records()]

    def commands(self) -> list[str]:
        """Each call as `verb noun` (`create cluster`, `version`), with --dry-run marked."""
        out = []
        for argv in self.calls():
            words = " ".join(argv[:1] if argv[:1] == ["version"] else argv[:2])
            out.append(words + (" --dry-run" if "--dry-run" in argv else ""))
        return out

    def with_yes(self) -> list[list[str]]:
        return [argv for argv in self.calls() if "--yes" in argv]

    def deletes(self) -> list[list[str]]:
        return [argv for argv in self.calls() if argv[:2] == ["delete", "cluster"]]


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


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[Callable[[str], FakeApiServer]]:
    """A fake API server showing a demo cluster (healthy, cni-no-provider, ...)."""
    started: list[FakeApiServer] = []

    def start(demo: str) -> FakeApiServer:
        bundle = api_view(demo, tmp_path / f"{demo}-{len(started)}-api-view")
        server = FakeApiServer().load_bundle(bundle).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
