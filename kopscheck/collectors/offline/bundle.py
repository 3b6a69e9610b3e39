"""Read a bundle directory (CONTRACT §4) into a snapshot. Every file is optional."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kopscheck.collectors.formats import aws_objects, kops_spec
from kopscheck.collectors.formats import kube_objects as ko
from kopscheck.collectors.formats.assemble import KubeObjects, bulk_read
from kopscheck.collectors.formats.kube_decode import decode_list
from kopscheck.collectors.offline.files import (
    MAX_DEPTH,
    Tail,
    log_sections,
    present,
    read_bytes,
    read_head,
    read_json,
    read_log_sections,
    read_log_tail,
    read_text,
    read_yaml_documents,
)
from kopscheck.collectors.offline.limits import DEFAULT_LIMITS, FileLimits, size_text
from kopscheck.collectors.offline.probe_files import read_probe_files
from kopscheck.collectors.output.data_paths import name_from_path
from kopscheck.collectors.output.redact import redact, redact_args
from kopscheck.knowledge.node_sysctl import IP_FORWARD_FILE, MAX_BYTES
from kopscheck.model.errors import InputError
from kopscheck.model.facts import NEEDS_PROBE, PROBE_FACTS, ContainerLog, Fact, NodeFiles, Snapshot

NAMESPACED_FILES = (
    "events.json",
    "pods.json",
    "daemonsets.json",
    "deployments.json",
    "replicasets.json",
    "statefulsets.json",
    "services.json",
    "replication-controllers.json",
    "endpoints.json",
)
OBSERVED_AT = "observed-at.txt"
AWS_FILES = {
    "ec2-describe-route-tables.json": ("aws_route_tables", aws_objects.parse_route_tables),
    "ec2-describe-instances.json": ("aws_instances", aws_objects.parse_instances),
    "autoscaling-describe-auto-scaling-groups.json": (
        "aws_autoscaling_groups",
        aws_objects.parse_autoscaling_groups,
    ),
    "service-quotas-vpc-L-93826ACB.json": ("aws_route_quota", aws_objects.parse_quota),
    "ec2-describe-security-groups.json": (
        "aws_security_groups",
        aws_objects.parse_security_groups,
    ),
}


@dataclass(slots=True)
class _Reading:
    """One bundle being read: where it is, the bounds, and which logs were cut to a tail."""

    root: Path
    limits: FileLimits
    cut_logs: list[str] = field(default_factory=list)
    replaced_logs: list[str] = field(default_factory=list)

    def label(self, path: Path) -> str:
        return _label(self.root, path)

    def log_read(self, label: str, tail: Tail) -> str:
        if tail.cut:
            self.cut_logs.append(label)
        if tail.replaced:
            self.replaced_logs.append(label)
        return tail.text

    def note(self) -> tuple[str, ...]:
        notes = []
        if self.cut_logs:
            bound = f"{self.limits.log_lines} lines / {size_text(self.limits.log_bytes)}"
            notes.append(
                f"{len(self.cut_logs)} log file(s) read as their last {bound}"
                f" (--log-lines/--log-bytes): {_few(self.cut_logs)}"
            )
        if self.replaced_logs:
            notes.append(
                f"{len(self.replaced_logs)} log file(s) hold bytes that are not UTF-8, read as"
                f" U+FFFD: {_few(self.replaced_logs)}"
            )
        return tuple(notes)


def _few(labels: list[str]) -> str:
    return ", ".join(labels[:3]) + (" ..." if len(labels) > 3 else "")


def read_bundle(
    root: Path, source: str = "bundle", limits: FileLimits = DEFAULT_LIMITS
) -> Snapshot:
    with bulk_read():
        return _read_bundle(root, source, limits)


def _read_bundle(root: Path, source: str, limits: FileLimits) -> Snapshot:
    if not root.exists():
        raise InputError(str(root), "no such bundle directory")
    if not root.is_dir():
        raise InputError(str(root), "not a directory (use --dump for a single-stream dump file)")
    reading = _Reading(root, limits.inside(root))
    info = root / "cluster-info"
    if not info.is_dir() and present(root / "nodes.json"):
        info = root  # pointed straight at a `cluster-info dump --output-directory`
    kube = KubeObjects()
    fields: dict[str, Any] = {}
    missing: dict[Fact, str] = {}
    if info.is_dir():
        _read_cluster_info(reading, info, kube, fields)
    fields.update(kube.fields())
    _read_kops(reading, fields)
    _read_aws(reading, fields)
    _read_node_files(reading, fields)
    read_probe_files(reading.root, fields, reading.limits)
    for fact in Fact:
        if fields.get(fact.value.replace("-", "_")) is None:
            missing[fact] = (
                NEEDS_PROBE if fact in PROBE_FACTS else f"{_where(fact)} not in the bundle"
            )
    observed, skew = kube.capture_time(_observed_at(reading), _file_time(root, info))
    kops = fields.get("kops_cluster")
    return Snapshot(
        source=source,
        observed_at=observed,
        cluster_name=kops.name if kops else None,
        missing=missing,
        notes=(
            *reading.note(),
            *skew,
            *((_nothing_found(root),) if len(missing) == len(Fact) else ()),
        ),
        **fields,
    )


def _file(reading: _Reading, path: Path) -> bool:
    """Whether an expected input file is there; one that exists but cannot be read as a file
    is an input error, never a missing fact (a FIFO or device is refused by the read, which
    says what it is)."""
    if path.is_symlink() and not path.exists():
        raise InputError(reading.label(path), "a broken symbolic link, not a readable file")
    if path.is_dir():
        raise InputError(reading.label(path), "exists but is not a regular file")
    return present(path)


def _dirs(reading: _Reading, path: Path) -> list[Path]:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir())
    except OSError as exc:
        raise InputError(reading.label(path), f"cannot read: {exc.strerror or exc}") from None


def _nothing_found(root: Path) -> str:
    """Why a bundle gave no fact at all: one line naming the directory and what was expected."""
    try:
        entries = sorted(p.name + ("/" if p.is_dir() else "") for p in root.iterdir())
    except OSError:
        entries = []
    found = f"; it holds {', '.join(entries[:5])}{' ...' if len(entries) > 5 else ''}"
    return (
        f"{root}: not a kopscheck bundle: expected cluster-info/ (kubectl cluster-info dump"
        " --output-directory), kops/, aws/ or nodes/"
        + (found if entries else "; the directory is empty")
    )


def _label(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root.parent)) if root.parent != path else str(path)
    except ValueError:
        return str(path)


def _read_cluster_info(
    reading: _Reading, info: Path, kube: KubeObjects, fields: dict[str, Any]
) -> None:
    limits = reading.limits
    nodes = info / "nodes.json"
    if _file(reading, nodes):
        _add_list(kube, nodes, reading)
    version = info / "version.json"
    if _file(reading, version):
        label = reading.label(version)
        fields["version"] = ko.parse_version(read_json(version, label, limits), label)
    for ns_dir in _dirs(reading, info):
        for name in NAMESPACED_FILES:
            path = ns_dir / name
            if _file(reading, path):
                _add_list(kube, path, reading)
        for pod_dir in _dirs(reading, ns_dir):
            logs = pod_dir / "logs.txt"
            if _file(reading, logs):
                label = reading.label(logs)
                text = reading.log_read(label, read_log_sections(logs, label, limits))
                _add_logs(kube, text, name_from_path(ns_dir.name), name_from_path(pod_dir.name))


def _add_list(kube: KubeObjects, path: Path, reading: _Reading) -> None:
    """Decode a list file straight from its bytes (kube_decode): only the fields the model
    reads are built, and the facts' free text is redacted as it is parsed (kube_objects)."""
    label = reading.label(path)
    data = read_bytes(path, label, reading.limits)
    if not data or data.isspace():
        raise InputError(label, "file is empty")
    kube.add_groups(decode_list(data, label).groups)
    if label.endswith("endpoints.json"):
        kube.mark_observed(Fact.ENDPOINTS)


