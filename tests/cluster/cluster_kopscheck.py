"""Helpers for the tier's tests: run kopscheck against a plane, make objects and identities."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from cli_outcome import CliOutcome
from cluster_plane import ControlPlane
from kubernetes import client

CREATE_WORKERS = 4  # the shared ApiClient's connection pool holds 4


def report(outcome: CliOutcome) -> dict[str, Any]:
    """The JSON report of a `check -o json` run (fails loudly with stderr if it is not JSON)."""
    try:
        doc: dict[str, Any] = json.loads(outcome.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"no JSON report (exit {outcome.code}): {outcome.stderr}") from exc
    return doc


def result(doc: dict[str, Any], check_id: str) -> dict[str, Any]:
    """One check's result in a report."""
    found: dict[str, Any] = next(r for r in doc["results"] if r["check"] == check_id)
    return found


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {r["check"]: r["status"] for r in doc["results"]}


def ensure_namespace(plane: ControlPlane, name: str) -> None:
    """A namespace with a `default` ServiceAccount (the API server alone makes none)."""
    core = client.CoreV1Api(plane.api_client())
    core.create_namespace({"metadata": {"name": name}})
    core.create_namespaced_service_account(name, {"metadata": {"name": "default"}})


def create_many(make: Callable[[int], Any], count: int) -> None:
    """`make(i)` for i in 0..count-1 on a few threads (thousands of creates in seconds)."""
    with ThreadPoolExecutor(CREATE_WORKERS) as pool:
        list(pool.map(make, range(count)))


def pending_pod(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A pod that needs no token volume (the API server alone mints none)."""
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "automountServiceAccountToken": False,
            "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}],
        },
    }


def apply_documents(plane: ControlPlane, text: str) -> list[dict[str, Any]]:
    """Create (or replace) the ClusterRoles, ServiceAccounts and ClusterRoleBindings of a
    YAML stream, as `kubectl apply -f` would."""
    from kubernetes.client.rest import ApiException

    api = plane.api_client()
    rbac, core = client.RbacAuthorizationV1Api(api), client.CoreV1Api(api)
    docs = [d for d in yaml.safe_load_all(text) if d]
    for doc in docs:
        kind, name = doc["kind"], doc["metadata"]["name"]
        namespace = doc["metadata"].get("namespace", "")
        create, replace = {
            "ClusterRole": (rbac.create_cluster_role, rbac.replace_cluster_role),
            "ClusterRoleBinding": (
                rbac.create_cluster_role_binding,
                rbac.replace_cluster_role_binding,
            ),
            "ServiceAccount": (
                lambda body, ns=namespace: core.create_namespaced_service_account(ns, body),
                lambda n, body, ns=namespace: core.replace_namespaced_service_account(n, ns, body),
            ),
        }[kind]
        try:
            create(doc)
        except ApiException as exc:
            if exc.status != 409:
                raise
            replace(name, doc)
    return docs


def service_account_token(plane: ControlPlane, namespace: str, name: str) -> str:
    """A short-lived token for the ServiceAccount (TokenRequest, as `kubectl create token`)."""
    core = client.CoreV1Api(plane.api_client())
    body = {"spec": {"audiences": [], "expirationSeconds": 3600}}
    reply = core.create_namespaced_service_account_token(name, namespace, body)
    return str(reply.status.token)


def can(plane: ControlPlane, user: str, verb: str, resource: str, group: str = "") -> bool:
    """What the real RBAC authorizer answers for `user` (a SubjectAccessReview)."""
    review = client.AuthorizationV1Api(plane.api_client()).create_subject_access_review(
        {
            "spec": {
                "user": user,
                "groups": ["system:serviceaccounts", "system:authenticated"],
                "resourceAttributes": {
                    "verb": verb,
                    "group": group,
                    "resource": resource.split("/")[0],
                    "subresource": resource.partition("/")[2],
                },
            }
        }
    )
    return bool(review.status.allowed)


def audit_requests(plane: ControlPlane, user: str, resource: str) -> list[dict[str, Any]]:
    """The audit log's list requests of `user` for `resource` (ResponseComplete stage)."""
    return [
        e
        for e in plane.audit_events()
        if e.get("stage") == "ResponseComplete"
        and e.get("user", {}).get("username") == user
        and e.get("verb") == "list"
        and (e.get("objectRef") or {}).get("resource") == resource
    ]


def names(items: Iterable[dict[str, Any]]) -> set[str]:
    return {str(i["metadata"]["name"]) for i in items}


def coredns(replicas: int = 2) -> tuple[dict[str, Any], dict[str, Any]]:
    """CoreDNS as kops deploys it in kube-system (Deployment `coredns`, Service `kube-dns`,
    label k8s-app=kube-dns), trimmed to what the checks read; no probes, which a hollow
    kubelet's fake runtime cannot answer."""
    labels = {"k8s-app": "kube-dns"}
    deployment = {
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "coredns",
                            "image": "registry.k8s.io/coredns/coredns:v1.11.3",
                            "args": ["-conf", "/etc/coredns/Corefile"],
                            "ports": [
                                {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                            ],
                        }
                    ],
                    "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
                },
            },
        },
    }
    service = {
        "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": labels},
        "spec": {
            "selector": labels,
            "clusterIP": "10.0.0.10",
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP"},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
            ],
        },
    }
    return deployment, service


def deploy_coredns(plane: ControlPlane, replicas: int = 2) -> None:
    deployment, service = coredns(replicas)
    api = plane.api_client()
    client.AppsV1Api(api).create_namespaced_deployment("kube-system", deployment)
    client.CoreV1Api(api).create_namespaced_service("kube-system", service)


def remove_coredns(plane: ControlPlane) -> None:
    """Delete CoreDNS and wait until its Deployment and pods are gone, so the next test sees
    a cluster without DNS rather than one half-way through deleting it."""
    api = plane.api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.delete_namespaced_deployment("coredns", "kube-system", propagation_policy="Foreground")
    core.delete_namespaced_service("kube-dns", "kube-system")

    def gone() -> bool:
        deployments = apps.list_namespaced_deployment("kube-system").items
        return not dns_pods(plane) and all(d.metadata.name != "coredns" for d in deployments)

    plane.wait_for("CoreDNS deleted", gone)


def dns_pods(plane: ControlPlane) -> list[Any]:
    core = client.CoreV1Api(plane.api_client())
    return list(core.list_namespaced_pod("kube-system", label_selector="k8s-app=kube-dns").items)


def check_json(kubeconfig: Path, *args: str, timeout: float = 300.0) -> dict[str, Any]:
    """`kopscheck check -o json --no-aws ARGS` as a subprocess (usable from module fixtures),
    with no KUBE*/AWS_* variable of the machine; its JSON report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "AWS_"))}
    argv = [sys.executable, "-m", "kopscheck", "check", "--kubeconfig", str(kubeconfig)]
    done = subprocess.run(
        [*argv, "--no-aws", "-o", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    return report(CliOutcome(done.returncode, done.stdout, done.stderr))
