from __future__ import annotations

from collections.abc import Mapping

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.networking import cloud_provider, spec_keys, spec_mode
from kopscheck.knowledge.networking_modes import Mode, mode_for_alias
from kopscheck.knowledge.versions import (
    KopsVersion,
    MinorVersion,
    kops_kubernetes_version,
    kops_version,
    show,
)
from kopscheck.model.facts import JSON, Fact, KopsCluster, ObjectRef, Snapshot
from kopscheck.model.results import Code, Finding, Status, Verdict


class NetworkingSupported(Check):
    """The kops networking mode is valid for the cluster's Kubernetes and kops versions.

    Why: kops accepts one networking mode in spec.networking and has dropped several over time:
    weave is rejected for Kubernetes 1.23 and later and gone since kops 1.28, canal for 1.28 and
    later, external for 1.26 and later, romana, lyftvpc and classic long before; flannel was
    blocked for Kubernetes 1.28+ by kops 1.28 to 1.32. A cluster on such a mode cannot be updated
    or upgraded, AWS-only modes (amazonvpc, cilium-eni) or the GCE mode fail elsewhere, and kops
    refuses kubenet in a private topology.

    Fix: migrate to a networking mode kops supports before upgrading. Set exactly one key under
    spec.networking (e.g. `cilium: {}` or `calico: {}`) with `kops edit cluster`, then
    `kops update cluster --yes` and `kops rolling-update cluster --yes` (kops docs "Modifying
    the Network Plugin of an Existing Cluster"). Keep the kops release that still supports the
    old mode until the migration is done.

    Step: "Specifying a Network Plugin at Cluster Creation" (the --networking values kops accepts).
    """

    id = "kops.networking-supported"
    family = "kops"
    needs = frozenset({Fact.KOPS_CLUSTER})
    wants = frozenset({Fact.VERSION, Fact.WORKLOADS})
    explains: frozenset[str] = frozenset()
    codes = {
        "valid": Code(
            "the networking mode is valid for the cluster's Kubernetes and kops versions",
        ),
        "no-mode": Code(
            "spec.networking names no networking mode",
            fix=(
                "Set exactly one networking mode in the kops spec (kops edit cluster: "
                "spec.networking, e.g. `calico: {}`), then kops update cluster --yes."
            ),
        ),
        "several-modes": Code(
            "spec.networking names more than one mode (kops permits one)",
            fix=(
                "Keep exactly one mode under spec.networking (kops edit cluster) and delete "
                "the others: kops refuses a spec naming two."
            ),
        ),
        "removed-from-kops": Code(
            "the kops version in use removed this networking mode",
            fix=(
                "Move the cluster to a mode this kops supports before upgrading kops"
                ' ("Modifying the Network Plugin of an Existing Cluster"), or stay on the kops'
                " release that still ships the mode."
            ),
        ),
        "removed-for-kubernetes": Code(
            "the Kubernetes version needs a kops that removed this mode",
            fix=(
                "Move to a mode the newer kops supports before upgrading Kubernetes past the "
                "version this mode allows; the kops release notes name the replacement."
            ),
        ),
        "forbidden-for-kubernetes": Code(
            "kops rejects this mode for the cluster's Kubernetes version",
            fix=(
                "Pick a networking mode kops accepts for this Kubernetes version (kops edit "
                "cluster: spec.networking), or stay on a Kubernetes version the mode still "
                "allows."
            ),
        ),
        "needs-newer-kops": Code(
            "the mode needs a newer kops than the one in use",
            fix=(
                "Upgrade kops to a release that knows this networking mode, or choose a mode "
                "the kops in use supports."
            ),
        ),
        "wrong-cloud": Code(
            "the mode does not run on the cluster's cloud provider",
            fix=(
                "Choose a mode that runs on the cluster's cloud (amazonvpc is AWS-only; "
                "kubenet needs a cloud route controller), then kops update cluster --yes."
            ),
        ),
        "no-ipv6": Code(
            "the mode does not support IPv6 clusters",
            fix=(
                "For an IPv6 cluster choose a mode with IPv6 support (calico or cilium), or "
                "create the cluster with IPv4."
            ),
        ),
        "private-topology": Code(
            "the mode does not support a private topology (kops refuses kubenet there)",
            "Use a CNI provider such as calico or cilium for a private topology, or make the"
            " topology public.",
        ),
        "unknown-override": Code(
            "--networking names a mode kops does not know",
            fix=(
                "Give --networking a mode kops knows (kopscheck check --help lists them), or "
                "leave it out to use the kops spec's mode."
            ),
        ),
        "override-disagrees": Code(
            "--networking disagrees with the kops spec's mode",
            fix="`--networking` names another mode than the kops spec: drop the flag to check"
            " the cluster as it is configured, or pass the mode the spec names. The cluster"
            " itself needs no change for this.",
        ),
    }

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        cluster = snapshot.kops_cluster
        assert cluster is not None  # guaranteed by `needs`
        ref = ObjectRef("Cluster", cluster.name or "(unnamed)")
        keys = spec_keys(cluster.networking)
        if len(keys) != 1:
            return _bad_keys(ref, keys, cluster)
        found = spec_mode(cluster.networking)
        assert found is not None  # one key names a mode
        key, mode = found
        versions = _kubernetes_versions(snapshot)
        kops = kops_version(snapshot)
        problems = _version_problems(mode, versions, kops) + _platform_problems(mode, cluster)
        evidence: dict[str, JSON] = {
            "mode": mode.name,
            "spec_key": f"spec.networking.{key}",
            "status": mode.status,
            "kubernetes": {source: text for source, (_, text) in versions.items()},
            "kops": kops.text if kops else None,
            "kops_source": kops.source if kops else None,
        }
        findings = [Finding(Status.FAIL, p, ref, evidence, code=code) for code, p in problems]
        findings += _override(context.networking_flag, mode, ref)
        if problems:
            return Verdict(f"{mode.name} is not valid here: {problems[0][1]}", tuple(findings))
        message = _valid_message(mode, versions, kops)
        findings.insert(0, Finding(Status.PASS, message, ref, evidence, code="valid"))
        return Verdict(message, tuple(findings))


