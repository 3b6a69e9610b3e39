"""The hostile-string matrix on stderr: kopscheck's progress, info, warning and error lines.

Those lines name what a bundle, a dump, a report or a cluster holds (file and directory
names, cluster names, check ids from a report), so each path below is driven through the
real entry point with the corpus (tests/hostile/strings.json) where the data goes, and its
stderr must hold no raw control character, one line per message (a newline in data shown as
`\\n`), the data shown escaped, and the exit code of the clean input. The fake-API-server
paths (API error messages, cleanup listings, kubeconfig context names) are in
tests/live/test_hostile_stderr_live.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.gate import run, wait
from kopscheck.gate.wait import Attempt, WaitDisplay, WaitPolicy
from kopscheck.model.errors import ScanError
from kopscheck.model.results import Report
from kopscheck.reporters.encode import visible
from kopscheck.reporters.stderr_lines import say, shown
from tests.cli_outcome import CliOutcome
from tests.hostile_reports import (
    CORPUS,
    assert_no_structure_from_data,
    assert_stderr_lines,
    fs_name,
    raw_controls,
    rename_cluster,
)

# what a file name can carry: the corpus but lone surrogates (no file system encodes them),
# and bytes that are not UTF-8 (Python reads them as surrogate escapes)
PATH_NAMES = {k: fs_name(v) for k, v in CORPUS.items() if k != "lone-surrogate"}
PATH_NAMES["invalid-utf-8"] = os.fsdecode(b"bundle-\xff\xfe-\xc3")
Run = Callable[..., CliOutcome]
HEALTHY = DEMO_ROOT / "healthy"


def _twin(tmp_path: Path, key: str, name: str, scenario: str = "healthy") -> tuple[Path, Path]:
    """A copy of demo `scenario` under a clean name and one under the hostile `name`."""
    clean, dirty = tmp_path / "clean" / scenario, tmp_path / key / name
    for target in (clean, dirty):
        shutil.copytree(DEMO_ROOT / scenario, target, ignore=shutil.ignore_patterns("__pycache__"))
    return clean, dirty


@pytest.mark.parametrize("text", list(CORPUS.values()), ids=list(CORPUS))
def test_say_writes_one_visible_line(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    say(f"kopscheck: probe: deleting namespaces {text}")
    err = capsys.readouterr().err
    assert err == f"kopscheck: probe: deleting namespaces {visible(text)}\n"
    assert assert_stderr_lines(err) == [f"kopscheck: probe: deleting namespaces {shown(text)}"]


def test_rich_markup_and_emoji_codes_stay_literal(capsys: pytest.CaptureFixture[str]) -> None:
    say(f"kopscheck: cluster {CORPUS['rich-markup']}: fail")
    assert capsys.readouterr().err == "kopscheck: cluster [bold red]PASS[/] :smile:: fail\n"


@pytest.mark.parametrize("key", list(PATH_NAMES))
def test_a_bundle_file_that_cannot_be_read_is_one_error_line(
    key: str, run_cli: Run, tmp_path: Path
) -> None:
    clean, dirty = _twin(tmp_path, key, PATH_NAMES[key])
    for bundle in (clean, dirty):
        (bundle / "cluster-info" / "nodes.json").write_text('{"items": [', encoding="utf-8")

    before = run_cli("check", "--bundle", str(clean))
    after = run_cli("check", "--bundle", str(dirty))

    assert (after.code, before.code) == (2, 2)
    [line] = assert_stderr_lines(after.stderr)
    assert line == (
        f"kopscheck: error: {visible(dirty.name)}/cluster-info/nodes.json:"
        " invalid JSON at line 1: the document ends early"
    )
    assert before.stderr == (
        "kopscheck: error: healthy/cluster-info/nodes.json:"
        " invalid JSON at line 1: the document ends early\n"
    )


@pytest.mark.parametrize("key", list(PATH_NAMES))
def test_an_empty_bundle_says_so_in_one_line_and_writes_no_baseline(
    key: str, run_cli: Run, tmp_path: Path
) -> None:
    dirty = tmp_path / key / PATH_NAMES[key]
    dirty.mkdir(parents=True)
    baseline = tmp_path / "known.json"

    outcome = run_cli("check", "--bundle", str(dirty), "--write-baseline", str(baseline))

    assert outcome.code == 3
    lines = assert_stderr_lines(outcome.stderr)
    shown_path = visible(str(dirty))
    assert lines[0] == (
        f"kopscheck: error: {shown_path}: not a kopscheck bundle: expected cluster-info/"
        " (kubectl cluster-info dump --output-directory), kops/, aws/ or nodes/;"
        " the directory is empty"
    )
    assert lines[1].startswith(f"kopscheck: --write-baseline {baseline} not written: ")
    assert shown_path in lines[1]
    assert len(lines) == 2
    assert not baseline.exists()


@pytest.mark.parametrize("key", list(PATH_NAMES))
def test_a_report_written_to_a_hostile_file_name_is_one_info_line(
    key: str, run_cli: Run, tmp_path: Path
) -> None:
    out = tmp_path / key / f"{PATH_NAMES[key]}.json"
    out.parent.mkdir()

    outcome = run_cli("check", "--bundle", str(HEALTHY), "-o", "json", "--out", str(out))

    assert outcome.code == 0
    assert assert_stderr_lines(outcome.stderr) == [
        f"kopscheck: wrote json report to {visible(str(out))}"
    ]
    assert json.loads(out.read_text())["status"] == "pass"


@pytest.mark.parametrize("key", ["csi-hide", "newline-heading", "bidi", "invalid-utf-8"])
def test_fleet_progress_is_one_line_per_cluster(key: str, run_cli: Run, tmp_path: Path) -> None:
    name = PATH_NAMES[key]
    clean_a, dirty_a = _twin(tmp_path, key, f"{name}-a", "kubenet-route-limit")
    clean_b, dirty_b = _twin(tmp_path, key, f"{name}-b", "cni-no-provider")
    for bundle, suffix in ((dirty_a, "a"), (dirty_b, "b")):
        rename_cluster(bundle, f"{CORPUS.get(key, name)}.{suffix}")

    before = run_cli("check", "--bundle", str(clean_a), "--bundle", str(clean_b), "-o", "json")
    after = run_cli("check", "--bundle", str(dirty_a), "--bundle", str(dirty_b), "-o", "json")

    assert (after.code, before.code) == (1, 1)
    assert sorted(assert_stderr_lines(after.stderr)) == [
        f"kopscheck: cluster {visible(CORPUS.get(key, name))}.a: fail",
        f"kopscheck: cluster {visible(CORPUS.get(key, name))}.b: fail",
    ]
    statuses = [(c["name"], c["status"]) for c in json.loads(after.stdout)["clusters"]]
    assert statuses == [
        (f"{CORPUS.get(key, name)}.a", "fail"),
        (f"{CORPUS.get(key, name)}.b", "fail"),
    ]


@pytest.mark.parametrize("key", list(CORPUS))
def test_a_usage_error_naming_a_hostile_value_is_one_line(key: str, run_cli: Run) -> None:
    outcome = run_cli("check", "--bundle", str(HEALTHY), "--select", CORPUS[key])

    assert outcome.code == 2
    [line] = assert_stderr_lines(outcome.stderr)
    assert line.startswith("kopscheck: error: --select/--skip: unknown check id or family: ")
    for part in CORPUS[key].split(","):
        assert visible(part.strip()) in line


# --- kopscheck diff: two JSON reports the user gives; every string in them is data


def _report(run_cli: Run, scenario: str, path: Path, edit: Callable[[Any], None]) -> Path:
    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / scenario), "-o", "json")
    doc = json.loads(outcome.stdout)
    edit(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _hostile_report(cluster: str, attack: str) -> Callable[[Any], None]:
    """Cluster name, every check id and every finding's code and message made hostile."""

    def edit(doc: Any) -> None:
        doc["target"]["cluster"] = cluster
        for result in doc["results"]:
            result["check"] = f"{result['check']}{attack}"
            for finding in [*result["findings"], *result.get("suppressed", [])]:
                finding["code"] = f"{finding.get('code', '')}{attack}"
                finding["message"] = f"{finding['message']} {attack}"

    return edit


