"""--wait: re-collect until N consecutive passes or the deadline, on a fake clock.

The CLI tests run the real entry point on a bundle directory that the fake clock's sleep swaps
from the failing demo cluster to the healthy one, the way a live cluster heals between runs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.gate import wait
from kopscheck.gate.durations import parse_duration
from kopscheck.gate.fleet import ClusterTarget
from kopscheck.gate.run import wait_for_report
from kopscheck.gate.wait import Attempt, WaitDisplay, WaitPolicy, wait_for_health
from kopscheck.model.errors import InputError, ScanError
from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.facts import Snapshot
from kopscheck.model.results import Report


class FakeClock:
    """Time passes only in sleep(); `changes` run once when their time is reached."""

    def __init__(self, changes: dict[float, Callable[[], None]] | None = None) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []
        self.changes = dict(sorted((changes or {}).items()))

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        for at in [at for at in self.changes if at <= self.t]:
            self.changes.pop(at)()


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeClock]:
    def install(changes: dict[float, Callable[[], None]] | None = None) -> FakeClock:
        clock = FakeClock(changes)
        monkeypatch.setattr(wait, "clock", clock)
        return clock

    return install


def _become(root: Path, scenario: str) -> Callable[[], None]:
    def swap() -> None:
        shutil.rmtree(root)
        shutil.copytree(DEMO_ROOT / scenario, root)

    return swap


def _attempt_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("kopscheck: wait attempt")]


WAIT = ("--wait", "30s", "--interval", "2s", "--count", "2", "--output", "json")


def test_cluster_that_heals_halfway_exits_0_after_two_passes_in_a_row(
    run_cli: Callable[..., CliOutcome],
    demo_copy: Callable[[str], Path],
    fake_clock: Callable[..., FakeClock],
) -> None:
    root = demo_copy("cni-no-provider")
    clock = fake_clock({15.0: _become(root, "healthy")})
    outcome = run_cli("check", "--bundle", str(root), *WAIT)
    assert outcome.code == 0, outcome.stderr
    assert clock.t == 18.0  # attempts at 0, 2, ... 14 fail; 16 and 18 pass
    doc = json.loads(outcome.stdout)
    assert doc["status"] == "pass"
    assert doc["target"]["cluster"] == "calico-demo.k8s.local"  # the last run's report
    assert doc["notes"][-1] == (
        "--wait: healthy after 10 attempts in 18s; 2/2 consecutive passing runs at the end"
    )
    lines = _attempt_lines(outcome.stderr)
    assert len(lines) == 10
    assert lines[0] == (
        "kopscheck: wait attempt 1 at 0s of 30s: 0/2 consecutive passes; still failing:"
        " cni.provider-deployed (fail), cni.node-config (fail), node.network-ready (fail),"
        " dns.rollout (fail), pod.node-logs (fail)"
    )
    assert lines[7].startswith("kopscheck: wait attempt 8 at 14s of 30s: 0/2")
    assert lines[8] == "kopscheck: wait attempt 9 at 16s of 30s: 1/2 consecutive passes; passing"
    assert lines[9] == "kopscheck: wait attempt 10 at 18s of 30s: 2/2 consecutive passes; passing"


def test_cluster_that_never_heals_exits_1_at_the_deadline(
    run_cli: Callable[..., CliOutcome],
    demo_copy: Callable[[str], Path],
    fake_clock: Callable[..., FakeClock],
) -> None:
    root = demo_copy("cni-no-provider")
    clock = fake_clock()
    outcome = run_cli("check", "--bundle", str(root), *WAIT)
    assert outcome.code == 1
    assert clock.t == 30.0
    assert clock.sleeps == [2.0] * 15
    doc = json.loads(outcome.stdout)
    assert doc["status"] == "fail"
    assert {r["check"]: r["status"] for r in doc["results"]}["node.network-ready"] == "fail"
    assert doc["notes"][-1] == (
        "--wait: deadline reached after 16 attempts in 30s; 0/2 consecutive passing runs at the end"
    )
    assert len(_attempt_lines(outcome.stderr)) == 16


def test_a_relapse_resets_the_count_of_passes(
    run_cli: Callable[..., CliOutcome],
    demo_copy: Callable[[str], Path],
    fake_clock: Callable[..., FakeClock],
) -> None:
    root = demo_copy("healthy")
    clock = fake_clock({1.0: _become(root, "cni-no-provider"), 3.0: _become(root, "healthy")})
    outcome = run_cli("check", "--bundle", str(root), *WAIT)
    assert outcome.code == 0
    assert clock.t == 6.0  # pass at 0, fail at 2, pass at 4 and 6
    passes = [line.split(": ")[2].split(" ")[0] for line in _attempt_lines(outcome.stderr)]
    assert passes == ["1/2", "0/2", "1/2", "2/2"]


def test_a_pass_at_the_deadline_without_enough_in_a_row_is_still_exit_1(
    run_cli: Callable[..., CliOutcome],
    demo_copy: Callable[[str], Path],
    fake_clock: Callable[..., FakeClock],
) -> None:
    root = demo_copy("cni-no-provider")
    fake_clock({29.0: _become(root, "healthy")})
    outcome = run_cli("check", "--bundle", str(root), *WAIT)
    assert outcome.code == 1
    doc = json.loads(outcome.stdout)
    assert doc["status"] == "pass"
    assert doc["notes"][-1].endswith("1/2 consecutive passing runs at the end")


def test_fail_on_warn_keeps_waiting_on_a_warning(
    run_cli: Callable[..., CliOutcome],
    demo_copy: Callable[[str], Path],
    fake_clock: Callable[..., FakeClock],
) -> None:
    root = demo_copy("healthy")
    deployments = root / "cluster-info" / "kube-system" / "deployments.json"
    doc = json.loads(deployments.read_text())
    next(d for d in doc["items"] if d["metadata"]["name"] == "coredns")["metadata"][
        "generation"
    ] = 3
    deployments.write_text(json.dumps(doc))
    fake_clock()
    assert run_cli("check", "--bundle", str(root), *WAIT).code == 0
    gated = run_cli("check", "--bundle", str(root), *WAIT, "--fail-on", "warn")
    assert gated.code == 1
    assert "still failing: dns.rollout (warn)" in _attempt_lines(gated.stderr)[0]


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        pytest.param(
            ("--count", "2"),
            "--interval/--count: only mean something with --wait",
            id="count-without-wait",
        ),
        pytest.param(("--wait", "30"), "'30' is not a duration", id="duration-without-unit"),
        pytest.param(
            ("--wait", "30s", "--interval", "soon"),
            "--interval: 'soon' is not a duration",
            id="bad-interval",
        ),
        pytest.param(
            ("--wait", "30s", "--count", "0"), "--count: must be at least 1", id="zero-count"
        ),
        pytest.param(
            ("--wait", "1m", "--write-baseline", "b.json"),
            "cannot be combined with --write-baseline",
            id="wait-and-write-baseline",
        ),
    ],
)
def test_bad_wait_flags_are_one_line_errors(
    run_cli: Callable[..., CliOutcome], flags: tuple[str, ...], needle: str
) -> None:
    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / "healthy"), *flags)
    assert outcome.code == 2
    assert outcome.stdout == ""
    assert len(outcome.stderr.strip().splitlines()) == 1
    assert needle in outcome.stderr


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("2m", 120.0),
        ("1h30m", 5400.0),
        ("1h30m15s", 5415.0),
        ("1.5m", 90.0),
        ("500ms", 0.5),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text, "--wait", positive=True) == seconds


@pytest.mark.parametrize("text", ["30", "", "abc", "0s", "-5s", "5d", "1h 30m", "m"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(InputError, match="--wait"):
        parse_duration(text, "--wait", positive=True)


# --- the loop itself, with scans that fail --------------------------------------------------


def _evaluate(snapshot: Snapshot) -> Report:
    return build_report(snapshot, load_checks())


def _scripted(*steps: str) -> Callable[[], Snapshot]:
    """A collect() that follows the script: a demo scenario name, or "down" for a ScanError."""
    remaining = list(steps)

    def collect() -> Snapshot:
        step = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if step == "down":
            raise ScanError("https://api.prod.example.com: connection refused")
        return read_bundle(DEMO_ROOT / step)

    return collect


def test_scan_errors_while_waiting_are_failed_attempts_not_the_end() -> None:
    seen: list[Attempt] = []
    clock = FakeClock()
    outcome = wait_for_health(
        _scripted("down", "down", "healthy"), _evaluate, WaitPolicy(30, 2, 2), seen.append, clock
    )
    assert outcome.healthy
    assert [(a.number, a.error is not None, a.passes) for a in seen] == [
        (1, True, 0),
        (2, True, 0),
        (3, False, 1),
        (4, False, 2),
    ]
    assert clock.t == 6.0


def test_last_attempt_that_cannot_scan_is_exit_3_without_a_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(wait, "clock", clock)
    target = ClusterTarget("prod", _scripted("cni-no-provider", "down"))
    with pytest.raises(ScanError) as raised:
        wait_for_report(target, _evaluate, WaitPolicy(10, 2, 1))
    assert raised.value.exit_code == ExitCode.SCAN_INCOMPLETE
    assert str(raised.value) == (
        "https://api.prod.example.com: connection refused (the last of 6 attempts in 10s could not scan)"
    )


def test_live_display_on_a_terminal_shows_what_is_still_failing() -> None:
    out = StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    policy = WaitPolicy(30, 2, 2)
    report = _evaluate(read_bundle(DEMO_ROOT / "cni-no-provider"))
    with WaitDisplay(console, policy) as display:
        display(Attempt(3, 4.0, report, None, 0))
        display(Attempt(4, 6.0, None, ScanError("API unreachable"), 0))
    screen = out.getvalue()
    assert "kopscheck: wait attempt 3 at 4s of 30s: 0/2 consecutive passes" in screen
    assert "FAIL  node.network-ready: 4 of 4 nodes not network-ready" in screen
    assert "scan failed: API unreachable" in screen
