"""Write a realistic `kubectl cluster-info dump --output-directory` bundle of N nodes.

    python benchmarks/generate.py --nodes 500 [--broken] OUT_DIR

30 pods per node (calico-node, kube-proxy and 28 app pods with two containers each), 2 events
per app pod, a Deployment and ReplicaSet per 50 app pods, over 10 app namespaces, written with
kubectl's 4-space indent. The kops spec, version and kube-system workloads come from the
built-in `healthy` demo. `--broken`: every 50th node is NotReady (cni plugin not initialized),
its calico-node crash-loops and its app pods wait for a sandbox, with FailedCreatePodSandBox.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shapes

from kopscheck.demo import DEMO_ROOT

PODS_PER_NODE = 30
APP_PODS_PER_NODE = 28
PODS_PER_APP = 50
APP_NAMESPACES = 10
BROKEN_EVERY = 50
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
OBSERVED_AT = "2026-11-27T10:15:00Z\n"
_PLACEHOLDER = re.compile(r'"@@#(\w+)@@"|@@(\w+)@@')


class Template:
    """An object rendered once to indented JSON; each copy only fills in its placeholders."""

    def __init__(self, obj: dict[str, Any]) -> None:
        text = json.dumps(obj, indent=4)
        text = "\n".join("        " + line for line in text.splitlines())
        self.parts: list[str] = []
        self.keys: list[str] = []
        last = 0
        for match in _PLACEHOLDER.finditer(text):
            self.parts.append(text[last : match.start()])
            self.keys.append(match.group(1) or match.group(2))
            last = match.end()
        self.tail = text[last:]

    def render(self, values: dict[str, object]) -> str:
        out: list[str] = []
        for part, key in zip(self.parts, self.keys, strict=True):
            out.append(part)
            out.append(str(values[key]))
        out.append(self.tail)
        return "".join(out)


class ListWriter:
    """One `kind: XList` file, items streamed in."""

    def __init__(self, path: Path, kind: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle: TextIO = path.open("w", encoding="utf-8")
        self.handle.write(
            f'{{\n    "kind": "{kind}",\n    "apiVersion": "v1",\n    "metadata": {{\n'
            f'        "resourceVersion": "48213"\n    }},\n    "items": ['
        )
        self.count = 0

    def add(self, text: str) -> None:
        self.handle.write(",\n" if self.count else "\n")
        self.handle.write(text)
        self.count += 1

    def close(self) -> None:
        self.handle.write("\n    ]\n}\n" if self.count else "]\n}\n")
        self.handle.close()


def _uid(*parts: object) -> str:
    h = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def node_name(index: int) -> str:
    return f"i-0a1b2c3d4e{index + 0x5F60001:07x}"


def _node_values(index: int) -> dict[str, object]:
    ip = f"172.20.{32 + index // 250}.{index % 250 + 1}"
    uid = _uid("node", index)
    return {
        "node": node_name(index),
        "uid": uid,
        "uidhex": uid.replace("-", ""),
        "rv": 8000 + index,
        "zone": ZONES[index % 3],
        "ip": ip,
        "ipdash": ip.replace(".", "-"),
        "cidr": f"100.{96 + index // 256}.{index % 256}.0/24",
        "tunnel": f"100.{96 + index // 256}.{index % 256}.1",
        "digest": hashlib.sha256(str(index).encode()).hexdigest(),
        "app": "shop",
    }


def _broken(index: int, broken: bool) -> bool:
    return broken and index % BROKEN_EVERY == BROKEN_EVERY - 1


class Bundle:
    def __init__(self, out: Path, nodes: int, broken: bool) -> None:
        self.out, self.nodes, self.broken = out, nodes, broken
        self.info = out / "cluster-info"
        self.t = {
            "node": Template(shapes.node(True)),
            "node-bad": Template(shapes.node(False)),
            "pod": Template(shapes.app_pod(True)),
            "pod-bad": Template(shapes.app_pod(False)),
            "calico-node": Template(shapes.system_pod("calico-node", True)),
            "calico-node-bad": Template(shapes.system_pod("calico-node", False)),
            "kube-proxy": Template(shapes.system_pod("kube-proxy", True)),
            "Scheduled": Template(shapes.event("Scheduled", False)),
            "Started": Template(shapes.event("Started", False)),
            "FailedCreatePodSandBox": Template(shapes.event("FailedCreatePodSandBox", True)),
            "Deployment": Template(shapes.workload("Deployment")),
            "ReplicaSet": Template(shapes.workload("ReplicaSet")),
        }
        self.files: dict[tuple[str, str], ListWriter] = {}

    def writer(self, namespace: str, name: str, kind: str) -> ListWriter:
        key = (namespace, name)
        if key not in self.files:
            self.files[key] = ListWriter(self.info / namespace / name, kind)
        return self.files[key]

    def write(self) -> None:
        if self.out.exists():
            shutil.rmtree(self.out)
        shutil.copytree(DEMO_ROOT / "healthy" / "kops", self.out / "kops")
        (self.out / "observed-at.txt").write_text(OBSERVED_AT)
        self.info.mkdir(parents=True)
        shutil.copy(DEMO_ROOT / "healthy" / "cluster-info" / "version.json", self.info)
        self._nodes()
        self._kube_system()
        self._apps()
        for writer in self.files.values():
            writer.close()

    def _nodes(self) -> None:
        nodes = ListWriter(self.info / "nodes.json", "NodeList")
        for i in range(self.nodes):
            bad = _broken(i, self.broken)
            nodes.add(self.t["node-bad" if bad else "node"].render(_node_values(i)))
        nodes.close()

    def _kube_system(self) -> None:
        demo = DEMO_ROOT / "healthy" / "cluster-info" / "kube-system"
        pods = self.writer("kube-system", "pods.json", "PodList")
        for item in json.loads((demo / "pods.json").read_text())["items"]:
            if not item["metadata"]["name"].startswith(("calico-node-", "kube-proxy-")):
                pods.add(Template(item).render({}))
        for i in range(self.nodes):
            values = _node_values(i)
            bad = _broken(i, self.broken)
            for kind in ("calico-node", "kube-proxy"):
                name = (
                    f"{kind}-{i:05d}" if kind == "calico-node" else f"kube-proxy-{values['node']}"
                )
                template = f"{kind}-bad" if bad and kind == "calico-node" else kind
                extra = {
                    "pod": name,
                    "uid": _uid(name),
                    "owneruid": _uid("owner", kind),
                    "restarts": 12,
                }
                pods.add(self.t[template].render(values | extra))
        ready = self.nodes - sum(_broken(i, self.broken) for i in range(self.nodes))
        for name in ("daemonsets.json", "deployments.json", "services.json", "endpoints.json"):
            doc = json.loads((demo / name).read_text())
            for item in doc["items"] or ():
                if item["metadata"]["name"] == "calico-node":
                    item["status"] = {
                        "currentNumberScheduled": self.nodes, "numberMisscheduled": 0,
                        "desiredNumberScheduled": self.nodes, "numberReady": ready,
                        "observedGeneration": 1, "updatedNumberScheduled": self.nodes,
                        "numberAvailable": ready,
                    }  # fmt: skip
                self.writer("kube-system", name, doc["kind"]).add(Template(item).render({}))
        self.writer("kube-system", "events.json", "EventList")
        self.writer("kube-system", "replicasets.json", "ReplicaSetList")

    def _apps(self) -> None:
        total = self.nodes * APP_PODS_PER_NODE
        for pod_index in range(total):
            app_index, node_index = pod_index // PODS_PER_APP, pod_index // APP_PODS_PER_NODE
            ns = f"team-{app_index % APP_NAMESPACES:02d}"
            app = f"shop-{app_index:04d}"
            rs = f"{app}-6f8c7b9d4"
            if pod_index % PODS_PER_APP == 0:
                self._workloads(ns, app, rs, min(PODS_PER_APP, total - pod_index))
            bad = _broken(node_index, self.broken)
            name = f"{rs}-{pod_index:06x}"
            values = _node_values(node_index) | {
                "pod": name, "ns": ns, "app": app, "rs": rs, "hash": "6f8c7b9d4",
                "uid": _uid(name), "owneruid": _uid("rs", rs), "suffix": f"{pod_index % 99991:05d}"[:5],
                "podip": f"100.{96 + node_index // 256}.{node_index % 256}.{pod_index % APP_PODS_PER_NODE + 2}",
                "rv": 20000 + pod_index, "count": 1, "sandbox": hashlib.sha256(name.encode()).hexdigest(),
            }  # fmt: skip
            self.writer(ns, "pods.json", "PodList").add(
                self.t["pod-bad" if bad else "pod"].render(values)
            )
            events = self.writer(ns, "events.json", "EventList")
            second = "FailedCreatePodSandBox" if bad else "Started"
            for n, reason in enumerate(("Scheduled", second)):
                extra = {"eventid": f"{pod_index:08x}{n:08x}", "uid": _uid("ev", name, n)}
                extra["count"] = 14 if bad and n else 1
                events.add(self.t[reason].render(values | extra))

    def _workloads(self, ns: str, app: str, rs: str, replicas: int) -> None:
        ready = replicas if not self.broken else replicas - replicas // BROKEN_EVERY
        for kind, name, file in (
            ("Deployment", app, "deployments.json"),
            ("ReplicaSet", rs, "replicasets.json"),
        ):
            values = {
                "name": name, "ns": ns, "app": app, "uid": _uid(kind, name),
                "owneruid": _uid("Deployment", app), "rv": 9000, "replicas": replicas,
                "ready": ready, "suffix": "tmpl0",
            }  # fmt: skip
            self.writer(ns, file, f"{kind}List").add(self.t[kind].render(values))
        self.writer(ns, "services.json", "ServiceList")


def generate(out: Path, nodes: int, broken: bool) -> Path:
    """Write the bundle (replacing what is at `out`) and return its root."""
    Bundle(out, nodes, broken).write()
    return out


def bundle_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main(argv: list[str] | None = None, write: Callable[[str], object] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--broken", action="store_true")
    args = parser.parse_args(argv)
    root = generate(args.out, args.nodes, args.broken)
    write(f"{root}: {args.nodes} nodes, {bundle_size(root) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
