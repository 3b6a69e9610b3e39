"""The bundle's aws/ files (AWS CLI JSON) and the kubenet-route-limit demo built from them."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import aws_builders as ab
import pytest

from kopscheck.collectors.aws.reader import AWS_FACTS
from kopscheck.collectors.formats.aws_objects import parse_quota, parse_route_tables
from kopscheck.collectors.offline.bundle import AWS_FILES
from kopscheck.demo import DEMO_ROOT
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Route

ROOT = Path(__file__).resolve().parents[2]


def test_live_collector_writes_the_files_the_bundle_reader_reads() -> None:
    assert {file for _, file in AWS_FACTS.values()} == set(AWS_FILES)
    assert {field for field, _ in AWS_FACTS.values()} == {field for field, _ in AWS_FILES.values()}


@pytest.mark.parametrize(
    ("doc", "source"),
    [
        pytest.param(ab.quota(500), "applied", id="get-service-quota-names-the-account"),
        pytest.param(ab.quota(50, applied=False), "default", id="get-aws-default-service-quota"),
    ],
)
def test_quota_file_says_whether_it_is_applied_or_the_default(
    doc: dict[str, Any], source: str
) -> None:
    quota = parse_quota(doc, "aws/service-quotas-vpc-L-93826ACB.json")
    assert quota.source == source
    assert quota.value == doc["Quota"]["Value"]


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        pytest.param(
            {"Quota": {"QuotaCode": "L-93826ACB"}},
            "expected service-quotas JSON with Quota.Value",
            id="no-value",
        ),
        pytest.param(
            {"Quotas": []}, "expected service-quotas JSON with Quota.Value", id="list-output"
        ),
        pytest.param(
            {"Quota": {"Value": 0.0}},
            "Quota.Value must be a finite positive number, not 0",
            id="zero",
        ),
        pytest.param(
            {"Quota": {"Value": float("nan")}},
            "Quota.Value must be a finite positive number, not nan",
            id="nan-from-a-live-response",
        ),
        pytest.param(
            {"Quota": {"Value": 10**400}},
            "Quota.Value must be a finite positive number, not inf",
            id="integer-too-big-for-a-float",
        ),
    ],
)
def test_bad_quota_file_is_an_input_error(doc: dict[str, Any], problem: str) -> None:
    with pytest.raises(InputError) as error:
        parse_quota(doc, "aws/q.json")
    assert error.value.problem == problem


def test_blackhole_route_keeps_the_instance_it_pointed_at() -> None:
    doc = {
        "RouteTables": [
            ab.route_table(
                "rtb-1",
                "vpc-1",
                [
                    ab.local_route("172.20.0.0/16"),
                    ab.instance_route("100.96.7.0/24", "i-0d4c1e7b9a3f52e68", "blackhole"),
                ],
                {"KubernetesCluster": "c"},
                ("subnet-1",),
            )
        ]
    }
    (table,) = parse_route_tables(doc, "aws/ec2-describe-route-tables.json")
    assert table.routes == (
        Route("172.20.0.0/16", "active", "local", "CreateRouteTable"),
        Route("100.96.7.0/24", "blackhole", "i-0d4c1e7b9a3f52e68", "CreateRoute"),
    )
    assert (table.tags, table.subnet_ids) == ({"KubernetesCluster": "c"}, ("subnet-1",))


def load_tool() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_demo_bundles", ROOT / "tools" / "make_demo_bundles.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_demo_bundles", module)
    spec.loader.exec_module(module)
    return module


def test_kubenet_route_limit_demo_matches_its_generator(tmp_path: Path) -> None:
    load_tool().main(tmp_path)
    made, committed = tmp_path / "kubenet-route-limit", DEMO_ROOT / "kubenet-route-limit"
    files = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    for rel in files:
        assert (made / rel).read_text() == (committed / rel).read_text(), rel


def test_demo_leads_with_the_route_table_limit(run_cli_json: Any) -> None:
    code, report = run_cli_json("demo", "kubenet-route-limit", "--output", "json")
    assert code == 1
    assert report["root_causes"][0] == "aws.route-table-capacity"
    results = {r["check"]: r for r in report["results"]}
    assert "aws.route-table-capacity" in results["node.network-ready"]["caused_by"]
    assert results["aws.route-table-capacity"]["status"] == "fail"
    assert results["dns.rollout"]["status"] == "pass"
    evidence = results["aws.route-table-capacity"]["findings"][0]["evidence"]
    assert evidence["arithmetic"] == (
        "2 other routes + 71 nodes at instance-group maxima = 73 routes > applied quota 50 (146%)"
    )


@pytest.fixture
def run_cli_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    from kopscheck.cli import main

    def run(*args: str) -> tuple[int, dict[str, Any]]:
        monkeypatch.setattr(sys, "argv", ["kopscheck", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main()
        code = done.value.code if isinstance(done.value.code, int) else 1
        return code, json.loads(capsys.readouterr().out)

    return run


def test_catalog_lists_and_explains_both_checks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kopscheck.cli import main

    for check_id, phrase in (
        ("aws.route-table-capacity", "Routes per route table"),
        ("aws.route-table-health", "found multiple matching AWS route tables"),
    ):
        monkeypatch.setattr(sys, "argv", ["kopscheck", "explain", check_id])
        with pytest.raises(SystemExit) as done:
            main()
        out = capsys.readouterr().out
        assert done.value.code == 0
        assert out.startswith(f"{check_id}: ")
        assert phrase in out and "Fix: " in out and "Troubleshooting step (" in out


def test_wrong_aws_file_in_a_bundle_is_a_one_line_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kopscheck.cli import main

    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=1, nodes_max=2))
    # describe-instances output saved under the route tables' name
    (root / "aws" / "ec2-describe-route-tables.json").write_text(json.dumps({"Reservations": []}))
    monkeypatch.setattr(sys, "argv", ["kopscheck", "check", "--bundle", str(root)])
    with pytest.raises(SystemExit) as done:
        main()
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert err.strip().splitlines() == [
        "kopscheck: error: b/aws/ec2-describe-route-tables.json: expected AWS CLI JSON with a"
        " top-level 'RouteTables' list"
    ]
