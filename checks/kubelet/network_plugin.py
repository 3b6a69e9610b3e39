from __future__ import annotations

import re
from dataclasses import dataclass

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_provider import files_by_node
from kopscheck.knowledge.kubelet_flags import REMOVED_IN_1_24, KubeletFlags, read_flags
from kopscheck.knowledge.networking_modes import Mode
from kopscheck.knowledge.signals import Signal
from kopscheck.knowledge.versions import KubeVersion, MinorVersion, kubernetes_version, parse_minor
from kopscheck.model.facts import JSON, Fact, KopsCluster, Node, NodeFiles, ObjectRef
from kopscheck.model.results import Code, Finding, Status, Verdict

FLAG_REMOVED = (1, 24)
REFUSED = re.compile(r"(?:unknown flag: --|flag provided but not defined: -+)([\w-]+)")
NO_OP = "kubernetes.io/no-op"


@dataclass(frozen=True, slots=True)
class Context:
    mode: Mode | None
    cluster_version: KubeVersion | None
    kops: KopsCluster | None


class KubeletNetworkPlugin(Check):
    """Kubelets use the network plugin the networking mode needs.

    Why: before Kubernetes 1.24 the kubelet picks its pod network with `--network-plugin`: `cni`
    for every CNI provider, `kubenet` for kubenet (and kopeio, gce, external). Without it a
    dockershim kubelet uses the no-op plugin and pods get Docker bridge addresses nobody routes.
    Kubernetes 1.24 removed the flag with dockershim: a 1.24+ kubelet that still has it (or
    --cni-bin-dir, --cni-conf-dir, --network-plugin-mtu) exits with "unknown flag:
    --network-plugin" and the node never turns Ready; from then on the container runtime needs a
    CNI config in /etc/cni/net.d instead.

    Fix: give each kubelet listed the network flags its Kubernetes version expects. From 1.24
    remove --network-plugin and the other dockershim flags: kops's nodeup writes them to
    DAEMON_ARGS in /etc/sysconfig/kubelet, so drop any `networkPluginName` from spec.kubelet /
    spec.controlPlaneKubelet (`kops edit cluster`), `kops update cluster --yes` and roll the
    nodes. Before 1.24 set `--network-plugin=cni` (CNI modes) or `kubenet` the same way. A
    kubelet newer than the API server is an unsupported skew: upgrade the control plane first.
    Whether the runtime has a CNI config is cni.node-config's subject, not this check's.

    Step: "`kubelet` is running with the `--network-plugin=cni` option" (Troubleshooting,
    Validating CNI Installation); from Kubernetes 1.24 the flag must be absent instead.
    """

    id = "kubelet.network-plugin"
    family = "kubelet"
    needs = frozenset({Fact.NODES})
    wants = frozenset({Fact.NODE_FILES, Fact.VERSION, Fact.KOPS_CLUSTER, Fact.WORKLOADS})
    explains = frozenset({Signal.KUBELET_NETWORK_PLUGIN})
    codes = {
        "ok": Code(
            "the kubelet's network flags fit the Kubernetes version and the networking mode",
        ),
        "nothing-to-judge": Code(
            "no kubelet flags or kubelet status on any node",
            fix=(
                "Collect the kubelets' arguments (nodes/<node>/kubelet.cmdline from "
                "/proc/$(pgrep -x kubelet)/cmdline, /etc/sysconfig/kubelet) into the bundle, "
                "or run with --probe: no node had flags or a status to judge."
            ),
        ),
        "no-flags": Code(
            "no kubelet flags collected for the node, and no status it posts",
            fix=(
                "Collect the kubelet's arguments into the bundle (nodes/<node>/kubelet.cmdline "
                "from /proc/$(pgrep -x kubelet)/cmdline, or /etc/sysconfig/kubelet), or run "
                "with --probe, so its network flags can be judged."
            ),
        ),
        "version-unknown": Code(
            "the Kubernetes version is unknown: which flags apply cannot be told",
            fix=(
                "Give kopscheck the Kubernetes version: collect cluster-info/version.json "
                "(kubectl version -o json) or the kops spec (kops get cluster -o yaml)."
            ),
        ),
        "refuses-removed-flag": Code(
            "the kubelet log shows it refusing a flag removed in 1.24",
            fix=(
                "Remove --network-plugin and the other flags the log says the kubelet refuses "
                "(removed in Kubernetes 1.24) from its arguments (/etc/sysconfig/kubelet "
                "DAEMON_ARGS, kops spec.kubelet), then kops rolling-update cluster --yes."
            ),
        ),
        "removed-flag-given": Code(
            "a 1.24+ kubelet is given --network-plugin or another removed flag",
            fix=(
                "Remove --network-plugin and the other flags Kubernetes 1.24 removed from the "
                "kubelet's arguments (kops spec.kubelet.networkPluginName; on a node, "
                "/etc/sysconfig/kubelet), then kops rolling-update cluster --yes."
            ),
        ),
        "no-op-plugin": Code(
            "the kubelet runs the no-op network plugin (--network-plugin missing)",
            fix=(
                "Give the kubelet --network-plugin=cni (kubenet for the kubenet mode): kops "
                "sets it from spec.networking, so look for a blank "
                "spec.kubelet.networkPluginName."
            ),
        ),
        "missing-flag": Code(
            "no --network-plugin before 1.24 with dockershim",
            fix=(
                "Set --network-plugin on the dockershim kubelet (cni, or kubenet for the "
                "kubenet mode) through spec.kubelet.networkPluginName, then kops "
                "rolling-update cluster --yes."
            ),
        ),
        "wrong-plugin": Code(
            "--network-plugin is not the value the networking mode needs",
            fix=(
                "Make the kubelet's --network-plugin match the mode (cni for a CNI provider, "
                "kubenet for kubenet): fix spec.kubelet.networkPluginName or drop it so kops "
                "derives it, then kops rolling-update cluster --yes."
            ),
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        mode = context.networking
        ctx = Context(
            mode.spec if mode else None, kubernetes_version(snapshot), snapshot.kops_cluster
        )
        nodes = context.nodes_by_name
        files = files_by_node(snapshot.nodes or (), snapshot.node_files)
        findings = [
            _judge(name, nodes.get(name), files.get(name), ctx) for name in sorted({*nodes, *files})
        ]
        findings.sort(key=lambda f: f.status is Status.SKIP)
        bad = [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
        judged = [f for f in findings if f.status is not Status.SKIP]
        if not judged:
            skip = Finding(
                Status.SKIP,
                "no kubelet flags or status to judge on any node",
                code="nothing-to-judge",
            )
            return Verdict(
                "kubelet flags not collected (nodes/<node>/kubelet.cmdline, sysconfig-kubelet)",
                (skip, *findings),
                remediation="collect /proc/$(pgrep kubelet)/cmdline and /etc/sysconfig/kubelet "
                "into nodes/<node>/ of the bundle, or run with --probe",
            )
        if not bad:
            return Verdict(f"{len(judged)} node(s) OK: {_expectation(ctx)}", tuple(findings))
        return Verdict(_summary(bad, len(judged)), tuple(findings))


def _summary(bad: list[Finding], judged: int) -> str:
    groups: dict[str, list[str]] = {}
    for finding in bad:
        groups.setdefault(finding.message, []).append(
            finding.object.name if finding.object else "?"
        )
    parts = [f"{message}: {', '.join(names[:5])}" for message, names in groups.items()]
    return f"{len(bad)} of {judged} node(s) deviate; " + "; ".join(parts[:3])


def _expectation(ctx: Context) -> str:
    version = ctx.cluster_version
    if version and version.minor >= FLAG_REMOVED:
        return f"no --network-plugin on Kubernetes {version.text}"
    wanted = _wanted(ctx.mode)
    return f"--network-plugin={wanted}" if wanted else "--network-plugin set as the mode needs"


def _wanted(mode: Mode | None) -> str | None:
    if mode is None:
        return None
    return "kubenet" if mode.uses_kubenet else "cni"


def _judge(name: str, node: Node | None, files: NodeFiles | None, ctx: Context) -> Finding:
    # About the kubelet on that node, not the Node: whether its runtime has a CNI config is
    # cni.node-config's subject, and NotReady nodes are node.network-ready's.
    ref = ObjectRef("Kubelet", name)
    version, vtext = _node_version(node, ctx)
    flags = read_flags(files, ctx.kops)
    log = (files.kubelet_log if files else None) or ""
    refused = [m for m in REFUSED.finditer(log) if m.group(1) in REMOVED_IN_1_24]
    evidence: dict[str, JSON] = {
        "kubelet_version": vtext,
        "flag_source": flags.source if flags else None,
        "flag_line": flags.line if flags else None,
        "network_plugin": flags.network_plugin if flags else None,
        "container_runtime": node.container_runtime if node else None,
    }
    skew = version_skew(node, ctx.cluster_version)
    if skew:
        evidence["version_skew"] = skew
    if refused:
        evidence["log"] = _line_of(log, refused[-1].start())
        message = f"kubelet refuses --{refused[-1].group(1)} (removed in 1.24) and does not start"
        if flags is not None and flags.removed:
            message += f": {flags.source} has {' '.join(flags.removed)}"
        return _failing(message, ref, evidence, "refuses-removed-flag")
    if version is not None and version >= FLAG_REMOVED:
        return _modern(ref, node, flags, vtext, evidence)
    if version is None:
        return Finding(
            Status.SKIP,
            "Kubernetes version unknown: cannot tell which flags apply",
            ref,
            evidence,
            code="version-unknown",
        )
    return _legacy(ref, node, flags, ctx, log, evidence)


def _failing(
    message: str, ref: ObjectRef, evidence: dict[str, JSON], code: str, warn: bool = False
) -> Finding:
    """A deviating kubelet; an unsupported version skew is said where it explains the flags."""
    skew = evidence.get("version_skew")
    if skew:
        message += f" ({skew})"
    status = Status.WARN if warn else Status.FAIL
    signals = (Signal.KUBELET_NETWORK_PLUGIN,)
    return Finding(status, message, ref, evidence, signals=signals, code=code)


def version_skew(node: Node | None, cluster: KubeVersion | None) -> str | None:
    """Kubelets must not be newer than the API server; say so when one is."""
    kubelet = parse_minor(node.kubelet_version) if node else None
    if node is None or kubelet is None or cluster is None or cluster.source != "API server":
        return None
    if kubelet <= cluster.minor:
        return None
    return (
        f"kubelet {node.kubelet_version} is newer than the API server {cluster.text}: an"
        " unsupported version skew, upgrade the control plane first"
    )


def _node_version(node: Node | None, ctx: Context) -> tuple[MinorVersion | None, str]:
    """The node's own kubelet version when it reports one, else the cluster's."""
    if node is not None and parse_minor(node.kubelet_version):
        return parse_minor(node.kubelet_version), node.kubelet_version
    if ctx.cluster_version is not None:
        return ctx.cluster_version.minor, ctx.cluster_version.text
    return None, "unknown"


def _modern(
    ref: ObjectRef,
    node: Node | None,
    flags: KubeletFlags | None,
    vtext: str,
    evidence: dict[str, JSON],
) -> Finding:
    """1.24+: no dockershim network flags."""
    if flags is not None and flags.removed:
        removed = " ".join(flags.removed)
        later = " after its next restart" if _running(node) else ""
        message = f"kubelet {vtext} is given {removed} ({flags.source}): it will not start{later}"
        return _failing(message, ref, evidence, "removed-flag-given")
    if flags is not None:
        return Finding(
            Status.PASS,
            f"kubelet {vtext}: no --network-plugin ({flags.source})",
            ref,
            evidence,
            code="ok",
        )
    if not _running(node):
        return Finding(
            Status.SKIP,
            "no kubelet flags collected and the kubelet posts no status",
            ref,
            evidence,
            code="no-flags",
        )
    message = f"kubelet {vtext}: running, so it accepted its flags"
    return Finding(Status.PASS, message, ref, evidence, code="ok")


def _legacy(
    ref: ObjectRef,
    node: Node | None,
    flags: KubeletFlags | None,
    ctx: Context,
    log: str,
    evidence: dict[str, JSON],
) -> Finding:
    """Before 1.24: --network-plugin=cni or kubenet; dockershim depends on it."""
    wanted = _wanted(ctx.mode)
    docker = _dockershim(node, flags)
    value = flags.network_plugin if flags else None
    if NO_OP in log:
        evidence["log"] = _line_of(log, log.index(NO_OP))
        message = "kubelet uses the no-op network plugin: --network-plugin is missing"
        return _failing(message, ref, evidence, "no-op-plugin")
    if flags is None:
        return Finding(Status.SKIP, "no kubelet flags collected", ref, evidence, code="no-flags")
    if value is None and docker is not False:
        message = f"no --network-plugin ({flags.source}): dockershim falls back to the no-op plugin"
        return _failing(message, ref, evidence, "missing-flag", warn=docker is None)
    if value is not None and wanted and value != wanted:
        message = f"--network-plugin={value} ({flags.source}), the mode needs {wanted}"
        return _failing(message, ref, evidence, "wrong-plugin", warn=docker is False)
    shown = (
        f"--network-plugin={value}" if value else "no --network-plugin (ignored by remote runtimes)"
    )
    return Finding(Status.PASS, f"{shown} ({flags.source})", ref, evidence, code="ok")


def _dockershim(node: Node | None, flags: KubeletFlags | None) -> bool | None:
    if node is not None and node.container_runtime:
        return node.container_runtime.startswith("docker://")
    remote = flags.remote_runtime if flags else None
    return None if remote is None else not remote


def _running(node: Node | None) -> bool:
    """The kubelet posts the node's status: Ready, or NotReady in its own words (a stopped
    kubelet leaves the node controller's NodeStatusUnknown)."""
    cond = node.condition("Ready") if node else None
    if cond is None:
        return False
    return cond.status == "True" or (cond.status == "False" and cond.reason == "KubeletNotReady")


def _line_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end != -1 else len(text)].strip()
