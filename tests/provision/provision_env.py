"""What the provision tests share: the stand-in kops of one test and the kops output it plays."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_apiserver import FakeApiServer

HERE = Path(__file__).parent
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


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for init to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def assert_called_then_torn_down(
    fake: FakeKops, name: str, before: list[str], teardown: str
) -> None:
    """kops was called for `before` in order, then `delete cluster` of `name` exactly once
    under `--teardown always` and never otherwise."""
    deleted = teardown == "always"
    assert fake.commands() == before + (["delete cluster"] if deleted else [])
    delete = ["delete", "cluster", "--name", name, "--state"]
    assert [d[:5] for d in fake.deletes()] == ([delete] if deleted else [])
