"""The stream dump read as evidence: a log cut off by an interrupted `kubectl cluster-info dump`,
or holding a byte that is not UTF-8, costs that log's completeness (said in `notes`), never the
whole dump; a 60 MB dump is read within 1.5x its size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from peak_memory import run_measured

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.dump import read_dump
from kopscheck.demo import DEMO_ROOT

REAL_STREAM = Path(__file__).parent / "real_dumps" / "kubectl-dump-stream.txt"
SHOP = "container shop of pod default/shop-6f8c7b9d4-zz1xq"
# An application's log lines (the shop pod is the app; what it prints is its own business).
SHOP_LINES = (
    "2026-11-27T10:14:02.118Z INFO  http: listening on :8080",
    "2026-11-27T10:14:07.530Z WARN  upstream cart:8080 slow: 812ms",
    "2026-11-27T10:14:09.004Z ERROR order 1138: payment gateway timeout",
)


def _shop_log(body: bytes, end: bool) -> bytes:
    """The real stream with the shop pod's log section holding `body` (END marker or not)."""
    text = REAL_STREAM.read_bytes()
    start = text.index(f"==== START logs for {SHOP} ====".encode())
    section = f"==== START logs for {SHOP} ====\n".encode() + body
    if end:
        section += f"==== END logs for {SHOP} ====\n".encode()
    return text[:start] + section


def _logs(path: Path) -> dict[str, str]:
    snapshot = read_dump(path)
    return {
        f"{log.namespace}/{log.pod}/{log.container}": log.text for log in snapshot.pod_logs or ()
    }


def test_dump_cut_off_in_its_last_log_is_read_up_to_the_cut(tmp_path: Path) -> None:
    whole = "\n".join(SHOP_LINES).encode()
    dump = tmp_path / "dump.txt"
    dump.write_bytes(_shop_log(whole[: whole.index(b"payment") + 7], end=False))
    snapshot = read_dump(dump)
    logs = {f"{log.namespace}/{log.pod}": log for log in snapshot.pod_logs or ()}
    assert logs["default/shop-6f8c7b9d4-zz1xq"].text == "\n".join(
        (*SHOP_LINES[:2], "2026-11-27T10:14:09.004Z ERROR order 1138: payment")
    )
    assert logs["kube-system/calico-node-00000"].error.startswith("an error on the server")
    assert {p.name for p in snapshot.pods or ()} >= {"shop-6f8c7b9d4-zz1xq", "calico-node-00000"}
    assert snapshot.events is not None and snapshot.nodes is not None
    (note,) = [n for n in snapshot.notes if "END marker" in n]
    assert note == (
        f"{dump}: the log section for {SHOP} (line 1558) has no END marker: the dump was cut"
        " off there; everything before it was read"
    )


