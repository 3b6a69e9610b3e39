"""Fuzzing every reader: real inputs mutated, truncated, retyped and deepened. Whatever comes in,
a reader gives facts (and the pipeline a report) or an InputError: never another exception.

`make test` runs a quick profile (a few seconds); `make fuzz` runs KOPSCHECK_FUZZ_EXAMPLES
(10,000) cases per reader.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kopscheck.collectors.formats import aws_objects, kops_spec
from kopscheck.collectors.offline.bundle import read_bundle, split_cmdline
from kopscheck.collectors.offline.dump import read_dump
from kopscheck.collectors.offline.files import read_yaml_text
from kopscheck.demo import DEMO_ROOT
from kopscheck.engine.registry import load_checks
from kopscheck.engine.runner import build_report
from kopscheck.gate.baseline import read_baseline
from kopscheck.gate.report_diff import diff_files
from kopscheck.knowledge.kubelet_flags import read_flags
from kopscheck.model.errors import InputError
from kopscheck.model.facts import NodeFiles
from kopscheck.reporters import get_reporter

EXAMPLES = int(os.environ.get("KOPSCHECK_FUZZ_EXAMPLES", "15"))
settings.register_profile(
    "kopscheck-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("kopscheck-fuzz")
BUNDLE = DEMO_ROOT / "kubenet-route-limit"
CHECKS = load_checks()

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _slots(doc: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON document (bounded, so big files stay cheap)."""
    yield where
    if len(where) > 12:
        return
    children = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, value in list(children)[:40]:
        yield from _slots(value, (*where, key))


def _replace(doc: Any, where: tuple[Any, ...], value: Any) -> Any:
    if not where:
        return value
    head, rest = where[0], where[1:]
    copy: Any = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = _replace(doc[head], rest, value)
    return copy


def _deepen(value: Any, levels: int) -> Any:
    for level in range(levels):
        value = [value] if level % 2 else {"x": value}
    return value


def mutate_doc(data: st.DataObject, doc: Any) -> Any:
    """Retype, null, delete, deepen or swap values at a few random places."""
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        slots = list(_slots(doc))
        where = data.draw(st.sampled_from(slots), label="where")
        action = data.draw(st.sampled_from(["retype", "null", "deepen", "empty", "drop"]))
        current: Any = doc
        for key in where:
            current = current[key]
        if action == "retype":
            value = data.draw(VALUES, label="value")
        elif action == "null":
            value = None
        elif action == "deepen":
            value = _deepen(current, data.draw(st.sampled_from([3, 150, 400])))
        elif action == "empty":
            value = type(current)() if isinstance(current, dict | list | str) else 0
        else:
            if where and isinstance(doc, dict | list):
                parent_where, key = where[:-1], where[-1]
                parent: Any = doc
                for k in parent_where:
                    parent = parent[k]
                smaller: Any = dict(parent) if isinstance(parent, dict) else list(parent)
                del smaller[key]
                doc = _replace(doc, parent_where, smaller)
            continue
        doc = _replace(doc, where, value)
    return doc


def mutate_text(data: st.DataObject, text: str) -> str:
    """Truncate, splice random text in, or insert NaN/Infinity and deep brackets."""
    action = data.draw(st.sampled_from(["truncate", "splice", "constant", "brackets", "bytes"]))
    cut = data.draw(st.integers(0, max(len(text) - 1, 0)), label="at")
    if action == "truncate":
        return text[:cut]
    if action == "splice":
        return text[:cut] + data.draw(st.text(max_size=20)) + text[cut:]
    if action == "constant":
        return (
            text[:cut]
            + data.draw(st.sampled_from(["NaN", "-Infinity", "1e999", "9" * 5000]))
            + text[cut:]
        )
    if action == "brackets":
        depth = data.draw(st.sampled_from([50, 999, 100_000]))
        return text[:cut] + "[" * depth + "]" * depth + text[cut:]
    return text[:cut] + data.draw(st.binary(max_size=16)).decode("latin-1") + text[cut:]


def _mutated(data: st.DataObject, text: str, is_json: bool) -> str:
    if is_json and data.draw(st.booleans(), label="structural"):
        return json.dumps(mutate_doc(data, json.loads(text)))
    return mutate_text(data, text)


def _pipeline(read: Callable[[], Any]) -> None:
    """Read and, if the input was accepted, run every check and render every format."""
    try:
        snapshot = read()
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    report = build_report(snapshot, CHECKS)
    for output in ("json", "table", "junit", "markdown"):
        get_reporter(output).write(report, open(os.devnull, "w"))  # noqa: SIM115


def _scratch_bundle() -> Path:
    root = Path(tempfile.mkdtemp(prefix="kopscheck-fuzz-")) / "bundle"
    shutil.copytree(BUNDLE, root, ignore=shutil.ignore_patterns("__pycache__", "README.md"))
    return root


BUNDLE_FILES = sorted(
    str(p.relative_to(BUNDLE)) for p in BUNDLE.rglob("*") if p.is_file() and p.name != "README.md"
)


@FUZZ
@given(st.data())
def test_fuzz_bundle_directory(data: st.DataObject) -> None:
    root = _scratch_bundle()
    try:
        relative = data.draw(st.sampled_from(BUNDLE_FILES), label="file")
        path = root / relative
        text = path.read_text()
        path.write_text(_mutated(data, text, relative.endswith(".json")))
        _pipeline(lambda: read_bundle(root))
    finally:
        shutil.rmtree(root.parent)


