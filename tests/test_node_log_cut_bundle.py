"""A node log cut by --log-lines stays cut through a bundle: `collect --probe` writes the bound
with the probe pod (`log_cut_at`), reading it back gives the same pod.node-logs warning, and a
hand-made file with a bad count is an input error naming the file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from probe_builders import NAMESPACE, NODES, kubelet_lines, lifecycle, pod_probe, probed_bundle

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.probe_files import LIFECYCLE_FILE
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.model.errors import InputError

CUT = "node log: read as its last 5 of 8 matching lines (--log-lines)"


def _bundle(tmp_path: Path) -> Path:
    delete_only = kubelet_lines(NODES[0])[1:]  # the ADD line was older than the last 5
    pod = replace(
        pod_probe(NODES[0]),
        log_mentions=delete_only,
        log_sources=("node log: read /var/log/syslog", CUT),
        log_cut_at=5,
    )
    return probed_bundle(tmp_path, lifecycle(pod), None)


def test_the_bound_read_back_from_a_bundle_gives_the_same_warning(tmp_path: Path) -> None:
    snapshot = read_bundle(_bundle(tmp_path))
    assert snapshot.pod_lifecycle is not None
    assert snapshot.pod_lifecycle.pods[0].log_cut_at == 5
    result = build_report(snapshot, load_checks()).result("pod.node-logs")
    (finding,) = [f for f in result.findings if f.object and f.object.kind == "Pod"]
    assert (finding.object.name, finding.object.namespace) == (f"lifecycle-{NODES[0]}", NAMESPACE)
    assert (finding.status.value, finding.code) == ("warn", "pod.node-logs/probe-pod-log-cut")
    assert finding.evidence["log_cut_at"] == 5
    assert finding.evidence["create_lines"] == []


@pytest.mark.parametrize("bad", ["5", -1, True, 2.5])
def test_a_bad_count_in_the_file_is_an_input_error(tmp_path: Path, bad: object) -> None:
    root = _bundle(tmp_path)
    doc = json.loads((root / LIFECYCLE_FILE).read_text())
    doc["pods"][0]["log_cut_at"] = bad
    (root / LIFECYCLE_FILE).write_text(json.dumps(doc))
    with pytest.raises(InputError, match="expected a count"):
        read_bundle(root)
