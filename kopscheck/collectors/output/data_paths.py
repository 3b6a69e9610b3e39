"""Paths built from data: the one place a name read from a cluster becomes a path component.

A namespace, pod, container or node name comes from the API server, and a CNI config's file
name from a node: a hostile or buggy source can send `../../x`, `/etc/cron.d/x`, a NUL or a
newline. The bundle writer joins none of them itself; it asks the helpers below, which

- keep a name as it is when it passes the API server's own rule (DNS-1123 label for a
  namespace, subdomain for a pod or node) or, for a file name, plain
  `[A-Za-z0-9_][A-Za-z0-9._-]*` (never `.` or `..`): every real bundle keeps its real names;
- escape any other name reversibly: `%` first (never in a valid name), then every byte
  outside `[a-z0-9-]` as `%XX` (`../x` -> `%2E%2E%2Fx`); `name_from_path` undoes it;
- give a name whose escape would pass the file system's 255 bytes a shortened form with its
  SHA-256 (`%~` and 32 hex digits), the one form that cannot be undone;
- and check that the joined path still resolves under its root, or raise.

The bundle reader reads directory names back through `name_from_path`, so a hand-made bundle
with odd names is read by the same rule it was written by.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-")
_ESCAPE = re.compile(r"%([0-9A-F]{2})")
NAME_MAX = 255  # bytes in one path component on Linux and macOS file systems
HASHED = "%~"


class UnsafePath(ValueError):
    """A joined path that would not stay under its root (a bug here, never data's fault)."""


def is_dns_subdomain(name: str) -> bool:
    """The API server's rule for pod and node names."""
    return len(name) <= 253 and _DNS_SUBDOMAIN.fullmatch(name) is not None


def is_dns_label(name: str) -> bool:
    """The API server's rule for namespace and container names."""
    return _DNS_LABEL.fullmatch(name) is not None


def _is_file_name(name: str) -> bool:
    return len(name) <= 253 and _FILE_NAME.fullmatch(name) is not None


def escape(name: str, shorten: bool = True) -> str:
    """`name` escaped as one component, whatever it holds (module doc); not `shorten`ed, the
    escape of any length (a log header is no path: it carries the whole name)."""
    raw = name.encode("utf-8", "surrogatepass")
    escaped = "%" + "".join(chr(b) if b in _PLAIN else f"%{b:02X}" for b in raw)
    if len(escaped) <= NAME_MAX or not shorten:
        return escaped
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return escaped[: NAME_MAX - len(HASHED) - 32] + HASHED + digest


def name_from_path(part: str) -> str:
    """The name a path component stands for (`escape` undone; a shortened one as it is)."""
    if not part.startswith("%") or HASHED in part:
        return part
    raw = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), part[1:])
    try:
        return raw.encode("latin-1").decode("utf-8", "surrogatepass")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return part  # not an escape this module wrote: keep the directory's own name


def _join(root: Path, *parts: str) -> Path:
    path = root.joinpath(*parts)
    base = os.path.realpath(root)
    resolved = os.path.realpath(path)
    if resolved == base or os.path.commonpath([base, resolved]) != base:
        raise UnsafePath(f"{path} is not under {root}")
    return path


def _kept(
    name: str, valid: bool, reserved: frozenset[str] = frozenset(), shorten: bool = True
) -> str:
    return name if valid and name not in reserved else escape(name, shorten)


def log_header_names(namespace: str, pod: str, container: str) -> tuple[str, str, str]:
    """The names a `logs.txt` section header carries, by the paths' rule: a header is
    structure too (a NUL or newline in it would break the file for every reader)."""
    return (
        _kept(namespace, is_dns_label(namespace), shorten=False),
        _kept(pod, is_dns_subdomain(pod), shorten=False),
        _kept(container, is_dns_label(container), shorten=False),
    )


def namespace_dir(info: Path, namespace: str) -> Path:
    """`cluster-info/<namespace>/`."""
    return _join(info, _kept(namespace, is_dns_label(namespace)))


def pod_log_file(info: Path, namespace: str, pod: str, reserved: frozenset[str]) -> Path:
    """`cluster-info/<namespace>/<pod>/logs.txt`; a pod named like one of the namespace's
    files (`reserved`: `pods.json` is a valid pod name) is escaped too."""
    ns = _kept(namespace, is_dns_label(namespace))
    return _join(info, ns, _kept(pod, is_dns_subdomain(pod), reserved), "logs.txt")


def node_dir(nodes: Path, node: str) -> Path:
    """`nodes/<node>/`."""
    return _join(nodes, _kept(node, is_dns_subdomain(node)))


def node_file(folder: Path, name: str, subdir: str | None = None) -> Path:
    """A file of `nodes/<node>/` (`subdir`: kopscheck's own, e.g. `cni-net.d`), named by the
    node (a CNI config's file name) or by kopscheck."""
    part = _kept(name, _is_file_name(name))
    return _join(folder, subdir, part) if subdir else _join(folder, part)
