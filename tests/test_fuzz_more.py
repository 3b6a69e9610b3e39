"""Fuzzing the readers issue 19 touched and every reporter: the stream dump at the byte level
(cut anywhere, bytes that are not UTF-8, markers moved), the probe files, a kubeconfig, the
paths built from names, and random reports. Whatever comes in: facts or an InputError (one
line), a report or a valid output; never a traceback. Profiles as in test_fuzz."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from probe_builders import NODES, dns, lifecycle, pod_probe
from test_fuzz import FUZZ, VALUES, _mutated, _pipeline

from kopscheck.collectors.kube.kubeconfig import load_target
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.collectors.offline.dump import read_dump
from kopscheck.collectors.offline.probe_files import (
    DNS_FILE,
    LIFECYCLE_FILE,
    dns_doc,
    lifecycle_doc,
)
from kopscheck.collectors.output.data_paths import (
    escape,
    name_from_path,
    namespace_dir,
    node_dir,
    node_file,
    pod_log_file,
)
from kopscheck.model.errors import InputError
from kopscheck.model.facts import ObjectRef
from kopscheck.model.results import CheckResult, Finding, Report, SkipReason, Status, Target
from kopscheck.reporters import get_reporter

REAL_STREAM = (Path(__file__).parent / "real_dumps" / "kubectl-dump-stream.txt").read_bytes()
# bytes a hostile or broken dump carries: invalid UTF-8, NUL, CR, the markers, brackets
PIECES = st.sampled_from(
    [
        b"\xff",
        b"\xc3\x28",
        b"\xed\xa0\x80",
        b"\x00",
        b"\r\n",
        b"\n==== START logs for container c of pod ns/p ====\n",
        b"\n==== END logs for container c of pod ns/p ====\n",
        b"==== END logs for container ",
        b"\n{",
        b"\n}",
        b'{"kind": "PodList", "items": [',
        b"\n\n",
    ]
)


@FUZZ
@given(st.data())
def test_fuzz_dump_stream_bytes(data: st.DataObject) -> None:
    raw = REAL_STREAM
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        at = data.draw(st.integers(0, len(raw)), label="at")
        action = data.draw(st.sampled_from(["cut", "insert", "delete", "random"]), label="do")
        if action == "cut":
            raw = raw[:at]
        elif action == "insert":
            raw = raw[:at] + data.draw(PIECES) + raw[at:]
        elif action == "delete":
            raw = raw[:at] + raw[at + data.draw(st.integers(1, 200)) :]
        else:
            raw = raw[:at] + data.draw(st.binary(max_size=24)) + raw[at:]
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as handle:
        handle.write(raw)
    try:
        _pipeline(lambda: read_dump(Path(handle.name)))
    finally:
        os.unlink(handle.name)


PROBES = {
    LIFECYCLE_FILE: json.dumps(
        lifecycle_doc(lifecycle(pod_probe(NODES[0]), pod_probe(NODES[1], fails_at=1)))
    ),
    DNS_FILE: json.dumps(dns_doc(dns())),
}


@FUZZ
@given(st.data())
def test_fuzz_probe_files(data: st.DataObject) -> None:
    root = Path(tempfile.mkdtemp(prefix="kopscheck-fuzz-")) / "bundle"
    try:
        (root / "probes").mkdir(parents=True)
        for name, text in PROBES.items():
            (root / name).write_text(text)
        name = data.draw(st.sampled_from(sorted(PROBES)), label="file")
        (root / name).write_text(_mutated(data, PROBES[name], True))
        _pipeline(lambda: read_bundle(root))
    finally:
        shutil.rmtree(root.parent)


KUBECONFIG = yaml.safe_dump(
    {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True},
            }
        ],
        "users": [{"name": "u", "user": {"token": "t0ken"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u", "namespace": "x"}}],
        "current-context": "c",
    }
)


@FUZZ
@given(st.data())
def test_fuzz_kubeconfig(data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="structural"):
        from test_fuzz import mutate_doc

        try:
            text = yaml.safe_dump(mutate_doc(data, yaml.safe_load(KUBECONFIG)))
        except RecursionError:  # PyYAML cannot write it; the text mutations cover depth
            assume(False)
    else:
        from test_fuzz import mutate_text

        text = mutate_text(data, KUBECONFIG)
    context = data.draw(st.sampled_from([None, "c", "other"]), label="context")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(text)
    try:
        load_target(Path(handle.name), context, 1, environ={})
    except InputError as exc:
        assert "\n" not in str(exc)
    finally:
        os.unlink(handle.name)


NAMES = st.text(st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["..", ".", "", "/", "../../x", "/etc/passwd", "a" * 253, "pods.json", "%", "%25", "%~"]
)


@FUZZ
@given(NAMES, NAMES, NAMES)
def test_fuzz_paths_from_names(namespace: str, pod: str, node: str) -> None:
    root = Path(tempfile.gettempdir()) / "kopscheck-fuzz-paths"
    reserved = frozenset({"pods.json"})
    for path, base in (
        (namespace_dir(root, namespace), root),
        (pod_log_file(root, namespace, pod, reserved), root),
        (node_dir(root, node), root),
        (node_file(root / "n", pod, "cni-net.d"), root / "n"),
    ):
        relative = path.relative_to(base)
        assert all(part not in ("", ".", "..") for part in relative.parts)
        assert all(len(part.encode()) <= 255 and "\x00" not in part for part in relative.parts)
    part = escape(namespace)
    if "%~" not in part:
        assert name_from_path(part) == namespace


TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\x1b]52;c;aGVsbG8=\x07", "\x1b[2J", "\n## ✅ pass", "<!--", "| a | b |", "]]>", "\u202e"]
)
REF = st.builds(ObjectRef, TEXT, TEXT, TEXT)
FINDINGS = st.builds(
    Finding,
    st.sampled_from(list(Status)),
    TEXT,
    st.none() | REF,
    st.dictionaries(TEXT, VALUES, max_size=3),
    st.lists(REF, max_size=2).map(tuple),
    st.lists(TEXT, max_size=2).map(tuple),
    TEXT,
    st.none() | REF,
)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    results = []
    for index in range(draw(st.integers(0, 4))):
        status = draw(st.sampled_from(list(Status)))
        results.append(
            CheckResult(
                check=f"fuzz.check-{index}",
                title=draw(TEXT),
                family="fuzz",
                status=status,
                summary=draw(TEXT),
                findings=tuple(draw(st.lists(FINDINGS, max_size=3))),
                remediation=draw(st.none() | TEXT),
                caused_by=tuple(f"fuzz.check-{n}" for n in range(index)),
                step=draw(TEXT),
                skip_reason=draw(st.sampled_from(list(SkipReason)))
                if status == Status.SKIP
                else None,
            )
        )
    target = Target(draw(st.none() | TEXT), draw(st.sampled_from(["live", "bundle", "dump"])))
    return Report(
        target=target,
        generated_at=draw(st.datetimes(timezones=st.just(__import__("datetime").UTC))),
        results=tuple(results),
        root_causes=tuple(r.check for r in results if r.status in (Status.FAIL, Status.ERROR))[:2],
        notes=tuple(draw(st.lists(TEXT, max_size=3))),
    )


@FUZZ
@given(reports())
def test_fuzz_reporters_with_random_reports(report: Report) -> None:
    outputs: dict[str, Any] = {}
    for name in ("json", "yaml", "table", "junit", "markdown"):
        out = StringIO()
        get_reporter(name).write(report, out)
        outputs[name] = out.getvalue()
    assert json.loads(outputs["json"])["schema"] == "kopscheck/report/v1"
    ElementTree.fromstring(outputs["junit"].encode("utf-8"))
