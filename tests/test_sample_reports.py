"""The samples in reports/ are what tools/render_samples.py renders today, so the README's
example outputs never drift from the reporters. The SVG is rich's own export, whose bytes
change with rich's release (pyproject allows any rich >= 13.7), so only its name is held here;
the tool rewrites it with the others."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_committed_samples_are_what_the_tool_renders_from_the_demo() -> None:
    spec = importlib.util.spec_from_file_location(
        "render_samples", ROOT / "tools/render_samples.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    rendered: dict[str, str] = tool.samples()
    assert sorted(rendered) == [
        "demo-cni-no-provider.json",
        "demo-cni-no-provider.md",
        "demo-cni-no-provider.svg",
        "demo-cni-no-provider.xml",
    ]
    for name, text in rendered.items():
        if name.endswith(".svg"):
            continue
        committed = (ROOT / "reports" / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run python tools/render_samples.py"
