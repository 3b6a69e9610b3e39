"""Which cluster to talk to: kubectl's kubeconfig rules (--kubeconfig, KUBECONFIG merged,
~/.kube/config, then in-cluster), into a configured API client.

Only the live path imports this module (and with it `kubernetes`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.incluster_config import InClusterConfigLoader

from kopscheck.collectors.kube.auth_provider import without_refresh
from kopscheck.collectors.kube.bounded_client import BoundedApiClient
from kopscheck.collectors.kube.bounds import DEFAULT_SCAN_TIMEOUT
from kopscheck.collectors.kube.exec_plugin import check_exec, run_plugin
from kopscheck.collectors.kube.kubeconfig_fields import choose, merge
from kopscheck.collectors.offline.files import check_shape
from kopscheck.collectors.output.atomic_files import DEFAULT_KUBECONFIG
from kopscheck.model.errors import InputError

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True, slots=True)
class KubeTarget:
    """A configured API client and what to call the cluster in messages."""

    api_client: Any
    host: str
    context: str | None  # None when running in-cluster
    cluster: str | None  # the kubeconfig context's cluster name (kops names it after the cluster)

    def describe(self) -> str:
        where = f"context {self.context!r}" if self.context else "in-cluster config"
        return f"{self.host} ({where})"


def load_target(
    kubeconfig: Path | None,
    context: str | None,
    workers: int,
    environ: Mapping[str, str] = os.environ,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
    plugin_timeout: float = DEFAULT_SCAN_TIMEOUT,
) -> KubeTarget:
    """kubectl's order: --kubeconfig, KUBECONFIG (merged), ~/.kube/config, then in-cluster.
    An exec credential plugin gets `plugin_timeout` seconds (the scan's --timeout)."""
    cfg = client.Configuration()
    paths = _kubeconfig_paths(kubeconfig, environ)
    if paths:
        name, cluster = _load_kubeconfig(cfg, paths, context, plugin_timeout)
    elif environ.get("KUBERNETES_SERVICE_HOST") and context is None:
        name, cluster = None, None
        loader = InClusterConfigLoader(  # type: ignore[no-untyped-call]
            token_filename=str(service_account_dir / "token"),
            cert_filename=str(service_account_dir / "ca.crt"),
            environ=environ,
        )
        try:
            loader.load_and_set(cfg)  # type: ignore[no-untyped-call]
        except ConfigException as exc:
            raise InputError("in-cluster config", str(exc)) from None
    else:
        looked = environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG
        raise InputError(
            "kubeconfig", f"none found ({looked}); give --kubeconfig or set KUBECONFIG"
        )
    cfg.retries = False  # Requester retries, with backoff, on what is worth retrying
    cfg.connection_pool_maxsize = max(workers, 1)
    return KubeTarget(BoundedApiClient(cfg), str(cfg.host), name, cluster)


def _kubeconfig_paths(kubeconfig: Path | None, environ: Mapping[str, str]) -> list[str]:
    if kubeconfig is not None:
        if not kubeconfig.is_file():
            raise InputError(str(kubeconfig), "no such kubeconfig file")
        return [str(kubeconfig)]
    listed = environ.get("KUBECONFIG")
    if listed:
        found = [os.path.expanduser(p) for p in listed.split(os.pathsep) if p]
        return [p for p in found if os.path.isfile(p)]
    default = os.path.expanduser(DEFAULT_KUBECONFIG)
    return [default] if os.path.isfile(default) else []


def list_contexts(kubeconfig: Path | None, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Every context name for `--all-contexts`, first file first, as `kubectl config
    get-contexts` lists the merged KUBECONFIG (a name in two files counts once)."""
    paths = _kubeconfig_paths(kubeconfig, environ)
    if not paths:
        raise InputError("kubeconfig", "none found; give --kubeconfig or set KUBECONFIG")
    names = merge(_read_kubeconfigs(paths)).context_order
    if not names:
        raise InputError(os.pathsep.join(paths), "has no contexts (--all-contexts needs one)")
    return list(names)


def _read_kubeconfigs(paths: Sequence[str]) -> list[tuple[str, Mapping[str, Any]]]:
    docs = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                doc = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InputError(path, f"unreadable kubeconfig: {type(exc).__name__}") from None
        except RecursionError:
            raise InputError(path, "unreadable kubeconfig: nested too deeply") from None
        except ValueError as exc:  # PyYAML's constructors: a timestamp or number out of range
            raise InputError(path, f"unreadable kubeconfig: {exc}") from None
        if not isinstance(doc, Mapping):
            raise InputError(path, "not a kubeconfig (expected a YAML mapping)")
        check_shape(doc, path)  # depth and size walked without recursion (YAML alias bombs)
        docs.append((path, doc))
    return docs


def _load_kubeconfig(
    cfg: Any, paths: Sequence[str], context: str | None, plugin_timeout: float
) -> tuple[str | None, str | None]:
    """The chosen context into `cfg`: its shape checked first (kubeconfig_fields), an exec
    plugin run here with a deadline (exec_plugin), then the client library reads the rest."""
    label = os.pathsep.join(paths)
    chosen = choose(merge(_read_kubeconfigs(paths)), label, context)
    user: dict[str, Any] | None = None
    if chosen.user is not None:
        spec = check_exec(chosen.user)
        if spec is not None:
            user = run_plugin(spec, chosen.user, chosen.cluster, plugin_timeout)
        else:
            user = without_refresh(chosen.user)
    context_body = {k: v for k, v in chosen.context.body.items() if k != "user" or user}
    single: dict[str, Any] = {
        "current-context": chosen.name,
        "contexts": [{"name": chosen.name, "context": context_body}],
        "clusters": [{"name": context_body["cluster"], "cluster": dict(chosen.cluster.body)}],
        "users": [{"name": context_body["user"], "user": user}] if user else [],
    }
    try:
        config.load_kube_config_from_dict(  # type: ignore[no-untyped-call]
            config_dict=single, context=chosen.name, client_configuration=cfg, persist_config=False
        )
    except ConfigException as exc:
        raise InputError(label, " ".join(str(exc).split())) from None
    except (ValueError, TypeError, KeyError, OSError) as exc:  # e.g. certificate data not base64
        raise InputError(label, f"context {chosen.name!r}: {type(exc).__name__}: {exc}") from None
    return chosen.name, str(context_body["cluster"])
