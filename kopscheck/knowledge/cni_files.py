"""What a node's CNI files say: the plugin types of a config, and the binaries the runtime
must find for them in its CNI bin dir.

The runtime (containerd's go-cni, CRI-O's ocicni, libcni) loads the config files of
/etc/cni/net.d with the extensions .conf, .conflist and .json in lexical order and uses the
first valid one; a .conf is one plugin, a .conflist a chain under "plugins". Every plugin's
`type` and every IPAM `type` (host-local, the provider's own IPAM) names an executable that
must exist in the bin dir (/opt/cni/bin on kops): libcni fails the sandbox with `failed to find
plugin "<type>" in path [/opt/cni/bin]` otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

CONFIG_SUFFIXES = (".conf", ".conflist", ".json")
LS_LINE = re.compile(r"^([-lbcdps])([-rwxsStT]{9})[.+@]?\s+\d+\s+.*?(\S+)(?: -> \S+)?$")


def _plugins(text: str) -> list[dict[str, Any]] | None:
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    plugins = doc.get("plugins") if "plugins" in doc else [doc]
    if not isinstance(plugins, list):
        return None
    return [p for p in plugins if isinstance(p, dict)]


def plugin_types(text: str) -> tuple[str, ...] | None:
    """The plugin `type`s of a .conf or .conflist; None when it is not a usable config."""
    plugins = _plugins(text)
    types = tuple(str(p["type"]) for p in plugins or () if p.get("type"))
    return types or None


def required_binaries(text: str) -> tuple[str, ...]:
    """Every executable the config needs: each plugin's type, then each IPAM type, in order."""
    needed: list[str] = []
    for plugin in _plugins(text) or ():
        ipam = plugin.get("ipam")
        for kind in (plugin.get("type"), ipam.get("type") if isinstance(ipam, dict) else None):
            if isinstance(kind, str) and kind and kind not in needed:
                needed.append(kind)
    return tuple(needed)


@dataclass(frozen=True, slots=True)
class BinEntry:
    """One entry of `ls -l` of the CNI bin dir."""

    name: str
    executable: bool  # a regular file or symlink with an execute bit (a symlink is trusted)


def bin_listing(text: str) -> dict[str, BinEntry] | None:
    """The entries of an `ls -l` listing; None when it is no listing (`ls: ... No such file`)."""
    entries: dict[str, BinEntry] = {}
    listing = False
    for line in text.splitlines():
        if line.startswith("total "):
            listing = True
            continue
        match = LS_LINE.match(line.rstrip())
        if not match:
            continue
        listing = True
        kind, mode, name = match.groups()
        runnable = kind == "l" or (kind == "-" and any(mode[i] in "xst" for i in (2, 5, 8)))
        entries[name] = BinEntry(name, runnable)
    return entries if listing else None


def missing_binaries(config: str, listing: dict[str, BinEntry]) -> list[str]:
    """The config's plugin and IPAM types with no executable in the listing, in config order."""
    return [t for t in required_binaries(config) if not (t in listing and listing[t].executable)]
