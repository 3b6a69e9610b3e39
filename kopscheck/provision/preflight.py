"""Preflight: before anything costs money, run kopscheck's own spec checks on what kops will build.

The spec comes from the flags (the cluster and instance groups `kops create cluster` writes for
them) and, where kops can print it, from `kops create cluster --dry-run -o yaml`. It becomes a
snapshot that the engine checks with the real `kops.networking-supported` and
`aws.route-table-capacity` (against the route table kops will create and the route quota read
from Service Quotas, or the documented default, said so). A failing check refuses the mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import Selection, build_report
from kopscheck.knowledge.networking_modes import Mode, mode_for_alias
from kopscheck.model.errors import InputError, ScanError
from kopscheck.model.facts import (
    JSON,
    Fact,
    InstanceGroup,
    KopsCluster,
    Quota,
    Route,
    RouteTable,
    Snapshot,
    Workload,
)
from kopscheck.model.results import CheckResult, Status
from kopscheck.provision.plan import ProvisionRequest, Topology

CAPACITY = "aws.route-table-capacity"
SPEC_CHECKS = frozenset({"kops.networking-supported", CAPACITY})
KOPS_NETWORK_CIDR = "172.20.0.0/16"  # kops's default networkCIDR
PLANNED_TABLE = "planned-route-table"
OLDEST_KOPS = (1, 28)
KOPS_INSTALL = "https://kops.sigs.k8s.io/getting_started/install/"


@dataclass(frozen=True, slots=True)
class SpecVerdict:
    """What the spec checks said about one mode's planned cluster."""

    mode: str
    name: str
    source: str  # "flags" or "kops create cluster --dry-run"
    results: tuple[CheckResult, ...]
    refusals: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def lines(self) -> list[str]:
        out = [f"preflight {self.name} ({self.mode}, spec from {self.source}):"]
        for result in self.results:
            out.append(f"  {result.status.value:<5} {result.check}: {result.summary}")
        out += [f"  note  {note}" for note in self.notes]
        out += [f"  REFUSED: {reason}" for reason in self.refusals]
        return out


def require_state_store(request: ProvisionRequest) -> str:
    if not request.state_store:
        raise InputError(
            "--state-store",
            "no kops state store: pass --state-store s3://BUCKET or set KOPS_STATE_STORE"
            " (kops keeps the cluster spec there)",
        )
    return request.state_store


def refuse_existing(request: ProvisionRequest, name: str) -> None:
    """A cluster of that name in the state store is not ours: never create over it (and so
    never tear it down)."""
    from kopscheck.collectors.aws.state_store import read_state

    state = read_state(request.state_store, name, request.aws_region, request.profile)
    if state.cluster is not None:
        raise InputError(
            "preflight",
            f"cluster {name} already exists in {request.state_store}: kopscheck provision only"
            " creates (and deletes) clusters of its own; choose another --name, or delete it"
            f" first with kops delete cluster --name {name} --yes",
        )
    if Fact.KOPS_CLUSTER in state.failed:
        raise ScanError(
            f"cannot tell whether cluster {name} exists: {state.missing[Fact.KOPS_CLUSTER]}"
        )


def check_kops_version(output: str) -> str:
    """The kops version from `kops version`, refused when older than the oldest supported."""
    from kopscheck.provision.runner import parse_kops_version

    found = parse_kops_version(output)
    if found is None:
        raise InputError("kops version", f"cannot read a version from {output.strip()[:200]!r}")
    major, minor, text = found
    if (major, minor) < OLDEST_KOPS:
        oldest = ".".join(map(str, OLDEST_KOPS))
        raise InputError(
            "kops version",
            f"kops {text} is older than {oldest}, the oldest kopscheck provision supports:"
            f" install kops {oldest} or later ({KOPS_INSTALL}) or pass --kops PATH",
        )
    return text


def known_mode(value: str) -> Mode:
    mode = mode_for_alias(value)
    if mode is None:
        raise InputError("--networking", f"unknown networking mode {value!r}")
    return mode


def planned_spec(
    request: ProvisionRequest, mode: str
) -> tuple[KopsCluster, tuple[InstanceGroup, ...]]:
    """The Cluster and instance groups `kops create cluster` makes of these flags."""
    found = known_mode(mode)
    networking: dict[str, JSON] = {found.spec_keys[0]: _variant(found)}
    kind = "Private" if request.topology is Topology.PRIVATE else "Public"
    spec: dict[str, JSON] = {
        "cloudProvider": "aws",
        "networkCIDR": KOPS_NETWORK_CIDR,
        "networking": networking,
        "subnets": [{"name": z, "type": kind, "zone": z} for z in request.zones],
    }
    if request.kubernetes_version:
        spec["kubernetesVersion"] = request.kubernetes_version
    name = request.cluster_name(mode)
    cluster = KopsCluster(
        name, "kops.k8s.io/v1alpha2", request.kubernetes_version or "", networking, spec
    )
    control = request.control_plane_zones or request.zones[:1]
    size = request.control_plane_size or ""
    groups = [InstanceGroup(f"control-plane-{z}", "Master", 1, 1, size, (z,)) for z in control]
    count = len(request.zones) if request.node_count is None else request.node_count
    for index, zone in enumerate(request.zones):
        per_zone = count // len(request.zones) + (1 if index < count % len(request.zones) else 0)
        if per_zone:
            groups.append(
                InstanceGroup(
                    f"nodes-{zone}", "Node", per_zone, per_zone, request.node_size or "", (zone,)
                )
            )
    return cluster, tuple(groups)