@pytest.mark.parametrize("key", list(CORPUS))
def test_a_diff_of_hostile_reports_warns_in_one_line_and_forges_no_markdown(
    key: str, run_cli: Run, tmp_path: Path
) -> None:
    attack = CORPUS[key]
    clean_old = _report(run_cli, "coredns-loop", tmp_path / "old.json", _hostile_report("a", ""))
    clean_new = _report(run_cli, "healthy", tmp_path / "new.json", _hostile_report("b", ""))
    old = _report(run_cli, "coredns-loop", tmp_path / "old-x.json", _hostile_report(attack, attack))
    new = _report(
        run_cli, "healthy", tmp_path / "new-x.json", _hostile_report(f"2{attack}", attack)
    )

    for output in ("table", "markdown", "json"):
        before = run_cli("diff", str(clean_old), str(clean_new), "-o", output)
        after = run_cli("diff", str(old), str(new), "-o", output)
        assert (after.code, before.code) == (0, 0), after.stderr
        assert assert_stderr_lines(after.stderr) == [
            f"kopscheck: warning: {old} is of cluster {visible(attack)} and {new} of cluster"
            f" 2{visible(attack)}: comparing two different clusters"
        ]
        if output != "json":
            assert raw_controls(after.stdout) == [], output
        if output == "markdown":
            assert_no_structure_from_data(before.stdout, after.stdout)
            changed = [line for line in after.stdout.splitlines() if line.startswith("| better")]
            assert len(changed) == len(
                [line for line in before.stdout.splitlines() if line.startswith("| better")]
            )
            assert all(line.count(" | ") == 3 for line in changed), changed


