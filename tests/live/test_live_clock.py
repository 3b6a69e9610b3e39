"""Live "now" is the capture time by the local clock and the API server's `Date` header, the
earlier of the two when they disagree (issue 19, class 5): a server clock years off is noted
and never turns a recent failure into a pass.

The fake API server is used because a real one sends its true time; the real control plane
tier checks that a correct clock adds no note (tests/cluster/test_cluster_no_kubelets.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from fake_apiserver import FakeApiServer
from live_env import api_view, write_kubeconfig

from kopscheck.collectors.formats.assemble import live_capture_time
from kopscheck.collectors.kube.reader import server_clock_offset

FIXTURES = Path(__file__).parent.parent / "fixtures"
YEARS = timedelta(days=3 * 365)


def _redate_events(bundle: Path, when: datetime) -> None:
    """Make the fixture's sandbox failures recent: seen two minutes before the scan."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for path in (bundle / "cluster-info").glob("*/events.json"):
        doc = json.loads(path.read_text())
        for event in doc["items"]:
            event["firstTimestamp"] = event["lastTimestamp"] = stamp
        path.write_text(json.dumps(doc))


@pytest.fixture
def exhausted(tmp_path: Path) -> Iterator[tuple[FakeApiServer, Path]]:
    """The VPC CNI IP-exhaustion fixture, its failures two minutes old, behind a fake API."""
    bundle = api_view("aws-vpc-ip-exhausted", tmp_path / "api-view", root=FIXTURES)
    _redate_events(bundle, datetime.now(UTC) - timedelta(minutes=2))
    server = FakeApiServer().load_bundle(bundle).start()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url, server.token)
    yield server, kubeconfig
    server.stop()


def _scan(kopscheck_cli: Callable[..., CliOutcome], kubeconfig: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig), "--no-aws", "-o", "json")
    return outcome.code, json.loads(outcome.stdout)


def _statuses(doc: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {r["check"]: r["status"] for r in doc["results"]}


@pytest.mark.parametrize(
    ("offset", "earlier"),
    [
        pytest.param(YEARS, "local clock", id="server-clock-years-ahead"),
        pytest.param(-YEARS, "API server's clock", id="server-clock-years-behind"),
    ],
)
def test_a_server_clock_years_off_is_noted_and_a_recent_failure_still_fails(
    offset: timedelta,
    earlier: str,
    exhausted: tuple[FakeApiServer, Path],
    kopscheck_cli: Callable[..., CliOutcome],
) -> None:
    server, kubeconfig = exhausted
    code, clean = _scan(kopscheck_cli, kubeconfig)
    server.clock_offset = offset
    skewed_code, skewed = _scan(kopscheck_cli, kubeconfig)
    assert (code, skewed_code) == (1, 1)
    assert _statuses(clean)["pod.sandbox-errors"] == "fail"
    assert _statuses(skewed) == _statuses(clean)
    assert not any(n.startswith("clock skew") for n in clean["notes"]), clean["notes"]
    clock = [n for n in skewed["notes"] if n.startswith("clock skew: the API server's clock")]
    assert len(clock) == 1, skewed["notes"]
    assert "and the local clock (" in clock[0]
    assert f"differ by 1095d0h0m; ages are judged from the earlier, the {earlier}" in clock[0]


@pytest.mark.parametrize(
    ("header", "offset"),
    [
        pytest.param("Mon, 07 Dec 2026 08:00:00 GMT", timedelta(0), id="rfc-7231-date"),
        pytest.param(
            "Mon, 07 Dec 2026 08:10:00 GMT", timedelta(minutes=10), id="ten-minutes-ahead"
        ),
        pytest.param("", None, id="no-date-header"),
        pytest.param("yesterday", None, id="unreadable-date"),
        pytest.param("Mon, 07 Dec 2026 08:00:00", None, id="date-without-zone"),
        pytest.param("Mon, 07 Dec 99999 08:00:00 GMT", None, id="year-out-of-range"),
    ],
)
def test_server_clock_offset_reads_the_date_header(header: str, offset: timedelta | None) -> None:
    local = datetime(2026, 12, 7, 8, 0, 0, tzinfo=UTC)
    assert server_clock_offset(header, local) == offset


LOCAL = datetime(2026, 12, 7, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "now", "noted"),
    [
        pytest.param(None, LOCAL, False, id="no-server-date-local-clock"),
        pytest.param(timedelta(minutes=4), LOCAL, False, id="within-latency-local-clock"),
        pytest.param(-timedelta(minutes=4), LOCAL, False, id="slightly-behind-local-clock"),
        pytest.param(timedelta(minutes=6), LOCAL, True, id="server-ahead-local-clock"),
        pytest.param(
            -timedelta(minutes=6), LOCAL - timedelta(minutes=6), True, id="server-behind-its-clock"
        ),
    ],
)
def test_live_capture_time_takes_the_earlier_clock_beyond_the_tolerance(
    offset: timedelta | None, now: datetime, noted: bool
) -> None:
    observed, notes = live_capture_time(LOCAL, offset)
    assert (observed, bool(notes)) == (now, noted)
