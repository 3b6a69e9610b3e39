"""`kopscheck rbac`: the shipped ClusterRoles, least privilege, in step with the collectors.
(tests/cluster/test_cluster_rbac.py applies them to a real API server.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from cli_outcome import CliOutcome

from kopscheck.collectors.kube.reader import RESOURCES
from kopscheck.rbac import NODE_PROXY, PROBE, READ_ONLY, role_text

WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "escalate", "bind"}


def _grants(role: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def _printed(run_cli: Callable[..., CliOutcome], *args: str) -> list[dict[str, Any]]:
    outcome = run_cli("rbac", *args)
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    return list(yaml.safe_load_all(outcome.stdout))


def test_read_only_role_lists_exactly_what_the_collectors_list_and_writes_nothing(
    run_cli: Callable[..., CliOutcome],
) -> None:
    role, account, binding = _printed(run_cli)
    assert role["kind"] == "ClusterRole" and role["metadata"]["name"] == "kopscheck-read-only"
    listed = {("" if r.api == "core" else r.api, r.plural, "list") for r in RESOURCES}
    assert _grants(role) == listed | {("", "pods/log", "get")}
    assert not {verb for _g, _r, verb in _grants(role)} & WRITE_VERBS
    assert account == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": "kopscheck",
            "namespace": "kube-system",
            "labels": {"app.kubernetes.io/managed-by": "kopscheck"},
        },
    }
    assert binding["metadata"]["name"] == "kopscheck-read-only:kube-system:kopscheck"
    assert binding["roleRef"]["name"] == "kopscheck-read-only"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "kopscheck", "namespace": "kube-system"}
    ]


def test_node_proxy_is_granted_only_when_asked(run_cli: Callable[..., CliOutcome]) -> None:
    plain = _grants(_printed(run_cli)[0])
    proxy_role = _printed(run_cli, "--with-node-proxy")[0]
    assert proxy_role["metadata"]["name"] == "kopscheck-read-only-node-proxy"
    with_proxy = _grants(proxy_role)
    probe = _grants(_printed(run_cli, "--probe")[0])
    assert ("", "nodes/proxy", "get") not in plain | probe
    assert with_proxy == plain | {("", "nodes/proxy", "get")}


def test_probe_role_adds_the_probe_writes_to_the_read_only_rules(
    run_cli: Callable[..., CliOutcome],
) -> None:
    role, _account, binding = _printed(run_cli, "--probe", "--service-account", "ops:runner")
    assert role["metadata"]["name"] == binding["roleRef"]["name"] == "kopscheck-probe"
    read_only = _grants(_printed(run_cli)[0])
    assert _grants(role) - read_only == {
        ("", "namespaces", "get"),
        ("", "namespaces", "create"),
        ("", "namespaces", "delete"),
        ("", "pods", "get"),
        ("", "pods", "watch"),
        ("", "pods", "create"),
        ("", "pods", "delete"),
        ("", "events", "watch"),
        ("", "services", "get"),  # the connectivity probe's ClusterIP and NodePort
        ("", "services", "create"),
        ("", "services", "delete"),
        ("apps", "daemonsets", "get"),
        ("apps", "daemonsets", "watch"),
        ("apps", "daemonsets", "create"),
        ("apps", "daemonsets", "delete"),
    }
    assert binding["metadata"]["name"] == "kopscheck-probe:ops:runner"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "runner", "namespace": "ops"}]


@pytest.mark.parametrize("filename", [READ_ONLY, NODE_PROXY, PROBE])
def test_each_shipped_file_is_a_clusterrole_on_its_own(filename: str) -> None:
    [role] = yaml.safe_load_all(role_text(filename))
    assert role["apiVersion"] == "rbac.authorization.k8s.io/v1"
    assert role["kind"] == "ClusterRole"
    assert role["metadata"]["name"].startswith("kopscheck-")
    assert role["rules"]


def test_printed_yaml_keeps_the_reasons_for_each_rule(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("rbac", "--probe")
    assert "# collectors/kube/reader.py: one paged list per kind" in outcome.stdout
    assert "RBAC cannot restrict `create` by name" in outcome.stdout


def test_bad_service_account_is_an_input_error(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("rbac", "--service-account", "kopscheck")
    assert outcome.code == 2
    assert outcome.stdout == ""
    assert "--service-account: must be NAMESPACE:NAME, not 'kopscheck'" in outcome.stderr
