"""A real control plane on 127.0.0.1: etcd, kube-apiserver and, when asked, the
kube-controller-manager and kube-scheduler. Every port is picked free, so several planes
(and several test sessions) can run side by side. The flags follow
../shared/k8s/reference/start.sh; the audit log records every request at Metadata level."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cluster_assets import Assets, Binary
from cluster_pki import API_SERVER_NAMES, CertPair, Pki, write_kubeconfig
from cluster_procs import (
    ClusterStartError,
    Component,
    free_port,
    https_ok,
    pid_alive,
    remove_kubemark_leftovers,
)

SERVICE_CIDR = "10.0.0.0/24"
CLUSTER_CIDR = "100.96.0.0/16"  # kops' default pod range is 100.96.0.0/11; /24 per node
ETCD_READY_SECONDS = 30.0
APISERVER_READY_SECONDS = 120.0
CONTROLLER_READY_SECONDS = 60.0
AUDIT_POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
KEEP_ENV = "KOPSCHECK_CLUSTER_KEEP"
STALE_ROOT = re.compile(
    r"^kopscheck-[a-z]+-(\d+)-"
)  # set to keep the temp dir (logs, audit) after the session


@dataclass(frozen=True)
class PlaneSpec:
    """What to run: `controllers` adds the controller-manager and the scheduler;
    `for_nodes` binds the API server on every address so hollow nodes in network namespaces
    reach it through their veth (the API server refuses to proxy to loopback kubelets)."""

    name: str
    controllers: bool = False
    for_nodes: bool = False
    cluster_cidr: str = CLUSTER_CIDR
    allocate_node_cidrs: bool = True  # the controller-manager's --allocate-node-cidrs


def _scratch_root(name: str) -> Path:
    """etcd on tmpfs when there is one: fsyncs on a shared 2-core CI disk are slow. The
    directory carries our PID, so a later session can remove it if this one is killed."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    sweep_stale_roots(base)
    return Path(tempfile.mkdtemp(prefix=f"kopscheck-{name}-{os.getpid()}-", dir=base))


def sweep_stale_roots(base: Path) -> list[Path]:
    """Remove the scratch directories (and kubemark's /tmp files they logged) of harness
    sessions that were killed before their teardown."""
    removed = []
    for root in base.glob("kopscheck-*-*-*"):
        match = STALE_ROOT.match(root.name)
        if not match or pid_alive(int(match.group(1))) or os.environ.get(KEEP_ENV):
            continue
        for log in (root / "logs").glob("*.log"):
            remove_kubemark_leftovers(log)
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


