"""The hostile-string matrix for the object fields beside names, events and logs: workload
(Deployment and DaemonSet) names, container images, condition and termination messages, node
label values (instance group, zone), taint values and Service names.

Each edit writes the corpus into a bundle's API JSON the way a cluster would send it (the
object's own field and every reference to it, labels and selectors untouched so every check
still finds what it finds by label). The CNI's own workloads keep their names: checks find a
CNI by its DaemonSet's or controller's name, so renaming them is another cluster, not hostile
data. Every format keeps the clean twin's statuses and exit code, parses, and shows no raw
control character or Markdown structure the data made; the fields that reach a report are
shown to reach one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kopscheck.demo import DEMO_ROOT
from tests.cli_outcome import CliOutcome
from tests.hostile_reports import CORPUS, NAME_ATTACKS, assert_reports_alike
from tests.test_hostile_output import ON_DISK, SCENARIOS

JsonPath = tuple[str, ...]  # the keys down to a string ("[]" for a list item)
FieldEdit = Callable[[Path, str], int]  # (bundle, hostile string) -> strings changed
CNI_WORKLOADS = ("calico", "cilium", "weave", "flannel", "canal", "aws-node", "kube-router")
SELECTING = frozenset({"labels", "matchLabels", "selector", "nodeSelector"})


def _walk(value: Any, path: JsonPath, edit: Callable[[JsonPath, str], str]) -> Any:
    if isinstance(value, str):
        return edit(path, value)
    if isinstance(value, list):
        return [_walk(v, (*path, "[]"), edit) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, (*path, k), edit) for k, v in value.items()}
    return value


def _edit_api(bundle: Path, edit: Callable[[JsonPath, str], str]) -> int:
    """Every string of the bundle's API JSON through `edit(path, value)`, the path starting
    with the file's name; how many strings changed."""
    changed: list[JsonPath] = []

    def counted(where: JsonPath, value: str) -> str:
        new = edit(where, value)
        if new != value:
            changed.append(where)
        return new

    for path in sorted((bundle / "cluster-info").rglob("*.json")):
        before = len(changed)
        doc = _walk(json.loads(path.read_text(encoding="utf-8")), (path.name,), counted)
        if len(changed) > before:
            path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return len(changed)


def _items(bundle: Path, file: str) -> list[dict[str, Any]]:
    return [
        item
        for path in sorted(bundle.glob(f"cluster-info/*/{file}"))
        for item in json.loads(path.read_text(encoding="utf-8")).get("items") or []
    ]


def workload_names(bundle: Path, hostile: str) -> int:
    """Each Deployment and DaemonSet but the CNI's as `<hostile><name>`: its metadata.name and
    its ReplicaSets' and pods' ownerReferences; labels, selectors and pod names stay."""
    names = {
        item["metadata"]["name"]
        for file in ("deployments.json", "daemonsets.json")
        for item in _items(bundle, file)
        if not item["metadata"]["name"].startswith(CNI_WORKLOADS)
    }

    def edit(path: JsonPath, value: str) -> str:
        owned = path[-2:] in (("metadata", "name"), ("[]", "name")) and (
            path[0] in ("deployments.json", "daemonsets.json") or "ownerReferences" in path
        )
        return hostile + value if owned and value in names and not SELECTING & set(path) else value

    return _edit_api(bundle, edit)


def _appended(key: str, within: frozenset[str]) -> FieldEdit:
    def field(bundle: Path, hostile: str) -> int:
        def edit(path: JsonPath, value: str) -> str:
            return f"{value} {hostile}" if path[-1] == key and within & set(path) else value

        return _edit_api(bundle, edit)

    return field


def _label(*keys: str) -> FieldEdit:
    def field(bundle: Path, hostile: str) -> int:
        def edit(path: JsonPath, value: str) -> str:
            is_node = path[0] == "nodes.json" and path[-2] == "labels"
            return hostile if is_node and path[-1] in keys else value

        return _edit_api(bundle, edit)

    return field


def taint_values(bundle: Path, hostile: str) -> int:
    """Each node taint with `hostile` as its value (kops's own taints have none)."""
    path = bundle / "cluster-info" / "nodes.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    taints = [t for node in doc["items"] for t in (node.get("spec") or {}).get("taints") or []]
    for taint in taints:
        taint["value"] = hostile
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return len(taints)


def service_names(bundle: Path, hostile: str) -> int:
    """Each Service but `kubernetes` and `kube-dns` (found by name) as `<hostile><name>`,
    its Endpoints renamed with it."""

    def edit(path: JsonPath, value: str) -> str:
        own = path[0] in ("services.json", "endpoints.json") and path[-3:] == (
            "[]",
            "metadata",
            "name",
        )
        return hostile + value if own and value not in ("kubernetes", "kube-dns") else value

    return _edit_api(bundle, edit)


FIELDS: dict[str, FieldEdit] = {
    "workload-name": workload_names,
    "image": _appended("image", frozenset({"containers", "initContainers", "containerStatuses"})),
    "condition-message": _appended("message", frozenset({"conditions"})),
    "termination-message": _appended("message", frozenset({"state", "lastState"})),
    "instance-group-label": _label("kops.k8s.io/instancegroup"),
    "zone-label": _label("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"),
    "taint-value": taint_values,
    "service-name": service_names,
}
# the fields a report quotes in some shipped scenario (the others are read, not quoted, today)
REACHING = ("workload-name", "image", "condition-message", "instance-group-label")


def _copy(scenario: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(scenario, target)
    return target


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_the_corpus_in_every_object_field_keeps_the_verdict_and_breaks_no_output(
    scenario: Path, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    """Every field at once, each with its own corpus entry (rotating by scenario), so every
    entry meets every field across the scenarios."""
    hostile = _copy(scenario, tmp_path, scenario.name)
    offset = SCENARIOS.index(scenario) * len(FIELDS)
    edited = {
        name: edit(hostile, ON_DISK[(offset + index) % len(ON_DISK)])
        for index, (name, edit) in enumerate(FIELDS.items())
    }
    assert edited["image"] > 0
    _, doc = assert_reports_alike(run_cli, scenario, hostile)
    yaml_out = run_cli("check", "--bundle", str(hostile), "-o", "yaml")
    assert yaml_out.code == run_cli("check", "--bundle", str(scenario), "-o", "yaml").code
    ydoc = yaml.safe_load(yaml_out.stdout)
    assert ydoc["results"] == doc["results"]


@pytest.mark.parametrize("attack", NAME_ATTACKS)
@pytest.mark.parametrize("field", REACHING)
def test_a_hostile_object_field_reaches_the_report_intact(
    field: str, attack: str, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    """The scenario that quotes the field: the verdict stays, every output is safe, and the
    JSON report carries the hostile string exactly as the cluster sent it."""
    scenario = DEMO_ROOT / (
        "cni-no-provider" if field == "workload-name" else "kubenet-route-limit"
    )
    hostile = _copy(scenario, tmp_path, scenario.name)
    assert FIELDS[field](hostile, CORPUS[attack]) > 0
    _, doc = assert_reports_alike(run_cli, scenario, hostile)
    # kops's version is read from kops-controller's image tag; a "/" or a line break ends the
    # tag, so such an image reference names no version and is quoted nowhere
    quoted = field != "image" or not {"/", "\n"} & set(CORPUS[attack])
    assert any(CORPUS[attack] in text for text in _strings(doc)) == quoted


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in _strings(v)] if isinstance(value, list) else []
