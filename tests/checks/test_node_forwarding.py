"""A node's IPv4 forwarding (/proc/sys/net/ipv4/ip_forward) end to end: the node agent's read,
the bundle file `nodes/<node>/ip_forward`, cni.node-config/forwarding-off, and the
node-forwarding hop of net.connectivity.

No real-node test: the ptp (and bridge) CNI plugin sets net.ipv4.ip_forward=1 again at every
pod start, so a node whose forwarding is turned off turns it back on as soon as the probe's
pods start there; the fault does not persist on the real-node tier. The agent's shell lines are
run here against a file standing in for /proc instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import aws_builders as ab
import connectivity_builders as cb
import network_clusters as nc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kopscheck_checks.cni.node_config import NodeConfig
from kopscheck_checks.net.hops import Facts, judge

from kopscheck.checkapi.context import CheckContext
from kopscheck.collectors.offline.bundle import read_bundle, read_node_dir
from kopscheck.collectors.probes.agent import SCRIPT, parse_output
from kopscheck.collectors.probes.run import merge_node_files
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.knowledge.node_sysctl import IP_FORWARD_PATH, Forwarding, forwarding
from kopscheck.model.connectivity import Outcome, PairResult, ProbeClass
from kopscheck.model.errors import InputError
from kopscheck.model.facts import NodeFiles, ObjectRef
from kopscheck.model.results import Status, Verdict

CP = nc.CONTROL_PLANE[0]
W1, W2, W3 = (w[0] for w in nc.WORKERS)
CONFIG = NodeConfig()
OFF_MESSAGE = (
    "IPv4 forwarding is off (/proc/sys/net/ipv4/ip_forward is 0): the node drops every routed"
    " pod packet, to and from its pods across nodes"
)
MEGABYTE = "1" * (1 << 20)
UNREADABLE = [
    pytest.param("", "unreadable: empty", id="empty"),
    pytest.param("2\n", "unreadable: not 0 or 1: '2'", id="two"),
    pytest.param(
        "1\n0\n", "unreadable: more than one line, not one 0 or 1: '1\\n0'", id="two-lines"
    ),
    pytest.param(
        "head: /proc/sys/net/ipv4/ip_forward: Permission denied\n",
        "unreadable: not 0 or 1: 'head: /proc/sys/net/ipv4/ip_forward: Permission denied'",
        id="agent-read-error",
    ),
    pytest.param(
        "\x1b[2K\x1b[1A1\x1b]8;;https://evil.example/\x1b\\",
        "unreadable: not 0 or 1: '\\x1b[2K\\x1b[1A1\\x1b]8;;https://evil.example/\\x1b\\\\'",
        id="escape-sequences",
    ),
    pytest.param(
        MEGABYTE,
        f"unreadable: more than 64 bytes, not one 0 or 1: '{MEGABYTE[:64]}'",
        id="one-megabyte",
    ),
]


def _verdict(tmp_path: Path, values: dict[str, str]) -> Verdict:
    cluster = nc.healthy("kubenet")
    for host, text in values.items():
        cluster.node_files[host]["ip_forward"] = text
    return CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))


def _problems(verdict: Verdict) -> dict[tuple[ObjectRef | None, str], Status]:
    return {
        (f.object, f.code): f.status
        for f in verdict.findings
        if f.status in (Status.FAIL, Status.WARN)
    }


# --- the value ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "read"),
    [
        pytest.param("1\n", Forwarding(True), id="on"),
        pytest.param("0\n", Forwarding(False), id="off"),
        pytest.param("0", Forwarding(False), id="no-newline"),
        pytest.param("1\r\n", Forwarding(True), id="crlf"),
    ],
)
def test_the_kernels_answer_is_read(text: str, read: Forwarding) -> None:
    assert forwarding(text) == read


@pytest.mark.parametrize(("text", "reason"), UNREADABLE)
def test_anything_else_is_unreadable_with_the_reason(text: str, reason: str) -> None:
    assert forwarding(text) == Forwarding(None, reason)


def test_not_read_is_none() -> None:
    assert forwarding(None) is None


@given(st.text(max_size=120))
def test_only_one_0_or_1_is_ever_read_as_a_value(text: str) -> None:
    read = forwarding(text)
    assert read is not None
    if read.enabled is None:
        assert read.reason.startswith("unreadable: ")
    else:
        assert text.strip() == str(read.value) and read.reason == ""


# --- the bundle file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        pytest.param(b"1\n", "1\n", id="as-the-agent-printed-it"),
        pytest.param(b"0\r\n", "0\n", id="crlf"),
        pytest.param("\ufeff1\r\n".encode("utf-16-le"), "1\n", id="powershell-utf-16"),
        pytest.param(MEGABYTE.encode(), MEGABYTE[:65], id="one-megabyte-read-as-65-bytes"),
        pytest.param(b"1\x80\n", "1\ufffd\n", id="not-utf-8"),
    ],
)
def test_the_bundle_file_is_read_bounded(tmp_path: Path, content: bytes, kept: str) -> None:
    folder = tmp_path / "nodes" / W1
    folder.mkdir(parents=True)
    (folder / "ip_forward").write_bytes(content)
    assert read_node_dir(tmp_path, folder).ip_forward == kept


def test_a_fifo_for_the_bundle_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "nodes" / W1
    folder.mkdir(parents=True)
    os.mkfifo(folder / "ip_forward")
    with pytest.raises(InputError, match="a FIFO, not a regular file: refused"):
        read_node_dir(tmp_path, folder)


# --- cni.node-config/forwarding-off --------------------------------------------------------------


def test_forwarding_on_everywhere_passes_with_the_value_in_evidence(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, {host: "1\n" for host in (W1, W2, W3)})
    assert verdict.status is Status.PASS
    workers = {f.object.name: f for f in verdict.findings if f.object and f.object.name != CP}
    assert {name: f.code for name, f in workers.items()} == {
        W1: "config-ok",
        W2: "config-ok",
        W3: "config-ok",
    }
    assert {f.evidence["ip_forward"] for f in workers.values()} == {1}
    assert verdict.summary == "no node reports a missing CNI config (4 judged)"


def test_forwarding_off_fails_the_node_naming_value_and_source(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, {W1: "1\n", W2: "0\n", W3: "1\n"})
    assert verdict.status is Status.FAIL
    assert _problems(verdict) == {(ObjectRef("Node", W2), "forwarding-off"): Status.FAIL}
    off = next(f for f in verdict.findings if f.code == "forwarding-off")
    assert off.message == OFF_MESSAGE
    assert off.evidence["node"] == W2
    assert off.evidence["ip_forward"] == 0
    assert off.evidence["source_file"] == IP_FORWARD_PATH
    assert off.evidence["active_config"] == "10-containerd-net.conflist"  # its config is fine
    assert verdict.summary == f"1 of 4 node(s): IPv4 forwarding is off: {W2}"


def test_forwarding_off_stands_beside_another_problem_of_the_node(tmp_path: Path) -> None:
    cluster = nc.healthy("kubenet")
    cluster.node_files[W2] = {
        k: v for k, v in cluster.node_files[W2].items() if not k.startswith("cni-net.d/")
    }
    cluster.node_files[W2]["cni-net.d/README"] = "CNI configs live here\n"
    cluster.node_files[W2]["ip_forward"] = "0\n"
    verdict = CONFIG.run(CheckContext(cluster.snapshot(tmp_path)))
    assert _problems(verdict) == {
        (ObjectRef("Node", W2), "config-dir-empty"): Status.WARN,
        (ObjectRef("Node", W2), "forwarding-off"): Status.FAIL,
    }
    off = next(f for f in verdict.findings if f.code == "forwarding-off")
    assert "cni_configs" not in off.evidence  # the other finding's evidence stays its own
    assert verdict.summary.startswith("1 of 4 node(s): ")


@pytest.mark.parametrize(("text", "reason"), UNREADABLE)
def test_an_unreadable_value_claims_nothing(tmp_path: Path, text: str, reason: str) -> None:
    verdict = _verdict(tmp_path, {W2: text})
    assert verdict.status is Status.PASS
    finding = next(f for f in verdict.findings if f.object == ObjectRef("Node", W2))
    assert finding.code == "config-ok"
    assert finding.evidence["ip_forward"] is None
    assert finding.evidence["ip_forward_unreadable"] == reason


# --- net.connectivity: the node-forwarding hop -----------------------------------------------------


def _kubenet_bundle(tmp_path: Path, off_index: int | None) -> tuple[Path, list[cb.ProbeNode]]:
    """Three routed kubenet workers, each with its node agent's ip_forward; the probe matrix
    with forwarding off on the worker `off_index`, if any."""
    root = ab.write_bundle(tmp_path / "b", ab.KubenetCluster(workers=3, nodes_max=8))
    nodes = cb.nodes_of(root)
    off = nodes[off_index].name if off_index is not None else None
    for node in nodes:
        folder = root / "nodes" / node.name
        folder.mkdir(parents=True)
        (folder / "ip_forward").write_text("0\n" if node.name == off else "1\n")
    unforwarded = frozenset({off} if off else ())
    cb.write(root, cb.matrix(nodes, cb.Faults(unforwarded=unforwarded)))
    return root, nodes


def test_forwarding_off_is_the_one_root_cause_of_the_pairs_through_its_node(
    tmp_path: Path,
) -> None:
    root, nodes = _kubenet_bundle(tmp_path, 1)
    lost = nodes[1].name
    report = build_report(read_bundle(root), load_checks(), networking="kubenet")
    result = report.result("net.connectivity")
    assert result.status is Status.FAIL
    assert result.caused_by == ("cni.node-config",)
    # dns.rollout: the builder's cluster runs no CoreDNS, with or without the fault
    assert report.root_causes == ("cni.node-config", "dns.rollout")
    failing = {f.object.name: f for f in result.findings if f.status is Status.FAIL and f.object}
    assert set(failing) == {
        f"{c}/node-forwarding/{lost}"
        for c in ("pod-cross-node", "path-mtu", "node-to-pod", "pod-to-node", "node-port", "dns")
    }
    others = [n.name for n in nodes if n.name != lost]
    cross = failing[f"pod-cross-node/node-forwarding/{lost}"]
    pairs = {(p["source"], p["destination"]) for p in cross.evidence["pairs"]}  # type: ignore[index,union-attr]
    assert pairs == {(o, lost) for o in others} | {(lost, o) for o in others}
    assert cross.code == "net.connectivity/broken-node-forwarding"
    assert cross.related == (ObjectRef("Node", lost),)
    assert cross.evidence["ip_forward"] == 0
    assert cross.evidence["source_file"] == IP_FORWARD_PATH
    assert cross.evidence["judged"] == "from the facts"
    # the host network's own packets are not forwarded: only the pod's end is blamed
    to_pod = failing[f"node-to-pod/node-forwarding/{lost}"].evidence["pairs"]
    assert {p["destination"] for p in to_pod} == {lost}  # type: ignore[index,union-attr]
    to_node = failing[f"pod-to-node/node-forwarding/{lost}"].evidence["pairs"]
    assert {p["source"] for p in to_node} == {lost}  # type: ignore[index,union-attr]
    node_config = report.result("cni.node-config")
    assert [(f.object, f.code) for f in node_config.findings if f.status is Status.FAIL] == [
        (ObjectRef("Node", lost), "cni.node-config/forwarding-off")
    ]


def test_forwarding_on_everywhere_leaves_every_class_passing(tmp_path: Path) -> None:
    root, _ = _kubenet_bundle(tmp_path, None)
    report = build_report(read_bundle(root), load_checks(), networking="kubenet")
    assert report.result("net.connectivity").status is Status.PASS
    assert report.result("cni.node-config").status is Status.PASS
    assert report.root_causes == ("dns.rollout",)  # the builder's cluster runs no CoreDNS


def _facts(ip_forward: dict[str, str]) -> Facts:
    files = {n: NodeFiles(n, ip_forward=v) for n, v in ip_forward.items()}
    return Facts(servers={}, clients={}, nodes={}, node_files=files, routes=None)


def _failed(probe: ProbeClass, source: str, destination: str) -> PairResult:
    return PairResult(
        probe, source, destination, "100.96.2.4:8080", Outcome.FAIL, 3.0, "nc: timed out"
    )


def test_a_same_node_pair_is_not_blamed_on_forwarding() -> None:
    facts = _facts({"n1": "0\n", "n2": "1\n"})
    [(hop, pairs)] = judge(
        ProbeClass.POD_SAME_NODE, [_failed(ProbeClass.POD_SAME_NODE, "n1", "n1")], facts
    )
    assert (hop.kind.value, hop.node, hop.from_facts) == ("source-node", "n1", False)
    assert len(pairs) == 1


@pytest.mark.parametrize(
    ("probe", "off", "blamed"),
    [
        pytest.param(ProbeClass.POD_CROSS_NODE, "n2", "n2", id="cross-node-destination"),
        pytest.param(ProbeClass.POD_CROSS_NODE, "n1", "n1", id="cross-node-source"),
        pytest.param(ProbeClass.NODE_TO_POD, "n1", None, id="host-client-not-forwarded"),
        pytest.param(ProbeClass.POD_TO_NODE, "n2", None, id="host-server-not-forwarded"),
        pytest.param(ProbeClass.NODE_PORT, "n2", "n2", id="node-port-to-its-pod"),
    ],
)
def test_the_blamed_end_is_one_a_pod_is_on(probe: ProbeClass, off: str, blamed: str | None) -> None:
    facts = _facts({"n1": "1\n", "n2": "1\n", off: "0\n"})
    groups = judge(probe, [_failed(probe, "n1", "n2")], facts)
    kinds = {(hop.kind.value, hop.node) for hop, _ in groups}
    if blamed is None:
        assert all(kind != "node-forwarding" for kind, _ in kinds)
    else:
        assert kinds == {("node-forwarding", blamed)}


def test_an_unreadable_value_blames_no_hop() -> None:
    facts = _facts({"n1": "1\n", "n2": "\x1b[31m0\x1b[0m"})
    groups = judge(
        ProbeClass.POD_CROSS_NODE, [_failed(ProbeClass.POD_CROSS_NODE, "n1", "n2")], facts
    )
    assert {hop.kind.value for hop, _ in groups} == {"destination-node"}  # from the matrix


# --- the node agent ------------------------------------------------------------------------------


def _agent_lines(proc: Path) -> str:
    """The agent script's ip_forward lines, with `proc` standing in for /proc/sys/net/ipv4."""
    lines = [line for line in SCRIPT.splitlines() if "ip_forward" in line or "$fwd" in line]
    assert len(lines) == 2
    return "\n".join(lines).replace(IP_FORWARD_PATH, str(proc))


