"""Built-in demo clusters: bundles in the CONTRACT §4 layout, shipped with the package."""

from __future__ import annotations

from pathlib import Path

DEMO_ROOT = Path(__file__).parent
DEFAULT_SCENARIO = "cni-no-provider"


def scenarios() -> dict[str, str]:
    """Scenario name -> the first line of its README."""
    found = {}
    for path in sorted(DEMO_ROOT.iterdir()):
        readme = path / "README.md"
        if path.is_dir() and readme.is_file():
            found[path.name] = readme.read_text().splitlines()[0].lstrip("# ").strip()
    return found


def scenario_path(name: str) -> Path | None:
    path = DEMO_ROOT / name
    return path if (path / "README.md").is_file() else None
