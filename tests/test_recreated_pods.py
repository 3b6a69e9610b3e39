"""A finding's identity survives what changes when nothing is fixed: a recreated pod, a reworded
message. Baselines and `diff` match on (check, code, owner), a pod's owner being its top
controller; files written before codes existed still load, matched by message with a note."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT

# The CoreDNS Deployment rolled out again: new ReplicaSet hash, new pod names, same loop.
RECREATED = {"7d8f9c6b5": "6f5c4b9d8", "4xk2m": "t7n2q", "p9wqz": "r4s8v"}


def _recreated(tmp_path: Path) -> Path:
    """The coredns-loop demo after `kubectl -n kube-system rollout restart deploy/coredns`."""
    root = tmp_path / "after"
    shutil.copytree(DEMO_ROOT / "coredns-loop", root)
    for path in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
        if path.is_file():
            text = path.read_text()
            for old, new in RECREATED.items():
                text = text.replace(old, new)
            path.write_text(text)
        name = path.name
        for old, new in RECREATED.items():
            name = name.replace(old, new)
        if name != path.name:
            path.rename(path.with_name(name))
    assert not any("7d8f9c6b5" in p.name for p in root.rglob("*"))
    return root


def _json(outcome: CliOutcome) -> Any:
    return json.loads(outcome.stdout)


def test_a_baseline_still_suppresses_coredns_pods_after_they_are_recreated(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    before = run_cli(
        "check", "--bundle", str(DEMO_ROOT / "coredns-loop"), "--write-baseline", str(baseline)
    )
    assert before.code == 0, before.stderr
    entries = json.loads(baseline.read_text())["findings"]
    pods = [e for e in entries if e["object"].startswith("Pod/")]
    assert {(e["code"], e["owner"]) for e in pods} == {
        ("dns.rollout/forwarding-loop", "Deployment/kube-system/coredns")
    }
    after = run_cli(
        "check", "--bundle", str(_recreated(tmp_path)), "--baseline", str(baseline), "-o", "json"
    )
    assert after.code == 0, after.stdout
    dns = next(r for r in _json(after)["results"] if r["check"] == "dns.rollout")
    assert dns["status"] == "pass"
    assert dns["findings"] == []
    assert sorted(
        (f["object"]["name"], f["code"], f["owner"]["name"])
        for f in dns["suppressed"]
        if f["object"]["kind"] == "Pod"
    ) == [
        ("coredns-6f5c4b9d8-r4s8v", "dns.rollout/forwarding-loop", "coredns"),
        ("coredns-6f5c4b9d8-t7n2q", "dns.rollout/forwarding-loop", "coredns"),
    ]
    assert _json(after)["notes"] == []


def test_diff_sees_no_new_finding_when_the_pods_are_recreated(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    old, new = tmp_path / "before.json", tmp_path / "after.json"
    old.write_text(
        run_cli("check", "--bundle", str(DEMO_ROOT / "coredns-loop"), "-o", "json").stdout
    )
    new.write_text(run_cli("check", "--bundle", str(_recreated(tmp_path)), "-o", "json").stdout)
    outcome = run_cli("diff", str(old), str(new), "-o", "json")
    assert outcome.code == 0
    [cluster] = _json(outcome)["clusters"]
    assert (cluster["new_findings"], cluster["resolved_findings"], cluster["checks"]) == (
        [],
        [],
        [],
    )


def test_a_baseline_without_codes_still_loads_and_matches_by_message(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    run_cli("check", "--bundle", str(DEMO_ROOT / "coredns-loop"), "--write-baseline", str(baseline))
    doc = json.loads(baseline.read_text())
    for entry in doc["findings"]:  # the form kopscheck wrote before findings had codes
        del entry["code"], entry["owner"]
    baseline.write_text(json.dumps(doc))
    same = run_cli(
        "check",
        "--bundle",
        str(DEMO_ROOT / "coredns-loop"),
        "--baseline",
        str(baseline),
        "-o",
        "json",
    )
    assert same.code == 0, same.stdout
    assert _json(same)["notes"] == [
        f"baseline {baseline}: {len(doc['findings'])} entries have no finding code (written by"
        " an older kopscheck) and were matched by message text; rewrite it with --write-baseline"
    ]
    # matched by object and message: the recreated pods are not known to such a file
    moved = run_cli(
        "check", "--bundle", str(_recreated(tmp_path)), "--baseline", str(baseline), "-o", "json"
    )
    assert moved.code == 1
    dns = next(r for r in _json(moved)["results"] if r["check"] == "dns.rollout")
    assert sorted(f["object"]["name"] for f in dns["findings"]) == [
        "coredns-6f5c4b9d8-r4s8v",
        "coredns-6f5c4b9d8-t7n2q",
    ]


def test_diff_of_a_report_without_codes_matches_by_message(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    report = _json(run_cli("check", "--bundle", str(DEMO_ROOT / "coredns-loop"), "-o", "json"))
    old = json.loads(json.dumps(report))
    for result in old["results"]:
        for finding in result["findings"]:
            del finding["code"], finding["owner"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(report))
    outcome = run_cli("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "-o", "json")
    assert outcome.code == 0
    [cluster] = _json(outcome)["clusters"]
    assert (cluster["new_findings"], cluster["resolved_findings"]) == ([], [])
