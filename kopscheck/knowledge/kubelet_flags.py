"""Read the kubelet's network flags from what a node offers, best source first.

1. The running kubelet's argv (`/proc/<pid>/cmdline`, bundle `kubelet.cmdline`).
2. `/etc/sysconfig/kubelet`, where kops's nodeup writes `DAEMON_ARGS`; the kubelet unit starts
   with it, so it is what the next start uses.
3. The kops spec's `spec.kubelet.networkPluginName` (older kops versions wrote it into the
   completed spec nodeup reads): one value for every node.

The kubelet's config file and `configz` never carried `--network-plugin` (it was a
command-line-only dockershim option), so they cannot answer this question.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kopscheck.model.facts import KopsCluster, NodeFiles

NETWORK_PLUGIN = "network-plugin"
# Dockershim's network flags; Kubernetes 1.24 removed them all ("unknown flag: --FLAG").
REMOVED_IN_1_24 = (
    "network-plugin",
    "network-plugin-mtu",
    "cni-bin-dir",
    "cni-conf-dir",
    "cni-cache-dir",
)
_DAEMON_ARGS = re.compile(r"^\s*(?:export\s+)?DAEMON_ARGS=(.*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class KubeletFlags:
    """The kubelet flags one source shows, and the text to quote as evidence."""

    source: str
    flags: Mapping[str, str]
    line: str

    @property
    def network_plugin(self) -> str | None:
        return self.flags.get(NETWORK_PLUGIN)

    @property
    def removed(self) -> list[str]:
        return [f"--{name}={self.flags[name]}" for name in REMOVED_IN_1_24 if name in self.flags]

    @property
    def remote_runtime(self) -> bool | None:
        """True for containerd/CRI-O, False for dockershim, None when the flags do not say."""
        runtime = self.flags.get("container-runtime")
        if runtime is not None:
            return runtime == "remote"
        return True if "container-runtime-endpoint" in self.flags else None


def read_flags(files: NodeFiles | None, cluster: KopsCluster | None) -> KubeletFlags | None:
    if files is not None and files.kubelet_cmdline:
        args = files.kubelet_cmdline
        flags = parse_args(args[1:] if args and not args[0].startswith("-") else args)
        return KubeletFlags("kubelet argv", flags, _quote(args))
    if files is not None and files.sysconfig_kubelet:
        found = daemon_args(files.sysconfig_kubelet)
        if found is not None:
            line, words = found
            return KubeletFlags("/etc/sysconfig/kubelet DAEMON_ARGS", parse_args(words), line)
    return spec_flags(cluster)


def spec_flags(cluster: KopsCluster | None) -> KubeletFlags | None:
    kubelet = cluster.spec.get("kubelet") if cluster is not None else None
    if not isinstance(kubelet, Mapping) or "networkPluginName" not in kubelet:
        return None
    value = str(kubelet["networkPluginName"] or "")
    flags = {NETWORK_PLUGIN: value} if value else {}
    return KubeletFlags(
        "kops spec (spec.kubelet.networkPluginName)", flags, f"networkPluginName: {value}"
    )


def daemon_args(text: str) -> tuple[str, list[str]] | None:
    """The DAEMON_ARGS line and its arguments (the value is one shell word, usually quoted)."""
    match = _DAEMON_ARGS.search(text)
    if match is None:
        return None
    line = match.group(0).strip()
    try:
        words = shlex.split(match.group(1), comments=True)
    except ValueError:
        words = [match.group(1).strip("\"'")]
    return line, [arg for word in words for arg in word.split()]


def parse_args(args: Sequence[str]) -> dict[str, str]:
    """`--name=value`, `--name value` and bare `--name` flags; the last occurrence wins."""
    flags: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index].strip()
        index += 1
        if not arg.startswith("-"):
            continue
        name, sep, value = arg.lstrip("-").partition("=")
        nxt = args[index].strip() if index < len(args) else ""
        if not sep and nxt and not nxt.startswith("-"):
            value = nxt
            index += 1
        flags[name] = value
    return flags


def _quote(args: Sequence[str]) -> str:
    """The network-related arguments, or a note that there are none."""
    wanted = ("network-plugin", "cni-", "container-runtime")
    picked = []
    for index, arg in enumerate(args):
        if arg.startswith("-") and any(arg.lstrip("-").startswith(w) for w in wanted):
            value = args[index + 1] if index + 1 < len(args) else "-"
            separate = "=" not in arg and not value.startswith("-")
            picked.append(f"{arg} {value}" if separate else arg)
    if picked:
        return " ".join(picked)
    return f"{args[0]} ({len(args) - 1} arguments, none network-related)"
