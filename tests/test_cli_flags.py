"""Flags judged before any work: impossible values exit 2, flags the source ignores warn."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cli_outcome import CliOutcome

from kopscheck.demo import DEMO_ROOT

HEALTHY = str(DEMO_ROOT / "healthy")


def test_unknown_networking_mode_exits_2_listing_the_known_ones(
    run_cli: Callable[..., CliOutcome],
) -> None:
    outcome = run_cli("check", "--bundle", HEALTHY, "--networking", "calcio")
    assert (outcome.code, outcome.stdout) == (2, "")
    [line] = outcome.stderr.strip().splitlines()
    assert line.startswith("kopscheck: error: --networking: unknown networking mode 'calcio';")
    assert "known: kubenet, cni, calico, cilium," in line
    assert "flannel-vxlan" in line and ", ," not in line


@pytest.mark.parametrize("mode", ["calico", "flannel-vxlan", "Kubenet"])
def test_known_modes_and_aliases_are_accepted(
    run_cli: Callable[..., CliOutcome], mode: str
) -> None:
    outcome = run_cli("check", "--bundle", HEALTHY, "--networking", mode, "-o", "json")
    assert outcome.code in (0, 1), outcome.stderr
    assert "unknown networking mode" not in outcome.stderr


def test_a_context_not_in_the_kubeconfig_lists_the_ones_that_are(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    config = tmp_path / "kubeconfig"
    names = ["prod.k8s.example.com", "staging.k8s.example.com"]
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {"name": n, "cluster": {"server": "https://127.0.0.1:1"}} for n in names
                ],
                "users": [{"name": n, "user": {"token": "t"}} for n in names],
                "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in names],
                "current-context": names[0],
            }
        )
    )
    outcome = run_cli("check", "--kubeconfig", str(config), "--context", "nope")
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        f"kopscheck: error: {config}: --context: context 'nope' is not in the kubeconfig; its contexts:"
        " prod.k8s.example.com, staging.k8s.example.com\n"
    )


def test_live_only_flags_with_a_bundle_warn_on_stderr_and_the_report_stays_clean(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KOPS_STATE_STORE", raising=False)
    outcome = run_cli(
        "check", "--bundle", HEALTHY, "--state-store", "s3://kops-state", "--region", "eu-west-1",
        "--wait", "1s", "--count", "1", "-o", "json",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["status"] == "pass"
    warnings = [line for line in outcome.stderr.splitlines() if "warning:" in line]
    assert warnings == [
        "kopscheck: warning: --state-store is ignored with --bundle: it applies to live clusters",
        "kopscheck: warning: --region is ignored with --bundle: it applies to live clusters",
        "kopscheck: warning: --wait re-reads the --bundle input, which does not change by"
        " itself: waiting only helps if something rewrites it",
    ]


def test_a_state_store_from_the_environment_is_not_warned_about(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOPS_STATE_STORE", "s3://kops-state")
    outcome = run_cli("check", "--bundle", HEALTHY, "-o", "json")
    assert outcome.code == 0
    assert "warning" not in outcome.stderr


MINIKUBE = Path(__file__).parent / "fixtures" / "minikube-bridge-healthy"


@pytest.mark.parametrize("flags", [["--fail-on", "skip"], ["--strict"]])
def test_fail_on_skip_fails_a_check_that_could_not_decide(
    run_cli: Callable[..., CliOutcome], flags: list[str]
) -> None:
    outcome = run_cli("check", "--bundle", str(MINIKUBE), *flags, "-o", "json")
    assert outcome.code == 1
    doc = json.loads(outcome.stdout)
    assert doc["fail_on"] == "skip"
    missing = {r["check"] for r in doc["results"] if r["skip_reason"] == "facts-missing"}
    assert missing == {
        "kops.networking-supported",
        "pod.node-logs",
        "aws.route-table-capacity",
        "aws.route-table-health",
        "aws.source-dest-check",  # mode unknown and no EC2 facts: cannot tell, not "n/a"
    }
    not_run = {r["check"] for r in doc["results"] if r["skip_reason"] == "not-requested"}
    assert not_run == {"dns.resolution", "pod.lifecycle", "net.connectivity"}


def test_strict_passes_a_healthy_cluster_scanned_without_probes(
    run_cli: Callable[..., CliOutcome],
) -> None:
    # probes are opt-in: a read-only gate with --strict must not fail for not having run them
    outcome = run_cli("check", "--bundle", HEALTHY, "--strict", "-o", "json")
    doc = json.loads(outcome.stdout)
    reasons = {r["check"]: r["skip_reason"] for r in doc["results"] if r["status"] == "skip"}
    assert reasons == {
        "dns.resolution": "not-requested",
        "pod.lifecycle": "not-requested",
        "aws.route-table-capacity": "not-applicable",
        "aws.route-table-health": "not-applicable",
        "aws.source-dest-check": "not-applicable",
    }
    assert outcome.code == 0, outcome.stderr
    plain = run_cli("check", "--bundle", HEALTHY, "--strict")
    assert "2 need --probe" in plain.stdout


def test_fail_on_skip_ignores_deselected_and_not_applicable_checks(
    run_cli: Callable[..., CliOutcome],
) -> None:
    # the healthy calico demo: AWS route checks do not apply, the others are deselected
    outcome = run_cli(
        "check", "--bundle", HEALTHY, "--strict", "--skip", "pod,dns.resolution", "-o", "json"
    )
    doc = json.loads(outcome.stdout)
    reasons = {r["check"]: r["skip_reason"] for r in doc["results"] if r["status"] == "skip"}
    assert reasons == {
        "dns.resolution": "deselected",
        "pod.lifecycle": "deselected",
        "pod.sandbox-errors": "deselected",
        "pod.node-logs": "deselected",
        "aws.route-table-capacity": "not-applicable",
        "aws.route-table-health": "not-applicable",
        "aws.source-dest-check": "not-applicable",
    }
    assert outcome.code == 0, outcome.stderr


def test_unknown_fail_on_lists_the_three_levels(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("check", "--bundle", HEALTHY, "--fail-on", "error")
    assert (outcome.code, outcome.stderr) == (
        2,
        "kopscheck: error: --fail-on: must be 'fail', 'warn' or 'skip', not 'error'\n",
    )


@pytest.mark.parametrize(
    ("make", "says"),
    [
        pytest.param(lambda d: None, "; the directory is empty", id="empty"),
        pytest.param(
            lambda d: (d / "screenshot.png").write_bytes(b"\x89PNG"),
            "; it holds screenshot.png",
            id="unrecognised",
        ),
    ],
)
def test_a_bundle_with_nothing_to_read_is_one_line_and_a_json_note(
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    make: Callable[[Path], object],
    says: str,
) -> None:
    bundle = tmp_path / "support"
    bundle.mkdir()
    make(bundle)
    reason = (
        f"{bundle}: not a kopscheck bundle: expected cluster-info/ (kubectl cluster-info dump"
        f" --output-directory), kops/, aws/ or nodes/{says}"
    )
    outcome = run_cli("check", "--bundle", str(bundle), "-o", "json")
    assert outcome.code == 3
    doc = json.loads(outcome.stdout)
    assert (doc["status"], doc["notes"]) == ("error", [reason])


@pytest.mark.parametrize(
    ("make", "says"),
    [
        pytest.param(
            lambda p: p.mkdir(parents=True), "exists but is not a regular file", id="a-directory"
        ),
        pytest.param(
            lambda p: p.symlink_to(p.parent / "gone.json"),
            "a broken symbolic link, not a readable file",
            id="broken-symlink",
        ),
    ],
)
def test_a_file_that_exists_but_cannot_be_read_is_an_error_not_missing(
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    make: Callable[[Path], object],
    says: str,
) -> None:
    bundle = tmp_path / "support"
    (bundle / "cluster-info").mkdir(parents=True)
    make(bundle / "cluster-info" / "nodes.json")
    outcome = run_cli("check", "--bundle", str(bundle))
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == f"kopscheck: error: support/cluster-info/nodes.json: {says}\n"


def test_version(run_cli: Callable[..., CliOutcome]) -> None:
    from kopscheck import __version__

    outcome = run_cli("--version")
    assert (outcome.code, outcome.stdout) == (0, f"kopscheck {__version__}\n")


def test_output_yaml_is_the_json_document(run_cli: Callable[..., CliOutcome]) -> None:
    as_json = json.loads(run_cli("check", "--bundle", HEALTHY, "-o", "json").stdout)
    as_yaml = yaml.safe_load(run_cli("check", "--bundle", HEALTHY, "-o", "yaml").stdout)
    for doc in (as_json, as_yaml):
        doc.pop("generated_at")
    assert as_yaml == as_json


def test_help_shows_plain_metavars_and_no_internal_jargon(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    for command in ([], ["check"], ["collect"], ["demo"], ["explain"], ["diff"]):
        text = run_cli(*command, "--help").stdout
        assert "<list[" not in text and "<path>" not in text and "<str>]" not in text
        assert "CONTRACT" not in text and "origin-document" not in text
    check = run_cli("check", "--help").stdout
    for usage in ("--bundle DIR", "--select IDS", "--networking MODE", "--wait DURATION"):
        assert usage in check
    assert "--install-completion" in run_cli("--help").stdout
    usages = {c: run_cli(c, "--help").stdout.splitlines()[0] for c in ("explain", "diff", "demo")}
    assert usages == {  # typer would print {CHECK}, {OLD} {NEW}
        "explain": "Usage: kopscheck explain [OPTIONS] CHECK",
        "diff": "Usage: kopscheck diff [OPTIONS] OLD NEW",
        "demo": "Usage: kopscheck demo [OPTIONS] [SCENARIO]",
    }
    explained = run_cli("explain", "dns.rollout").stdout
    assert "Troubleshooting step (https://kops.sigs.k8s.io/networking/):" in explained


def test_as_a_kubectl_plugin_usage_says_kubectl_kopscheck(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from kopscheck.cli import main

    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/kubectl-kopscheck", "--help"])
    with pytest.raises(SystemExit):
        main()
    # run_cli keeps argv[0] "kopscheck"; the plugin name is the program name kubectl runs
    outcome = run_cli("--help")
    assert outcome.stdout.startswith("Usage: kopscheck ")


def test_fleet_names_clusters_by_cluster_name_and_lists_every_one_not_passing(
    run_cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    demo = DEMO_ROOT
    outcome = run_cli(
        "check", "--bundle", str(demo / "healthy"), "--bundle", str(demo / "cni-no-provider"),
        "--bundle", str(demo / "coredns-loop"), "-q",
    )  # fmt: skip
    assert outcome.code == 1
    tail = outcome.stdout.strip().splitlines()[-2:]
    assert tail == [
        "Fleet of 3 clusters: FAIL  · 1 pass, 2 fail · --fail-on fail",
        f"fail: cni-demo.k8s.local, calico-demo.k8s.local ({demo / 'coredns-loop'})",
    ]
    doc = json.loads(
        run_cli(
            "check", "--bundle", str(demo / "healthy"), "--bundle", str(demo / "cni-no-provider"),
            "-o", "json",
        ).stdout
    )  # fmt: skip
    assert [c["name"] for c in doc["clusters"]] == ["calico-demo.k8s.local", "cni-demo.k8s.local"]


def test_diff_warns_when_the_reports_are_of_different_clusters(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(run_cli("check", "--bundle", HEALTHY, "-o", "json").stdout)
    new.write_text(
        run_cli("check", "--bundle", str(DEMO_ROOT / "cni-no-provider"), "-o", "json").stdout
    )
    outcome = run_cli("diff", str(old), str(new))
    assert outcome.code == 1
    assert (
        f"kopscheck: warning: {old} is of cluster calico-demo.k8s.local and {new} of cluster"
        " cni-demo.k8s.local: comparing two different clusters"
    ) in outcome.stderr
    same = run_cli("diff", str(old), str(old))
    assert "warning" not in same.stderr