def _bad_keys(ref: ObjectRef, keys: list[str], cluster: KopsCluster) -> Verdict:
    evidence: dict[str, JSON] = {"spec.networking": sorted(cluster.networking)}
    if not keys:
        code, message = (
            "no-mode",
            "spec.networking names no networking mode (kops: no networking mode set)",
        )
    else:
        code, message = (
            "several-modes",
            f"spec.networking sets {' and '.join(keys)}; kops permits only one mode",
        )
    return Verdict(message, (Finding(Status.FAIL, message, ref, evidence, code=code),))


def _kubernetes_versions(snapshot: Snapshot) -> dict[str, tuple[MinorVersion, str]]:
    """The spec's target version and the running API server's, when known."""
    found: dict[str, tuple[MinorVersion, str]] = {}
    spec = kops_kubernetes_version(snapshot)
    if spec is not None:
        found["kops spec"] = (spec.minor, spec.text)
    if snapshot.version is not None:
        minor = (snapshot.version.major, snapshot.version.minor)
        found["API server"] = (minor, snapshot.version.git_version)
    return found


def _version_problems(
    mode: Mode, versions: dict[str, tuple[MinorVersion, str]], kops: KopsVersion | None
) -> list[tuple[str, str]]:
    newest = max((minor for minor, _ in versions.values()), default=None)
    where = ", ".join(f"{source} {text}" for source, (_, text) in versions.items())
    problems = []
    if mode.removed_in_kops and kops and kops.minor >= mode.removed_in_kops:
        problems.append(
            (
                "removed-from-kops",
                f"kops {kops.text} no longer supports {mode.name} (removed in kops"
                f" {show(mode.removed_in_kops)}): {mode.kops_message}",
            )
        )
    elif mode.removed_in_kops and newest and newest >= mode.removed_in_kops and not kops:
        problems.append(
            (
                "removed-for-kubernetes",
                f"Kubernetes {show(newest)} needs kops {show(newest)} or later, which no longer"
                f" supports {mode.name} (removed in kops {show(mode.removed_in_kops)})",
            )
        )
    if mode.forbidden_from and newest and newest >= mode.forbidden_from:
        lifted = mode.allowed_again_in_kops
        if not lifted or (kops is not None and kops.minor < lifted):
            problems.append(
                (
                    "forbidden-for-kubernetes",
                    f"kops rejects {mode.name} for Kubernetes {show(mode.forbidden_from)} and later"
                    f" ({where}): {mode.kops_message}",
                )
            )
    if mode.min_kops and kops and kops.minor < mode.min_kops:
        problems.append(
            (
                "needs-newer-kops",
                f"{mode.name} needs kops {show(mode.min_kops)} or later, not {kops.text}",
            )
        )
    return list(dict.fromkeys(problems))


