"""Shared by the hostile-string tests: the corpus, what no output may show, bundle edits made the
way `kopscheck collect` writes hostile names, and one comparison of a renamed bundle's reports
with its clean twin's."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.cli_outcome import CliOutcome

CORPUS: dict[str, str] = {
    k: v
    for k, v in json.loads((Path(__file__).parent / "hostile/strings.json").read_text()).items()
    if not k.startswith("_")
}
# one of each class a name can carry: terminal control, a forged heading, a hidden rest, a
# reordered display, a path out of the bundle
NAME_ATTACKS = ("csi-hide", "newline-heading", "html-comment", "bidi", "path")
StringEdit = Callable[[str | None, str], str]  # (the key holding the string, the string) -> new


def raw_controls(text: str) -> list[str]:
    """Characters no output may print raw: all but newline and tab (the reporters' own)."""
    return [
        c
        for c in text
        if not (c.isprintable() or c in " \n" or (ord(c) > 0x7F and c in "✅⚠️⏭️💥❌→—·…"))
    ]


def assert_no_structure_from_data(clean: str, dirty: str) -> None:
    """The same headings and table rows as the clean report, and no comment opened."""

    def shape(text: str) -> list[str]:
        return [line.split(" ", 1)[0] for line in text.splitlines() if line.startswith(("#", "|"))]

    assert "<!--" not in dirty
    assert shape(dirty) == shape(clean)


def _edited(value: Any, edit: StringEdit, key: str | None = None) -> Any:
    if isinstance(value, str):
        return edit(key, value)
    if isinstance(value, list):
        return [_edited(v, edit, key) for v in value]
    if isinstance(value, dict):
        return {k: _edited(v, edit, k) for k, v in value.items()}
    return value


def edit_json_strings(path: Path, edit: StringEdit) -> bool:
    """Every string value of the JSON file `path` through `edit`, written back as JSON (the
    API server's encoding: control characters escaped); whether anything changed."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    new = _edited(doc, edit)
    if new != doc:
        path.write_text(json.dumps(new, indent=1), encoding="utf-8")
    return new != doc


_HEADER = re.compile(r"^(==== (?:START|END) logs for container )(\S+) of pod ([^/\s]+)/(\S+) ====$")


def move_pod_logs(
    info: Path, old: tuple[str, str], new: tuple[str, str], containers: Mapping[str, str]
) -> None:
    """The logs of pod `old` (namespace, name) as `collect` writes them for pod `new`: its
    directory and section headers escaped by the data_paths rule, containers renamed."""
    from kopscheck.collectors.offline.bundle import NAMESPACED_FILES
    from kopscheck.collectors.output.data_paths import log_header_names, pod_log_file

    source = info / old[0] / old[1] / "logs.txt"
    lines = []
    for line in source.read_text(encoding="utf-8").splitlines(keepends=True):
        match = _HEADER.match(line.rstrip("\n"))
        if match:
            container = containers.get(match[2], match[2])
            namespace, pod, container = log_header_names(*new, container)
            line = f"{match[1]}{container} of pod {namespace}/{pod} ====\n"
        lines.append(line)
    source.unlink()
    source.parent.rmdir()
    target = pod_log_file(info, *new, frozenset(NAMESPACED_FILES))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(lines), encoding="utf-8")


def findings_of(doc: Mapping[str, Any], check: str) -> list[dict[str, Any]]:
    """The findings of `check` in a report JSON document."""
    return next(r["findings"] for r in doc["results"] if r["check"] == check)


def assert_reports_alike(
    run_cli: Callable[..., CliOutcome], clean: Path, dirty: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`dirty` (a renamed copy of `clean`) keeps every check's status and the exit code, and its
    table, Markdown and JUnit reports (`-v`: every check) print no raw control character, no
    Markdown structure the data made, and well-formed XML; the clean and dirty JSON reports."""
    before = run_cli("check", "--bundle", str(clean), "-o", "json")
    after = run_cli("check", "--bundle", str(dirty), "-o", "json")
    assert after.code == before.code, after.stderr
    doc: dict[str, Any] = json.loads(after.stdout)
    clean_doc: dict[str, Any] = json.loads(before.stdout)

    def statuses(report: Mapping[str, Any]) -> dict[str, str]:
        return {r["check"]: r["status"] for r in report["results"]}

    changed = {
        check: (status, statuses(doc).get(check))
        for check, status in statuses(clean_doc).items()
        if statuses(doc).get(check) != status
    }
    assert changed == {}, changed  # check: (clean status, renamed status)
    for format_ in ("table", "markdown", "junit"):
        out = run_cli("check", "--bundle", str(dirty), "-o", format_, "-v")
        assert out.code == before.code, (format_, out.stderr)
        assert raw_controls(out.stdout) == [], format_
        if format_ == "markdown":
            plain = run_cli("check", "--bundle", str(clean), "-o", format_, "-v").stdout
            assert_no_structure_from_data(plain, out.stdout)
        if format_ == "junit":
            ET.fromstring(out.stdout.split("\n", 1)[1])
    return clean_doc, doc


def fs_name(value: str) -> str:
    """`value` as one file name can hold it (no NUL, no `/`, at most 200 characters)."""
    return value.replace("\x00", "0").replace("/", "%")[:200]


def assert_stderr_lines(stderr: str, starts: tuple[str, ...] = ("kopscheck",)) -> list[str]:
    """kopscheck's stderr: no raw control character, and every line one of its own messages
    (starting with one of `starts`), so no data began a line of its own; the lines."""
    assert raw_controls(stderr) == [], stderr
    lines = stderr.split("\n")
    assert lines[-1] == "", stderr  # every message ends its line
    strays = [line for line in lines[:-1] if not line.startswith(starts)]
    assert strays == [], stderr
    return lines[:-1]


def rename_cluster(bundle: Path, new: str) -> None:
    """The kops cluster (the name every report heads with) as `new`, everywhere `collect`
    would have it: the Cluster and its instance groups' `kops.k8s.io/cluster` label (kops/),
    and the AWS resources' cluster tags (aws/)."""
    path = bundle / "kops" / "cluster.yaml"
    old = yaml.safe_load(path.read_text(encoding="utf-8"))["metadata"]["name"]
    for path in sorted((bundle / "kops").glob("*.yaml")):
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        renamed = [_replaced(d, old, new) for d in docs]
        path.write_text(yaml.safe_dump_all(renamed), encoding="utf-8")
    for path in sorted((bundle / "aws").glob("*.json")):
        edit_json_strings(path, lambda _key, value: value.replace(old, new))


def _replaced(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replaced(v, old, new) for v in value]
    if isinstance(value, dict):
        return {_replaced(k, old, new): _replaced(v, old, new) for k, v in value.items()}
    return value
