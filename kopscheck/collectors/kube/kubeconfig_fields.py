"""A kubeconfig's shape, checked before anything uses it: one line naming the file and the field.

Why: the client library reads a kubeconfig by indexing into it, so a list where a map belongs,
a context naming a cluster or user that is not there, or a number where a string belongs ends
in a Python error (exit 3) instead of exit 2 naming what to fix. Merging follows kubectl: the
files in KUBECONFIG order, the first to define a name wins, the first `current-context` wins,
and relative file paths are relative to the file that holds them.
Booleans are strictly booleans (the client reads the string "false" in insecure-skip-tls-verify
as true). The context in use has its values checked too, as kubectl checks them: the server URL
(http or https, a host, a port 1-65535, IPv6 in brackets) and the base64 data fields; a message
names the field, never the value.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from kopscheck.model.errors import InputError

SECTIONS = {"clusters": "cluster", "contexts": "context", "users": "user"}
STRINGS = {
    "cluster": (
        "server",
        "certificate-authority",
        "certificate-authority-data",
        "tls-server-name",
        "proxy-url",
    ),
    "context": ("cluster", "user", "namespace"),
    "user": (
        "token",
        "tokenFile",
        "client-certificate",
        "client-certificate-data",
        "client-key",
        "client-key-data",
        "username",
        "password",
    ),
}
BOOLEANS = {
    "cluster": ("insecure-skip-tls-verify", "disable-compression"),
    "context": (),
    "user": (),
}
BASE64 = {
    "cluster": ("certificate-authority-data",),
    "context": (),
    "user": ("client-certificate-data", "client-key-data"),
}
HOST = re.compile(
    r"[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?)*\.?"
)
FILES = {
    "cluster": ("certificate-authority",),
    "user": ("tokenFile", "client-certificate", "client-key"),
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One named cluster, context or user, and the file it came from."""

    path: str
    where: str  # e.g. `users[1] (name 'admin')`, for messages
    body: Mapping[str, Any]


@dataclass(slots=True)
class Merged:
    """The kubeconfig files merged as kubectl merges them."""

    sections: dict[str, dict[str, Entry]] = field(default_factory=lambda: {s: {} for s in SECTIONS})
    current_context: tuple[str, str] | None = None  # (file, name)
    context_order: list[str] = field(default_factory=list)


def merge(docs: Sequence[tuple[str, Mapping[str, Any]]]) -> Merged:
    merged = Merged()
    for path, doc in docs:
        current = doc.get("current-context")
        if current not in (None, "") and not isinstance(current, str):
            raise _bad(path, "current-context", f"expected a context name, not {_kind(current)}")
        if current and merged.current_context is None:
            merged.current_context = (path, current)
        for section, inner in SECTIONS.items():
            for name, entry in _entries(path, doc, section, inner):
                merged.sections[section].setdefault(name, entry)
                if section == "contexts" and name not in merged.context_order:
                    merged.context_order.append(name)
    return merged


def _entries(
    path: str, doc: Mapping[str, Any], section: str, inner: str
) -> list[tuple[str, Entry]]:
    listed = doc.get(section)
    if listed is None:
        return []
    if not isinstance(listed, list):
        want = f"a list of {{name, {inner}}}"
        raise _bad(path, section, f"expected {want}, not {_kind(listed)}")
    found = []
    for index, item in enumerate(listed):
        at = f"{section}[{index}]"
        if not isinstance(item, Mapping):
            raise _bad(path, at, f"expected a mapping with name and {inner}, not {_kind(item)}")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise _bad(path, f"{at}.name", f"expected a non-empty string, not {_kind(name)}")
        where = f"{at} (name {name!r})"
        body = item.get(inner)
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise _bad(path, f"{where}.{inner}", f"expected a mapping, not {_kind(body)}")
        for key in STRINGS[inner]:
            value = body.get(key)
            if value is not None and not isinstance(value, str):
                raise _bad(path, f"{where}.{inner}.{key}", f"expected a string, not {_kind(value)}")
        for key in BOOLEANS[inner]:
            value = body.get(key)
            if value is not None and not isinstance(value, bool):
                problem = f"expected true or false, not {_kind(value)}"
                raise _bad(path, f"{where}.{inner}.{key}", problem)
        found.append((name, Entry(path, where, _absolute(path, inner, body))))
    return found


