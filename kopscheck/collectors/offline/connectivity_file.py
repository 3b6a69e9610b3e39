"""The connectivity probe outcome in a bundle: `probes/connectivity.json` (`kopscheck/probe/v1`).

Written by `collect --probe` and read back by `check --bundle`, so a connectivity matrix replays
offline like every other fact. Free text (what a client printed) goes through the redactor both
ways: a hand-made file may carry anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any

from kopscheck.collectors.output.redact import redact
from kopscheck.model.connectivity import (
    ClassSkip,
    ConnectivityProbe,
    Outcome,
    PairResult,
    ProbeClass,
    ProbeEndpoint,
)

CONNECTIVITY_FILE = "probes/connectivity.json"
KIND = "Connectivity"


def connectivity_doc(probe: ConnectivityProbe, schema: str) -> dict[str, Any]:
    return {"schema": schema, "kind": KIND, **asdict(redact_connectivity(probe))}


def redact_connectivity(probe: ConnectivityProbe) -> ConnectivityProbe:
    """The probe with its free text (client output, notes, skip reasons) through the redactor."""
    return replace(
        probe,
        pairs=tuple(replace(p, detail=redact(p.detail)) for p in probe.pairs),
        external_from_nodes=tuple(
            replace(p, detail=redact(p.detail)) for p in probe.external_from_nodes
        ),
        endpoints=tuple(replace(e, note=redact(e.note)) for e in probe.endpoints),
        skipped=tuple(replace(s, reason=redact(s.reason)) for s in probe.skipped),
        note=redact(probe.note),
        sampling=redact(probe.sampling),
    )


def parse_connectivity(doc: Mapping[str, Any]) -> ConnectivityProbe:
    """The probe from its document; KeyError/TypeError/ValueError on a malformed one."""
    endpoints = tuple(
        ProbeEndpoint(
            role=str(e["role"]),
            node=str(e["node"]),
            pod=str(e["pod"]),
            ip=str(e["ip"]),
            node_ip=str(e["node_ip"]),
            zone=str(e["zone"]),
            instance_group=str(e["instance_group"]),
            mtu=None if e["mtu"] is None else int(e["mtu"]),
            note=str(e["note"]),
        )
        for e in doc["endpoints"]
    )
    pairs = tuple(_pair(p) for p in doc["pairs"])
    # optional: bundles written before kopscheck tried the external target from the nodes
    from_nodes = tuple(_pair(p) for p in doc.get("external_from_nodes", ()))
    if any(p.probe is not ProbeClass.EXTERNAL for p in from_nodes):
        raise ValueError("external_from_nodes holds a pair of another class")
    skipped = tuple(ClassSkip(ProbeClass(s["probe"]), str(s["reason"])) for s in doc["skipped"])
    return redact_connectivity(
        ConnectivityProbe(
            run_id=str(doc["run_id"]),
            namespace=str(doc["namespace"]),
            image=str(doc["image"]),
            endpoints=endpoints,
            pairs=pairs,
            nodes_total=int(doc["nodes_total"]),
            selection=str(doc["selection"]),
            sampling=str(doc["sampling"]),
            skipped=skipped,
            external_target=str(doc["external_target"]),
            note=str(doc["note"]),
            external_from_nodes=from_nodes,
        )
    )


def _pair(p: Mapping[str, Any]) -> PairResult:
    return PairResult(
        probe=ProbeClass(p["probe"]),
        source=str(p["source"]),
        destination=str(p["destination"]),
        target=str(p["target"]),
        outcome=Outcome(p["outcome"]),
        seconds=None if p["seconds"] is None else float(p["seconds"]),
        detail=str(p["detail"]),
    )