def _add_logs(kube: KubeObjects, text: str, namespace: str, pod: str) -> None:
    sections = list(log_sections(text))
    if not sections:
        kube.add_log(ContainerLog(namespace, pod, "", text=redact(text)))
    for ns, pod_name, container, body in sections:
        kube.add_log(container_log(ns or namespace, pod_name or pod, container, body))


def container_log(namespace: str, pod: str, container: str, body: str) -> ContainerLog:
    """A log section; kubectl writes a single `Request log error: ...` line when it failed."""
    namespace, pod, container = (name_from_path(n) for n in (namespace, pod, container))
    stripped = body.strip()
    if stripped.startswith("Request log error:") and "\n" not in stripped:
        error = stripped.removeprefix("Request log error:").strip()
        return ContainerLog(namespace, pod, container, error=error)
    return ContainerLog(namespace, pod, container, text=redact(body))


def _read_kops(reading: _Reading, fields: dict[str, Any]) -> None:
    cluster = reading.root / "kops" / "cluster.yaml"
    if _file(reading, cluster):
        label = reading.label(cluster)
        docs = read_yaml_documents(cluster, label, reading.limits)
        fields["kops_cluster"] = kops_spec.parse_cluster(docs, label)
    groups = reading.root / "kops" / "instancegroups.yaml"
    if _file(reading, groups):
        label = reading.label(groups)
        docs = read_yaml_documents(groups, label, reading.limits)
        fields["kops_instance_groups"] = kops_spec.parse_instance_groups(docs, label)


def _read_aws(reading: _Reading, fields: dict[str, Any]) -> None:
    for name, (field_name, parse) in AWS_FILES.items():
        path = reading.root / "aws" / name
        if _file(reading, path):
            label = reading.label(path)
            fields[field_name] = parse(read_json(path, label, reading.limits, MAX_DEPTH), label)


