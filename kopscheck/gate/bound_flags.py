"""The bounds flags of `check` and `collect` (--timeout, --max-response-size, --max-pages,
--max-file-size, --log-lines, --log-bytes), parsed into SourceOptions' bounds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kopscheck.collectors.offline.limits import FileLimits
from kopscheck.gate.durations import parse_duration, parse_size

MaxFileSizeOpt = Annotated[
    str, typer.Option(help="Refuse input files larger than this (bundle, dump), e.g. 512MiB.")
]
LogLinesOpt = Annotated[
    int, typer.Option(min=0, help="Read the last N lines of each log (per node, per container).")
]
LogBytesOpt = Annotated[
    str, typer.Option(help="Read at most this many bytes of the end of each log, e.g. 512KiB.")
]
TimeoutOpt = Annotated[
    str, typer.Option(help="Wall-clock limit of a whole live scan, e.g. 5m; 0: none.")
]
MaxResponseOpt = Annotated[
    str, typer.Option(help="Refuse a Kubernetes API response larger than this (live).")
]
MaxPagesOpt = Annotated[int, typer.Option(min=1, help="Pages read per list before giving up.")]


def live_bounds(timeout: str, max_response_size: str, max_pages: int) -> dict[str, Any]:
    """SourceOptions' live bounds (timeout, max_response_bytes, max_pages) from the flags."""
    return {
        "timeout": parse_duration(timeout, "--timeout", bare_seconds=True),
        "max_response_bytes": parse_size(max_response_size, "--max-response-size"),
        "max_pages": max_pages,
    }


def file_limits(max_file_size: str, log_lines: int, log_bytes: str) -> FileLimits:
    """The bounds on reading input files from the flags."""
    return FileLimits(
        max_bytes=parse_size(max_file_size, "--max-file-size"),
        log_lines=log_lines,
        log_bytes=parse_size(log_bytes, "--log-bytes"),
    )
