"""The decoder candidates on one realistic pods.json (how issue 12's choice was made).

    python benchmarks/decoders.py BUNDLE [NAMESPACE]

Times (best of 3, cyclic GC as Python leaves it) and the memory the decoded document holds
(tracemalloc) for: the standard library's `json.loads`; `orjson.loads` (when installed: it is
not a dependency); msgspec into plain Python objects; msgspec into kopscheck's structs
(kube_wire: only the fields the model reads); and that typed decode followed by building the
model's facts.
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import msgspec

from kopscheck.collectors.formats.assemble import KubeObjects
from kopscheck.collectors.formats.kube_decode import decode_list


def best_of(run: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def held(run: Callable[[], object]) -> int:
    tracemalloc.start()
    kept = run()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return size


def candidates(data: bytes) -> dict[str, Callable[[], object]]:
    found: dict[str, Callable[[], object]] = {
        "stdlib json.loads": lambda: json.loads(data),
        "msgspec, untyped": lambda: msgspec.json.decode(data),
        "msgspec, kube_wire structs": lambda: decode_list(data, "pods.json"),
    }
    try:
        import orjson
    except ImportError:
        print("(orjson not installed: pip install orjson to include it)")
    else:
        found["orjson.loads"] = lambda: orjson.loads(data)

    def typed_facts() -> object:
        kube = KubeObjects()
        kube.add_groups(decode_list(data, "pods.json").groups)
        return kube

    found["msgspec structs + facts"] = typed_facts
    return found


def main() -> None:
    root = Path(sys.argv[1])
    namespace = sys.argv[2] if len(sys.argv) > 2 else "team-00"
    path = root / "cluster-info" / namespace / "pods.json"
    data = path.read_bytes()
    pods = data.count(b'"kind": "ReplicaSet"')
    print(f"{path}: {len(data) / 1e6:.1f} MB, {pods} pods")
    for name, run in candidates(data).items():
        seconds = best_of(run)
        memory = held(run)
        print(
            f"{name:>28}: {seconds:6.3f}s  {len(data) / seconds / 1e6:6.0f} MB/s  "
            f"holds {memory / 1e6:6.1f} MB ({memory / len(data):4.2f}x the bytes)"
        )


if __name__ == "__main__":
    main()
