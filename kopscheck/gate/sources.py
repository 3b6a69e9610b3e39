"""Pick the source of facts from the command line and collect a snapshot from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kopscheck.collectors.files import DEFAULT_LIMITS, FileLimits
from kopscheck.collectors.live_bounds import (
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RESPONSE,
    DEFAULT_SCAN_TIMEOUT,
)
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Snapshot


@dataclass(frozen=True, slots=True)
class SourceOptions:
    bundle: Path | None = None
    dump: Path | None = None
    context: str | None = None
    kubeconfig: Path | None = None
    cluster_name: str | None = None
    state_store: str | None = None
    region: str | None = None
    profile: str | None = None
    networking: str | None = None
    probe: bool = False
    request_timeout: float = 30.0  # seconds per API request; 0 waits forever (kubectl's 0)
    aws: bool = True  # live: read route tables, instances, ASGs and the route quota
    files: FileLimits = DEFAULT_LIMITS  # --max-file-size, --log-lines, --log-bytes
    timeout: float = DEFAULT_SCAN_TIMEOUT  # seconds for a whole live scan (--timeout); 0: none
    max_response_bytes: int = DEFAULT_MAX_RESPONSE  # per API response (--max-response-size)
    max_pages: int = DEFAULT_MAX_PAGES  # per list (--max-pages)


def collect(options: SourceOptions) -> Snapshot:
    if options.bundle and options.dump:
        raise InputError("--bundle/--dump", "give one source, not both")
    if options.bundle is not None:
        from kopscheck.collectors.bundle import read_bundle

        return read_bundle(options.bundle, networking=options.networking, limits=options.files)
    if options.dump is not None:
        from kopscheck.collectors.dump import read_dump

        return read_dump(options.dump, networking=options.networking, limits=options.files)
    from kopscheck.collectors.live import collect_live

    return collect_live(options).snapshot
