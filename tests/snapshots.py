"""Build snapshots from raw API objects (kube_builders) through the real decoder and parsers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kopscheck.collectors.formats.assemble import KubeObjects
from kopscheck.collectors.formats.kube_decode import decode_list
from kopscheck.model.facts import Fact, Snapshot

OBSERVED = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)


def add_objects(kube: KubeObjects, kind: str, items: list[dict[str, Any]]) -> None:
    """Add API objects of one kind as a list file would: JSON bytes through the real decoder."""
    doc = json.dumps({"kind": f"{kind}List", "apiVersion": "v1", "items": items})
    kube.add_groups(decode_list(doc.encode(), f"{kind} builders").groups)


def snapshot(
    nodes: list[dict[str, Any]] | None = None,
    pods: list[dict[str, Any]] | None = None,
    deployments: list[dict[str, Any]] | None = None,
    daemonsets: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    services: list[dict[str, Any]] | None = None,
    endpoints: list[dict[str, Any]] | None = None,
    **facts: Any,
) -> Snapshot:
    """A snapshot holding exactly the kinds given; every other fact is missing."""
    kube = KubeObjects()
    for kind, items in (
        ("Node", nodes),
        ("Pod", pods),
        ("Deployment", deployments),
        ("DaemonSet", daemonsets),
        ("Event", events),
        ("Service", services),
        ("Endpoints", endpoints),
    ):
        if items is not None:
            add_objects(kube, kind, items)
    fields = {**kube.fields(), **facts}
    missing = {f: "not in this test" for f in Fact if fields.get(f.value.replace("-", "_")) is None}
    fields.setdefault("source", "bundle")
    fields.setdefault("observed_at", OBSERVED)
    return Snapshot(missing=missing, **fields)
