"""The bounds on reading input files, with their defaults: light to import (no parser), so the
command line can build them without loading a reader."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
DEFAULT_MAX_FILE_BYTES = 1 * GiB
DEFAULT_LOG_LINES = 1000
DEFAULT_LOG_BYTES = 512 * KiB


@dataclass(frozen=True, slots=True)
class FileLimits:
    """The bounds on reading input files; `root` confines symlinks to one bundle."""

    max_bytes: int = DEFAULT_MAX_FILE_BYTES  # --max-file-size
    log_lines: int = DEFAULT_LOG_LINES  # --log-lines: the tail of each log
    log_bytes: int = DEFAULT_LOG_BYTES  # --log-bytes
    root: Path | None = None

    def inside(self, root: Path) -> FileLimits:
        return replace(self, root=Path(os.path.realpath(root)))


DEFAULT_LIMITS = FileLimits()


def size_text(count: int) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} bytes"