def test_cut_off_dump_runs_through_the_cli(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_bytes(_shop_log(b"2026-11-27T10:14:02.118Z INFO  http: liste", end=False))
    outcome = run_cli("check", "--dump", str(dump), "-o", "json")
    report = json.loads(outcome.stdout)
    assert outcome.code in (0, 1), outcome.stderr
    assert any("has no END marker" in note for note in report["notes"])


@pytest.mark.parametrize("end", [True, False], ids=["whole-section", "cut-off-section"])
def test_one_non_utf8_byte_in_an_app_log_costs_one_character(tmp_path: Path, end: bool) -> None:
    body = "\n".join(SHOP_LINES).encode().replace(b"slow", b"sl\xffow") + b"\n"
    dump = tmp_path / "dump.txt"
    dump.write_bytes(_shop_log(body, end))
    snapshot = read_dump(dump)
    assert _logs(dump)["default/shop-6f8c7b9d4-zz1xq/shop"].splitlines()[1] == (
        "2026-11-27T10:14:07.530Z WARN  upstream cart:8080 sl\ufffdow: 812ms"
    )
    notes = [n for n in snapshot.notes if "not UTF-8" in n]
    assert notes == [
        f"{dump}: 1 container log(s) hold bytes that are not UTF-8, read as U+FFFD: {SHOP}"
    ]


def test_non_utf8_in_a_bundle_log_is_noted_once_naming_the_file(tmp_path: Path) -> None:
    root = tmp_path / "bundle"
    shutil.copytree(DEMO_ROOT / "healthy", root, ignore=shutil.ignore_patterns("__pycache__"))
    logs = sorted(root.glob("cluster-info/*/*/logs.txt"))[0]
    logs.write_bytes(logs.read_bytes().replace(b"\n==== END", b"\nline \xc3\x28 bad\n==== END"))
    snapshot = read_bundle(root)
    label = str(logs.relative_to(root.parent))
    assert [n for n in snapshot.notes if "not UTF-8" in n] == [
        f"1 log file(s) hold bytes that are not UTF-8, read as U+FFFD: {label}"
    ]
    assert any("\ufffd( bad" in (log.text or "") for log in snapshot.pod_logs or ())


def test_nul_bytes_in_a_crashed_nodes_log_and_a_pod_log_are_read_as_u_fffd(
    tmp_path: Path,
) -> None:
    """An unclean shutdown leaves a run of NULs where the last blocks were: still evidence."""
    root = tmp_path / "bundle"
    shutil.copytree(DEMO_ROOT / "healthy", root, ignore=shutil.ignore_patterns("__pycache__"))
    kubelet = root / "nodes" / "i-0a1b2c3d4e5f60002" / "kubelet.log"
    kubelet.write_bytes(b"\x00" * 8192 + kubelet.read_bytes())
    logs = sorted(root.glob("cluster-info/*/*/logs.txt"))[0]
    text = logs.read_bytes()
    head, _, rest = text.partition(b"\n")
    logs.write_bytes(head + b"\n" + b"\x00" * 64 + b"\n" + rest)
    snapshot = read_bundle(root)
    noted = [n for n in snapshot.notes if "not UTF-8" in n]
    assert noted == [
        "2 log file(s) hold bytes that are not UTF-8, read as U+FFFD: "
        + ", ".join(sorted(str(p.relative_to(root.parent)) for p in (kubelet, logs)))
    ]
    assert any("\ufffd" * 64 in (log.text or "") for log in snapshot.pod_logs or ())


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda t: t.replace(b'"calico-node-00000"', b'"calico-\xff"', 1), id="json"),
        pytest.param(
            lambda t: t.replace(b'"namespace": "default"', b'"namespace": "d\xfe"', 1), id="ns"
        ),
    ],
)
def test_non_utf8_in_a_list_is_still_refused_naming_the_line(
    run_cli: Callable[..., CliOutcome], tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_bytes(damage(REAL_STREAM.read_bytes()))
    outcome = run_cli("check", "--dump", str(dump))
    assert outcome.code == 2
    assert outcome.stderr.count("\n") == 1
    assert str(dump) in outcome.stderr and "not UTF-8" in outcome.stderr


def _generated_dump(tmp_path: Path, nodes: int) -> Path:
    bench = Path(__file__).parents[1] / "benchmarks" / "generate.py"
    out = tmp_path / "bundle"
    subprocess.run(
        [sys.executable, str(bench), "--nodes", str(nodes), str(out)],
        check=True,
        capture_output=True,
    )
    info = out / "cluster-info"
    dump = tmp_path / "dump.txt"
    with dump.open("wb") as handle:
        handle.write((info / "nodes.json").read_bytes())
        for path in sorted(info.glob("*/*.json")):
            if path.name != "endpoints.json":
                handle.write(path.read_bytes())
        line = b"2026-11-27 10:14:59.123 [INFO][88] felix/int_dataplane.go 1995: Applying updates\n"
        for index in range(nodes):
            header = f"container calico-node of pod kube-system/calico-node-{index:05d} ====\n"
            handle.write(f"==== START logs for {header}".encode() + line * 200)
            handle.write(f"==== END logs for {header}".encode())
        # One chatty application: a 30 MB log section (read whole, it cost ~5x its size).
        header = "container shop of pod default/shop-6f8c7b9d4-zz1xq ====\n"
        handle.write(f"==== START logs for {header}".encode())
        handle.write((SHOP_LINES[1] + "\n").encode() * (30 * 2**20 // 63))
        handle.write(f"==== END logs for {header}".encode())
    shutil.rmtree(out)
    return dump


BASELINE_MIB = 80  # the interpreter, the checks and the reporters, with nothing read


def test_a_60_mb_dump_peaks_below_one_and_a_half_times_its_size(tmp_path: Path) -> None:
    dump = _generated_dump(tmp_path, 80)
    size_mib = os.path.getsize(dump) / 2**20
    assert 50 < size_mib < 90
    outcome, peak = run_measured("check", "--dump", str(dump), "-o", "json")
    assert outcome.code == 0, outcome.stderr
    assert len(json.loads(outcome.stdout)["results"]) > 10
    assert peak <= 1.5 * size_mib + BASELINE_MIB, (peak, size_mib)
