"""When the tier skips and when it fails: a precise reason either way, never a silent skip in
CI once KUBEBUILDER_ASSETS is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from cluster_assets import ASSETS_ENV, Binary, find_assets


def _assets_dir(directory: Path, *binaries: str) -> Path:
    directory.mkdir(exist_ok=True)
    for name in binaries:
        path = directory / name
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return directory


@pytest.fixture
def no_path_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH without etcd or kubectl."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_unset_assets_skip_with_how_to_get_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ASSETS_ENV, raising=False)
    monkeypatch.setenv("CI", "true")  # CI without the assets: a skip, as on a fresh clone
    with pytest.raises(pytest.skip.Exception) as skipped:
        find_assets()
    assert str(skipped.value.msg).startswith(f"{ASSETS_ENV} is not set")
    assert "export KUBEBUILDER_ASSETS=$(../shared/k8s/unpack)" in str(skipped.value.msg)


def test_a_missing_binary_skips_naming_it_and_where_it_was_looked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_path_tools: None
) -> None:
    assets = _assets_dir(tmp_path / "assets", "kube-apiserver")
    monkeypatch.setenv(ASSETS_ENV, str(assets))
    monkeypatch.delenv("CI", raising=False)
    found = find_assets()
    assert found.path(Binary.APISERVER) == assets / "kube-apiserver"
    with pytest.raises(pytest.skip.Exception) as skipped:
        found.path(Binary.ETCD)
    assert skipped.value.msg == (
        f"etcd not found in {ASSETS_ENV}={assets} nor on PATH (apt-get install etcd-server)"
    )
    with pytest.raises(pytest.skip.Exception) as skipped:
        found.path(Binary.KUBEMARK)
    assert skipped.value.msg == f"kubemark not found in {ASSETS_ENV}={assets}"


def test_in_ci_with_assets_set_a_missing_piece_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_path_tools: None
) -> None:
    monkeypatch.setenv(ASSETS_ENV, str(_assets_dir(tmp_path / "assets", "kube-apiserver")))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        find_assets().path(Binary.ETCD)
    assert str(failed.value.msg).startswith("real-cluster tier cannot run in CI: etcd not found")


def test_etcd_and_kubectl_are_found_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tools = _assets_dir(tmp_path / "bin", "etcd", "kubectl")
    assets = _assets_dir(tmp_path / "assets")
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv(ASSETS_ENV, str(assets))
    found = find_assets()
    assert found.path(Binary.ETCD) == tools / "etcd"
    assert found.path(Binary.KUBECTL) == tools / "kubectl"
