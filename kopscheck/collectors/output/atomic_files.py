"""Writing outputs atomically, with the destination checked before any work is done.

A report (`--out`, `--write-baseline`) is written to a temporary file beside its destination,
flushed to disk and renamed over it; a bundle (`collect --out`) is written to a temporary
directory beside it and renamed into place. Killed at any moment, a run leaves the previous
file whole (and at worst a `.NAME.*.tmp` beside it); two runs writing the same file never
leave a mix: the last rename wins.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from kopscheck.model.errors import InputError

DEFAULT_KUBECONFIG = "~/.kube/config"


def _parent_writable(path: Path, flag: str) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{flag} {path}", f"no such directory: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {path}", f"cannot write in {parent}: permission denied")


def check_out_file(path: Path, flag: str = "--out") -> None:
    """Refuse, before the scan, a destination the report could not be renamed onto."""
    if path.is_dir():
        raise InputError(f"{flag} {path}", "is a directory; give a file name")
    if path.exists() and not path.is_file():
        raise InputError(f"{flag} {path}", "exists and is not a regular file")
    _parent_writable(path, flag)


def refuse_overwriting_inputs(path: Path, flag: str, inputs: Mapping[str, Path]) -> None:
    """Refuse, before the scan, an output that is (or is inside) something the run reads:
    `--out` over the `--dump` being read would destroy the evidence with the report."""
    target = path.resolve()
    for other_flag, other in inputs.items():
        if other_flag == flag:
            continue
        source = other.resolve()
        if target == source or (other.is_dir() and target.is_relative_to(source)):
            raise InputError(
                f"{flag} {path}",
                f"is {'inside ' if target != source else ''}{other_flag.split()[0]} {other},"
                " which this run reads; write the output somewhere else",
            )


def refuse_kubeconfigs(path: Path, flag: str, environ: Mapping[str, str] = os.environ) -> None:
    """Refuse, before the scan, an output that is one of the user's kubeconfigs: every file
    KUBECONFIG lists, and ~/.kube/config, whether or not this run reads them (a report written
    there would lock kubectl out; `--kubeconfig` is an input, refused as one)."""
    listed = [Path(p).expanduser() for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    named = [(p, "KUBECONFIG lists it") for p in listed]
    named.append((Path(DEFAULT_KUBECONFIG).expanduser(), DEFAULT_KUBECONFIG))
    target = path.resolve()
    for kubeconfig, why in named:
        if target == kubeconfig.resolve():
            raise InputError(
                f"{flag} {path}",
                f"is the kubeconfig {kubeconfig} ({why}); write the output somewhere else",
            )


def check_out_dir(path: Path, flag: str = "--out") -> None:
    """A bundle goes into a new directory, or an empty one; never mixed with old files."""
    if path.exists() and not path.is_dir():
        raise InputError(str(path), "exists and is not a directory")
    if path.is_dir() and any(path.iterdir()):
        raise InputError(
            str(path), "directory is not empty; give a new one so no old file mixes in"
        )
    _parent_writable(path, flag)


def write_atomically(path: Path, write: Callable[[TextIO], None], flag: str = "--out") -> None:
    """Write through `write` into a temporary file beside `path`, then rename it over `path`."""
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise InputError(f"{flag} {path}", f"cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644 & ~_UMASK)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise InputError(f"{flag} {path}", f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)  # read at import, before any thread could create a file
    os.umask(current)
    return current


_UMASK = _umask()


def staging_dir(path: Path) -> Path:
    """A new temporary directory beside the bundle directory `path`."""
    parent = path.parent if str(path.parent) else Path(".")
    try:
        return Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise InputError(str(path), f"cannot create: {exc.strerror or exc}") from None


def publish_dir(staged: Path, path: Path) -> None:
    """Rename the finished bundle into place (over an empty directory if one is there)."""
    try:
        os.chmod(staged, 0o755 & ~_UMASK)
        if path.is_dir():
            path.rmdir()  # empty: checked before the scan, and again here by rmdir itself
        os.replace(staged, path)
    except OSError as exc:
        shutil.rmtree(staged, ignore_errors=True)
        raise InputError(str(path), f"cannot create: {exc.strerror or exc}") from None
