"""Bounded file reads: regular files only, a byte cap, log tails, no symlink out of the bundle,
depth and number limits. Each case ends in one line and exit 2, or in a report naming the cut."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome
from peak_memory import run_measured

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.files import read_log_sections, read_log_tail
from kopscheck.collectors.offline.limits import FileLimits

NODE = "i-0a1b2c3d4e5f60002"


def _kopscheck(*args: str, timeout: float = 30) -> CliOutcome:
    """The CLI in its own process: a hang fails the test instead of blocking the run."""
    done = subprocess.run(
        [sys.executable, "-c", "from kopscheck.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliOutcome(done.returncode, done.stdout, done.stderr)


def _one_line(outcome: CliOutcome, *needles: str) -> str:
    assert outcome.code == 2, outcome
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("kopscheck: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_dump_of_dev_zero_is_refused_before_reading() -> None:
    _one_line(
        _kopscheck("check", "--dump", "/dev/zero"),
        "/dev/zero: a character device, not a regular file",
    )


def test_dump_of_a_fifo_is_refused_without_hanging(fifo: Path) -> None:
    _one_line(_kopscheck("check", "--dump", str(fifo)), f"{fifo}: a FIFO, not a regular file")


def test_diff_of_two_fifos_is_refused_without_hanging(fifo: Path) -> None:
    line = _one_line(_kopscheck("diff", str(fifo), str(fifo)), "a FIFO, not a regular file")
    assert f"{fifo}: cannot read report" in line


def test_baseline_from_a_fifo_is_refused(
    fifo: Path, demo_copy: Callable[[str], Path], run_cli: Callable[..., CliOutcome]
) -> None:
    root = demo_copy("cni-no-provider")
    outcome = run_cli("check", "--bundle", str(root), "--baseline", str(fifo))
    _one_line(outcome, f"{fifo}: cannot read baseline: a FIFO, not a regular file")


def test_a_fifo_inside_a_bundle_is_an_error_not_a_missing_file(
    demo_copy: Callable[[str], Path], run_cli: Callable[..., CliOutcome]
) -> None:
    root = demo_copy("cni-no-provider")
    (root / "cluster-info/nodes.json").unlink()
    os.mkfifo(root / "cluster-info/nodes.json")
    outcome = run_cli("check", "--bundle", str(root))
    _one_line(outcome, "cluster-info/nodes.json: a FIFO, not a regular file: refused")


def test_symlink_out_of_the_bundle_is_refused(
    demo_copy: Callable[[str], Path], tmp_path: Path, run_cli: Callable[..., CliOutcome]
) -> None:
    root = demo_copy("cni-no-provider")
    secret = tmp_path / "elsewhere.log"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    log = root / "nodes" / NODE / "kubelet.log"
    log.unlink()
    log.symlink_to(secret)
    outcome = run_cli("check", "--bundle", str(root))
    _one_line(outcome, f"nodes/{NODE}/kubelet.log: a symlink to a file outside the bundle")


def test_symlink_within_the_bundle_is_followed(demo_copy: Callable[[str], Path]) -> None:
    root = demo_copy("cni-no-provider")
    log = root / "nodes" / NODE / "kubelet.log"
    other = root / "nodes" / "i-0a1b2c3d4e5f60003" / "kubelet.log"
    log.unlink()
    log.symlink_to(other)
    files = read_bundle(root).node_files
    assert files is not None
    assert files[NODE].kubelet_log == files["i-0a1b2c3d4e5f60003"].kubelet_log


def test_file_over_the_byte_cap_names_the_flag(
    demo_copy: Callable[[str], Path], run_cli: Callable[..., CliOutcome]
) -> None:
    root = demo_copy("cni-no-provider")
    outcome = run_cli("check", "--bundle", str(root), "--max-file-size", "1KiB")
    _one_line(outcome, "larger than 1 KiB (--max-file-size)")


def test_huge_sparse_file_is_refused_by_size_and_then_by_its_first_bytes(
    demo_copy: Callable[[str], Path], run_cli: Callable[..., CliOutcome]
) -> None:
    root = demo_copy("cni-no-provider")
    pods = root / "cluster-info/kube-system/pods.json"
    with pods.open("r+b") as handle:
        handle.truncate(3 * 1024**3)  # sparse: three GiB of NULs after the real start
        handle.seek(0)
        handle.write(b"\x00" * 16)
    _one_line(run_cli("check", "--bundle", str(root)), "pods.json: larger than 1 GiB")
    outcome = run_cli("check", "--bundle", str(root), "--max-file-size", "4GiB")
    _one_line(outcome, "pods.json: binary data, not text")


def test_a_4_gib_kubelet_log_is_read_from_its_end_in_bounded_memory(
    demo_copy: Callable[[str], Path],
) -> None:
    root = demo_copy("cni-no-provider")
    log = root / "nodes" / NODE / "kubelet.log"
    recent = "E1127 11:00:00.000000 1 kubelet.go:2862] Container runtime network not ready"
    _write_log(log, 100, recent)  # text at its start, as the binary test reads it
    with log.open("r+b") as handle:  # then a 4 GiB hole (sparse), then 800 KiB of recent lines
        handle.seek(4 * 1024**3)
        handle.write(f"{recent}\n".encode() * 10_000)
    outcome, peak_mib = run_measured(
        "check", "--bundle", str(root), "--max-file-size", "8GiB", "-o", "json"
    )
    assert outcome.code == 1, outcome.stderr  # the demo's verdict, read from the tail
    assert f"nodes/{NODE}/kubelet.log" in json.loads(outcome.stdout)["notes"][0]
    assert peak_mib < 256, peak_mib  # ~35 MiB here; the whole file would not fit


def _write_log(path: Path, lines: int, last: str) -> None:
    old = "I1127 10:00:00.000000    1234 kubelet.go:1234] an old line that no check needs\n"
    with path.open("w") as handle:
        handle.write("E1127 09:00:00.000000 1 ancient.go:1] cni config uninitialized\n")
        handle.write(old * lines)
        handle.write(last + "\n")


def test_big_kubelet_log_is_read_from_its_end(demo_copy: Callable[[str], Path]) -> None:
    root = demo_copy("cni-no-provider")
    log = root / "nodes" / NODE / "kubelet.log"
    recent = "E1127 11:00:00.000000 1 kubelet.go:2862] Container runtime network not ready"
    _write_log(log, 700_000, recent)  # about 55 MB
    limits = FileLimits(log_lines=100, log_bytes=64 * 1024)
    snapshot = read_bundle(root, limits=limits)
    assert snapshot.node_files is not None
    text = snapshot.node_files[NODE].kubelet_log or ""
    lines = text.splitlines()
    assert (len(lines), lines[-1]) == (100, recent)
    assert "ancient.go" not in text
    assert snapshot.notes == (
        "1 log file(s) read as their last 100 lines / 64 KiB (--log-lines/--log-bytes):"
        f" {root.name}/nodes/{NODE}/kubelet.log",
    )


def test_log_tail_keeps_whole_lines_within_the_byte_budget(tmp_path: Path) -> None:
    path = tmp_path / "kubelet.log"
    path.write_text("".join(f"line {i:04d}\n" for i in range(1000)))
    tail = read_log_tail(path, "kubelet.log", FileLimits(log_lines=500, log_bytes=105))
    assert (tail.cut, tail.text.splitlines()) == (True, [f"line {i:04d}" for i in range(990, 1000)])
    whole = read_log_tail(path, "kubelet.log", FileLimits())
    assert (whole.cut, len(whole.text.splitlines())) == (False, 1000)


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("utf-16", id="utf-16-powershell-5"),
        pytest.param("utf-8-sig", id="utf-8-bom-powershell-7"),
    ],
)
def test_log_tails_of_powershell_files_are_transcoded(tmp_path: Path, encoding: str) -> None:
    """Saved on Windows (a byte-order mark, CRLF): the tail is the same text as from Linux."""
    lines = [f"line {i:04d}" for i in range(1000)]
    log = tmp_path / "kubelet.log"
    log.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    tail = read_log_tail(log, "kubelet.log", FileLimits(log_lines=3))
    assert (tail.cut, tail.text.splitlines()) == (True, lines[-3:])
    header = "container coredns of pod kube-system/coredns-1 ===="
    body = "\r\n".join([f"==== START logs for {header}", *lines, f"==== END logs for {header}"])
    sections = tmp_path / "logs.txt"
    sections.write_bytes(body.encode(encoding))
    tail = read_log_sections(sections, "logs.txt", FileLimits(log_lines=2, log_bytes=100))
    assert tail.text.splitlines() == [
        f"==== START logs for {header}",
        *lines[-2:],
        f"==== END logs for {header}",
    ]


def test_pod_log_sections_are_each_cut_to_their_tail(tmp_path: Path) -> None:
    path = tmp_path / "logs.txt"
    header = "container {c} of pod kube-system/coredns-1 ===="
    with path.open("w") as handle:
        for container in ("coredns", "sidecar"):
            handle.write(f"==== START logs for {header.format(c=container)}\n")
            handle.writelines(f"{container} {i}\n" for i in range(5000))
            handle.write(f"==== END logs for {header.format(c=container)}\n")
    tail = read_log_sections(path, "logs.txt", FileLimits(log_lines=3, log_bytes=1024))
    assert tail.cut
    assert tail.text.splitlines() == [
        f"==== START logs for {header.format(c='coredns')}",
        "coredns 4997",
        "coredns 4998",
        "coredns 4999",
        f"==== END logs for {header.format(c='coredns')}",
        f"==== START logs for {header.format(c='sidecar')}",
        "sidecar 4997",
        "sidecar 4998",
        "sidecar 4999",
        f"==== END logs for {header.format(c='sidecar')}",
    ]


@pytest.mark.parametrize(
    ("relative", "content", "needle"),
    [
        pytest.param(
            "cluster-info/nodes.json",
            '{"kind": "NodeList", "items": [{"metadata": {"name": "n"}, "x": '
            + "[" * 100_000
            + "]" * 100_000
            + "}]}",
            "invalid JSON: nested too deeply",
            id="json-100k-deep",
        ),
        pytest.param(
            "kops/cluster.yaml",
            "a: " + "[" * 100_000 + "]" * 100_000,
            "nested too deeply",
            id="yaml-100k-deep",
        ),
        pytest.param(
            "kops/cluster.yaml",
            "spec: " + "[" * 150 + "]" * 150,
            "nested deeper than 100 levels",
            id="yaml-150-deep",
        ),
        pytest.param(
            "aws/service-quotas-vpc-L-93826ACB.json",
            '{"Quota": {"Value": NaN}}',
            "NaN is not a JSON number",
            id="quota-nan",
        ),
        pytest.param(
            "aws/service-quotas-vpc-L-93826ACB.json",
            '{"Quota": {"Value": Infinity}}',
            "Infinity is not a JSON number",
            id="quota-infinity",
        ),
        pytest.param(
            "aws/service-quotas-vpc-L-93826ACB.json",
            '{"Quota": {"Value": 1e999}}',
            "NaN or Infinity where a number belongs",
            id="quota-overflows-to-infinity",
        ),
        pytest.param(
            "cluster-info/version.json",
            '{"serverVersion": {"gitVersion": ' + "1" * 5000 + "}}",
            "invalid JSON: Exceeds the limit",
            id="5000-digit-integer",
        ),
    ],
)
def test_depth_and_numbers_are_bounded(
    demo_copy: Callable[[str], Path],
    run_cli: Callable[..., CliOutcome],
    relative: str,
    content: str,
    needle: str,
) -> None:
    root = demo_copy("cni-no-provider")
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    _one_line(run_cli("check", "--bundle", str(root)), relative, needle)


def test_a_fifo_in_a_file_state_store_is_refused(tmp_path: Path) -> None:
    from kopscheck.collectors.aws.state_store import read_state
    from kopscheck.model.errors import InputError

    (tmp_path / "c.example.com").mkdir()
    os.mkfifo(tmp_path / "c.example.com" / "config")
    with pytest.raises(InputError) as error:
        read_state(f"file://{tmp_path}", "c.example.com")
    assert str(error.value) == (
        f"file://{tmp_path}/c.example.com/config: a FIFO, not a regular file: refused"
    )
