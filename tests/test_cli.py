"""The command line as scripts and people use it: catalog, explain, demo, selection, gates."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks


def test_checks_lists_the_catalog_as_json(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("checks", "--output", "json")
    rows = json.loads(outcome.stdout)
    assert outcome.code == 0
    assert [r["id"] for r in rows] == [c.id for c in load_checks()]
    dns = next(r for r in rows if r["id"] == "dns.rollout")
    assert dns == {
        "id": "dns.rollout",
        "title": "kube-dns/CoreDNS is fully rolled out and its Service has ready endpoints",
        "family": "dns",
        "needs": ["pods", "workloads"],
        "wants": [
            "endpoints",
            "events",
            "kops-cluster",
            "node-files",
            "nodes",
            "pod-logs",
            "services",
        ],
        "codes": {
            "dns.rollout/forwarding-loop": "CoreDNS detected a forwarding loop (plugin/loop) and exits",
            "dns.rollout/misscheduled": "pods run on nodes the workload should not run on",
            "dns.rollout/no-ready-endpoints": "the cluster DNS Service has no ready endpoints",
            "dns.rollout/no-service": (
                "no Service is the cluster DNS: none at the kubelets' clusterDNS address, none"
                " labelled k8s-app=kube-dns, none named kube-dns"
            ),
            "dns.rollout/not-deployed": "no kube-dns or CoreDNS workload in kube-system",
            "dns.rollout/nothing-wanted": "the workload wants zero pods (scaled to zero, or no node matches)",
            "dns.rollout/pod-not-ready": "a DNS pod is not running and ready (Pending, crash-looping, not ready)",
            "dns.rollout/pods-not-ready": "fewer pods ready or available than the workload wants",
            "dns.rollout/ready-endpoints": "the cluster DNS Service has ready endpoints",
            "dns.rollout/recovered": "a DNS pod restarted or logged errors earlier and runs ready now (a note, not a fail)",
            "dns.rollout/rollout-in-progress": "not every pod runs the latest spec yet",
            "dns.rollout/rollout-not-observed": "the controller has not yet observed the latest spec",
        },
    }


def test_checks_renders_the_catalog_through_the_reporter_registry(
    run_cli: Callable[..., CliOutcome],
) -> None:
    as_json = json.loads(run_cli("checks", "-o", "json").stdout)
    assert yaml.safe_load(run_cli("checks", "-o", "yaml").stdout) == as_json
    markdown = run_cli("checks", "-o", "markdown").stdout.splitlines()
    assert markdown[:2] == ["| check | family | passes when | needs |", "|---|---|---|---|"]
    assert markdown[2:] == [
        f"| `{r['id']}` | {r['family']} | {r['title']} | {', '.join(r['needs']) or '-'} |"
        for r in as_json
    ]
    junit = run_cli("checks", "-o", "junit")
    assert (junit.code, junit.stderr) == (
        2,
        "kopscheck: error: --output: 'junit' cannot render the check catalog (use table, json,"
        " yaml, markdown)\n",
    )


def test_explain_prints_why_fix_and_origin_step(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("explain", "dns.rollout")
    assert outcome.code == 0
    text = outcome.stdout
    assert text.startswith("dns.rollout: kube-dns/CoreDNS is fully rolled out")
    assert "\nWhy: cluster DNS is the first workload that needs pod networking" in text
    assert "\nFix: look at why the pods listed are not ready." in text
    assert (
        '\nTroubleshooting step (https://kops.sigs.k8s.io/networking/): "kube-dns daemonset starts"'
        in text
    )


def test_explain_unknown_check(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("explain", "dns.nope")
    assert outcome.code == 2
    assert outcome.stderr.startswith("kopscheck: error: dns.nope: unknown check (known: ")


def test_explain_a_finding_code_from_a_report_leads_with_its_fix(
    run_cli: Callable[..., CliOutcome],
) -> None:
    outcome = run_cli("explain", "cni.provider-deployed/unexpected-provider")
    assert outcome.code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert lines[0] == (
        "cni.provider-deployed/unexpected-provider: a CNI provider runs although the mode needs"
        " none"
    )
    assert lines[1].startswith("fix: If `--networking` is what disagrees, pass the mode")
    assert (
        lines[3] == "cni.provider-deployed: The CNI provider the networking mode needs is deployed"
    )
    assert "Finding codes:" not in outcome.stdout  # the one asked about, not all of them


def test_explain_an_unknown_finding_code_lists_the_checks_codes(
    run_cli: Callable[..., CliOutcome],
) -> None:
    outcome = run_cli("explain", "dns.rollout/nope")
    assert outcome.code == 2
    assert outcome.stderr.startswith(
        "kopscheck: error: dns.rollout/nope: dns.rollout has no finding code 'nope' (known: "
    )
    assert "recovered" in outcome.stderr


def test_demo_defaults_to_the_failing_cluster(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("demo")
    assert outcome.code == 1
    assert "Root cause: cni.provider-deployed" in outcome.stdout
    assert "cni-demo.k8s.local" in outcome.stdout


def test_demo_healthy_exits_0_and_lists_scenarios(run_cli: Callable[..., CliOutcome]) -> None:
    assert run_cli("demo", "healthy").code == 0
    listing = run_cli("demo", "--list").stdout
    assert "cni-no-provider" in listing and "healthy" in listing


def test_demo_unknown_scenario(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("demo", "nope")
    assert outcome.code == 2 and "no such demo scenario" in outcome.stderr


def test_select_by_family_and_skip_by_id(run_cli: Callable[..., CliOutcome]) -> None:
    bundle = str(DEMO_ROOT / "cni-no-provider")
    doc = json.loads(run_cli("check", "--bundle", bundle, "-o", "json", "--select", "dns").stdout)
    statuses = {r["check"]: r["status"] for r in doc["results"]}
    assert statuses["dns.rollout"] == "fail"
    assert statuses["node.network-ready"] == "skip"
    outcome = run_cli("check", "--bundle", bundle, "-o", "json", "--skip", "dns.rollout")
    statuses = {r["check"]: r["status"] for r in json.loads(outcome.stdout)["results"]}
    assert (statuses["dns.rollout"], statuses["node.network-ready"]) == ("skip", "fail")


def test_out_writes_the_report_to_a_file(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    target = tmp_path / "report.xml"
    outcome = run_cli("demo", "healthy", "--output", "junit", "--out", str(target))
    assert outcome.code == 0 and outcome.stdout == ""
    assert target.read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert f"wrote junit report to {target}" in outcome.stderr


def test_fail_on_warn_turns_a_warning_into_exit_1(
    run_cli: Callable[..., CliOutcome], demo_copy: Callable[[str], Path]
) -> None:
    root = demo_copy("healthy")
    deployments = root / "cluster-info" / "kube-system" / "deployments.json"
    doc = json.loads(deployments.read_text())
    coredns = next(d for d in doc["items"] if d["metadata"]["name"] == "coredns")
    coredns["metadata"]["generation"] = 3  # a rollout the controller has not observed yet
    deployments.write_text(json.dumps(doc))
    assert run_cli("check", "--bundle", str(root)).code == 0
    gated = run_cli("check", "--bundle", str(root), "--fail-on", "warn", "-o", "json")
    assert gated.code == 1
    assert json.loads(gated.stdout)["status"] == "warn"


def test_probe_on_a_bundle_probes_nothing_and_says_so(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / "healthy"), "--probe", "-o", "json")
    assert outcome.code == 0
    assert "--probe: a bundle or dump is read as recorded; nothing is probed" in outcome.stderr
    results = {r["check"]: r for r in json.loads(outcome.stdout)["results"]}
    for check in ("dns.resolution", "pod.lifecycle"):
        assert results[check]["status"] == "skip"
        assert results[check]["summary"] == (
            "not run: needs --probe on a live cluster (it runs short-lived pods; without"
            " it kopscheck only reads, and a bundle or dump holds no probe outcomes)"
        )


def test_demo_goes_through_the_check_pipeline_with_its_gate_flags(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    """`demo` is a bundle source like any other: --networking, baselines and --wait work."""
    baseline = tmp_path / "known.json"
    recorded = run_cli("demo", "coredns-loop", "--write-baseline", str(baseline))
    assert recorded.code == 0, recorded.stderr
    known = run_cli("demo", "coredns-loop", "--baseline", str(baseline), "-o", "json")
    assert known.code == 0
    assert json.loads(known.stdout)["baseline"] == {"file": str(baseline), "suppressed": 4}
    waited = run_cli("demo", "healthy", "--wait", "5s", "--interval", "1s", "-o", "json")
    assert waited.code == 0
    assert json.loads(waited.stdout)["notes"] == [
        "--wait: healthy after 1 attempt in 0s; 1/1 consecutive passing runs at the end"
    ]
    flagged = json.loads(run_cli("demo", "healthy", "--networking", "kubenet", "-o", "json").stdout)
    assert flagged["target"] == {
        "cluster": "calico-demo.k8s.local",
        "source": "demo",
        "kubernetes_version": "v1.32.4",
        "networking": "kubenet",
        "networking_source": "--networking",
        "kubernetes_version_source": "API server",
    }
