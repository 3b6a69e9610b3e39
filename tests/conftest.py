"""Shared fixtures: demo bundles, snapshots from builders, and the CLI run as users run it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.model.facts import Snapshot

# Tests never reach a real cloud: no instance-metadata lookups, no credentials from the machine.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for _name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_CONFIG_FILE"] = os.devnull

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliOutcome]:
    """Run `kopscheck ARGS` through the real entry point (error handling and exit codes)."""
    from kopscheck.cli import main

    def run(*args: str) -> CliOutcome:
        monkeypatch.setattr(sys, "argv", ["kopscheck", *args])
        capsys.readouterr()
        try:
            main()
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return CliOutcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def demo_snapshot() -> Callable[[str], Snapshot]:
    return lambda name: read_bundle(DEMO_ROOT / name)


@pytest.fixture
def demo_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A writable copy of a demo bundle, for tests that damage or trim it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(DEMO_ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__"))
        return target

    return copy
