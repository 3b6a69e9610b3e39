"""The catalog data `checks` and `explain` read is exactly what the checks' classes say.

kopscheck/engine/catalog.json is generated (tools/make_catalog.py) so those two commands start
without importing a check; these tests make it impossible for the file to drift from the
checks' docstrings, needs, wants and codes, and prove the plugin scan that decides whether the
file is enough.
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

from kopscheck.engine.catalog import (
    CHECK_GROUP,
    builtin_catalog,
    catalog_data,
    load_catalog,
    plugins_may_exist,
)
from kopscheck.engine.registry import catalog_of, load_checks

ROOT = Path(__file__).parents[1]


def _tool() -> object:
    spec = importlib.util.spec_from_file_location("make_catalog", ROOT / "tools/make_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_file_is_what_the_tool_writes_from_the_checks() -> None:
    tool = _tool()
    committed = (ROOT / "kopscheck/engine/catalog.json").read_text(encoding="utf-8")
    assert committed == tool.expected(), "run: python tools/make_catalog.py"  # type: ignore[attr-defined]


def test_the_data_reads_back_as_the_catalog_the_checks_make() -> None:
    from_checks = catalog_of(load_checks(include_plugins=False))
    assert builtin_catalog() == from_checks
    assert catalog_data(builtin_catalog()) == catalog_data(from_checks)
    rollout = builtin_catalog().find("dns.rollout")
    assert rollout is not None
    assert rollout.why.startswith("cluster DNS is the first workload that needs pod networking")
    assert (
        rollout.step
        == '"kube-dns daemonset starts" (Troubleshooting, Validating CNI Installation).'
    )
    deployed = builtin_catalog().find("cni.provider-deployed")
    assert deployed is not None
    assert deployed.code_fixes["cni.provider-deployed/unexpected-provider"].startswith(
        "If `--networking` is what disagrees, pass the mode"
    )


def test_without_plugins_the_catalog_is_the_data_file() -> None:
    assert not plugins_may_exist()  # the test venv installs none
    assert load_catalog() == builtin_catalog()


def _dist(site: Path, name: str, entry_points: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.mark.parametrize(
    ("entry_points", "found"),
    [
        pytest.param(f"[{CHECK_GROUP}]\nmine = mine:Check\n", True, id="a-check-entry"),
        pytest.param(
            f"[console_scripts]\nx = x:main\n\n[{CHECK_GROUP}]\n# none yet\n\n[other]\na = b:c\n",
            False,
            id="an-empty-section",
        ),
        pytest.param("[kopscheck.reporters]\nline = r:Line\n", False, id="only-a-reporter"),
        pytest.param("[console_scripts]\nx = x:main\n", False, id="other-groups"),
    ],
)
def test_the_scan_finds_a_distribution_declaring_a_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_points: str, found: bool
) -> None:
    _dist(tmp_path, "somepkg", entry_points)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert plugins_may_exist() is found


def test_a_zip_on_sys_path_is_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("x-1.0.dist-info/entry_points.txt", f"[{CHECK_GROUP}]\nx = x:X\n")
    monkeypatch.setattr(sys, "path", [str(archive), *sys.path])
    assert plugins_may_exist()
