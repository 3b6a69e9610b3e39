"""What a check receives: the snapshot and the views derived from it, computed once per run."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from kopscheck.knowledge.networking import NetworkingMode, resolve_networking
from kopscheck.knowledge.versions import KubeVersion, kubernetes_version
from kopscheck.model.facts import Snapshot


@dataclass(frozen=True)
class CheckContext:
    """The snapshot of one cluster, and the derived views every check shares."""

    snapshot: Snapshot

    @cached_property
    def networking(self) -> NetworkingMode | None:
        """The networking mode and the source that decided it (flag, kops spec or deployed)."""
        return resolve_networking(self.snapshot)

    @cached_property
    def kubernetes_version(self) -> KubeVersion | None:
        """The API server's version, else the kops spec's, else the newest kubelet's."""
        return kubernetes_version(self.snapshot)