def test_a_plain_check_id_in_a_diff_stays_code(run_cli: Run, tmp_path: Path) -> None:
    old = _report(run_cli, "coredns-loop", tmp_path / "old.json", lambda _doc: None)
    new = _report(run_cli, "healthy", tmp_path / "new.json", lambda _doc: None)
    hostile = _report(run_cli, "coredns-loop", tmp_path / "x.json", _hostile_report("a", "`|\n# x"))

    plain = run_cli("diff", str(old), str(new), "-o", "markdown").stdout
    forged = run_cli("diff", str(hostile), str(new), "-o", "markdown").stdout

    assert "| better | `dns.rollout` | fail | pass |" in plain
    assert "| removed | dns.rollout\\`\\|\\\\n\\# x | fail | - |" in forged
    assert "| added | `dns.rollout` | - | pass |" in forged


@pytest.mark.parametrize("key", ["csi-hide", "newline-heading", "bidi", "invalid-utf-8"])
def test_a_report_that_is_not_json_is_one_error_line(
    key: str, run_cli: Run, tmp_path: Path
) -> None:
    good = _report(run_cli, "healthy", tmp_path / "good.json", lambda _doc: None)
    bad = tmp_path / key / f"{PATH_NAMES[key]}.json"
    bad.parent.mkdir()
    bad.write_text("{not json", encoding="utf-8")

    outcome = run_cli("diff", str(bad), str(good))

    assert outcome.code == 2
    [line] = assert_stderr_lines(outcome.stderr)
    assert line.startswith(f"kopscheck: error: {visible(str(bad))}: not a kopscheck JSON report")


# --- --wait and the collect spinner


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@pytest.mark.parametrize("key", ["csi-hide", "newline-heading", "osc8-link", "invalid-utf-8"])
def test_wait_progress_is_one_line_per_attempt(
    key: str, run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean, dirty = _twin(tmp_path, key, PATH_NAMES[key], "coredns-loop")
    wait_for = ("--wait", "6s", "--interval", "2s", "-o", "json")
    codes = []
    for bundle in (clean, dirty):
        monkeypatch.setattr(wait, "clock", _Clock())
        codes.append(run_cli("check", "--bundle", str(bundle), *wait_for))
    before, after = codes

    assert (after.code, before.code) == (1, 1)
    lines = assert_stderr_lines(after.stderr)
    assert lines == before.stderr.splitlines()
    assert lines[0].startswith("kopscheck: warning: --wait re-reads the --bundle input")
    assert lines[1:] == [
        f"kopscheck: wait attempt {n} at {t}s of 6s: 0/1 consecutive passes;"
        " still failing: dns.rollout (fail)"
        for n, t in ((1, 0), (2, 2), (3, 4), (4, 6))
    ]


def _failing(summary: str) -> Report:
    """The cni-no-provider report with node.network-ready's summary replaced."""
    report = build_report(read_bundle(DEMO_ROOT / "cni-no-provider"), load_checks())
    results = tuple(
        replace(r, summary=summary) if r.check == "node.network-ready" else r
        for r in report.results
    )
    return replace(report, results=results)


@pytest.mark.parametrize("key", list(CORPUS))
def test_the_live_wait_view_shows_data_escaped(key: str) -> None:
    out = StringIO()
    console = Console(file=out, force_terminal=True, width=1000, color_system=None)
    attack = CORPUS[key]
    with WaitDisplay(console, WaitPolicy(30, 2, 2)) as display:
        display(Attempt(3, 4.0, _failing(f"node {attack} not network-ready"), None, 0))
        display(Attempt(4, 6.0, None, ScanError(f"https://{attack}: connection refused"), 0))
    screen = out.getvalue()
    assert f"FAIL  node.network-ready: node {visible(attack)} not network-ready" in screen
    assert f"scan failed: https://{visible(attack)}: connection refused" in screen
    assert _data_controls(screen) == []


def _data_controls(screen: str) -> list[str]:
    """Raw characters of the corpus on a terminal screen: all but the CSI sequences rich
    itself writes to redraw a live view (ESC [ ... letter)."""
    own = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    return [c for c in raw_controls(own) if c not in "\r"]


@pytest.mark.parametrize("key", ["rich-markup", "osc52-clipboard", "bidi", "newline-heading"])
def test_the_collect_spinner_shows_the_bundle_name_literally(
    key: str, run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, dirty = _twin(tmp_path, key, PATH_NAMES[key])
    out = StringIO()
    monkeypatch.setattr(
        run, "stderr", Console(file=out, force_terminal=True, width=1000, color_system=None)
    )

    outcome = run_cli("check", "--bundle", str(dirty), "-o", "json")

    assert outcome.code == 0
    assert f"kopscheck: reading bundle {visible(str(dirty))} ..." in out.getvalue()
    assert _data_controls(out.getvalue()) == []