def _variant(mode: Mode) -> JSON:
    path, value = mode.variant
    if not path:
        return {}
    options: dict[str, JSON] = {}
    inner = options
    *parents, leaf = path.split(".")
    for part in parents:
        inner[part] = {}
        child = inner[part]
        assert isinstance(child, dict)
        inner = child
    inner[leaf] = value
    return options


def spec_from_dry_run(text: str, label: str) -> tuple[KopsCluster, tuple[InstanceGroup, ...]]:
    """The Cluster and InstanceGroups of `kops create cluster --dry-run -o yaml`."""
    from kopscheck.collectors.formats.kops_spec import parse_cluster, parse_instance_groups

    try:
        docs: list[object] = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise InputError(label, f"kops printed YAML that does not parse: {exc}") from None
    return parse_cluster(docs, label), parse_instance_groups(docs, label)


def uses_cloud_routes(cluster: KopsCluster) -> bool:
    from kopscheck.knowledge.networking import spec_mode

    found = spec_mode(cluster.networking)
    return found is not None and found[1].cloud_routes


def route_quota(request: ProvisionRequest, name: str) -> tuple[Quota | None, str]:
    """The applied routes-per-route-table quota (Service Quotas), or why it is not known."""
    if not request.aws:
        return None, "AWS not asked (--no-aws)"
    from kopscheck.collectors.aws.reader import collect_aws

    found = collect_aws(name, request.aws_region, request.profile)
    quota = found.fields.get("aws_route_quota")
    if isinstance(quota, Quota):
        return quota, ""
    return None, found.missing.get(Fact.AWS_ROUTE_QUOTA, "route quota not read")


def judge_spec(
    cluster: KopsCluster,
    groups: tuple[InstanceGroup, ...],
    *,
    mode: str,
    source: str,
    kops_version: str | None,
    quota: tuple[Quota | None, str],
    now: datetime | None = None,
) -> SpecVerdict:
    """Run the spec checks through the engine on the planned cluster; refuse what fails."""
    snapshot = spec_snapshot(cluster, groups, kops_version, quota, now or datetime.now(UTC))
    report = build_report(snapshot, load_checks(), Selection(select=SPEC_CHECKS))
    results = tuple(r for r in report.results if r.check in SPEC_CHECKS)
    refusals: list[str] = []
    notes: list[str] = []
    for result in results:
        if result.status is Status.FAIL and result.check != "aws.route-table-capacity":
            refusals.append(f"{result.check}: {result.summary}")
        for finding in result.findings:
            refusal, note = _capacity(result.check, finding.evidence)
            refusals += refusal
            notes += note
    return SpecVerdict(mode, cluster.name, source, results, tuple(refusals), tuple(notes))


def _capacity(check: str, evidence: Mapping[str, JSON]) -> tuple[list[str], list[str]]:
    """Refuse a planned route table whose routes at IG maxima exceed the quota, any source."""
    if check != "aws.route-table-capacity":
        return [], []
    notes = [str(evidence["quota_note"])] if evidence.get("quota_note") else []
    projected, quota = evidence.get("projected_routes"), evidence.get("quota")
    if isinstance(projected, int) and isinstance(quota, int) and projected > quota:
        return [
            f"aws.route-table-capacity: kubenet needs {evidence.get('arithmetic')}: the route"
            f" controller could not route every node (lower --node-count or raise the quota)"
        ], notes
    return [], notes


def spec_snapshot(
    cluster: KopsCluster,
    groups: tuple[InstanceGroup, ...],
    kops_version: str | None,
    quota: tuple[Quota | None, str],
    now: datetime,
) -> Snapshot:
    """The planned cluster as facts: its spec, and the two things kops will create that the
    spec checks read: the kops-controller (tagged with this kops's version) and, for kubenet,
    the cluster's route table before any node route (the VPC's local route and the default
    route to the internet gateway)."""
    fields: dict[str, Any] = {
        "kops_cluster": cluster,
        "kops_instance_groups": groups,
        "nodes": (),
        "events": (),
        "workloads": (),
    }
    if kops_version:
        image = f"registry.k8s.io/kops/kops-controller:{kops_version}"
        fields["workloads"] = (
            Workload("DaemonSet", "kube-system", "kops-controller", images=(image,)),
        )
    if uses_cloud_routes(cluster):
        network = str(cluster.spec.get("networkCIDR") or KOPS_NETWORK_CIDR)
        routes = (Route(network, target="local"), Route("0.0.0.0/0", target="igw (planned)"))
        tags = {"KubernetesCluster": cluster.name}
        fields["aws_route_tables"] = (RouteTable(PLANNED_TABLE, "planned", tags, routes),)
    value, why = quota
    fields["aws_route_quota"] = value
    missing = {f: "not known before the cluster exists" for f in Fact}
    if value is None:
        missing[Fact.AWS_ROUTE_QUOTA] = why
    defaults = {f.value.replace("-", "_"): None for f in Fact}
    present = {**defaults, **fields}
    return Snapshot(
        source="kops spec",
        observed_at=now.replace(microsecond=0),
        cluster_name=cluster.name,
        missing={f: r for f, r in missing.items() if present[f.value.replace("-", "_")] is None},
        **present,
    )
