from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_files import (
    CONFIG_SUFFIXES,
    bin_listing,
    missing_binaries,
    plugin_types,
)
from kopscheck.knowledge.cni_provider import files_by_node, network_condition
from kopscheck.knowledge.log_lines import not_ready_lines
from kopscheck.knowledge.messages import classify
from kopscheck.knowledge.networking import NetworkingMode, user_providers, uses_node_pod_cidr
from kopscheck.knowledge.node_sysctl import IP_FORWARD_PATH, forwarding
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Condition, Fact, Node, NodeFiles, ObjectRef, Snapshot
from kopscheck.model.results import Code, Finding, Status, Verdict


class NodeConfig(Check):
    """No node reports a missing or uninitialised CNI config.

    Why: the container runtime sets up every pod's network from the first config file in
    /etc/cni/net.d, which the CNI provider's agent writes when it starts. Until then the runtime
    reports NetworkReady=false and the kubelet keeps the node NotReady; containerd says "cni
    plugin not initialized", dockershim "cni config uninitialized", CRI-O "No CNI configuration
    file in /etc/cni/net.d/. Has your network provider started?". A leftover config from an
    earlier provider that sorts first silently wins over the current one. Every plugin and IPAM
    `type` of that first config (.conf, .conflist, .json, in lexical order, as containerd picks
    it) must be an executable in /opt/cni/bin, or every sandbox fails with `failed to find
    plugin "ptp" in path [/opt/cni/bin]` while the node stays Ready. The node must also
    forward IPv4 (/proc/sys/net/ipv4/ip_forward is 1, as the node agent reads it with
    `--probe`): with it 0 the kernel drops every packet it would route between the node's
    interface and its pods' veths, so pods reach no pod on another node and no other node
    reaches them, while every config looks right (forwarding-off, judged only where the value
    was read as 0 or 1).

    Fix: get the CNI provider's agent running on the nodes listed. It writes the config within
    seconds (`kubectl -n kube-system logs` of its pod on that node; its install-cni init
    container writes the file). Remove stale files of a former provider from /etc/cni/net.d
    and restart the runtime. A missing plugin binary: reinstall the CNI plugins on that node
    (kops: nodeup installs them; replace the instance), or let the provider's install-cni
    container copy its own. kubenet: the node needs a podCIDR (kube-controller-manager
    --allocate-node-cidrs) before containerd can render its config. IPv4 forwarding off:
    `sysctl -w net.ipv4.ip_forward=1` on the node, and persist it in /etc/sysctl.d
    (`net.ipv4.ip_forward = 1` in a file there); kops's nodeup normally sets it, so look for
    what turned it off (a hardening sysctl file, an image default) or replace the instance.

    Step: "You will notice that kube-dns fails to start properly until you deploy your CNI
    provider" (Troubleshooting, Validating CNI Installation): the node condition says why.
    """

    id = "cni.node-config"
    family = "cni"
    needs = frozenset({Fact.NODES})
    wants = frozenset({Fact.NODE_FILES, Fact.WORKLOADS, Fact.KOPS_CLUSTER})
    explains = frozenset({Signal.CNI_NOT_INITIALIZED, Signal.CNI_BINARY_MISSING})
    codes = {
        "config-ok": Code("the runtime's first CNI config is the mode's"),
        "runtime-network-ready": Code("the runtime reports its network ready"),
        "kubenet-dockershim": Code("kubenet on dockershim needs no CNI config file"),
        "not-judged": Code(
            "the kubelet stopped posting status: the node cannot be judged",
            fix=(
                "The kubelet stopped posting status: check the node is up and its kubelet runs "
                "(journalctl -u kubelet); its CNI config can be judged once it reports again."
            ),
        ),
        "no-nodes": Code(
            "the cluster reports no nodes",
            fix=(
                "No node has registered: check the instance groups' instances started and "
                "their kubelets reach the API server (kops validate cluster)."
            ),
        ),
        "not-registered": Code(
            "a node is not registered and its kubelet log says the runtime network is not ready",
            fix=(
                "Deploy or fix the CNI provider: the node never registered because its runtime "
                "network is not ready, as its kubelet log says."
            ),
        ),
        "no-pod-cidr": Code(
            "the node has no pod CIDR in a mode that gives pod IPs from it (kubenet: containerd"
            " renders its CNI config from it)",
            fix=(
                "The node needs a pod CIDR (kubectl get node NAME -o jsonpath='{.spec.podCIDR}'"
                " is empty): run kube-controller-manager with --allocate-node-cidrs=true and a "
                "--cluster-cidr (kops: spec.kubeControllerManager.allocateNodeCIDRs), and read "
                "the node's CIDRNotAvailable events."
            ),
        ),
        "no-cni-config": Code(
            "the runtime has no CNI config (condition says so)",
            fix=(
                "Deploy the CNI provider, or fix its agent on this node, so it writes its "
                "config into /etc/cni/net.d; the node turns Ready once a valid config is "
                "there."
            ),
        ),
        "invalid-config": Code(
            "the CNI config that sorts first is not valid: the runtime skips it",
            fix=(
                "Fix or remove the invalid CNI config the runtime loads first (ls "
                "/etc/cni/net.d: the lowest-sorting file wins); the provider's agent rewrites "
                "its own when restarted."
            ),
        ),
        "other-provider-config": Code(
            "a leftover config from another provider sorts first",
            fix=(
                "Delete the old provider's leftover config from /etc/cni/net.d on the node (it "
                "sorts first and wins), then restart the current provider's agent there."
            ),
        ),
        "config-dir-empty": Code(
            "the node is Ready but /etc/cni/net.d holds no config",
            fix=(
                "Look at the runtime's CNI config directory (containerd: the CRI plugin's "
                "conf_dir) and the provider's agent on the node: /etc/cni/net.d holds no "
                "config although the node is Ready."
            ),
        ),
        "forwarding-off": Code(
            "the node's IPv4 forwarding is off (ip_forward 0): no pod packet routed across nodes",
            fix=(
                "On the node: sysctl -w net.ipv4.ip_forward=1, and persist it in /etc/sysctl.d "
                "(net.ipv4.ip_forward = 1 in a .conf file there). kops's nodeup normally sets "
                "it: find what turned it off (a hardening sysctl file, the image) or replace "
                "the instance."
            ),
        ),
        "plugin-binary-missing": Code(
            "a plugin or IPAM type of the active CNI config has no executable in /opt/cni/bin",
            fix=(
                "Install the missing CNI plugin binaries into the runtime's CNI bin dir "
                "(containerd: the CRI plugin's bin_dir, /opt/cni/bin by default; kops's nodeup "
                "installs them from the containernetworking-plugins release), or fix the config "
                "that names them."
            ),
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        mode = context.networking
        expected_types = _expected_types(snapshot, mode)
        nodes = context.nodes_by_name
        files = files_by_node(snapshot.nodes or (), snapshot.node_files)
        findings = [
            finding
            for name in sorted({*nodes, *files})
            for finding in _with_forwarding(
                _judge(name, nodes.get(name), files.get(name), expected_types, mode),
                files.get(name),
            )
        ]
        findings.sort(key=lambda f: f.status is Status.SKIP)  # a skip never masks a pass
        if not findings:
            warn = Finding(Status.WARN, "the cluster reports no nodes", code="no-nodes")
            return Verdict("no nodes registered", (warn,))
        return Verdict(_summary(findings), tuple(findings))


def _summary(findings: list[Finding]) -> str:
    bad = [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
    nodes = {f.object for f in findings}
    judged = len({f.object for f in findings if f.status is not Status.SKIP})
    if not bad:
        unjudged = f", {len(nodes) - judged} not" if judged < len(nodes) else ""
        return f"no node reports a missing CNI config ({judged} judged{unjudged})"
    groups: dict[str, list[str]] = {}
    for f in bad:
        name = f.object.name if f.object else "?"
        groups.setdefault(str(f.evidence.get("problem")), []).append(name)
    parts = [f"{problem}: {', '.join(names[:5])}" for problem, names in groups.items()]
    return f"{len({f.object for f in bad})} of {len(nodes)} node(s): " + "; ".join(parts)


def _expected_types(snapshot: Snapshot, mode: NetworkingMode | None) -> tuple[str, ...]:
    """The CNI plugin types the mode's config uses (empty: unknown, do not compare)."""
    if mode is None or mode.spec is None:
        return ()
    if mode.spec.any_provider:
        found = user_providers(snapshot.workloads or ())
        return tuple(t for provider, _ in found for t in provider.cni_types)
    return mode.spec.cni_types


def _judge(
    name: str,
    node: Node | None,
    files: NodeFiles | None,
    expected: tuple[str, ...],
    mode: NetworkingMode | None,
) -> Finding:
    ref = ObjectRef("Node", name)
    log = (files.kubelet_log if files else None) or ""
    not_ready = not_ready_lines(log)
    evidence: dict[str, JSON] = {"kubelet_log": not_ready[-1].text if not_ready else None}
    cond = network_condition(node) if node else None
    if node is not None and cond is not None:
        return _condition_finding(ref, node, cond, mode, evidence)
    ready = node.condition("Ready") if node else None
    if ready is not None and ready.status == "Unknown":
        message = (
            f"not judged: the kubelet stopped posting status ({ready.message or ready.reason})"
        )
        return Finding(Status.SKIP, message, ref, evidence, code="not-judged")
    if node is None and not_ready:
        evidence["problem"] = (
            "node not registered, kubelet log says the runtime network is not ready"
        )
        return Finding(
            Status.WARN,
            str(evidence["problem"]),
            ref,
            evidence,
            signals=not_ready[-1].signals,
            code="not-registered",
        )
    configs = files.cni_configs if files else None
    if configs is None:
        resolved = " (the kubelet log shows it was not ready earlier)" if not_ready else ""
        return Finding(
            Status.PASS,
            f"runtime network ready{resolved}",
            ref,
            evidence,
            code="runtime-network-ready",
        )
    finding = _config_finding(ref, configs, expected, mode, node, evidence)
    if finding.code == "config-ok" and files is not None and files.cni_bin is not None:
        return _binaries_finding(finding, configs, files.cni_bin)
    return finding


def _condition_finding(
    ref: ObjectRef,
    node: Node,
    cond: Condition,
    mode: NetworkingMode | None,
    evidence: dict[str, JSON],
) -> Finding:
    evidence["condition"] = f"{cond.type}={cond.status} {cond.reason}: {cond.message}"
    signals = classify(cond.reason, cond.message)
    detail = cond.message.rsplit("message:", 1)[-1].strip() or cond.reason
    if Signal.NO_POD_CIDR in signals:
        evidence["problem"] = "kubenet has no pod CIDR for the node"
        message = f"kubenet has no pod CIDR: {detail}"
        return Finding(
            Status.FAIL, message, ref, evidence, signals=(Signal.NO_POD_CIDR,), code="no-pod-cidr"
        )
    if not node.pod_cidrs and uses_node_pod_cidr(mode) and mode is not None:
        # containerd renders kubenet's config from the podCIDR (nodeup's conf_template), and
        # the host-local providers need it: without one the runtime never gets a config
        evidence["problem"] = "the node has no podCIDR"
        evidence["pod_cidr"] = None
        message = (
            f"the node has no podCIDR (spec.podCIDR is empty), which {mode.name} gives pod IPs"
            f" from: no CNI config can be written, the runtime says {detail}"
        )
        return Finding(
            Status.FAIL, message, ref, evidence, signals=(Signal.NO_POD_CIDR,), code="no-pod-cidr"
        )
    evidence["problem"] = "the runtime has no CNI config"
    return Finding(
        Status.FAIL,
        f"the runtime has no CNI config: {detail}",
        ref,
        evidence,
        signals=signals,
        code="no-cni-config",
    )


def _config_finding(
    ref: ObjectRef,
    configs: Mapping[str, str],
    expected: tuple[str, ...],
    mode: NetworkingMode | None,
    node: Node | None,
    evidence: dict[str, JSON],
) -> Finding:
    """The node is Ready: check the files the runtime will load after its next restart."""
    names = sorted(n for n in configs if n.endswith(CONFIG_SUFFIXES))
    evidence["cni_configs"] = sorted(configs)
    if not names:
        return _empty_dir(ref, mode, node, evidence)
    first = names[0]
    types = plugin_types(configs[first])
    evidence["active_config"] = first
    evidence["plugin_types"] = list(types) if types is not None else None
    if types is None:
        evidence["problem"] = f"{first} is not a valid CNI config"
        message = f"{first} sorts first but is not valid JSON with plugins: the runtime skips it"
        return Finding(Status.WARN, message, ref, evidence, code="invalid-config")
    if expected and not set(types) & set(expected):
        evidence["problem"] = f"{first} belongs to another provider"
        message = (
            f"the runtime uses {first} ({', '.join(types)}), not the {mode.name if mode else ''}"
            f" config ({', '.join(expected)}): a leftover from another provider sorts first"
        )
        return Finding(Status.WARN, message, ref, evidence, code="other-provider-config")
    return Finding(
        Status.PASS, f"CNI config {first} ({', '.join(types)})", ref, evidence, code="config-ok"
    )


def _empty_dir(
    ref: ObjectRef, mode: NetworkingMode | None, node: Node | None, evidence: dict[str, JSON]
) -> Finding:
    kubenet = mode is not None and mode.spec is not None and mode.spec.uses_kubenet
    if kubenet and node is not None and node.container_runtime.startswith("docker"):
        return Finding(
            Status.PASS,
            "kubenet on dockershim needs no CNI config file",
            ref,
            evidence,
            code="kubenet-dockershim",
        )
    evidence["problem"] = "Ready, but /etc/cni/net.d holds no config"
    message = "Ready, but /etc/cni/net.d holds no config: a runtime restart loses pod networking"
    return Finding(
        Status.WARN,
        message,
        ref,
        evidence,
        signals=(Signal.CNI_NOT_INITIALIZED,),
        code="config-dir-empty",
    )


def _binaries_finding(ok: Finding, configs: Mapping[str, str], cni_bin: str) -> Finding:
    """The active config's plugin and IPAM types against the agent's `ls -l /opt/cni/bin`."""
    listing = bin_listing(cni_bin)
    if listing is None:
        return ok  # no listing read (the agent could not list the dir): judged on config only
    first = str(ok.evidence["active_config"])
    missing = missing_binaries(configs[first], listing)
    if not missing:
        return ok
    evidence = {**ok.evidence, "missing_binaries": missing, "cni_bin_dir": "/opt/cni/bin"}
    evidence["problem"] = "a CNI plugin binary is missing"
    absent = ", ".join(f'"{m}"' for m in missing)
    message = (
        f"{first} needs plugin {absent}, not found (or not executable) in /opt/cni/bin: every"
        " pod sandbox on this node fails"
    )
    return Finding(
        Status.FAIL,
        message,
        ok.object,
        evidence,
        signals=(Signal.CNI_BINARY_MISSING,),
        code="plugin-binary-missing",
    )


def _with_forwarding(finding: Finding, files: NodeFiles | None) -> list[Finding]:
    """The node's finding with its IPv4 forwarding as read: off replaces a pass (the node is
    otherwise fine) and stands beside any other problem; unreadable claims nothing."""
    read = forwarding(files.ip_forward if files else None)
    if read is None:
        return [finding]
    if read.enabled is None:
        noted = {**finding.evidence, "ip_forward": None, "ip_forward_unreadable": read.reason}
        return [replace(finding, evidence=noted)]
    if read.enabled:
        return [replace(finding, evidence={**finding.evidence, "ip_forward": 1})]
    node = finding.object.name if finding.object else ""
    evidence: dict[str, JSON] = {
        **(finding.evidence if finding.status is Status.PASS else {}),
        "node": node,
        "ip_forward": 0,
        "source_file": IP_FORWARD_PATH,
        "problem": "IPv4 forwarding is off",
    }
    off = Finding(
        Status.FAIL,
        f"IPv4 forwarding is off ({IP_FORWARD_PATH} is 0): the node drops every routed pod"
        " packet, to and from its pods across nodes",
        finding.object,
        evidence,
        code="forwarding-off",
    )
    return [off] if finding.status is Status.PASS else [finding, off]