def _platform_problems(mode: Mode, cluster: KopsCluster) -> list[tuple[str, str]]:
    problems = []
    cloud = cloud_provider(cluster)
    if mode.clouds and cloud and cloud not in mode.clouds:
        problems.append(
            ("wrong-cloud", f"{mode.name} runs only on {'/'.join(mode.clouds)}, not on {cloud}")
        )
    if not mode.ipv6 and _ipv6(cluster):
        problems.append(
            ("no-ipv6", f"{mode.name} does not support IPv6 clusters (nonMasqueradeCIDR ::/0)")
        )
    if not mode.private_topology and _private(cluster):
        problems.append(
            (
                "private-topology",
                f'{mode.name} does not support private topology (kops: "invalid networking'
                f' option {mode.name}. Kubenet does not support private topology")',
            )
        )
    return problems


def _private(cluster: KopsCluster) -> bool:
    """Private subnets (kops 1.2x+), or the older `topology.nodes: private`."""
    subnets = cluster.spec.get("subnets")
    listed = subnets if isinstance(subnets, list | tuple) else ()
    if any(isinstance(s, Mapping) and s.get("type") == "Private" for s in listed):
        return True
    topology = cluster.spec.get("topology")
    return isinstance(topology, Mapping) and topology.get("nodes") == "private"


def _ipv6(cluster: KopsCluster) -> bool:
    cidr = cluster.spec.get("nonMasqueradeCIDR") or cluster.networking.get("nonMasqueradeCIDR")
    return isinstance(cidr, str) and ":" in cidr


def _override(value: str | None, mode: Mode, ref: ObjectRef) -> list[Finding]:
    """The user's --networking against the spec's mode."""
    if not value:
        return []
    wanted = mode_for_alias(value)
    if wanted is None:
        message = f"--networking {value}: unknown networking mode (kops would refuse it too)"
        return [Finding(Status.FAIL, message, ref, {"override": value}, code="unknown-override")]
    if wanted.name != mode.name:
        message = (
            f"--networking {value} overrides the spec's {mode.name}: checks expect"
            f" {wanted.name}, the cluster is configured for {mode.name}"
        )
        evidence: dict[str, JSON] = {"override": value, "spec": mode.name}
        return [Finding(Status.WARN, message, ref, evidence, code="override-disagrees")]
    return []


def _valid_message(
    mode: Mode, versions: dict[str, tuple[MinorVersion, str]], kops: KopsVersion | None
) -> str:
    message = f"{mode.name} ({mode.status}) is valid"
    shown = versions.get("kops spec") or versions.get("API server")
    if shown:
        message += f" for Kubernetes {shown[1]}"
    if kops:
        message += f" with kops {kops.text}"
    newest = max((minor for minor, _ in versions.values()), default=(0, 0))
    lifted, forbidden, removed = (
        mode.allowed_again_in_kops,
        mode.forbidden_from,
        mode.removed_in_kops,
    )
    if lifted and forbidden and newest >= forbidden:
        message += f" (kops {show(lifted)} or later is needed for Kubernetes {show(forbidden)}+)"
    elif forbidden and not lifted:
        message += f"; kops rejects it from Kubernetes {show(forbidden)}: migrate before upgrading"
    elif removed:
        message += f"; kops {show(removed)} removed it: migrate before upgrading kops"
    return message