def _dump_text() -> str:
    parts = []
    info = BUNDLE / "cluster-info"
    parts.append((info / "nodes.json").read_text())
    for path in sorted(info.glob("*/*.json")):
        if path.name != "endpoints.json":
            parts.append(path.read_text())
    for path in sorted(info.glob("*/*/logs.txt")):
        parts.append(path.read_text())
    return "\n".join(parts)


DUMP = _dump_text()


@FUZZ
@given(st.data())
def test_fuzz_dump_stream(data: st.DataObject) -> None:
    text = DUMP
    if data.draw(st.booleans(), label="structural"):
        start = text.index("{")
        doc, end = json.JSONDecoder().raw_decode(text, start)
        text = text[:start] + json.dumps(mutate_doc(data, doc)) + text[end:]
    else:
        text = mutate_text(data, text)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(text)
    try:
        _pipeline(lambda: read_dump(Path(handle.name)))
    finally:
        os.unlink(handle.name)


KOPS = {
    name: (BUNDLE / "kops" / name).read_text() for name in ("cluster.yaml", "instancegroups.yaml")
}


@FUZZ
@given(st.data())
def test_fuzz_kops_yaml(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(KOPS)), label="file")
    text = KOPS[name]
    if data.draw(st.booleans(), label="structural"):
        import yaml

        docs = [mutate_doc(data, d) for d in yaml.safe_load_all(text)]
        try:
            text = yaml.safe_dump_all(docs)
        except RecursionError:  # PyYAML cannot write it; the text mutations cover depth
            assume(False)
    else:
        text = mutate_text(data, text)
    try:
        docs = read_yaml_text(text, name)
        if name == "cluster.yaml":
            kops_spec.parse_cluster(docs, name)
        else:
            kops_spec.parse_instance_groups(docs, name)
    except InputError:
        pass


AWS = {p.name: p.read_text() for p in sorted((BUNDLE / "aws").glob("*.json"))}
AWS_PARSERS = {
    "ec2-describe-route-tables.json": aws_objects.parse_route_tables,
    "ec2-describe-instances.json": aws_objects.parse_instances,
    "autoscaling-describe-auto-scaling-groups.json": aws_objects.parse_autoscaling_groups,
    "service-quotas-vpc-L-93826ACB.json": aws_objects.parse_quota,
    "ec2-describe-security-groups.json": aws_objects.parse_security_groups,
}


@FUZZ
@given(st.data())
def test_fuzz_aws_json(data: st.DataObject) -> None:
    from kopscheck.collectors.offline.files import parse_json

    name = data.draw(st.sampled_from(sorted(AWS)), label="file")
    text = _mutated(data, AWS[name], True)
    with contextlib.suppress(InputError):
        AWS_PARSERS[name](parse_json(text, name), name)


NODE_FILES_BUNDLE = DEMO_ROOT / "healthy"  # the node agent's files: kubenet-route-limit has none


@FUZZ
@given(st.data())
def test_fuzz_node_ip_forward(data: st.DataObject) -> None:
    """nodes/<node>/ip_forward as anything: a bounded head read, at worst unreadable."""
    root = Path(tempfile.mkdtemp(prefix="kopscheck-fuzz-")) / "bundle"
    try:
        shutil.copytree(NODE_FILES_BUNDLE, root, ignore=shutil.ignore_patterns("README.md"))
        node = data.draw(st.sampled_from(sorted(p.name for p in (root / "nodes").iterdir())))
        content = data.draw(
            st.binary(max_size=200)
            | st.sampled_from([b"0\n", b"1\n"]).map(lambda v: v * 40_000)
            | st.text(max_size=80).map(lambda t: mutate_text(data, t).encode("utf-8", "replace")),
            label="content",
        )
        (root / "nodes" / node / "ip_forward").write_bytes(content)
        _pipeline(lambda: read_bundle(root))
        files = (read_bundle(root).node_files or {})[node]
        assert files.ip_forward is not None and len(files.ip_forward) <= 65
    finally:
        shutil.rmtree(root.parent)


@FUZZ
@given(st.text(max_size=300), st.text(max_size=300))
def test_fuzz_kubelet_argv_and_sysconfig(cmdline: str, sysconfig: str) -> None:
    files = NodeFiles(node="n", kubelet_cmdline=split_cmdline(cmdline), sysconfig_kubelet=sysconfig)
    read_flags(files, None)
    read_flags(NodeFiles(node="n", sysconfig_kubelet=f'DAEMON_ARGS="{sysconfig}"\n'), None)


def _report_text() -> str:
    from io import StringIO

    from kopscheck.collectors.offline.bundle import read_bundle as read

    out = StringIO()
    get_reporter("json").write(build_report(read(BUNDLE), CHECKS), out)
    return out.getvalue()


REPORT = _report_text()
BASELINE = json.dumps(
    {
        "schema": "kopscheck/baseline/v1",
        "generated_at": "2026-11-27T10:00:00Z",
        "findings": [
            {
                "cluster": "c",
                "check": "dns.rollout",
                "object": "Pod/kube-system/x",
                "fingerprint": "0123456789abcdef",
                "message": "m",
            }
        ],
    }
)


@FUZZ
@given(st.data())
def test_fuzz_report_json_for_diff_and_baseline(data: st.DataObject) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kopscheck-fuzz-"))
    try:
        old, new, baseline = folder / "old.json", folder / "new.json", folder / "b.json"
        old.write_text(REPORT)
        new.write_text(_mutated(data, REPORT, True))
        baseline.write_text(_mutated(data, BASELINE, True))
        for read in (lambda: diff_files(old, new), lambda: read_baseline(baseline)):
            try:
                read()
            except InputError as exc:
                assert "\n" not in str(exc)
    finally:
        shutil.rmtree(folder)
