"""Bad input: one line naming the file and the problem, exit 2, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome


def _assert_one_line_error(outcome: CliOutcome, *needles: str) -> None:
    assert outcome.code == 2, outcome
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("kopscheck: error: ")
    assert "Traceback" not in outcome.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("damage", "needles"),
    [
        pytest.param(
            lambda root: (root / "cluster-info/nodes.json").write_text(
                '{"kind": "NodeList", "items": [{"me'
            ),
            ("cluster-info/nodes.json", "invalid JSON at line 1"),
            id="truncated-json",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/kube-system/pods.json").write_bytes(
                b"\x89PNG\r\n\x1a\n\x00\x00\xff"
            ),
            ("cluster-info/kube-system/pods.json", "binary data"),
            id="binary-garbage",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/kube-system/events.json").write_text(""),
            ("cluster-info/kube-system/events.json", "file is empty"),
            id="empty-file",
        ),
        pytest.param(
            lambda root: (root / "kops/cluster.yaml").write_text("- name: a\n- name: b\n"),
            ("kops/cluster.yaml", "expected a kops Cluster object, got a YAML list"),
            id="yaml-list-where-object-belongs",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/nodes.json").write_text(
                '[{"metadata": {"name": "a"}}]'
            ),
            ("cluster-info/nodes.json", "expected a Kubernetes list object, got a list"),
            id="json-array-where-list-object-belongs",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/nodes.json").write_text(
                '{"kind": "NodeList", "items": [{"spec": {}}]}'
            ),
            ("cluster-info/nodes.json: items[0]: no metadata",),
            id="item-without-metadata",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/nodes.json").write_text(
                '{"kind": "NodeList", "items": [{"metadata": {"name": "a"}, "status": "Ready"}]}'
            ),
            ("cluster-info/nodes.json: items[0].status: expected an object, got a string",),
            id="node-status-a-string",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/kube-system/pods.json").write_text(
                '{"kind": "PodList", "items": [{"metadata": {"name": "a"}, "spec": [1]}]}'
            ),
            ("cluster-info/kube-system/pods.json: items[0].spec: expected an object, got a list",),
            id="pod-spec-a-list",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/kube-system/pods.json").write_text(
                '{"kind": "PodList", "items": [{"metadata": {"name": "a"},'
                ' "status": {"containerStatuses": [{"restartCount": "3"}]}}]}'
            ),
            (
                "cluster-info/kube-system/pods.json: "
                "items[0].status.containerStatuses[0].restartCount: "
                "expected an integer, got a string",
            ),
            id="restart-count-a-string",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/kube-system/events.json").write_text(
                '{"kind": "List", "items": [{"kind": "Event", "metadata": {},'
                ' "lastTimestamp": "yesterday"}]}'
            ),
            (
                "cluster-info/kube-system/events.json: items[0].lastTimestamp: "
                "invalid RFC3339 encoded datetime",
            ),
            id="mixed-list-event-bad-time",
        ),
        pytest.param(
            lambda root: (root / "kops/instancegroups.yaml").write_text(
                "kind: InstanceGroup\nspec: [1, 2\n"
            ),
            ("kops/instancegroups.yaml", "invalid YAML at line 3: expected ',' or ']'"),
            id="malformed-yaml",
        ),
        pytest.param(
            lambda root: (root / "cluster-info/version.json").write_text('{"clientVersion": {}}'),
            ("cluster-info/version.json", "no serverVersion.gitVersion"),
            id="version-without-server",
        ),
    ],
)
def test_damaged_bundle_exits_2_naming_the_file(
    run_cli: Callable[..., CliOutcome],
    demo_copy: Callable[[str], Path],
    damage: Callable[[Path], object],
    needles: tuple[str, ...],
) -> None:
    root = demo_copy("cni-no-provider")
    damage(root)
    _assert_one_line_error(run_cli("check", "--bundle", str(root)), *needles)


def test_missing_bundle_directory(run_cli: Callable[..., CliOutcome], tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    _assert_one_line_error(
        run_cli("check", "--bundle", str(missing)), str(missing), "no such bundle"
    )


def test_bundle_that_is_a_file(run_cli: Callable[..., CliOutcome], tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    path.write_text("{}")
    _assert_one_line_error(run_cli("check", "--bundle", str(path)), "not a directory", "--dump")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param(b"", "file is empty", id="empty-dump"),
        pytest.param(b"\x00\x01\x02garbage", "binary data", id="binary-dump"),
        pytest.param(
            b'{"kind": "NodeList", "items": [', "invalid JSON at line 1", id="truncated-dump"
        ),
        pytest.param(b"hello world\n", "expected a JSON list or a log section", id="text-dump"),
        pytest.param(
            b'{"kind": "NodeList", "items": []}\n{"kind": "PodList", "items": [\n'
            b"==== START logs for container c of pod ns/p ====\nline\n",
            "(object starting at line 2): invalid JSON at line 3: the document ends early",
            id="list-cut-off-before-a-log-section",
        ),
        pytest.param(
            b'{"kind": "NodeList", "items": [{"metadata": {"name": "n\xff"}}]}\n',
            "a string is not UTF-8 text",
            id="list-not-utf8",
        ),
        pytest.param(
            b'{"kind": "NodeList", "items": []}\n{"kind": "PodList", "items": [\n',
            "(object starting at line 2): invalid JSON at line 3: the document ends early",
            id="second-list-truncated",
        ),
        pytest.param(
            b'{"kind": "NodeList", "items": []}\n{"kind": "PodList", "items": [\n'
            b'{"metadata": {"name": "a"}, "status": {"phase": 3}}\n]}\n',
            "(object ending at line 4): items[0].status.phase: expected a string, got an integer",
            id="second-list-wrong-type",
        ),
        pytest.param(
            b'{"kind": "ConfigMap", "data": {}}', "expected a Kubernetes list", id="wrong-kind"
        ),
    ],
)
def test_bad_dump_exits_2(
    run_cli: Callable[..., CliOutcome], tmp_path: Path, content: bytes, needle: str
) -> None:
    path = tmp_path / "dump.txt"
    path.write_bytes(content)
    _assert_one_line_error(run_cli("check", "--dump", str(path)), str(path), needle)


def test_empty_bundle_is_never_reported_healthy(
    run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    outcome = run_cli("check", "--bundle", str(tmp_path), "--output", "json")
    assert outcome.code == 3
    assert '"status": "error"' in outcome.stdout
    assert outcome.stderr == (
        f"kopscheck: error: {tmp_path}: not a kopscheck bundle: expected cluster-info/ (kubectl"
        " cluster-info dump --output-directory), kops/, aws/ or nodes/; the directory is empty\n"
    )
    table = run_cli("check", "--bundle", str(tmp_path))
    assert table.code == 3
    assert table.stderr.count("\n") == 1 and str(tmp_path) in table.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(
            ("--fail-on", "maybe"), "--fail-on: must be 'fail', 'warn' or 'skip'", id="bad-fail-on"
        ),
        pytest.param(
            ("--select", "dns.nope"), "unknown check id or family: dns.nope", id="unknown-check"
        ),
        pytest.param(("--output", "xml"), "unknown --output 'xml'", id="unknown-output"),
    ],
)
def test_bad_flags_exit_2(
    run_cli: Callable[..., CliOutcome], args: tuple[str, ...], needle: str
) -> None:
    from kopscheck.demo import DEMO_ROOT

    outcome = run_cli("check", "--bundle", str(DEMO_ROOT / "healthy"), *args)
    _assert_one_line_error(outcome, needle)


def test_unknown_flag_is_a_usage_error(run_cli: Callable[..., CliOutcome]) -> None:
    outcome = run_cli("check", "--no-such-flag")
    assert (outcome.code, outcome.stderr) == (
        2,
        "kopscheck: error: No such option: --no-such-flag (see 'kopscheck check --help')\n",
    )
    negative = run_cli("check", "--log-lines", "-1")
    assert (negative.code, negative.stderr) == (
        2,
        "kopscheck: error: Invalid value for '--log-lines': -1 is not in the range x>=0"
        " (see 'kopscheck check --help')\n",
    )
