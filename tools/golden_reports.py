"""Write tests/golden/: the JSON report of every demo and fixture bundle (without generated_at).

    python tools/golden_reports.py [OUT_DIR]                      # with this checkout's code
    PYTHONPATH=/path/to/other/checkout python tools/golden_reports.py tests/golden

tests/test_decoder_parity.py compares today's reports with these. They were first written by the
stdlib `json` + dict parsers (before the typed decoder), which showed the decoder changed no
report; since then they are regression snapshots: when checks or messages change a report on
purpose, rewrite them with this checkout's code and review the diff (it must show only the
intended change) before committing.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

from kopscheck.cli import main as kopscheck_main

ROOT = Path(__file__).resolve().parents[1]
PARENTS = (ROOT / "kopscheck" / "demo", ROOT / "tests" / "fixtures")


def report(bundle: Path) -> dict[str, object]:
    out = io.StringIO()
    sys.argv = ["kopscheck", "check", "--bundle", str(bundle), "-o", "json"]
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        kopscheck_main()
    doc: dict[str, object] = json.loads(out.getvalue())
    doc.pop("generated_at", None)
    return doc


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "golden"
    out_dir.mkdir(parents=True, exist_ok=True)
    for parent in PARENTS:
        for bundle in sorted(p for p in parent.iterdir() if (p / "README.md").is_file()):
            text = json.dumps(report(bundle), indent=1, sort_keys=True) + "\n"
            (out_dir / f"{bundle.name}.json").write_text(text)
            print(f"{out_dir / bundle.name}.json", file=sys.stderr)


if __name__ == "__main__":
    main()
