"""Start-up of the light commands: best of N fresh processes, wall time (issue 22 targets).

    python benchmarks/startup.py [--repeat 20]

Each run is `python -c "from kopscheck.cli import main; main()" ARGS` with output discarded,
the way a shell runs the console script; `python -c pass` is shown as the floor. The machine is
shared, so the best of 20 is the figure that means something. `make bench` prints these first.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

COMMANDS: dict[str, tuple[list[str], float]] = {  # label -> (args, target in ms)
    "--help": (["--help"], 120.0),
    "checks": (["checks"], 150.0),
    "checks -o json": (["checks", "-o", "json"], 150.0),
    "explain dns.rollout": (["explain", "dns.rollout"], 150.0),
}
ENTRY = "from kopscheck.cli import main; main()"


def best_of(args: list[str], repeat: int, code: str = ENTRY) -> float:
    """The fastest wall time of `repeat` fresh interpreters, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        best = min(best, time.perf_counter() - start)
    return best * 1000


def report(repeat: int = 20) -> bool:
    """Print one line per command; whether every target was met."""
    floor = best_of([], repeat, "pass")
    print(f"start-up, best of {repeat} (python -c pass: {floor:.0f} ms):", flush=True)
    met = True
    for label, (args, target) in COMMANDS.items():
        took = best_of(args, repeat)
        ok = took <= target
        met &= ok
        verdict = "met" if ok else "NOT met"
        print(f"  {label:<22} {took:5.0f} ms  (target <= {target:.0f} ms: {verdict})", flush=True)
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="fresh processes per command")
    args = parser.parse_args()
    sys.exit(0 if report(max(args.repeat, 1)) else 1)


if __name__ == "__main__":
    main()