def _absolute(path: str, inner: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """kubectl: a relative file path in a kubeconfig is relative to that kubeconfig."""
    base = os.path.dirname(os.path.abspath(path))
    fixed = dict(body)
    for key in FILES.get(inner, ()):
        value = fixed.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            fixed[key] = os.path.join(base, os.path.expanduser(value))
    return fixed


@dataclass(frozen=True, slots=True)
class Chosen:
    """The context in use, with its cluster and user (None: the context names no user)."""

    name: str
    context: Entry
    cluster: Entry
    user: Entry | None


def choose(merged: Merged, label: str, context: str | None) -> Chosen:
    """The context `--context` or current-context names, checked down to its cluster and user."""
    if context is None and merged.current_context is None:
        raise InputError(label, "no current-context set; give --context")
    if context is not None:
        name, source, field_name = context, "--context", "--context"
    else:
        assert merged.current_context is not None
        source, name = merged.current_context
        field_name = "current-context"
    contexts = merged.sections["contexts"]
    if name not in contexts:
        listed = ", ".join(merged.context_order) or "none"
        raise InputError(
            source if context is None else label,
            f"{field_name}: context {name!r} is not in the kubeconfig; its contexts: {listed}",
        )
    entry = contexts[name]
    cluster_name = entry.body.get("cluster")
    if not cluster_name:
        raise _bad(entry.path, f"{entry.where}.context.cluster", "missing: name a cluster")
    cluster = merged.sections["clusters"].get(cluster_name)
    if cluster is None:
        raise _missing(entry, "cluster", cluster_name, merged.sections["clusters"])
    if not cluster.body.get("server"):
        raise _bad(cluster.path, f"{cluster.where}.cluster.server", "missing: the API server URL")
    _check_values(cluster, "cluster")
    user_name = entry.body.get("user")
    user = merged.sections["users"].get(user_name) if user_name else None
    if user_name and user is None:
        raise _missing(entry, "user", user_name, merged.sections["users"])
    if user is not None:
        _check_values(user, "user")
    return Chosen(name, entry, cluster, user)


def _check_values(entry: Entry, inner: str) -> None:
    """The values the chosen context uses, as kubectl checks them: the server URL and the
    base64 data fields. A message names the field, never its value (it may be a secret)."""
    if inner == "cluster":
        problem = server_problem(str(entry.body["server"]))
        if problem:
            raise _bad(entry.path, f"{entry.where}.cluster.server", problem)
    for key in BASE64[inner]:
        value = entry.body.get(key)
        if value and not _is_base64(value):
            raise _bad(entry.path, f"{entry.where}.{inner}.{key}", "not valid base64")


def server_problem(server: str) -> str | None:
    """What is wrong with a kubeconfig `server` URL (None: nothing), without quoting it."""
    try:
        url = urlsplit(server)
        port = url.port
    except ValueError:
        return _url_problem(server)
    if url.scheme not in ("https", "http"):
        return "expected an https:// (or http://) URL, e.g. https://api.example.com:443"
    host = url.hostname or ""
    if not host:
        return "the URL names no host"
    if port == 0:
        return "the port must be a number between 1 and 65535"
    if "[" in url.netloc:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return "the host in brackets is not an IPv6 address"
    elif not HOST.fullmatch(host):
        return "the host is not a DNS name or an IP address"
    return None


def _url_problem(server: str) -> str:
    netloc = server.partition("://")[2].partition("/")[0].rpartition("@")[2]
    if "[" not in netloc and netloc.count(":") > 1:
        return "an IPv6 address goes in brackets, e.g. https://[fd00::1]:443"
    if "[" in netloc:
        return "the host in brackets is not an IPv6 address"
    return "the port must be a number between 1 and 65535"


def _is_base64(value: str) -> bool:
    """Go's base64 (what kubectl reads): standard alphabet, padded, line breaks ignored."""
    try:
        base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except ValueError:
        return False
    return True


def _missing(entry: Entry, what: str, name: str, known: Mapping[str, Entry]) -> InputError:
    listed = ", ".join(known) or "none"
    return _bad(
        entry.path,
        f"{entry.where}.context.{what}",
        f"{what} {name!r} is not in the kubeconfig's {what}s (they are: {listed})",
    )


def _bad(path: str, where: str, problem: str) -> InputError:
    return InputError(path, f"{where}: {problem}")


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    return f"a {type(value).__name__}"
