"""Write kopscheck/engine/catalog.json, the built-in checks' catalog as data.

    python tools/make_catalog.py          # rewrite the file
    python tools/make_catalog.py --check  # exit 1 when the file differs from the checks

`kopscheck checks` and `kopscheck explain` read this file instead of importing every check
(start-up, issue 22); tests/test_catalog_data.py runs `--check`'s comparison, so a check whose
docstring, needs, wants or codes changed without this being run fails the suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kopscheck.engine import catalog
from kopscheck.engine.registry import catalog_of, load_checks

TARGET = Path(catalog.__file__).with_name(catalog.DATA)


def expected() -> str:
    """The file's text as the built-in checks' classes and docstrings make it."""
    return catalog.catalog_data(catalog_of(load_checks(include_plugins=False)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    args = parser.parse_args()
    text = expected()
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is out of date: run python tools/make_catalog.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