class ControlPlane:
    """One running control plane. `kubeconfig` is cluster-admin (system:masters)."""

    def __init__(self, assets: Assets, spec: PlaneSpec) -> None:
        self.assets = assets
        self.spec = spec
        self.root = _scratch_root(spec.name)
        self.logs = self.root / "logs"
        self.logs.mkdir()
        self.pki = Pki(self.root / "pki")
        self.components: list[Component] = []
        self.port = free_port("0.0.0.0" if spec.for_nodes else "127.0.0.1")
        self.url = f"https://127.0.0.1:{self.port}"
        self.audit_log = self.logs / "audit.log"
        self.kubeconfig = self.root / "admin.kubeconfig"
        self.admin = self.pki.sign("admin", "kubernetes-admin", ("system:masters",))
        self._api: Any = None
        self.startup_seconds = 0.0

    # --- start and stop ---

    def start(self) -> ControlPlane:
        """Start every component and wait until each is ready; stops what started on error."""
        try:
            self._start_etcd()
            self._start_apiserver()
            if self.spec.controllers:
                self._start_controller_manager()
                self._start_scheduler()
                self._wait_for_namespace_defaults()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every component (last started first) and remove the scratch directory."""
        if self._api is not None:
            self._api.close()
            self._api = None
        for component in reversed(self.components):
            component.stop()
        self.components.clear()
        if not os.environ.get(KEEP_ENV):
            shutil.rmtree(self.root, ignore_errors=True)

    def _launch(self, name: str, argv: list[str]) -> Component:
        component = Component(name, argv, self.logs / f"{name}.log").start()
        self.components.append(component)
        return component

    def _start_etcd(self) -> None:
        client, peer = free_port(), free_port()
        self.etcd_url = f"http://127.0.0.1:{client}"
        etcd = self._launch(
            "etcd",
            [
                str(self.assets.path(Binary.ETCD)),
                f"--name={self.spec.name}",
                f"--data-dir={self.root / 'etcd-data'}",
                f"--listen-client-urls={self.etcd_url}",
                f"--advertise-client-urls={self.etcd_url}",
                f"--listen-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-cluster={self.spec.name}=http://127.0.0.1:{peer}",
                "--initial-cluster-state=new",
            ],
        )
        etcd.wait_until(lambda: _http_ok(f"{self.etcd_url}/health"), ETCD_READY_SECONDS, "healthy")

    def _start_apiserver(self) -> None:
        pki = self.pki
        serving = pki.sign(
            "apiserver",
            "kube-apiserver",
            server=True,
            ips=("127.0.0.1", "10.0.0.1"),
            dns=API_SERVER_NAMES,
        )
        kubelet_client = pki.sign(
            "apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",)
        )
        self.service_account = pki.service_account_keys()
        policy = self.root / "audit-policy.yaml"
        policy.write_text(AUDIT_POLICY)
        argv = [
            str(self.assets.path(Binary.APISERVER)),
            f"--bind-address={'0.0.0.0' if self.spec.for_nodes else '127.0.0.1'}",
            f"--secure-port={self.port}",
            f"--etcd-servers={self.etcd_url}",
            f"--client-ca-file={pki.ca.cert}",
            f"--tls-cert-file={serving.cert}",
            f"--tls-private-key-file={serving.key}",
            f"--kubelet-client-certificate={kubelet_client.cert}",
            f"--kubelet-client-key={kubelet_client.key}",
            "--kubelet-preferred-address-types=InternalIP",
            f"--kubelet-certificate-authority={pki.ca.cert}",
            f"--service-account-key-file={self.service_account.cert}",
            f"--service-account-signing-key-file={self.service_account.key}",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--authorization-mode=Node,RBAC",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--allow-privileged=true",
            f"--audit-policy-file={policy}",
            f"--audit-log-path={self.audit_log}",
            "--audit-log-maxsize=200",
            "--audit-log-maxbackup=1",
        ]
        apiserver = self._launch("kube-apiserver", argv)
        write_kubeconfig(
            self.kubeconfig, self.url, pki.ca.cert, user="kubernetes-admin", client=self.admin
        )
        apiserver.wait_until(
            lambda: https_ok(f"{self.url}/readyz", pki.ca.cert, (self.admin.cert, self.admin.key)),
            APISERVER_READY_SECONDS,
            "ready (/readyz)",
        )

    def _component_kubeconfig(self, name: str, user: str) -> Path:
        pair = self.pki.sign(name, user)
        return write_kubeconfig(
            self.root / f"{name}.kubeconfig", self.url, self.pki.ca.cert, user=user, client=pair
        )

    def _start_controller_manager(self) -> None:
        self._start_component(
            "kube-controller-manager",
            Binary.CONTROLLER_MANAGER,
            [
                f"--client-ca-file={self.pki.ca.cert}",
                f"--service-account-private-key-file={self.service_account.key}",
                f"--root-ca-file={self.pki.ca.cert}",
                f"--cluster-signing-cert-file={self.pki.ca.cert}",
                f"--cluster-signing-key-file={self.pki.ca.key}",
                "--use-service-account-credentials=true",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                f"--allocate-node-cidrs={str(self.spec.allocate_node_cidrs).lower()}",
                f"--cluster-cidr={self.spec.cluster_cidr}",
                "--node-cidr-mask-size=24",
                f"--cluster-name={self.spec.name}",
                # "*" keeps this fork's service-ca-certificate-publisher on: every namespace gets
                # the openshift-service-ca.crt ConfigMap that pods' token volumes need
                "--controllers=*,bootstrapsigner,tokencleaner",
            ],
        )

    def _start_scheduler(self) -> None:
        self._start_component("kube-scheduler", Binary.SCHEDULER, [])

    def _start_component(self, name: str, binary: Binary, flags: list[str]) -> None:
        """A controller-plane component as `system:<name>`, serving /healthz on 127.0.0.1."""
        config = self._component_kubeconfig(name, f"system:{name}")
        port = free_port()
        process = self._launch(
            name,
            [
                str(self.assets.path(binary)),
                f"--kubeconfig={config}",
                f"--authentication-kubeconfig={config}",
                f"--authorization-kubeconfig={config}",
                "--bind-address=127.0.0.1",
                f"--secure-port={port}",
                "--leader-elect=false",
                *flags,
            ],
        )
        process.wait_until(
            lambda: https_ok(f"https://127.0.0.1:{port}/healthz"),
            CONTROLLER_READY_SECONDS,
            "healthy (/healthz)",
        )

    def _wait_for_namespace_defaults(self) -> None:
        """Pods can start once `default` has its ServiceAccount and service-CA ConfigMap."""
        from kubernetes import client

        core = client.CoreV1Api(self.api_client())
        manager = next(c for c in self.components if c.name == "kube-controller-manager")

        def ready() -> bool:
            accounts = core.list_namespaced_service_account("default").items
            maps = core.list_namespaced_config_map("default").items
            return any(a.metadata.name == "default" for a in accounts) and any(
                m.metadata.name == "openshift-service-ca.crt" for m in maps
            )

        manager.wait_until(
            ready, CONTROLLER_READY_SECONDS, "done setting up namespace default (SA, ConfigMap)"
        )

    # --- for tests ---

    def component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    def api_client(self) -> Any:
        """A cluster-admin `kubernetes.client.ApiClient` (shared; closed at stop)."""
        if self._api is None:
            from kubernetes import config

            self._api = config.new_client_from_config(config_file=str(self.kubeconfig))
        return self._api

    def user_kubeconfig(self, path: Path, user: str, groups: tuple[str, ...] = ()) -> Path:
        """A kubeconfig for a client-certificate user (RBAC subject `user`, `groups`)."""
        safe = user.replace(":", "-").replace("/", "-")
        pair: CertPair = self.pki.sign(f"user-{safe}", user, groups)
        return write_kubeconfig(path, self.url, self.pki.ca.cert, user=user, client=pair)

    def token_kubeconfig(self, path: Path, token: str, user: str = "token-user") -> Path:
        """A kubeconfig that authenticates with a bearer token (e.g. a ServiceAccount's)."""
        return write_kubeconfig(path, self.url, self.pki.ca.cert, user=user, token=token)

    def audit_events(self) -> Iterator[dict[str, Any]]:
        """The audit log's events so far (Metadata level: user, verb, URI, response code)."""
        try:
            lines = self.audit_log.read_text().splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            if line.strip():
                yield json.loads(line)

    def wait_for(self, what: str, ready: Any, timeout: float = 60.0) -> None:
        """Poll `ready()` against this cluster; the API server's log tail on timeout."""
        apiserver = self.component("kube-apiserver")
        apiserver.wait_until(ready, timeout, what)


def _http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def start_plane(assets: Assets, spec: PlaneSpec) -> ControlPlane:
    """Start a control plane; a component that does not come up fails with its log's tail."""
    started = time.monotonic()
    plane = ControlPlane(assets, spec).start()
    plane.startup_seconds = time.monotonic() - started
    return plane


__all__ = ["ClusterStartError", "ControlPlane", "PlaneSpec", "start_plane"]
