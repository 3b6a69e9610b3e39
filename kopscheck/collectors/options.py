"""Where the facts come from: the source flags shared by `check` and `collect`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kopscheck.collectors.kube.bounds import (
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RESPONSE,
    DEFAULT_SCAN_TIMEOUT,
)
from kopscheck.collectors.offline.limits import DEFAULT_LIMITS, FileLimits
from kopscheck.collectors.probes.options import ProbeOptions


@dataclass(frozen=True, slots=True)
class SourceOptions:
    bundle: Path | None = None
    dump: Path | None = None
    demo: str | None = None  # a built-in demo cluster: a bundle shipped with kopscheck
    context: str | None = None
    kubeconfig: Path | None = None
    cluster_name: str | None = None
    state_store: str | None = None
    region: str | None = None
    profile: str | None = None
    probe: bool = False
    probes: ProbeOptions = field(default_factory=ProbeOptions)  # what --probe may do
    request_timeout: float = 30.0  # seconds per API request; 0 waits forever (kubectl's 0)
    aws: bool = True  # live: read route tables, instances, ASGs and the route quota
    files: FileLimits = DEFAULT_LIMITS  # --max-file-size, --log-lines, --log-bytes
    timeout: float = DEFAULT_SCAN_TIMEOUT  # seconds for a whole live scan (--timeout); 0: none
    max_response_bytes: int = DEFAULT_MAX_RESPONSE  # per API response (--max-response-size)
    max_pages: int = DEFAULT_MAX_PAGES  # per list (--max-pages)
