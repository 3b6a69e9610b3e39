"""Where the real Kubernetes binaries are, and what to do when some are missing.

The binaries come from `KUBEBUILDER_ASSETS` (controller-runtime's envtest convention: a directory
holding `kube-apiserver`, `etcd`, `kubectl`; ours adds `kube-controller-manager`,
`kube-scheduler` and `kubemark`). etcd and kubectl are also looked up on PATH, where Debian's
`etcd-server` and `kubectl` packages put them.

A missing piece skips the tier with the precise reason, except in CI (`CI=true`) with
`KUBEBUILDER_ASSETS` set: there the tier was meant to run, so a missing piece fails.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import pytest

ASSETS_ENV = "KUBEBUILDER_ASSETS"


class Binary(StrEnum):
    """The executables the tier can use."""

    APISERVER = "kube-apiserver"
    CONTROLLER_MANAGER = "kube-controller-manager"
    SCHEDULER = "kube-scheduler"
    KUBEMARK = "kubemark"
    KUBELET = "kubelet"
    KUBE_PROXY = "kube-proxy"
    ETCD = "etcd"
    KUBECTL = "kubectl"


# looked up on PATH too (distribution packages), not only in KUBEBUILDER_ASSETS
ON_PATH = frozenset({Binary.ETCD, Binary.KUBECTL})
INSTALL_HINT = {
    Binary.ETCD: "apt-get install etcd-server",
    Binary.KUBECTL: "apt-get install kubectl",
}


def must_run() -> bool:
    """CI with the assets configured: the tier must run, so missing pieces are failures."""
    return os.environ.get("CI", "").lower() == "true" and bool(os.environ.get(ASSETS_ENV))


def unavailable(reason: str) -> NoReturn:
    """Skip the test with `reason`, or fail it when the tier must run."""
    if must_run():
        pytest.fail(f"real-cluster tier cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Assets:
    """Paths of the binaries that were found."""

    directory: Path
    found: dict[Binary, Path]

    def path(self, binary: Binary) -> Path:
        """The binary's path; skips (or fails in CI) when it is missing."""
        if binary not in self.found:
            unavailable(missing_reason(self.directory, binary))
        return self.found[binary]


def missing_reason(directory: Path, binary: Binary) -> str:
    where = f"{ASSETS_ENV}={directory}"
    if binary in ON_PATH:
        return f"{binary} not found in {where} nor on PATH ({INSTALL_HINT[binary]})"
    return f"{binary} not found in {where}"


def find_assets() -> Assets:
    """The binaries under `KUBEBUILDER_ASSETS` (and etcd/kubectl on PATH); skips when unset."""
    value = os.environ.get(ASSETS_ENV, "")
    if not value:
        unavailable(
            f"{ASSETS_ENV} is not set: the real-cluster tier needs kube-apiserver and etcd"
            " (export KUBEBUILDER_ASSETS=$(../shared/k8s/unpack), or use setup-envtest)"
        )
    directory = Path(value)
    if not directory.is_dir():
        unavailable(f"{ASSETS_ENV}={directory} is not a directory")
    found: dict[Binary, Path] = {}
    for binary in Binary:
        candidate = directory / binary
        if candidate.is_file() and os.access(candidate, os.X_OK):
            found[binary] = candidate
        elif binary in ON_PATH and (located := shutil.which(binary)):
            found[binary] = Path(located)
    return Assets(directory, found)


def require_root(what: str) -> None:
    """Network namespaces and veth pairs need root."""
    if os.geteuid() != 0:
        unavailable(f"{what} needs root (network namespaces and veth pairs)")
    if shutil.which("ip") is None:
        unavailable(f"{what} needs the `ip` command (iproute2)")
