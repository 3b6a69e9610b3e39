"""The hostile-string matrix on stderr, live: what the API server sends reaches stderr escaped.

A fake API server (the official client, real HTTP) answers with the corpus in the places a
cluster controls: an API error message (a 403 names the user it refused), the objects
`kopscheck cleanup` lists (names and the expiry annotation), and the kubeconfig's context
names `--all-contexts` reads. Every line stays one visible line and the exit code is the one
of a clean twin. The offline paths are tests/test_hostile_stderr.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cli_outcome import CliOutcome
from live_env import LiveCluster

from kopscheck.reporters.encode import visible
from tests.hostile_reports import CORPUS, assert_stderr_lines

# JSON on the wire cannot carry a lone surrogate the client would decode: the rest of the corpus
ON_WIRE = {k: v for k, v in CORPUS.items() if k != "lone-surrogate"}
CLEANUP_LINES = ("kopscheck", "would delete", "deleting", "not touched", "still there")
RUN = "20261128-124500-3fa9"
LABELS = {"app.kubernetes.io/managed-by": "kopscheck", "kopscheck.io/run": RUN}
EXPIRES = "2026-11-28T12:50:00Z"


def _daemonset(name: str, expires: str) -> dict[str, object]:
    return {
        "metadata": {
            "name": name,
            "namespace": "kube-system",
            "labels": LABELS,
            "annotations": {"kopscheck.io/expires": expires},
        },
        "spec": {},
    }


def _leftovers(cluster: LiveCluster, attack: str) -> None:
    """A DaemonSet a killed run left; one whose expiry annotation is hostile (not a time
    kopscheck writes: not touched, and the annotation never quoted); a user's pod that copied
    kopscheck's labels under a hostile name (listed as not touched)."""
    cluster.server.add("daemonsets", _daemonset(f"kopscheck-{RUN}-agent", EXPIRES))
    cluster.server.add("daemonsets", _daemonset(f"kopscheck-{RUN}-odd", attack))
    cluster.server.add(
        "pods",
        {
            "metadata": {
                "name": attack,
                "namespace": "payments",
                "labels": LABELS,
                "annotations": {"kopscheck.io/expires": EXPIRES},
            },
            "spec": {"containers": [{"name": "app", "image": "app"}]},
        },
    )


@pytest.mark.parametrize("key", list(ON_WIRE))
def test_cleanup_lists_hostile_objects_in_one_line_each(
    key: str, live_cluster: Callable[..., LiveCluster], run_cli: Callable[..., CliOutcome]
) -> None:
    attack = ON_WIRE[key]
    cluster = live_cluster("healthy")
    _leftovers(cluster, attack)
    kubeconfig = str(cluster.kubeconfig)

    listing = run_cli("cleanup", "--kubeconfig", kubeconfig, "--dry-run")
    done = run_cli("cleanup", "--kubeconfig", kubeconfig)

    assert (listing.code, done.code) == (0, 0), done.stderr
    agent = f"daemonsets kube-system/kopscheck-{RUN}-agent (run {RUN}, expires {EXPIRES})"
    kept = "not touched (carries kopscheck's labels, not made by a kopscheck run):"
    odd = (
        f"{kept} daemonsets kube-system/kopscheck-{RUN}-odd: its kopscheck.io/expires annotation"
        " is not a time kopscheck writes (like 2026-11-28T12:50:00Z)"
    )
    lookalike = (
        f"{kept} pods payments/{visible(attack)}: neither in namespace kopscheck-{RUN} nor"
        f" named kopscheck-{RUN}-... (its run id)"
    )
    target = f"{cluster.server.url} (context '{cluster.name}')"
    assert assert_stderr_lines(listing.stderr, CLEANUP_LINES) == [
        odd,
        lookalike,
        f"would delete {agent}",
        f"kopscheck cleanup: 1 kopscheck-owned object(s) on {target}",
    ]
    lines = assert_stderr_lines(done.stderr, CLEANUP_LINES)
    assert lines[:3] == [odd, lookalike, f"deleting {agent}"]
    assert lines[-1] == "kopscheck cleanup: deleted 1, 0 left"
    assert ("pods", f"payments/{attack}") in cluster.server.store.objects
    assert ("daemonsets", f"kube-system/kopscheck-{RUN}-odd") in cluster.server.store.objects
    assert ("daemonsets", f"kube-system/kopscheck-{RUN}-agent") not in cluster.server.store.objects


