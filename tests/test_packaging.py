"""A wheel built from the repo, installed in a fresh virtualenv, works from another directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; third-party packages come from this test's env."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = (work / "dist").glob("kopscheck-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
    )
    # Dependencies (rich, typer, yaml) from this environment, without its editable kopscheck:
    # a plain path line in a .pth does not run the editable finder of that site directory.
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir


def test_the_wheel_holds_every_package_directory(installed: Path) -> None:
    """setup.py finds the packages: a new check family directory needs no packaging edit."""
    [wheel] = (installed.parent / "dist").glob("kopscheck-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = {
            str(Path(name).parent) for name in archive.namelist() if name.endswith("__init__.py")
        }
    found = {
        str(p.parent.relative_to(ROOT)).replace("checks", "kopscheck_checks", 1)
        for base in ("kopscheck", "checks")
        for p in (ROOT / base).rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert packaged == found


def _run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run([*args], cwd=cwd, env=env, capture_output=True, text=True)


def test_wheel_installs_no_generic_top_level_names(installed: Path, tmp_path: Path) -> None:
    python = str(installed / "bin" / "python")
    probe = _run(
        installed,
        python,
        "-c",
        "import kopscheck, kopscheck_checks, importlib.util as u;"
        "print(kopscheck.__file__);print(u.find_spec('checks'), u.find_spec('reports'))",
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    location, generic = probe.stdout.splitlines()
    assert location.startswith(str(installed))
    assert generic == "None None"


def test_installed_demo_finds_its_checks_and_data(installed: Path, tmp_path: Path) -> None:
    python = str(installed / "bin" / "python")
    outcome = _run(installed, python, "-m", "kopscheck", "demo", "--output", "json", cwd=tmp_path)
    assert outcome.returncode == 1, outcome.stderr
    assert '"cluster": "cni-demo.k8s.local"' in outcome.stdout
    assert '"check": "dns.rollout"' in outcome.stdout
    healthy = _run(installed, python, "-m", "kopscheck", "demo", "healthy", cwd=tmp_path)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr


def test_console_scripts_include_the_kubectl_plugin_name(installed: Path, tmp_path: Path) -> None:
    for script in ("kopscheck", "kubectl-kopscheck"):
        outcome = _run(
            installed, str(installed / "bin" / script), "explain", "dns.rollout", cwd=tmp_path
        )
        assert outcome.returncode == 0, outcome.stderr
        assert outcome.stdout.startswith("dns.rollout: kube-dns/CoreDNS is fully rolled out")


def test_installed_rbac_prints_the_shipped_roles(installed: Path, tmp_path: Path) -> None:
    outcome = _run(installed, str(installed / "bin" / "kopscheck"), "rbac", "--probe", cwd=tmp_path)
    assert outcome.returncode == 0, outcome.stderr
    assert "  name: kopscheck-probe\n" in outcome.stdout
    assert "# ---- probe.yaml\n" in outcome.stdout
