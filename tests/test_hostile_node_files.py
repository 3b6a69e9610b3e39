"""The hostile-string matrix for a node file's content: `nodes/<node>/ip_forward`, which the
node agent fills from /proc/sys/net/ipv4/ip_forward (`collect --probe`), holding each corpus
string, a megabyte, or a megabyte after a valid `1`.

The bundle reader reads at most 65 bytes of it, so it never holds more, and anything but one
`0` or `1` is unreadable: cni.node-config claims nothing about the node (every check keeps the
clean bundle's status and the exit code), the reason quotes the value's start, and no output
shows a raw control character, Markdown structure the value made, or broken XML.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kopscheck.demo import DEMO_ROOT
from tests.cli_outcome import CliOutcome
from tests.hostile_reports import CORPUS, assert_reports_alike, findings_of

HEALTHY = DEMO_ROOT / "healthy"
NODE = "i-0a1b2c3d4e5f60003"
MEGABYTE = "\x1b[2K" * (1 << 18)
CONTENTS = {
    **{name: value.encode("utf-8", "replace") for name, value in CORPUS.items()},
    "one-megabyte-of-escapes": MEGABYTE.encode(),
    "one-after-a-megabyte": b"1\n" + MEGABYTE.encode(),
    "invalid-utf-8": b"1\x80\xff\n",
    "utf-16-mark-then-a-cut-unit": b"\xff\xfe1\x00\n",
}


@pytest.mark.parametrize("content", CONTENTS.values(), ids=CONTENTS.keys())
def test_a_hostile_ip_forward_is_unreadable_and_breaks_no_output(
    content: bytes, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    hostile = tmp_path / "hostile"
    shutil.copytree(HEALTHY, hostile)
    (hostile / "nodes" / NODE / "ip_forward").write_bytes(content)

    clean, dirty = assert_reports_alike(run_cli, HEALTHY, hostile)

    was = {f["object"]["name"]: f for f in findings_of(clean, "cni.node-config")}
    now = {f["object"]["name"]: f for f in findings_of(dirty, "cni.node-config")}
    assert was[NODE]["evidence"]["ip_forward"] == 1
    assert (now[NODE]["status"], now[NODE]["code"]) == ("pass", "cni.node-config/config-ok")
    assert now[NODE]["evidence"]["ip_forward"] is None
    reason = now[NODE]["evidence"]["ip_forward_unreadable"]
    assert reason.startswith("unreadable: ")
    assert len(reason) < 400  # the read was bounded: a quote of 64 characters at most
    assert {n: f["code"] for n, f in now.items()} == {n: f["code"] for n, f in was.items()}
