"""Render the sample reports in reports/ from the failing demo cluster (run from the repo root).

    python tools/render_samples.py

Writes reports/demo-cni-no-provider.svg with rich's own SVG export of the terminal view, and the
same report as JSON, Markdown and JUnit next to it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEFAULT_SCENARIO, DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.reporters import get_reporter
from kopscheck.reporters.terminal_report import render

OUT = Path("reports")


def samples() -> dict[str, str]:
    """File name under reports/ -> its text, rendered from the failing demo cluster."""
    snapshot = read_bundle(DEMO_ROOT / DEFAULT_SCENARIO)
    report = build_report(snapshot, load_checks(), now=datetime(2026, 11, 27, 10, 20, tzinfo=UTC))
    console = Console(record=True, width=100, file=StringIO(), force_terminal=True)
    render(report, console)
    out = {f"demo-{DEFAULT_SCENARIO}.svg": console.export_svg(title="kopscheck demo")}
    for name, suffix in (("json", "json"), ("markdown", "md"), ("junit", "xml")):
        buffer = StringIO()
        get_reporter(name).write(report, buffer)
        out[f"demo-{DEFAULT_SCENARIO}.{suffix}"] = buffer.getvalue()
    return out


def main() -> None:
    for name, text in samples().items():
        (OUT / name).write_text(text)


if __name__ == "__main__":
    main()
