"""Parse kops objects (`kops get cluster -o yaml`, `kops get ig -o yaml`, state-store specs).

Shapes are checked as the objects are read: a field of the wrong type is an InputError naming
the file and the path (`kops/instancegroups.yaml: nodes: spec.subnets: expected a list, got a
number`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kopscheck.collectors.formats import shapes
from kopscheck.collectors.output.redact import redact
from kopscheck.model.errors import InputError
from kopscheck.model.facts import InstanceGroup, KopsCluster


def _kind_error(label: str, want: str, doc: object) -> InputError:
    if isinstance(doc, list):
        got = "a YAML list"
    elif isinstance(doc, Mapping):
        got = f"kind {shapes.text(doc.get('kind'), label, 'kind')!r}"
    else:
        got = f"a {type(doc).__name__}"
    return InputError(label, f"expected a kops {want} object, got {got}")


def parse_cluster(docs: list[object], label: str) -> KopsCluster:
    """The one Cluster among the documents (a `kops get all` file may hold IGs too)."""
    clusters = [(p, d) for p, d in _objects(docs, label, "Cluster") if d.get("kind") == "Cluster"]
    if len(clusters) != 1:
        doc = docs[0] if docs else None
        if clusters:
            raise InputError(label, f"expected one kops Cluster, found {len(clusters)}")
        raise _kind_error(label, "Cluster", doc)
    prefix, raw = clusters[0]
    spec = raw.get("spec")
    if not isinstance(spec, Mapping):
        raise InputError(label, "kops Cluster has no spec")
    networking = spec.get("networking")
    if networking is not None and not isinstance(networking, Mapping):
        raise InputError(label, "spec.networking must be a mapping")
    meta = shapes.mapping(raw.get("metadata"), label, f"{prefix}metadata")
    return KopsCluster(
        name=shapes.text(meta.get("name"), label, f"{prefix}metadata.name"),
        api_version=shapes.text(raw.get("apiVersion"), label, f"{prefix}apiVersion"),
        kubernetes_version=shapes.text(
            spec.get("kubernetesVersion"), label, f"{prefix}spec.kubernetesVersion"
        ),
        networking=dict(networking or {}),
        spec=kept_spec(spec),
    )


FILE_CONTENT = "<redacted by kopscheck: file content>"
_CONTENT_LISTS = ("fileAssets", "additionalUserData")


def kept_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as a fact may hold it: `fileAssets` and `additionalUserData` (files written
    onto nodes and EC2 user data, often credentials) keep their names, not their content,
    and every other string goes through the redactor (a hand-made file holds what kops
    printed)."""
    kept: dict[str, Any] = {}
    for key, value in spec.items():
        if key in _CONTENT_LISTS and isinstance(value, list):
            kept[key] = [
                {**part, "content": FILE_CONTENT} if isinstance(part, Mapping) else FILE_CONTENT
                for part in value
            ]
        else:
            kept[key] = _redacted(value)
    return kept


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return kept_spec(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def parse_instance_groups(docs: list[object], label: str) -> tuple[InstanceGroup, ...]:
    groups = []
    for prefix, raw in _objects(docs, label, "InstanceGroup"):
        if raw.get("kind") != "InstanceGroup":
            continue
        spec = raw.get("spec") or {}
        if not isinstance(spec, Mapping):
            raise InputError(label, "InstanceGroup spec must be a mapping")
        meta = shapes.mapping(raw.get("metadata"), label, f"{prefix}metadata")
        at = f"{prefix}spec."
        groups.append(
            InstanceGroup(
                name=shapes.text(meta.get("name"), label, f"{prefix}metadata.name"),
                role=shapes.text(spec.get("role"), label, f"{at}role"),
                min_size=shapes.integer(spec.get("minSize"), label, f"{at}minSize"),
                max_size=shapes.integer(spec.get("maxSize"), label, f"{at}maxSize"),
                machine_type=shapes.text(spec.get("machineType"), label, f"{at}machineType"),
                subnets=shapes.texts(spec.get("subnets"), label, f"{at}subnets"),
            )
        )
    if not groups and docs:
        raise _kind_error(label, "InstanceGroup", docs[0])
    return tuple(groups)


def _objects(docs: list[object], label: str, want: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Flatten documents and `kind: List` wrappers into (path prefix, object); reject the rest."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    for number, doc in enumerate(docs, 1):
        if not isinstance(doc, Mapping):
            raise _kind_error(label, want, doc)
        where = f"document {number}: " if len(docs) > 1 else ""
        if doc.get("kind") == "List":
            for path, item in shapes.objects(doc.get("items"), label, f"{where}items"):
                out.append((f"{path}.", item))
        else:
            out.append((where, doc))
    return out