def _as_sent(message: str) -> str:
    """A message as the client keeps it: its whitespace runs one space (client._one_line)."""
    return " ".join(message.split())


@pytest.mark.parametrize("key", list(ON_WIRE))
def test_an_api_error_message_is_one_error_line(
    key: str, live_cluster: Callable[..., LiveCluster], run_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject("/api/v1/namespaces$", "403")
    kubeconfig = str(cluster.kubeconfig)
    before = run_cli("cleanup", "--kubeconfig", kubeconfig)
    clean_user, cluster.server.user = cluster.server.user, ON_WIRE[key]

    after = run_cli("cleanup", "--kubeconfig", kubeconfig)

    assert (after.code, before.code) == (3, 3)
    [line] = assert_stderr_lines(after.stderr)
    assert before.stderr == (
        "kopscheck: error: cleanup: forbidden by RBAC (403): namespaces is forbidden:"
        f' User "{clean_user}" cannot list resource "namespaces" in API group ""'
        " at the cluster scope\n"
    )
    expected = visible(_as_sent(before.stderr.replace(clean_user, ON_WIRE[key])))
    assert line == expected if key != "long-name" else expected.startswith(line)


@pytest.mark.parametrize("key", list(ON_WIRE))
def test_collect_says_an_unread_fact_in_one_line(
    key: str,
    live_cluster: Callable[..., LiveCluster],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    cluster.server.inject("/api/v1/nodes$", "403")
    before = run_cli("collect", *cluster.args("--out", str(tmp_path / "clean")))
    clean_user, cluster.server.user = cluster.server.user, ON_WIRE[key]

    after = run_cli("collect", *cluster.args("--out", str(tmp_path / "dirty")))

    assert after.code == before.code
    lines = assert_stderr_lines(after.stderr)
    assert len(lines) == len(before.stderr.splitlines())
    refused = [line for line in lines if "RBAC: cannot list nodes at cluster scope" in line]
    assert len(refused) == 2, after.stderr
    sent = _as_sent(f'User "{ON_WIRE[key]}" cannot')[len('User "') : -len('" cannot')]
    if key != "long-name" and '"' not in ON_WIRE[key]:  # the user is read up to a quote
        assert all(f"(as User {visible(repr(sent))})" in r for r in refused)
    assert f"(as User {clean_user!r})" in before.stderr


@pytest.mark.parametrize("key", ["csi-hide", "newline-heading", "bidi", "osc8-link"])
def test_all_contexts_names_hostile_contexts_in_one_line_each(
    key: str,
    live_cluster: Callable[..., LiveCluster],
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    names = [f"{ON_WIRE[key]}-a", f"{ON_WIRE[key]}-b"]
    kubeconfig = tmp_path / "hostile.kubeconfig"
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": cluster.server.url}}],
        "users": [{"name": "reader", "user": {"token": cluster.server.token}}],
        "contexts": [{"name": n, "context": {"cluster": "fake", "user": "reader"}} for n in names],
        "current-context": names[0],
    }
    kubeconfig.write_text(yaml.safe_dump(doc), encoding="utf-8")

    outcome = run_cli("check", "--kubeconfig", str(kubeconfig), "--all-contexts", "-o", "json")

    assert outcome.code == 0, outcome.stderr
    assert sorted(assert_stderr_lines(outcome.stderr)) == [
        f"kopscheck: cluster {visible(n)}: pass" for n in names
    ]