def _read_node_files(reading: _Reading, fields: dict[str, Any]) -> None:
    nodes_dir = reading.root / "nodes"
    if not nodes_dir.is_dir():
        return
    found: dict[str, NodeFiles] = {}
    for node_dir in _dirs(reading, nodes_dir):
        files = _read_node_dir(reading, node_dir)
        found[files.node] = files
    fields["node_files"] = found


def read_node_dir(root: Path, node_dir: Path, limits: FileLimits = DEFAULT_LIMITS) -> NodeFiles:
    """The files of one `nodes/<node>/` directory of the bundle at `root`."""
    return _read_node_dir(_Reading(root, limits.inside(root)), node_dir)


def _read_node_dir(reading: _Reading, node_dir: Path) -> NodeFiles:
    limits = reading.limits

    def text(name: str) -> str | None:
        path = node_dir / name
        return read_text(path, reading.label(path), limits) if _file(reading, path) else None

    cmdline = text("kubelet.cmdline")
    sysconfig = text("sysconfig-kubelet")
    log_path = node_dir / "kubelet.log"
    kubelet_log = None
    if _file(reading, log_path):
        label = reading.label(log_path)
        kubelet_log = reading.log_read(label, read_log_tail(log_path, label, limits))
    configz = node_dir / "configz.json"
    forward = node_dir / IP_FORWARD_FILE
    cni_dir = node_dir / "cni-net.d"
    cni = (
        {
            name_from_path(p.name): redact(read_text(p, reading.label(p), limits))
            for p in sorted(cni_dir.iterdir())
            if not p.is_dir()
        }
        if cni_dir.is_dir()
        else None
    )
    return NodeFiles(
        node=name_from_path(node_dir.name),
        kubelet_cmdline=tuple(redact_args(split_cmdline(cmdline))) if cmdline is not None else None,
        sysconfig_kubelet=None if sysconfig is None else redact(sysconfig),
        cni_configs=cni,
        cni_bin=text("cni-bin.txt"),
        ip_forward=read_head(forward, reading.label(forward), MAX_BYTES + 1, limits)
        if _file(reading, forward)
        else None,
        kubelet_log=None if kubelet_log is None else redact(kubelet_log),
        configz=ko.parse_configz(
            read_json(configz, reading.label(configz), limits, MAX_DEPTH), reading.label(configz)
        )
        if _file(reading, configz)
        else None,
    )


def _file_time(root: Path, info: Path) -> datetime:
    """When the bundle was written at the latest: the newest of its directories' times."""
    dirs = [root, *((info,) if info.is_dir() else ())]
    return datetime.fromtimestamp(max(d.stat().st_mtime for d in dirs), UTC).replace(microsecond=0)


def _observed_at(reading: _Reading) -> datetime | None:
    """`date -u +%Y-%m-%dT%H:%M:%SZ > DIR/observed-at.txt`: when the bundle was collected."""
    path = reading.root / OBSERVED_AT
    if not _file(reading, path):
        return None
    label = reading.label(path)
    stamp = ko.parse_time(read_text(path, label, reading.limits, limit=4096).strip())
    if stamp is None or stamp.tzinfo is None:
        raise InputError(label, "expected one RFC 3339 UTC time, e.g. 2026-11-27T10:15:00Z")
    return stamp


def split_cmdline(text: str) -> tuple[str, ...]:
    """/proc/PID/cmdline is NUL-separated; a hand-made file may use newlines."""
    sep = "\x00" if "\x00" in text else "\n"
    return tuple(arg for arg in text.split(sep) if arg.strip())


def _where(fact: Fact) -> str:
    return {
        Fact.NODES: "cluster-info/nodes.json",
        Fact.PODS: "cluster-info/<ns>/pods.json",
        Fact.WORKLOADS: "cluster-info/<ns>/{deployments,daemonsets,...}.json",
        Fact.EVENTS: "cluster-info/<ns>/events.json",
        Fact.SERVICES: "cluster-info/<ns>/services.json",
        Fact.ENDPOINTS: "cluster-info/<ns>/endpoints.json",
        Fact.POD_LOGS: "cluster-info/<ns>/<pod>/logs.txt",
        Fact.VERSION: "cluster-info/version.json",
        Fact.KOPS_CLUSTER: "kops/cluster.yaml",
        Fact.KOPS_INSTANCE_GROUPS: "kops/instancegroups.yaml",
        Fact.NODE_FILES: "nodes/<node>/",
        Fact.AWS_ROUTE_TABLES: "aws/ec2-describe-route-tables.json",
        Fact.AWS_INSTANCES: "aws/ec2-describe-instances.json",
        Fact.AWS_AUTOSCALING_GROUPS: "aws/autoscaling-describe-auto-scaling-groups.json",
        Fact.AWS_ROUTE_QUOTA: "aws/service-quotas-vpc-L-93826ACB.json",
        Fact.AWS_SECURITY_GROUPS: "aws/ec2-describe-security-groups.json",
        Fact.POD_LIFECYCLE: "probes/pod-lifecycle.json",
        Fact.DNS_PROBE: "probes/dns-resolution.json",
        Fact.CONNECTIVITY: "probes/connectivity.json",
    }[fact]
