from __future__ import annotations

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cni_provider import nodes_without_cni, working_pod_network
from kopscheck.knowledge.networking import (
    NetworkingMode,
    expected_components,
    user_providers,
)
from kopscheck.knowledge.networking_modes import Component, Mode
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Fact, ObjectRef, Snapshot, Workload
from kopscheck.model.results import Code, Finding, Status, Verdict


class ProviderDeployed(Check):
    """The CNI provider the networking mode needs is deployed.

    Why: pod networking and pod IP addresses come from the CNI provider. kops deploys it as an
    addon for calico, cilium, amazonvpc, flannel, kube-router, kopeio and kindnet; with
    `--networking cni` kops installs nothing and every node stays NotReady ("cni plugin not
    initialized") until you deploy one, so kube-dns/CoreDNS cannot start either. kubenet and
    gce need no provider pods at all.

    Fix: deploy the CNI provider the networking mode needs. With `cni` that is yours to install
    (its Helm chart, operator or manifest, e.g. Calico's tigera-operator or `cilium install`);
    the nodes turn Ready within a minute. For a kops-managed mode, re-apply the addons with
    `kops update cluster --yes` and look at
    `kubectl -n kube-system get ds,deploy -l role.kubernetes.io/networking=1`; if the spec and
    the cluster disagree, fix spec.networking or pass the right `--networking`.

    Step: "You will notice that kube-dns fails to start properly until you deploy your CNI
    provider" (Troubleshooting, Validating CNI Installation).
    """

    id = "cni.provider-deployed"
    family = "cni"
    needs = frozenset({Fact.WORKLOADS})
    wants = frozenset({Fact.KOPS_CLUSTER, Fact.NODES, Fact.PODS})
    explains = frozenset(
        {Signal.CNI_NOT_INITIALIZED, Signal.CNI_AGENT_NOT_RUNNING, Signal.CNI_BINARY_MISSING}
    )
    codes = {
        "deployed": Code("a component the networking mode needs is deployed"),
        "user-provider": Code("networking cni: a user-deployed provider runs"),
        "no-provider-needed": Code("the mode needs no provider pods and none runs"),
        "component-not-detected": Code(
            "a component kops's addon would deploy is absent (the mode was only detected)",
            fix=(
                "Re-apply the networking addon (kops update cluster --yes) so the missing "
                "component is deployed, or pass --networking if the mode was guessed wrongly."
            ),
        ),
        "static-pods": Code("the mode's static pods are present"),
        "no-provider": Code(
            "networking cni and no CNI provider is deployed: nodes stay NotReady",
            fix="Deploy a CNI provider (calico, cilium, ...) as its "
            "documentation says; kops installs none in `cni` mode. Nodes "
            "turn Ready and kube-dns starts once it runs.",
        ),
        "unrecognised-provider": Code(
            "networking cni: no provider recognised, yet every node's runtime network works",
            fix=(
                "Pass --networking (or give the kops spec) so the provider that runs can be "
                "checked against the mode the cluster should have."
            ),
        ),
        "unexpected-provider": Code(
            "a CNI provider runs although the mode needs none",
            fix="If `--networking` is what disagrees, pass the mode the cluster runs (or drop"
            " the flag). If the mode is right, remove the other provider: its DaemonSet and its"
            " file in /etc/cni/net.d on every node.",
        ),
        "missing-component": Code(
            "a component the networking mode needs is not deployed",
            fix=(
                "Re-apply the networking addon: kops update cluster --yes (the channels tool "
                "re-creates it); if it was deleted by hand, compare with the addon manifest in "
                "the state store."
            ),
        ),
        "missing-static-pod": Code(
            "a static pod the mode needs runs on no control-plane node",
            fix=(
                "Look for the mode's static pod in /etc/kubernetes/manifests on the "
                "control-plane nodes and read their kubelet log; kops rolling-update cluster "
                "--instance-group CONTROL_PLANE_IG --yes re-creates it."
            ),
        ),
        "second-provider": Code(
            "another provider's agent runs next to the mode's own",
            fix=(
                "Remove the second provider (its DaemonSet, and its config in /etc/cni/net.d "
                "on every node): two providers fight over every pod's network."
            ),
        ),
        "unknown-mode-no-provider": Code(
            "the mode is unknown, no provider runs and nodes report no CNI config",
            fix=(
                "Deploy a CNI provider (calico, cilium, ...), or pass --networking so "
                "kopscheck knows which one to expect: no provider runs and the nodes report no "
                "CNI config."
            ),
        ),
        "pod-network-without-provider": Code(
            "mode unknown, no provider pods, and every node's pod network works without any",
        ),
        "unknown-mode": Code(
            "the mode is unknown: which provider to expect cannot be told",
            fix="Pass `--networking MODE` (the kops spec's spec.networking), or add"
            " kops/cluster.yaml to the bundle, so kopscheck knows which provider to expect.",
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        mode = context.networking
        waiting = nodes_without_cni(snapshot.nodes or ())
        if mode is None or mode.spec is None:
            return _unknown_mode(snapshot, mode, waiting)
        spec = mode.spec
        if spec.any_provider:
            return _any_provider(snapshot, mode, waiting)
        if not spec.components:
            return _no_provider_mode(snapshot, mode)
        findings = _component_findings(snapshot, mode, spec)
        findings += _static_pods(snapshot, spec)
        findings += _intruders(snapshot, spec, {f.object for f in findings})
        missing = [f for f in findings if f.status is Status.FAIL]
        if missing:
            names = ", ".join(str(f.object) for f in missing)
            summary = f"{mode.name} ({_from(mode)}) is not fully deployed: missing {names}"
            if waiting:
                summary += f"; {len(waiting)} node(s) report no CNI config"
            return Verdict(summary, tuple(findings))
        found = [f for f in findings if f.status is Status.PASS and not f.evidence.get("missing")]
        notes = [str(f.object) for f in findings if f.evidence.get("missing")]
        summary = f"{mode.name} ({_from(mode)}) deployed: " + ", ".join(
            str(f.object) for f in found
        )
        if notes:
            summary += f" (not found: {', '.join(notes)})"
        return Verdict(summary, tuple(findings))


def _from(mode: NetworkingMode) -> str:
    return f"from {mode.source}" if mode.source != "deployed" else "detected from the cluster"


def _evidence(
    snapshot: Snapshot, mode: NetworkingMode | None, waiting: list[str]
) -> dict[str, JSON]:
    daemonsets = [str(w.ref) for w in snapshot.workloads or () if w.kind == "DaemonSet"]
    return {
        "mode": mode.name if mode else None,
        "mode_source": mode.source if mode else None,
        "mode_detail": mode.detail if mode else None,
        "daemonsets": daemonsets,
        "nodes_without_cni_config": waiting,
    }


def _any_provider(snapshot: Snapshot, mode: NetworkingMode, waiting: list[str]) -> Verdict:
    """`cni`: kops installs nothing; some provider the user deployed must be there."""
    evidence = _evidence(snapshot, mode, waiting)
    providers = user_providers(snapshot.workloads or ())
    ref = ObjectRef("Networking", mode.name)
    if providers:
        findings = tuple(
            Finding(
                Status.PASS,
                f"user-deployed {p.name}: {w.ref} ({_counts(w)})",
                w.ref,
                evidence,
                code="user-provider",
            )
            for p, w in providers
        )
        names = ", ".join(f"{p.name} ({w.ref})" for p, w in providers)
        return Verdict(f"networking cni with a user-deployed provider: {names}", findings)
    if waiting or not snapshot.nodes:
        message = (
            "networking is `cni` and no CNI provider is deployed: kops installs none, so nodes"
            " stay NotReady and kube-dns cannot start until you deploy one"
        )
        if waiting:
            message += f" ({len(waiting)} node(s) report no CNI config: {', '.join(waiting[:5])})"
        return Verdict(message, (Finding(Status.FAIL, message, ref, evidence, code="no-provider"),))
    message = (
        "networking is `cni` and kopscheck recognises no provider DaemonSet, but every node"
        " reports a working runtime network: check which provider runs here"
    )
    return Verdict(
        message, (Finding(Status.WARN, message, ref, evidence, code="unrecognised-provider"),)
    )


def _no_provider_mode(snapshot: Snapshot, mode: NetworkingMode) -> Verdict:
    """kubenet, gce, external, lyftvpc, classic: kops deploys no provider pods."""
    spec = mode.spec
    assert spec is not None
    how = "kubelet kubenet with cloud routes" if spec.cloud_routes else "the kubelet and runtime"
    others = user_providers(snapshot.workloads or ())
    if not others:
        message = f"{mode.name} needs no CNI provider pods (pod networking from {how})"
        return Verdict(
            message,
            (
                Finding(
                    Status.PASS,
                    message,
                    ObjectRef("Networking", mode.name),
                    code="no-provider-needed",
                ),
            ),
        )
    findings = tuple(
        Finding(
            Status.WARN,
            f"{p.name} runs although the mode is {mode.name}: two network setups may fight over"
            " /etc/cni/net.d and pod routes",
            w.ref,
            {"mode": mode.name, "mode_source": mode.source, "provider": p.name},
            code="unexpected-provider",
        )
        for p, w in others
    )
    names = ", ".join(str(w.ref) for _, w in others)
    return Verdict(f"{mode.name} ({_from(mode)}) but a CNI provider is deployed: {names}", findings)


def _component_findings(snapshot: Snapshot, mode: NetworkingMode, spec: Mode) -> list[Finding]:
    waiting = nodes_without_cni(snapshot.nodes or ())
    findings = []
    for expected in expected_components(snapshot, spec):
        c, w = expected.component, expected.workload
        ref = ObjectRef(c.kind, c.name, c.namespace)
        evidence = _evidence(snapshot, mode, waiting) | {"selector": dict(c.selector)}
        if w is None:
            findings.append(_missing(c, spec, mode, ref, evidence))
            continue
        where = "" if w.namespace == c.namespace else f" (in {w.namespace}, not {c.namespace})"
        message = f"{w.kind} {w.namespace}/{w.name} deployed{where}: {_counts(w)}"
        findings.append(
            Finding(Status.PASS, message, w.ref, {"addon": spec.addon}, code="deployed")
        )
    return findings


def _missing(
    c: Component, spec: Mode, mode: NetworkingMode, ref: ObjectRef, evidence: dict[str, JSON]
) -> Finding:
    """A missing node agent always fails. Without the spec or the flag saying the cluster runs
    kops's addon (the mode was only recognised from what runs), another missing component is
    a note: the user may have deployed the provider their own way."""
    message = f"{c.kind} {c.namespace}/{c.name} of {spec.name} is not deployed"
    if c.per_node or mode.source != "deployed":
        return Finding(Status.FAIL, message, ref, evidence, code="missing-component")
    note = f"{message} (kops's {spec.name} addon would deploy it; the mode was only detected)"
    return Finding(
        Status.PASS, note, ref, evidence | {"missing": True}, code="component-not-detected"
    )


def _static_pods(snapshot: Snapshot, spec: Mode) -> list[Finding]:
    """cilium-etcd's etcd-manager-cilium runs as a static pod on control-plane nodes."""
    findings = []
    for c in (c for c in spec.components if c.kind == "StaticPod"):
        if snapshot.pods is None:
            continue
        pods = [
            p for p in snapshot.pods if all(p.labels.get(k) == v for k, v in c.selector.items())
        ]
        ref = ObjectRef("Pod", c.name, c.namespace)
        if pods:
            names = ", ".join(p.name for p in pods)
            findings.append(
                Finding(Status.PASS, f"static pods {names} present", ref, code="static-pods")
            )
        else:
            message = f"no {c.name} static pod on any control-plane node ({spec.name} needs it)"
            findings.append(
                Finding(
                    Status.FAIL,
                    message,
                    ref,
                    {"selector": dict(c.selector)},
                    code="missing-static-pod",
                )
            )
    return findings


def _intruders(snapshot: Snapshot, spec: Mode, ours: set[ObjectRef | None]) -> list[Finding]:
    """Another provider's agent next to the mode's own (a half-done migration)."""
    findings = []
    for provider, w in user_providers(snapshot.workloads or ()):
        if w.ref in ours or any(w.name == c.name for c in spec.components):
            continue
        message = (
            f"{provider.name} ({w.ref}) runs next to {spec.name}: two CNI providers fight over"
            " /etc/cni/net.d; remove the one the spec does not name"
        )
        findings.append(
            Finding(
                Status.WARN, message, w.ref, {"provider": provider.name}, code="second-provider"
            )
        )
    return findings


def _unknown_mode(snapshot: Snapshot, mode: NetworkingMode | None, waiting: list[str]) -> Verdict:
    evidence = _evidence(snapshot, mode, waiting)
    what = (
        f"networking mode {mode.name!r} is not one kops knows"
        if mode
        else ("networking mode unknown (no --networking, no kops spec, no provider recognised)")
    )
    if waiting:
        message = (
            f"{what}, no CNI provider is deployed and {len(waiting)} node(s) report no CNI config"
        )
        return Verdict(
            message,
            (Finding(Status.FAIL, message, None, evidence, code="unknown-mode-no-provider"),),
        )
    works = working_pod_network(snapshot.nodes or (), snapshot.pods or ())
    if works and not user_providers(snapshot.workloads or ()):
        message = (
            f"{what}, and no provider pods are needed to judge: {works}; a plugin that runs no"
            " pods (bridge, host-local, or one installed on the hosts) serves this cluster"
        )
        finding = Finding(Status.PASS, message, None, evidence, code="pod-network-without-provider")
        return Verdict(message, (finding,))
    message = f"{what}: cannot tell which provider to expect; pass --networking"
    return Verdict(message, (Finding(Status.WARN, message, None, evidence, code="unknown-mode"),))


def _counts(w: Workload) -> str:
    return f"{w.ready}/{w.desired} ready"
