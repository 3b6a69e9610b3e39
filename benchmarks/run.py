"""`make bench`: how `check --bundle` compares with merely parsing the JSON, and how it grows.

    python benchmarks/run.py [--full] [--base NODES] [--dir DIR]

Generates realistic bundles (benchmarks/generate.py) of 1x, 4x and 16x a base size into a temp
directory (kept with --dir, reused when present), then, each in a fresh process
(benchmarks/measure.py): the bare standard-library `json.load` of the bundle's files, and
`kopscheck check --bundle` on it. Prints per bundle check / json.load time, peak RSS / bundle
size on disk, the growth from 1x to 4x to 16x, and the live path's list requests / pages needed
against the fake API server of tests/live. The default base (50 nodes: 50, 200 and 800 nodes)
finishes in a few minutes on 2 cores; `--full` is 312, 1,250 and 5,000 nodes (150,000 pods).
Targets (issue 12): check <= 1.0x json.load, peak RSS <= 1.0x size on disk, linear growth.
First, the start-up of `--help`, `checks` and `explain` (benchmarks/startup.py, issue 22:
<= 120 ms and <= 150 ms, best of 20), then the redactor on hostile 200 KB lines
(benchmarks/redaction.py, issue 19: linear, within 0.5 s each).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "tests" / "live"))

import generate  # noqa: E402  (a sibling script, found through sys.path)
import redaction  # noqa: E402
import startup  # noqa: E402

PAGE = 500


REPEAT = [1]


def measure(mode: str, root: Path) -> dict[str, float]:
    """The fastest of `--repeat` fresh processes (the machine is shared), and its peak RSS."""
    runs = []
    for _ in range(REPEAT[0]):
        done = subprocess.run(
            [sys.executable, str(HERE / "measure.py"), mode, str(root)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best: dict[str, float] = min(runs, key=lambda r: r["seconds"])
    return best


def bundle(base: Path, nodes: int, broken: bool) -> Path:
    root = base / f"{'broken' if broken else 'healthy'}-{nodes}"
    marker = root / ".complete"
    if not marker.exists():
        start = time.perf_counter()
        generate.generate(root, nodes, broken)
        marker.write_text("")
        print(f"  generated {root.name} in {time.perf_counter() - start:.0f}s", flush=True)
    return root


def bench_bundle(root: Path, nodes: int) -> dict[str, float]:
    size = generate.bundle_size(root)
    floor = measure("json", root)
    no_gc = measure("json-nogc", root)
    check = measure("check", root)
    row = {
        "nodes": nodes,
        "size": size,
        "json_s": floor["seconds"],
        "check_s": check["seconds"],
        "json_cpu": floor["cpu"],
        "check_cpu": check["cpu"],
        "ratio": check["seconds"] / floor["seconds"],
        "ratio_nogc": check["seconds"] / no_gc["seconds"],
        "rss": check["peak_rss"],
        "rss_ratio": check["peak_rss"] / size,
        "json_rss_ratio": floor["peak_rss"] / size,
    }
    print(
        f"{root.name:>14}: {size / 1e6:7.1f} MB  json.load {floor['seconds']:6.2f}s  "
        f"(no GC {no_gc['seconds']:6.2f}s)  check {check['seconds']:6.2f}s ({check['status']})  "
        f"check/json {row['ratio']:4.2f}x (/no-GC json {row['ratio_nogc']:4.2f}x)  "
        f"CPU check/json {check['cpu'] / floor['cpu']:4.2f}x  "
        f"peak RSS {check['peak_rss'] / 1e6:6.0f} MB = {row['rss_ratio']:4.2f}x size "
        f"(json.load: {row['json_rss_ratio']:4.2f}x)",
        flush=True,
    )
    return row


def live_requests(root: Path) -> None:
    """List requests sent / pages needed for every kind, against the fake API server."""
    from fake_apiserver import FakeApiServer
    from live_env import write_kubeconfig

    from kopscheck.collectors.kube.reader import Tuning
    from kopscheck.collectors.live import collect_live
    from kopscheck.collectors.options import SourceOptions

    server = FakeApiServer().load_bundle(root).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            kubeconfig = write_kubeconfig(Path(tmp) / "kubeconfig", server.url, server.token)
            start = time.perf_counter()
            collected = collect_live(SourceOptions(kubeconfig=kubeconfig), Tuning(page_size=PAGE))
            seconds = time.perf_counter() - start
        sent = Counter(path for method, path, _q in server.requests if method == "GET")
        stored = Counter(plural for plural, *_rest in server.store.objects)
    finally:
        server.stop()
    lists = {path: n for path, n in sent.items() if path.rsplit("/", 1)[-1] in stored}
    pages = {p: max(1, -(-stored[p.rsplit("/", 1)[-1]] // PAGE)) for p in lists}
    per_node = sum(n for path, n in sent.items() if "/proxy/" in path)
    logs = sum(n for path, n in sent.items() if path.endswith("/log"))
    snap = collected.snapshot
    print(
        f"live ({root.name}, page size {PAGE}): {sum(lists.values())} list requests / "
        f"{sum(pages.values())} pages needed = {sum(lists.values()) / sum(pages.values()):.2f}; "
        f"plus {per_node} per-node proxy and {logs} pod-log requests; "
        f"{len(snap.pods or ())} pods, {len(snap.events or ())} events in {seconds:.1f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="312, 1,250 and 5,000 nodes")
    parser.add_argument("--base", type=int, default=50, help="nodes of the 1x bundle")
    parser.add_argument("--dir", type=Path, help="keep the bundles here (default: a temp dir)")
    parser.add_argument("--no-live", action="store_true", help="skip the live-path count")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (min)")
    args = parser.parse_args()
    REPEAT[0] = max(args.repeat, 1)
    startup.report()  # --help, checks, explain: best of 20 fresh processes
    redaction.report()  # hostile 200 KB lines: linear, within budget
    top = 5000 if args.full else 16 * args.base
    with tempfile.TemporaryDirectory(prefix="kopscheck-bench-") as tmp:
        base = args.dir or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        rows = []
        for nodes in (round(top / 16), round(top / 4), top):
            rows.append(bench_bundle(bundle(base, nodes, broken=True), nodes))
        bench_bundle(bundle(base, top, broken=False), top)
        for label, key in (
            ("check wall", "check_s"),
            ("check CPU", "check_cpu"),
            ("json.load wall", "json_s"),
            ("json.load CPU", "json_cpu"),
            ("peak RSS", "rss"),
        ):
            steps = " -> ".join(f"{row[key] / rows[0][key]:.1f}x" for row in rows)
            print(f"growth 1x -> 4x -> 16x objects, {label}: 1.0x -> {steps.split(' -> ', 1)[1]}")
        if not args.no_live:
            live_requests(bundle(base, round(top / 16), broken=True))


if __name__ == "__main__":
    main()
