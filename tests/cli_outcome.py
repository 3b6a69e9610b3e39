"""What one run of the CLI produced (shared by conftest's `run_cli` and the tests' annotations)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CliOutcome:
    code: int
    stdout: str
    stderr: str
