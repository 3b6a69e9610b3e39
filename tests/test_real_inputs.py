"""Dumps as real users produce them: a healthy minikube saved on Windows, an old kubectl's dump."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import kube_builders as kb
import pytest
from cli_outcome import CliOutcome

MINIKUBE = Path(__file__).parent / "fixtures" / "minikube-bridge-healthy"


def _dump(tmp_path: Path, encoding: str, newline: str) -> Path:
    """`kubectl cluster-info dump > dump.txt` as saved by the user's shell."""
    text = kb.stream_dump(MINIKUBE).replace("\n", newline)
    path = tmp_path / "dump.txt"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [
        pytest.param("utf-8", "\n", id="linux-shell"),
        pytest.param("utf-8", "\r\n", id="crlf-pasted-on-windows"),
        pytest.param("utf-16", "\r\n", id="powershell-5.1-redirect-utf16-bom"),
        pytest.param("utf-8-sig", "\r\n", id="powershell-7-out-file-utf8-bom"),
    ],
)
def test_healthy_minikube_dump_passes_however_it_was_saved(
    run_cli: Callable[..., CliOutcome], tmp_path: Path, encoding: str, newline: str
) -> None:
    outcome = run_cli("check", "--dump", str(_dump(tmp_path, encoding, newline)), "-o", "json")
    assert outcome.code == 0, outcome.stderr
    doc = json.loads(outcome.stdout)
    assert doc["status"] == "pass"
    assert doc["root_causes"] == []
    assert doc["target"]["kubernetes_version"] == "v1.31.0"
    assert doc["target"]["kubernetes_version_source"] == "node kubelets"
    statuses = {r["check"]: r["status"] for r in doc["results"]}
    assert statuses["cni.provider-healthy"] == "pass"
    assert statuses["cni.provider-deployed"] == "pass"
    assert [s for s in statuses.values() if s in ("fail", "warn", "error")] == []
    dns = next(r for r in doc["results"] if r["check"] == "dns.rollout")
    [note] = [f for f in dns["findings"] if f["message"].startswith("recovered:")]
    assert note["object"]["name"] == "coredns-6f6b679f8f-7xk8p"
    assert note["message"] == (
        "recovered: logged errors (dial tcp 10.96.0.1:443: i/o timeout); running and ready now"
    )
    logs = {r["check"]: r for r in doc["results"]}["dns.rollout"]
    assert "coredns-6f6b679f8f-7xk8p" in logs["summary"]


def test_the_header_takes_the_version_from_the_kubelets(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    outcome = run_cli("check", "--dump", str(_dump(tmp_path, "utf-8", "\n")))
    assert outcome.code == 0
    assert "Kubernetes v1.31.0 (from node kubelets)" in outcome.stdout
    assert "version unknown" not in outcome.stdout


# kubectl 1.5-1.7 printed the API server's internal objects: capitalised Go field names where
# no JSON tag applied, no `kind`/`apiVersion` (kubernetes/kubernetes#48014 era).
UNVERSIONED = {
    "metadata": {"selfLink": "/api/v1/nodes", "resourceVersion": "5124"},
    "Items": [
        {
            "metadata": {"name": "ip-172-20-35-12.ec2.internal", "uid": "0b1c"},
            "Spec": {"PodCIDR": "100.96.1.0/24", "ExternalID": "i-0a1b2c3d"},
            "Status": {"Conditions": [{"Type": "Ready", "Status": "True"}]},
        }
    ],
}


def test_an_unversioned_2017_dump_is_named_for_what_it_is(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    path = tmp_path / "dump.txt"
    path.write_text(json.dumps(UNVERSIONED, indent=4) + "\n")
    outcome = run_cli("check", "--dump", str(path))
    assert outcome.code == 2
    assert outcome.stdout == ""
    [line] = outcome.stderr.strip().splitlines()
    assert str(path) in line
    assert "an unversioned dump (`Items`, `Spec`, no `kind`): kubectl of 2017" in line
    assert "dump again with a kubectl of 1.8 or later" in line


def test_a_versioned_dump_is_not_mistaken_for_an_unversioned_one(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    path = tmp_path / "dump.txt"
    path.write_text(json.dumps({**UNVERSIONED, "kind": "NodeList", "apiVersion": "v1"}))
    outcome = run_cli("check", "--dump", str(path))
    assert "unversioned" not in outcome.stderr
