"""Kubernetes and kops versions: parse the spellings clusters use, pick the one that applies.

Versions are compared as (major, minor) pairs; patch levels never change what networking a
release accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kopscheck.model.facts import Snapshot

MinorVersion = tuple[int, int]
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?")
KOPS_IMAGES = ("kops-controller", "dns-controller")


def parse_minor(text: str) -> MinorVersion | None:
    """`v1.32.4`, `1.32.0`, `v1.23.17-eks-1`, `1.32` -> (1, 32); anything else -> None."""
    match = _VERSION.search(text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def show(version: MinorVersion) -> str:
    return f"{version[0]}.{version[1]}"


@dataclass(frozen=True, slots=True)
class KubeVersion:
    """The cluster's Kubernetes version and where it came from."""

    minor: MinorVersion
    text: str
    source: str  # "API server", "kops spec" or "node kubelets"


def kubernetes_version(snapshot: Snapshot) -> KubeVersion | None:
    """The API server's version, else the kops spec's kubernetesVersion, else the newest kubelet."""
    if snapshot.version is not None:
        git = snapshot.version.git_version
        return KubeVersion((snapshot.version.major, snapshot.version.minor), git, "API server")
    spec = kops_kubernetes_version(snapshot)
    if spec is not None:
        return spec
    kubelets = [(parse_minor(n.kubelet_version), n.kubelet_version) for n in snapshot.nodes or ()]
    known = [(minor, text) for minor, text in kubelets if minor is not None]
    if not known:
        return None
    minor, text = max(known)
    return KubeVersion(minor, text, "node kubelets")


def kops_kubernetes_version(snapshot: Snapshot) -> KubeVersion | None:
    if snapshot.kops_cluster is None:
        return None
    text = snapshot.kops_cluster.kubernetes_version
    minor = parse_minor(text)
    return KubeVersion(minor, text, "kops spec") if minor else None


@dataclass(frozen=True, slots=True)
class KopsVersion:
    minor: MinorVersion
    text: str
    source: str  # the image it was read from


def kops_version(snapshot: Snapshot) -> KopsVersion | None:
    """The kops release that last updated the cluster, from its kops-controller image tag."""
    for workload in snapshot.workloads or ():
        if workload.namespace != "kube-system" or workload.name not in KOPS_IMAGES:
            continue
        found = _tagged(workload.images)
        if found is not None:
            minor, tag, image = found
            return KopsVersion(minor, tag, image)
    return None


def _tagged(images: Iterable[str]) -> tuple[MinorVersion, str, str] | None:
    for image in images:
        _, sep, tag = image.split("@", 1)[0].rpartition(":")
        minor = parse_minor(tag) if sep and "/" not in tag else None
        if minor is not None:
            return minor, tag, image
    return None
