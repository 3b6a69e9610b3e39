"""Redaction covers the paths issue 13 and 14 added: probe outcomes in a bundle (written by
`collect --probe`, or by hand) and provision's run logs of what kops printed."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path

import connectivity_builders as cb
from canaries import PASSWORD, SECRET_TEXTS, TOKEN_FLAG, found_in
from probe_builders import NODES, dns, lifecycle, pod_probe, probed_bundle

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.connectivity_file import CONNECTIVITY_FILE, connectivity_doc
from kopscheck.collectors.offline.probe_files import (
    DNS_FILE,
    LIFECYCLE_FILE,
    SCHEMA,
    dns_doc,
    lifecycle_doc,
)
from kopscheck.collectors.output.redact import REDACTED
from kopscheck.model.probes import DnsProbe, LifecycleProbe, LogMention
from kopscheck.provision.plan import KopsCall, Step
from kopscheck.provision.runner import KopsRunner, RunLog


def _leaky_probes() -> tuple[LifecycleProbe, DnsProbe]:
    pod = replace(
        pod_probe(NODES[1], fails_at=1),
        message=f"sandbox failed: {SECRET_TEXTS[0]}",
        events=(f"Warning FailedCreatePodSandBox: {SECRET_TEXTS[1]}",),
        log_mentions=(LogMention("kubelet log", f"E1128 cni: {SECRET_TEXTS[2]}"),),
    )
    probe = lifecycle(pod_probe(NODES[0]), pod)
    lookups = dns()
    queries = (replace(lookups.queries[0], detail=f"nslookup: {SECRET_TEXTS[3]}"),)
    return probe, replace(lookups, queries=queries + lookups.queries[1:])


def test_a_hand_made_probe_file_with_secrets_reads_blanked(tmp_path: Path) -> None:
    probe, lookups = _leaky_probes()
    root = probed_bundle(tmp_path, None, None)
    raw_lifecycle = {"schema": SCHEMA, "kind": "PodLifecycle", **asdict(probe)}
    raw_dns = {"schema": SCHEMA, "kind": "DnsResolution", **asdict(lookups)}
    (root / LIFECYCLE_FILE).write_text(json.dumps(raw_lifecycle))
    (root / DNS_FILE).write_text(json.dumps(raw_dns))
    assert found_in((root / LIFECYCLE_FILE).read_text() + (root / DNS_FILE).read_text())
    snapshot = read_bundle(root)
    assert snapshot.pod_lifecycle is not None and snapshot.dns_probe is not None
    assert found_in(repr(snapshot.pod_lifecycle) + repr(snapshot.dns_probe)) == []
    failing = snapshot.pod_lifecycle.pods[1]
    assert failing.message == f"sandbox failed: password={REDACTED}"
    assert failing.events == (f"Warning FailedCreatePodSandBox: Authorization: Bearer {REDACTED}",)


def test_collect_writes_probe_files_blanked() -> None:
    probe, lookups = _leaky_probes()
    written = json.dumps(lifecycle_doc(probe)) + json.dumps(dns_doc(lookups))
    assert found_in(written) == []
    assert f"password={REDACTED}" in written


def test_provision_run_log_and_summary_never_carry_what_kops_printed_as_a_secret(
    tmp_path: Path,
) -> None:
    # the secrets are spelt backwards in the argv (which the log records as it is)
    code = (
        f"print('creating with --token ' + {TOKEN_FLAG[::-1]!r}[::-1]);"
        f" print('password=' + {PASSWORD[::-1]!r}[::-1]); exit(1)"
    )
    log = RunLog(tmp_path / "run.log")
    result = KopsRunner(log, os.environ).run(
        KopsCall(Step.CREATE, (sys.executable, "-c", code), 30)
    )
    text = log.path.read_text()
    assert found_in(text + result.describe()) == []
    assert f"creating with --token {REDACTED}" in text
    assert result.describe().endswith(f"exited 1 after 0s: password={REDACTED}")


def test_a_hand_made_connectivity_file_with_a_secret_reads_blanked(tmp_path: Path) -> None:
    root = probed_bundle(tmp_path, None, None)
    probe = cb.matrix(cb.nodes_of(root))
    leaky = replace(probe.pairs[0], detail=f"HTTP/1.0 200 OK {SECRET_TEXTS[0]}")
    probe = replace(probe, pairs=(leaky, *probe.pairs[1:]))
    raw = {"schema": SCHEMA, "kind": "Connectivity", **asdict(probe)}
    (root / CONNECTIVITY_FILE).write_text(json.dumps(raw))
    assert found_in((root / CONNECTIVITY_FILE).read_text())
    snapshot = read_bundle(root)
    assert snapshot.connectivity is not None
    assert found_in(repr(snapshot.connectivity)) == []
    assert snapshot.connectivity.pairs[0].detail == f"HTTP/1.0 200 OK password={REDACTED}"
    written = json.dumps(connectivity_doc(probe, SCHEMA))
    assert found_in(written) == [] and f"password={REDACTED}" in written
