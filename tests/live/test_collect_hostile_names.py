"""`collect` against a server that sends names meant to be paths: `../../x`, absolute names,
NUL and newline, 253 characters. Nothing is written outside --out, and the bundle reads back
with the names the server sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from fake_state import Kubelet
from live_env import LiveCluster

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.output.data_paths import UnsafePath, escape, name_from_path, node_dir

LONG_VALID = ".".join(["a" * 63] * 3 + ["b" * 61])  # 253 characters, a valid pod name
assert len(LONG_VALID) == 253
LONG_ODD = "Z" * 253  # 253 characters that are not a DNS name: escaped beyond 255 bytes


def _hostile_names(tmp_path: Path) -> dict[str, str]:
    return {
        "coredns-7d8f9c6b5-4xk2m": "../../../escape-pod",
        "coredns-7d8f9c6b5-p9wqz": f"{tmp_path}/absolute-escape",
        "calico-node-2fkq8": "nul\x00and\nnewline",
        "calico-node-8zt5n": LONG_VALID,
        "calico-node-hx4rw": LONG_ODD,
        "calico-node-wm7jc": "pods.json",
    }


def _rename(bundle: Path, renames: dict[str, str], namespace: str, node: tuple[str, str]) -> None:
    pods = bundle / "cluster-info" / "kube-system" / "pods.json"
    doc = json.loads(pods.read_text())
    for item in doc["items"]:
        meta = item["metadata"]
        meta["name"] = renames.get(meta["name"], meta["name"])
        if meta["name"] == "../../../escape-pod":
            meta["namespace"] = namespace  # the namespace is hostile too
        if item["spec"].get("nodeName") == node[0]:
            item["spec"]["nodeName"] = node[1]
    pods.write_text(json.dumps(doc))
    nodes = bundle / "cluster-info" / "nodes.json"
    nodes.write_text(nodes.read_text().replace(f'"{node[0]}"', json.dumps(node[1])))


def _everything_under(top: Path) -> set[Path]:
    return {p for p in top.rglob("*")}


def test_collect_never_writes_outside_out_and_reads_back(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    renames = _hostile_names(tmp_path)
    namespace = "../../escape-ns"
    old_node, node = "i-0a1b2c3d4e5f60002", "../../../escape-node"
    cluster = live_cluster(
        "healthy", setup=lambda b: _rename(b, renames, namespace, (old_node, node))
    )
    kubelet = cluster.server.kubelets.pop(old_node)
    cluster.server.kubelets[node] = Kubelet(kubelet.configz, kubelet.journal)
    work = tmp_path / "work"
    out = work / "a" / "b" / "out"
    out.parent.mkdir(parents=True)
    before = _everything_under(tmp_path)
    outcome = kopscheck_cli("collect", *cluster.args("--out", str(out)))
    assert outcome.code == 0, outcome.stderr
    made = _everything_under(tmp_path) - before
    assert made and all(p == out or p.is_relative_to(out) for p in made), sorted(made)
    assert not (tmp_path / "absolute-escape").exists()

    info = out / "cluster-info"
    assert (info / "kube-system" / LONG_VALID / "logs.txt").is_file()  # a valid name is kept
    assert (info / "kube-system" / "%pods%2Ejson" / "logs.txt").is_file()
    assert (info / escape(namespace) / escape("../../../escape-pod") / "logs.txt").is_file()
    assert all(len(p.name.encode()) <= 255 for p in made)
    assert (out / "nodes" / escape(node) / "configz.json").is_file()

    snapshot = read_bundle(out)
    pods = {(p.namespace, p.name) for p in snapshot.pods or ()}
    assert (namespace, "../../../escape-pod") in pods
    assert {("kube-system", name) for name in list(renames.values())[1:]} <= pods
    logs = {(log.namespace, log.pod) for log in snapshot.pod_logs or ()}
    assert (namespace, "../../../escape-pod") in logs
    assert ("kube-system", "nul\x00and\nnewline") in logs
    assert ("kube-system", LONG_ODD) in logs  # from the section header: the path is shortened
    assert node in (snapshot.node_files or {})
    assert node in {n.name for n in snapshot.nodes or ()}


@pytest.mark.parametrize(
    "name",
    ["../x", "/etc/passwd", "a\x00b", "line\nbreak", "UPPER", "%41", "é", "\ud800", "", "."],
)
def test_an_escaped_name_reads_back_as_itself(name: str) -> None:
    part = escape(name)
    assert "/" not in part and "\x00" not in part and part not in (".", "..")
    assert name_from_path(part) == name


def test_a_join_that_would_leave_the_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "link").symlink_to("/")
    with pytest.raises(UnsafePath):
        node_dir(tmp_path / "nodes", "link")
