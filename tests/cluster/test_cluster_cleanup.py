"""`kopscheck cleanup` on a real control plane deletes only what a kopscheck run made: a user's
namespace or pod that copied kopscheck's labels survives, a real leftover goes."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator

import pytest
from cli_outcome import CliOutcome
from cluster_plane import ControlPlane
from kubernetes import client
from kubernetes.client.rest import ApiException

PID = f"{os.getpid() % 0x10000:04x}"  # run ids unique per test process: helpers share the plane
RUN = f"20261207-040000-{PID}"
NOEXPIRY_RUN = f"20261207-040001-{PID}"
EXPIRES = "2026-12-07T04:10:00Z"


def _meta(name: str, run: str = RUN, expires: str | None = EXPIRES) -> dict[str, object]:
    labels = {"app.kubernetes.io/managed-by": "kopscheck", "kopscheck.io/run": run}
    annotations = {"kopscheck.io/expires": expires} if expires else {}
    return {"name": name, "labels": labels, "annotations": annotations}


def _pod(core: client.CoreV1Api, namespace: str, name: str) -> None:
    body = {
        "metadata": _meta(name),
        "spec": {
            "automountServiceAccountToken": False,
            "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}],
        },
    }
    end = time.monotonic() + 20  # the namespace's default ServiceAccount comes a moment later
    while True:
        try:
            core.create_namespaced_pod(namespace, body)
            return
        except ApiException as exc:
            if time.monotonic() > end or exc.status != 403:
                raise
            time.sleep(0.3)


USER_NAMESPACES = {
    f"payments-prod-{os.getpid()}": {},  # labels and annotation copied, not a kopscheck name
    f"kopscheck-tools-{os.getpid()}": {},  # a kopscheck- name, but not its run's namespace
    f"kopscheck-{RUN}-old": {},
    f"kopscheck-{NOEXPIRY_RUN}": {"run": NOEXPIRY_RUN, "expires": None},
    f"kopscheck-payments-{os.getpid()}": {"run": "payments"},  # a kopscheck- name, no run id
}
LEFTOVER = f"kopscheck-{RUN}"


@pytest.fixture
def planted(control_plane: ControlPlane) -> Iterator[client.CoreV1Api]:
    core = client.CoreV1Api(control_plane.api_client())
    for name, how in USER_NAMESPACES.items():
        core.create_namespace({"metadata": _meta(name, **how)})  # type: ignore[arg-type]
    core.create_namespace({"metadata": _meta(LEFTOVER)})
    _pod(core, LEFTOVER, "dns-resolution")
    payments = next(iter(USER_NAMESPACES))
    _pod(core, payments, "lifecycle-node-1")  # labelled, in a user's namespace
    yield core
    for name in [*USER_NAMESPACES, LEFTOVER]:
        with contextlib.suppress(ApiException):
            core.delete_namespace(name)


def _namespaces(core: client.CoreV1Api) -> set[str]:
    return {
        n.metadata.name
        for n in core.list_namespace().items
        if n.metadata.name in {*USER_NAMESPACES, LEFTOVER} and not n.metadata.deletion_timestamp
    }


def test_cleanup_deletes_only_what_a_kopscheck_run_made(
    control_plane: ControlPlane, planted: client.CoreV1Api, run_cli: Callable[..., CliOutcome]
) -> None:
    core = planted
    payments = next(iter(USER_NAMESPACES))
    kubeconfig = str(control_plane.kubeconfig)

    listed = run_cli("cleanup", "--kubeconfig", kubeconfig, "--dry-run")
    assert listed.code == 0, listed.stderr
    lines = listed.stderr.splitlines()
    assert f"would delete namespaces {LEFTOVER} (run {RUN}, expires {EXPIRES})" in lines
    assert f"would delete pods {LEFTOVER}/dns-resolution (run {RUN}, expires {EXPIRES})" in lines
    would = [line for line in lines if line.startswith("would delete")]
    assert all(LEFTOVER + " " in line or LEFTOVER + "/" in line for line in would), would
    touched = "not touched (carries kopscheck's labels, not made by a kopscheck run): "
    assert f"{touched}namespaces {payments}: not named {LEFTOVER} (its run id)" in lines
    assert (
        f"{touched}pods {payments}/lifecycle-node-1: neither in namespace {LEFTOVER} nor named"
        f" {LEFTOVER}-... (its run id)" in lines
    )
    noexpiry = f"kopscheck-{NOEXPIRY_RUN}"
    assert f"{touched}namespaces {noexpiry}: no kopscheck.io/expires annotation" in lines
    assert (
        f"{touched}namespaces kopscheck-payments-{os.getpid()}: its kopscheck.io/run label is not"
        " a kopscheck run id (like 20261128-124500-3fa9)" in lines
    )
    assert _namespaces(core) == {*USER_NAMESPACES, LEFTOVER}  # --dry-run deleted nothing

    done = run_cli("cleanup", "--kubeconfig", kubeconfig)
    assert done.code == 0, done.stderr
    assert _namespaces(core) == set(USER_NAMESPACES)
    assert [p.metadata.name for p in core.list_namespaced_pod(payments).items] == [
        "lifecycle-node-1"
    ]
