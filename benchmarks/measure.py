"""One measurement in a fresh process: prints {"seconds", "cpu", "peak_rss" (bytes)} as JSON.

    python benchmarks/measure.py json BUNDLE     # bare stdlib json.load of every .json file
    python benchmarks/measure.py json-nogc BUNDLE   # the same with the cyclic GC disabled
    python benchmarks/measure.py check BUNDLE    # kopscheck check --bundle BUNDLE -o json

Time (wall and CPU) starts after the imports; the peak RSS is the process's own `ru_maxrss` (Linux: KiB), so it
includes the interpreter and the imported modules.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import resource
import sys
import time
from pathlib import Path


def bare_json(root: Path) -> None:
    """The floor: decode every JSON file of the bundle with the standard library, one at a time."""
    for path in sorted(root.rglob("*.json")):
        with path.open("rb") as handle:
            json.load(handle)


def check(root: Path) -> str:
    from kopscheck.cli import main

    out = io.StringIO()
    argv = ["kopscheck", "check", "--bundle", str(root), "-o", "json"]
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        sys.argv = argv
        main()
    return out.getvalue()


def run(mode: str, root: Path) -> dict[str, object]:
    if mode == "check":  # imports are not what is measured: load what the run will use
        import kopscheck.cli
        import kopscheck.collectors.offline.bundle
        import kopscheck.gate.run
        import kopscheck.reporters.json_report
        from kopscheck.engine.registry import load_checks

        load_checks()
        del kopscheck
    start, cpu_start = time.perf_counter(), time.process_time()
    report = check(root) if mode == "check" else ""
    if mode in ("json", "json-nogc"):
        if mode == "json-nogc":
            gc.disable()
        bare_json(root)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    status = json.loads(report)["status"] if report else None
    return {"seconds": seconds, "cpu": cpu, "peak_rss": peak, "status": status}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], Path(sys.argv[2]))))
