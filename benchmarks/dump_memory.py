"""Peak RSS of `kopscheck check --dump` on a 300 MB stream dump, as a ratio of its size.

    python benchmarks/dump_memory.py [--nodes 640] [--app-log-mb 30]

The dump: benchmarks/generate.py's bundle of N nodes on one stream (kubectl's order: nodes,
then each namespace's lists), a short calico-node log per node and one chatty application log.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from peak_memory import run_measured  # noqa: E402
from test_dump_stream import _generated_dump  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=640)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kopscheck-dump-bench-") as folder:
        dump = _generated_dump(Path(folder), args.nodes)
        size = os.path.getsize(dump) / 2**20
        outcome, peak = run_measured("check", "--dump", str(dump), "-o", "json", timeout=600)
        print(
            f"dump {size:.0f} MiB, exit {outcome.code}, peak RSS {peak:.0f} MiB, "
            f"ratio {peak / size:.2f}x"
        )


if __name__ == "__main__":
    main()
