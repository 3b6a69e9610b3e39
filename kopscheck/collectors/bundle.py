"""Read a bundle directory (CONTRACT §4) into a snapshot. Every file is optional."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kopscheck.collectors import aws_objects, kops_spec
from kopscheck.collectors import kube_objects as ko
from kopscheck.collectors.assemble import KubeObjects, bulk_read
from kopscheck.collectors.files import (
    log_sections,
    read_bytes,
    read_json,
    read_text,
    read_yaml_documents,
)
from kopscheck.collectors.kube_decode import decode_list
from kopscheck.collectors.probe_files import read_probe_files
from kopscheck.collectors.redact import redact
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
}


def read_bundle(root: Path, source: str = "bundle") -> Snapshot:
    with bulk_read():
        return _read_bundle(root, source)


def _read_bundle(root: Path, source: str) -> Snapshot:
    if not root.exists():
        raise InputError(str(root), "no such bundle directory")
    if not root.is_dir():
        raise InputError(str(root), "not a directory (use --dump for a single-stream dump file)")
    info = root / "cluster-info"
    if not info.is_dir() and (root / "nodes.json").is_file():
        info = root  # pointed straight at a `cluster-info dump --output-directory`
    kube = KubeObjects()
    fields: dict[str, Any] = {}
    missing: dict[Fact, str] = {}
    if info.is_dir():
        _read_cluster_info(root, info, kube, fields)
    fields.update(kube.fields())
    _read_kops(root, fields)
    _read_aws(root, fields)
    _read_node_files(root, fields)
    read_probe_files(root, fields)
    for fact in Fact:
        if fields.get(fact.value.replace("-", "_")) is None:
            missing[fact] = (
                NEEDS_PROBE if fact in PROBE_FACTS else f"{_where(fact)} not in the bundle"
            )
    observed = (
        _observed_at(root)
        or kube.latest_time()
        or datetime.fromtimestamp(root.stat().st_mtime, UTC)
    )
    kops = fields.get("kops_cluster")
    return Snapshot(
        source=source,
        observed_at=observed,
        cluster_name=kops.name if kops else None,
        missing=missing,
        notes=(_nothing_found(root),) if len(missing) == len(Fact) else (),
        **fields,
    )


def _file(root: Path, path: Path) -> bool:
    """Whether an expected input file is there; one that exists but cannot be read as a file
    is an input error, never a missing fact."""
    if path.is_file():
        return True
    if path.is_symlink() and not path.exists():
        raise InputError(_label(root, path), "a broken symbolic link, not a readable file")
    if path.exists():
        raise InputError(_label(root, path), "exists but is not a regular file")
    return False


def _dirs(root: Path, path: Path) -> list[Path]:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir())
    except OSError as exc:
        raise InputError(_label(root, path), f"cannot read: {exc.strerror or exc}") from None


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


def _read_cluster_info(root: Path, info: Path, kube: KubeObjects, fields: dict[str, Any]) -> None:
    nodes = info / "nodes.json"
    if _file(root, nodes):
        _add_list(kube, nodes, _label(root, nodes))
    version = info / "version.json"
    if _file(root, version):
        label = _label(root, version)
        fields["version"] = ko.parse_version(read_json(version, label), label)
    for ns_dir in _dirs(root, info):
        for name in NAMESPACED_FILES:
            path = ns_dir / name
            if _file(root, path):
                _add_list(kube, path, _label(root, path))
        for pod_dir in _dirs(root, ns_dir):
            logs = pod_dir / "logs.txt"
            if _file(root, logs):
                _add_logs(kube, read_text(logs, _label(root, logs)), ns_dir.name, pod_dir.name)


def _add_list(kube: KubeObjects, path: Path, label: str) -> None:
    data = read_bytes(path, label)
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
    stripped = body.strip()
    if stripped.startswith("Request log error:") and "\n" not in stripped:
        error = stripped.removeprefix("Request log error:").strip()
        return ContainerLog(namespace, pod, container, error=error)
    return ContainerLog(namespace, pod, container, text=redact(body))


def _read_kops(root: Path, fields: dict[str, Any]) -> None:
    cluster = root / "kops" / "cluster.yaml"
    if _file(root, cluster):
        label = _label(root, cluster)
        fields["kops_cluster"] = kops_spec.parse_cluster(read_yaml_documents(cluster, label), label)
    groups = root / "kops" / "instancegroups.yaml"
    if _file(root, groups):
        label = _label(root, groups)
        docs = read_yaml_documents(groups, label)
        fields["kops_instance_groups"] = kops_spec.parse_instance_groups(docs, label)


def _read_aws(root: Path, fields: dict[str, Any]) -> None:
    for name, (field_name, parse) in AWS_FILES.items():
        path = root / "aws" / name
        if _file(root, path):
            label = _label(root, path)
            fields[field_name] = parse(read_json(path, label), label)


def _read_node_files(root: Path, fields: dict[str, Any]) -> None:
    nodes_dir = root / "nodes"
    if not nodes_dir.is_dir():
        return
    found: dict[str, NodeFiles] = {}
    for node_dir in _dirs(root, nodes_dir):
        found[node_dir.name] = read_node_dir(root, node_dir)
    fields["node_files"] = found


def read_node_dir(root: Path, node_dir: Path) -> NodeFiles:
    def text(name: str) -> str | None:
        path = node_dir / name
        return read_text(path, _label(root, path)) if _file(root, path) else None

    cmdline = text("kubelet.cmdline")
    kubelet_log = text("kubelet.log")
    configz = node_dir / "configz.json"
    cni_dir = node_dir / "cni-net.d"
    cni = (
        {p.name: read_text(p, _label(root, p)) for p in sorted(cni_dir.iterdir()) if p.is_file()}
        if cni_dir.is_dir()
        else None
    )
    return NodeFiles(
        node=node_dir.name,
        kubelet_cmdline=split_cmdline(cmdline) if cmdline is not None else None,
        sysconfig_kubelet=text("sysconfig-kubelet"),
        cni_configs=cni,
        cni_bin=text("cni-bin.txt"),
        kubelet_log=None if kubelet_log is None else redact(kubelet_log),
        configz=ko.parse_configz(read_json(configz, _label(root, configz)), _label(root, configz))
        if _file(root, configz)
        else None,
    )


def _observed_at(root: Path) -> datetime | None:
    """`date -u +%Y-%m-%dT%H:%M:%SZ > DIR/observed-at.txt`: when the bundle was collected."""
    path = root / OBSERVED_AT
    if not _file(root, path):
        return None
    label = _label(root, path)
    stamp = ko.parse_time(read_text(path, label).strip())
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
        Fact.POD_LIFECYCLE: "probes/pod-lifecycle.json",
        Fact.DNS_PROBE: "probes/dns-resolution.json",
    }[fact]
