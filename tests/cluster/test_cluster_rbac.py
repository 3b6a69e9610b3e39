"""RBAC on a real API server: refusals by the real authorizer become skips naming the
permission, and the shipped read-only role (`kopscheck rbac`) is enough for `check`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_outcome import CliOutcome
from cluster_kopscheck import (
    apply_documents,
    audit_requests,
    can,
    report,
    result,
    service_account_token,
    statuses,
)
from cluster_plane import ControlPlane
from kubernetes import client

READ_VERBS = {"get", "list", "watch"}


def _check(run_cli: Callable[..., CliOutcome], kubeconfig: Path, *args: str) -> CliOutcome:
    return run_cli("check", "--kubeconfig", str(kubeconfig), "--no-aws", "-o", "json", *args)


def _rbac_yaml(run_cli: Callable[..., CliOutcome], *args: str) -> str:
    outcome = run_cli("rbac", *args)
    assert outcome.code == 0, outcome.stderr
    return outcome.stdout


def test_a_user_who_cannot_list_events_gets_a_skip_naming_the_permission(
    apiserver: ControlPlane, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    rbac = client.RbacAuthorizationV1Api(apiserver.api_client())
    rbac.create_cluster_role(
        {
            "metadata": {"name": "no-events"},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": [
                        "namespaces",
                        "nodes",
                        "pods",
                        "services",
                        "endpoints",
                        "replicationcontrollers",
                    ],
                    "verbs": ["list"],
                },
                {
                    "apiGroups": ["apps"],
                    "resources": ["daemonsets", "deployments", "replicasets"],
                    "verbs": ["list"],
                },
            ],
        }
    )
    rbac.create_cluster_role_binding(
        {
            "metadata": {"name": "no-events"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "no-events",
            },
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "jane"}],
        }
    )
    kubeconfig = apiserver.user_kubeconfig(tmp_path / "jane.kubeconfig", "jane")

    outcome = _check(run_cli, kubeconfig)

    doc = report(outcome)
    sandbox = result(doc, "pod.sandbox-errors")
    assert sandbox["status"] == "skip"
    assert sandbox["summary"] == (
        "cannot decide: RBAC: cannot list events at cluster scope (as User 'jane')"
    )
    # the refusal is a skip, not an error: the exit code is what the other results say
    assert statuses(doc)["dns.rollout"] == "fail"
    assert "error" not in statuses(doc).values()
    assert outcome.code == 1, outcome.stderr
    [refused] = audit_requests(apiserver, "jane", "events")
    assert refused["responseStatus"]["code"] == 403


def test_the_shipped_read_only_role_is_enough_for_check(
    apiserver: ControlPlane, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    apply_documents(apiserver, _rbac_yaml(run_cli, "--service-account", "kube-system:kc-reader"))
    token = service_account_token(apiserver, "kube-system", "kc-reader")
    kubeconfig = apiserver.token_kubeconfig(tmp_path / "reader.kubeconfig", token)
    user = "system:serviceaccount:kube-system:kc-reader"

    as_reader = _check(run_cli, kubeconfig)
    as_admin = _check(run_cli, apiserver.kubeconfig)

    reader, admin = report(as_reader), report(as_admin)
    assert as_reader.code == as_admin.code == 1, as_reader.stderr
    assert statuses(reader) == statuses(admin)
    assert [r["summary"] for r in reader["results"]] == [r["summary"] for r in admin["results"]]
    assert not [r for r in reader["results"] if "RBAC" in r["summary"]]
    mine = [e for e in apiserver.audit_events() if e["user"]["username"] == user]
    assert mine, "the audit log shows no request by the ServiceAccount"
    assert {e["verb"] for e in mine} <= READ_VERBS
    assert {e["responseStatus"]["code"] for e in mine if e["stage"] == "ResponseComplete"} == {200}


@pytest.mark.parametrize(
    ("args", "allowed", "refused"),
    [
        (
            (),
            [("list", "events", ""), ("list", "daemonsets", "apps"), ("get", "pods/log", "")],
            [
                ("get", "nodes/proxy", ""),
                ("create", "namespaces", ""),
                ("create", "pods", ""),
                ("list", "secrets", ""),
                ("get", "secrets", ""),
            ],
        ),
        (
            ("--with-node-proxy",),
            [("get", "nodes/proxy", "")],
            [("create", "pods", ""), ("create", "nodes/proxy", ""), ("list", "secrets", "")],
        ),
        (
            ("--probe",),
            [
                ("create", "namespaces", ""),
                ("delete", "namespaces", ""),
                ("create", "pods", ""),
                ("delete", "pods", ""),
                ("watch", "pods", ""),
                ("get", "pods/log", ""),
                ("create", "daemonsets", "apps"),
                ("delete", "daemonsets", "apps"),
                ("create", "services", ""),  # the connectivity probe's Service
                ("delete", "services", ""),
                ("watch", "events", ""),
                ("list", "nodes", ""),
            ],
            [
                ("get", "nodes/proxy", ""),
                ("create", "pods/exec", ""),
                ("update", "nodes", ""),
                ("create", "deployments", "apps"),
                ("list", "secrets", ""),
            ],
        ),
    ],
    ids=["read-only", "with-node-proxy", "probe"],
)
def test_shipped_roles_as_the_real_authorizer_sees_them(
    apiserver: ControlPlane,
    run_cli: Callable[..., CliOutcome],
    args: tuple[str, ...],
    allowed: list[tuple[str, str, str]],
    refused: list[tuple[str, str, str]],
) -> None:
    account = "kc-" + ("-".join(a.strip("-") for a in args) or "plain")
    docs: list[dict[str, Any]] = apply_documents(
        apiserver, _rbac_yaml(run_cli, *args, "--service-account", f"default:{account}")
    )
    assert [d["kind"] for d in docs] == ["ClusterRole", "ServiceAccount", "ClusterRoleBinding"]
    user = f"system:serviceaccount:default:{account}"
    assert [a for a in allowed if not can(apiserver, user, *a)] == []
    assert [r for r in refused if can(apiserver, user, *r)] == []
