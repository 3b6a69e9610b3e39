"""The state of the fake API server from a bundle's files (CONTRACT §4), and its kubelets."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_store import KIND_TO_PLURAL

DEFAULT_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T16:02:27Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@dataclass
class Kubelet:
    configz: bytes | None = None
    journal: str | None = None

    def log_query_enabled(self) -> bool:
        if self.configz is None:
            return False
        config = json.loads(self.configz).get("kubeletconfig", {})
        return bool(config.get("enableSystemLogQuery")) and bool(
            (config.get("featureGates") or {}).get("NodeLogQuery")
        )


def load_bundle(server: Any, root: Path) -> None:
    info = root / "cluster-info"
    for namespace in ("default", "kube-node-lease", "kube-public", "kube-system"):
        add_namespace(server, namespace)
    if (info / "nodes.json").is_file():
        for item in json.loads((info / "nodes.json").read_text())["items"]:
            server.add("nodes", item)
    if (info / "version.json").is_file():
        served = json.loads((info / "version.json").read_text())["serverVersion"]
        server.version = {**DEFAULT_VERSION, **served}  # a real server sends every field
    for ns_dir in sorted(p for p in info.iterdir() if p.is_dir()):
        add_namespace(server, ns_dir.name)
        for path in sorted(ns_dir.glob("*.json")):
            doc = json.loads(path.read_text())
            for item in doc.get("items") or ():
                kind = item.get("kind") or doc["kind"].removesuffix("List")
                server.add(
                    KIND_TO_PLURAL[kind],
                    {**item, "metadata": {"namespace": ns_dir.name, **item["metadata"]}},
                )
        for logs in sorted(ns_dir.glob("*/logs.txt")):
            _load_logs(server, logs.read_text())
    nodes = root / "nodes"
    for node_dir in sorted(nodes.iterdir()) if nodes.is_dir() else ():
        configz, journal = node_dir / "configz.json", node_dir / "kubelet.log"
        server.kubelets[node_dir.name] = Kubelet(
            configz.read_bytes() if configz.is_file() else None,
            journal.read_text() if journal.is_file() else None,
        )


def add_namespace(server: Any, name: str) -> None:
    if ("namespaces", name) not in server.store.objects:
        server.add(
            "namespaces",
            {
                "metadata": {"name": name},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            },
        )


def _load_logs(server: Any, text: str) -> None:
    pattern = re.compile(
        r"^==== START logs for container (\S+) of pod ([^/\s]+)/(\S+) ====\n(.*?)^==== END logs for container \1 of pod \2/\3 ====$",
        re.M | re.S,
    )
    for container, namespace, pod, body in pattern.findall(text):
        server.pod_logs[(namespace, pod, container)] = body
