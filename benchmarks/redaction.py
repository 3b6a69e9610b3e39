"""The redactor on hostile lines: best of N, each a 200 KB line built to make a regex backtrack
(hundreds of `password` words, `password="` never closed, runs of quotes and backslashes, JSON
escaped over and over, URLs with no `@`, flags, issuers' prefixes), and the same at 400 KB.

    python benchmarks/redaction.py [--repeat 5]

The floor is a realistic 200 KB container log (the canary corpus lines among ordinary
evidence lines, each blanked where it should be). Targets (issue 19, class 10): every hostile
line within 0.5 s and 4x the floor, and growth from 200 KB to 400 KB at most 2.5x (linear,
not quadratic). `make bench` prints these after start-up.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from kopscheck.collectors.output.redact import redact

SIZE = 200_000
BUDGET_S = 0.5
FLOOR_RATIO = 4.0
GROWTH = 2.5
HOSTILE: dict[str, str] = {
    "password words": "password ",
    'password=" never closed': 'password="',
    "JSON pairs with escaped quotes": '{"password":"x\\",',
    "JSON escaped twice": '\\\\\\"token\\\\\\":\\\\\\"',
    "single-quoted, never closed": "password='x ",
    "quotes": '"',
    "backslashes then a key": "\\" * 64 + "password",
    "URLs with no @": "https://a:b",
    "secret flags": "--password ",
    "dotted flag run": "-.-",
    "word-boundary run": "a-",
    "JWT-like runs": "eyJabcdefgh-",
    "sk- prefixes": "sk-",
    "curl -u": "-u a:",
    "cookies": "cookie: a",
    "query tokens": "?token=",
    "base64 run": "QUFB",
}


def line(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size] + " password=x"


def best_of(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def floor_log(size: int) -> str:
    from canaries import CORPUS
    from test_redact import EVIDENCE

    lines = [*(c.text for c in CORPUS if len(c.text) < 1000), *EVIDENCE]
    log = "\n".join(lines)
    return (log + "\n") * (size // len(log) + 1)


def report(repeat: int = 5) -> bool:
    """Print each hostile line's time, its ratio to the floor and its growth; True if all
    meet the targets."""
    floor = best_of(lambda: redact(floor_log(SIZE)[:SIZE]), repeat)
    print(f"redaction floor (realistic 200 KB log): {floor * 1000:6.1f} ms")
    ok = True
    for name, unit in HOSTILE.items():
        small = best_of(lambda u=unit: redact(line(u, SIZE)), repeat)
        big = best_of(lambda u=unit: redact(line(u, 2 * SIZE)), repeat)
        meets = small <= BUDGET_S and small <= FLOOR_RATIO * floor and big <= GROWTH * small
        ok = ok and meets
        print(
            f"redact {name:32} 200 KB {small * 1000:6.1f} ms = {small / floor:4.2f}x floor, "
            f"400 KB {big / small:4.2f}x  {'ok' if meets else 'MISSES TARGET'}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    sys.exit(0 if report(max(parser.parse_args().repeat, 1)) else 1)


if __name__ == "__main__":
    main()
