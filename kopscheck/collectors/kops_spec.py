"""Parse kops objects (`kops get cluster -o yaml`, `kops get ig -o yaml`, state-store specs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kopscheck.model.errors import InputError
from kopscheck.model.facts import InstanceGroup, KopsCluster


def _kind_error(label: str, want: str, doc: object) -> InputError:
    if isinstance(doc, list):
        got = "a YAML list"
    elif isinstance(doc, Mapping):
        got = f"kind {doc.get('kind')!r}"
    else:
        got = f"a {type(doc).__name__}"
    return InputError(label, f"expected a kops {want} object, got {got}")


def parse_cluster(docs: list[object], label: str) -> KopsCluster:
    """The one Cluster among the documents (a `kops get all` file may hold IGs too)."""
    clusters = [d for d in _objects(docs, label, "Cluster") if d.get("kind") == "Cluster"]
    if len(clusters) != 1:
        doc = docs[0] if docs else None
        if clusters:
            raise InputError(label, f"expected one kops Cluster, found {len(clusters)}")
        raise _kind_error(label, "Cluster", doc)
    raw = clusters[0]
    spec = raw.get("spec")
    if not isinstance(spec, Mapping):
        raise InputError(label, "kops Cluster has no spec")
    networking = spec.get("networking")
    if networking is not None and not isinstance(networking, Mapping):
        raise InputError(label, "spec.networking must be a mapping")
    meta = raw.get("metadata") or {}
    return KopsCluster(
        name=str(meta.get("name") or ""),
        api_version=str(raw.get("apiVersion") or ""),
        kubernetes_version=str(spec.get("kubernetesVersion") or ""),
        networking=dict(networking or {}),
        spec=dict(spec),
    )


def parse_instance_groups(docs: list[object], label: str) -> tuple[InstanceGroup, ...]:
    groups = []
    for raw in _objects(docs, label, "InstanceGroup"):
        if raw.get("kind") != "InstanceGroup":
            continue
        spec = raw.get("spec") or {}
        if not isinstance(spec, Mapping):
            raise InputError(label, "InstanceGroup spec must be a mapping")
        groups.append(
            InstanceGroup(
                name=str((raw.get("metadata") or {}).get("name") or ""),
                role=str(spec.get("role") or ""),
                min_size=_optional_int(spec.get("minSize")),
                max_size=_optional_int(spec.get("maxSize")),
                machine_type=str(spec.get("machineType") or ""),
                subnets=tuple(str(s) for s in spec.get("subnets") or ()),
            )
        )
    if not groups and docs:
        raise _kind_error(label, "InstanceGroup", docs[0])
    return tuple(groups)


def _objects(docs: list[object], label: str, want: str) -> list[Mapping[str, Any]]:
    """Flatten documents and `kind: List` wrappers into objects; reject anything else."""
    out: list[Mapping[str, Any]] = []
    for doc in docs:
        if not isinstance(doc, Mapping):
            raise _kind_error(label, want, doc)
        if doc.get("kind") == "List":
            out.extend(i for i in doc.get("items") or () if isinstance(i, Mapping))
        else:
            out.append(doc)
    return out


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