@pytest.mark.parametrize(
    ("content", "printed"),
    [
        pytest.param("1\n", "1\n", id="on"),
        pytest.param("0\n", "0\n", id="off"),
        pytest.param(MEGABYTE + "\n", MEGABYTE[:65] + "\n", id="one-megabyte-one-line"),
        pytest.param("1\n" * 100_000, "1\n1\n", id="many-lines"),
    ],
)
def test_the_agent_reads_a_bounded_line(tmp_path: Path, content: str, printed: str) -> None:
    proc = tmp_path / "ip_forward"
    proc.write_text(content)
    out = subprocess.run(
        ["sh", "-c", _agent_lines(proc)], capture_output=True, text=True, check=True, timeout=10
    ).stdout
    assert out == f"==== file ip_forward\n{printed}"


def test_the_agent_prints_why_it_could_not_read(tmp_path: Path) -> None:
    out = subprocess.run(
        ["sh", "-c", _agent_lines(tmp_path / "absent")], capture_output=True, text=True, timeout=10
    ).stdout
    head, value = out.split("\n", 1)
    assert head == "==== file ip_forward"
    read = forwarding(value)
    assert read is not None and read.enabled is None
    assert read.reason.startswith("unreadable: ")
    assert "head: " in read.reason


def test_the_agents_value_reaches_the_node_files_bounded() -> None:
    log = "==== kopscheck-agent 1\n==== file ip_forward\n0\n==== end\n"
    hostile = f"==== kopscheck-agent 1\n==== file ip_forward\n{MEGABYTE}\n==== end\n"
    merged = merge_node_files(None, {W1: parse_output(W1, log), W2: parse_output(W2, hostile)})
    assert merged is not None
    assert merged[W1].ip_forward == "0\n"
    assert merged[W2].ip_forward == MEGABYTE[:65]
    assert forwarding(merged[W2].ip_forward) == Forwarding(
        None, f"unreadable: more than 64 bytes, not one 0 or 1: '{MEGABYTE[:64]}'"
    )
