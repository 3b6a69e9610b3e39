"""The hostile-string matrix for the other names a bundle carries into a report: a node's, an
application namespace's, a container's, and the plugin `type`s of a node's CNI config.

Each is renamed to one of the name attacks (tests/hostile_reports.NAME_ATTACKS) the way
`kopscheck collect` would have written a cluster that sends it: the API's JSON with the name in
every field that holds it, the directories and log headers escaped by the data_paths rule, node
files as the node agent prints them. The report keeps every check's status and the exit code of
the clean bundle, names the renamed object in the same findings, and no output shows a raw
control character, a Markdown heading, comment or table row the name made, or broken XML.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kopscheck.collectors.output.data_paths import namespace_dir, node_dir
from kopscheck.demo import DEMO_ROOT
from tests.cli_outcome import CliOutcome
from tests.hostile_reports import (
    CORPUS,
    NAME_ATTACKS,
    assert_reports_alike,
    edit_json_strings,
    findings_of,
    move_pod_logs,
    rename_cluster,
)

FIXTURES = Path(__file__).parent / "fixtures"
Finding = tuple[str, str | None, str, str]  # check, code, object kind, status


def _copy(source: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def _klog_quoted(text: str) -> str:
    """`text` inside a kubelet log's quoted value: klog quotes it, control and format
    characters escaped as Go's %q does (JSON's escape, which also escapes printable non-ASCII)."""
    return json.dumps(text)[1:-1]


def _naming(doc: dict[str, Any], name: str) -> set[Finding]:
    """The findings whose object is called `name`."""
    return {
        (r["check"], f["code"], f["object"]["kind"], f["status"])
        for r in doc["results"]
        for f in r["findings"]
        if (f.get("object") or {}).get("name") == name
    }


# --- a node -------------------------------------------------------------------------------


def _rename_node(bundle: Path, old: str, new: str) -> None:
    """Node `old` as `new`: every string of the API's JSON (the Node, pods' nodeName, the
    kube-proxy-<node> mirror pod, endpoints, events' involvedObject, source host and message),
    the node's own files (kubelet argv and flags, its log, the CNI config's `nodename`) and
    their folder. The instance id (providerID's tail, aws/) is AWS's and stays: on kops it only
    equals the node's name when the node is named after its instance."""

    def edit(key: str | None, value: str) -> str:
        return value if key == "providerID" else value.replace(old, new)

    for path in (bundle / "cluster-info").rglob("*.json"):
        edit_json_strings(path, edit)
    folder = bundle / "nodes" / old
    if not folder.is_dir():
        return
    target = node_dir(bundle / "nodes", new)
    folder.rename(target)
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        if path.parent.name == "cni-net.d" and path.suffix in (".conf", ".conflist"):
            edit_json_strings(path, edit)
        else:  # kubelet.cmdline (argv), sysconfig-kubelet, kubelet.log: the node's own text
            path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


DEMO_NODE = "i-0a1b2c3d4e5f60002"  # a worker with node files in three demo bundles
NODE_CASES = [
    pytest.param(
        "healthy",
        DEMO_NODE,
        {("cni.node-config", "cni.node-config/config-ok", "Node", "pass")},
        id="healthy",
    ),
    pytest.param(
        "cni-no-provider",
        DEMO_NODE,
        {
            ("node.network-ready", "node.network-ready/not-ready", "Node", "fail"),
            ("cni.node-config", "cni.node-config/no-cni-config", "Node", "fail"),
            ("pod.node-logs", "pod.node-logs/network-not-ready", "NodeLogs", "fail"),
        },
        id="cni-no-provider",
    ),
    pytest.param(
        "coredns-loop",
        DEMO_NODE,
        {("kubelet.network-plugin", "kubelet.network-plugin/ok", "Kubelet", "pass")},
        id="coredns-loop",
    ),
    pytest.param(
        "kubenet-route-limit",
        "i-456353c7d0dcef129",  # NetworkUnavailable, no route for its podCIDR
        {
            ("node.network-ready", "node.network-ready/network-unavailable", "Node", "fail"),
            ("aws.route-table-health", "aws.route-table-health/missing-route", "Node", "fail"),
        },
        id="kubenet-route-limit",
    ),
]


@pytest.mark.parametrize("attack", NAME_ATTACKS)
@pytest.mark.parametrize(("scenario", "node", "expected"), NODE_CASES)
def test_a_hostile_node_name_keeps_the_verdict_and_breaks_no_output(
    scenario: str,
    node: str,
    expected: set[Finding],
    attack: str,
    run_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    hostile = _copy(DEMO_ROOT / scenario, tmp_path, scenario)
    _rename_node(hostile, node, CORPUS[attack])
    clean, dirty = assert_reports_alike(run_cli, DEMO_ROOT / scenario, hostile)
    assert expected <= _naming(dirty, CORPUS[attack])
    assert _naming(dirty, CORPUS[attack]) == _naming(clean, node)  # the same findings, renamed
    assert _naming(dirty, node) == set()
    if scenario == "coredns-loop":  # the crash-looping CoreDNS pod runs on it
        loop = findings_of(dirty, "dns.rollout")[1]
        assert loop["code"] == "dns.rollout/forwarding-loop"
        assert loop["evidence"]["node"] == CORPUS[attack]
        assert f"CrashLoopBackOff on {CORPUS[attack]} after 7 restarts" in loop["message"]


# --- an application namespace --------------------------------------------------------------


def _move_namespace(bundle: Path, old: str, new: str, staying: frozenset[str]) -> None:
    """Every object of namespace `old` but `staying` (the `kubernetes` Service lives in
    `default`) moved to namespace `new`, as `collect` writes it: its own escaped folder of
    cluster-info files, each object's and event's namespace, `ns/pod` and kubelet's
    `pod_ns(uid)` in messages, and kubelet log lines quoting `pod="ns/name"`."""

    def edit(key: str | None, value: str) -> str:
        if key == "namespace" and value == old:
            return new
        return value.replace(f"{old}/", f"{new}/").replace(f"_{old}(", f"_{new}(")

    info = bundle / "cluster-info"
    target = namespace_dir(info, new)
    target.mkdir()
    for path in sorted((info / old).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        items = doc.get("items") or []
        moved = [i for i in items if i["metadata"]["name"] not in staying]
        path.write_text(json.dumps({**doc, "items": [i for i in items if i not in moved]}))
        (target / path.name).write_text(json.dumps({**doc, "items": moved}))
        edit_json_strings(target / path.name, edit)
    for log in bundle.glob("nodes/*/kubelet.log"):
        text = log.read_text(encoding="utf-8")
        log.write_text(text.replace(f'"{old}/', f'"{_klog_quoted(new)}/'), encoding="utf-8")


IP_EXHAUSTED = FIXTURES / "aws-vpc-ip-exhausted"  # two web pods get no IP on one node


@pytest.mark.parametrize("attack", NAME_ATTACKS)
def test_a_hostile_namespace_keeps_the_verdict_and_breaks_no_output(
    attack: str, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    namespace = CORPUS[attack]
    hostile = _copy(IP_EXHAUSTED, tmp_path, "hostile")
    _move_namespace(hostile, "default", namespace, frozenset({"kubernetes"}))
    clean, dirty = assert_reports_alike(run_cli, IP_EXHAUSTED, hostile)
    sandbox = findings_of(dirty, "pod.sandbox-errors")
    assert [(f["code"], f["object"]["name"]) for f in sandbox] == [
        ("pod.sandbox-errors/ip-exhausted", "i-0c1a0000000000003")
    ]
    pods = [f"{namespace}/web-7c9f8d6b5-m4d7q", f"{namespace}/web-7c9f8d6b5-x8r2t"]
    assert sandbox[0]["evidence"]["pods"] == pods
    assert sandbox[0]["message"] == (
        f"no IP addresses left (set-up) for 2 pod(s): {pods[0]}, {pods[1]}"
    )
    assert findings_of(clean, "pod.sandbox-errors")[0]["evidence"]["pods"] == [
        p.replace(namespace, "default", 1) for p in pods
    ]


# --- a container ---------------------------------------------------------------------------


def _renamed_containers(value: Any, old: str, new: str) -> Any:
    if isinstance(value, list):
        return [_renamed_containers(v, old, new) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _renamed_containers(v, old, new) for k, v in value.items()}
    for key in ("containers", "initContainers", "containerStatuses"):
        for container in out.get(key) or ():
            if isinstance(container, dict) and container.get("name") == old:
                container["name"] = new
    return out


def _rename_container(bundle: Path, old: str, new: str) -> None:
    """Every container called `old` as `new`, as the API sends it: templates, pod specs and
    statuses, the kubelet's words for it (`container=<c> pod=`, `container <c> in pod`,
    `spec.containers{<c>}`) and its pods' log section headers."""

    def edit(_key: str | None, value: str) -> str:
        for form in ("container={} ", "container {} in pod", "spec.containers{{{}}}"):
            value = value.replace(form.format(old), form.format(new))
        return value

    info = bundle / "cluster-info"
    for path in info.rglob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(_renamed_containers(doc, old, new)), encoding="utf-8")
        edit_json_strings(path, edit)
    for logs in sorted(info.glob("*/*/logs.txt")):
        if f"logs for container {old} of pod" in logs.read_text(encoding="utf-8"):
            pod = (logs.parent.parent.name, logs.parent.name)
            move_pod_logs(info, pod, pod, {old: new})


def _by_evidence(doc: dict[str, Any], key: str, value: str) -> list[tuple[str, str, str]]:
    """(check, code, object name) of the findings whose evidence `key` is `value`."""
    return [
        (r["check"], f["code"], f["object"]["name"])
        for r in doc["results"]
        for f in r["findings"]
        if (f.get("evidence") or {}).get(key) == value
    ]


LOOPING = [
    ("dns.rollout", "dns.rollout/forwarding-loop", "coredns-7d8f9c6b5-4xk2m"),
    ("dns.rollout", "dns.rollout/forwarding-loop", "coredns-7d8f9c6b5-p9wqz"),
]


@pytest.mark.parametrize("attack", NAME_ATTACKS)
@pytest.mark.parametrize("scenario", ["healthy", "coredns-loop", "cni-no-provider"])
def test_a_hostile_container_name_keeps_the_verdict_and_breaks_no_output(
    scenario: str, attack: str, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    hostile = _copy(DEMO_ROOT / scenario, tmp_path, scenario)
    _rename_container(hostile, "coredns", CORPUS[attack])
    clean, dirty = assert_reports_alike(run_cli, DEMO_ROOT / scenario, hostile)
    named = _by_evidence(dirty, "container", CORPUS[attack])
    assert named == _by_evidence(clean, "container", "coredns")
    assert named == (LOOPING if scenario == "coredns-loop" else [])
    loops = [f for f in findings_of(dirty, "dns.rollout") if f["code"] == LOOPING[0][1]]
    for finding in loops:  # the kubelet's BackOff event, as the evidence quotes it
        assert f"failed container {CORPUS[attack]} in pod" in finding["evidence"]["events"][0]


# --- the plugin types of a node's CNI config -----------------------------------------------

# `ls -l /opt/cni/bin` as the node agent prints it (`collect --probe`): calico's binaries and
# the reference plugins kops installs, portmap not among them
CNI_BIN = """total 236988
-rwxr-xr-x    1 root     root       4272398 Nov 26 07:48 bandwidth
-rwxr-xr-x    1 root     root      63152304 Nov 26 07:49 calico
-rwxr-xr-x    1 root     root      63152304 Nov 26 07:49 calico-ipam
-rwxr-xr-x    1 root     root       3943800 Nov 26 07:48 host-local
-rwxr-xr-x    1 root     root       4032184 Nov 26 07:48 loopback
-rwxr-xr-x    1 root     root       4541056 Nov 26 07:48 tuning
"""


@pytest.mark.parametrize("attack", NAME_ATTACKS)
def test_a_hostile_cni_plugin_type_keeps_the_verdict_and_breaks_no_output(
    attack: str, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    """Healthy calico nodes but one without the portmap binary; portmap's `type` in every
    node's 10-calico.conflist renamed: that node's failure names the renamed type as the
    missing binary, the others list it among the config's plugins."""
    plugin = CORPUS[attack]
    clean = _copy(DEMO_ROOT / "healthy", tmp_path, "clean")
    (clean / "nodes" / DEMO_NODE / "cni-bin.txt").write_text(CNI_BIN, encoding="utf-8")
    hostile = _copy(clean, tmp_path, "hostile")
    for config in sorted(hostile.glob("nodes/*/cni-net.d/*.conflist")):
        assert edit_json_strings(
            config, lambda key, value: plugin if (key, value) == ("type", "portmap") else value
        )
    before, after = assert_reports_alike(run_cli, clean, hostile)
    was = {f["object"]["name"]: f for f in findings_of(before, "cni.node-config")}
    now = {f["object"]["name"]: f for f in findings_of(after, "cni.node-config")}
    assert was[DEMO_NODE]["evidence"]["missing_binaries"] == ["portmap"]
    assert now[DEMO_NODE]["code"] == "cni.node-config/plugin-binary-missing"
    assert now[DEMO_NODE]["evidence"]["missing_binaries"] == [plugin]
    assert now[DEMO_NODE]["message"].startswith(f'10-calico.conflist needs plugin "{plugin}", ')
    for node in ("i-0a1b2c3d4e5f60003", "i-0a1b2c3d4e5f60004"):
        assert now[node]["code"] == "cni.node-config/config-ok"
        assert now[node]["evidence"]["plugin_types"] == ["calico", "bandwidth", plugin]
        assert (
            now[node]["message"] == f"CNI config 10-calico.conflist (calico, bandwidth, {plugin})"
        )


# --- the kops cluster name -----------------------------------------------------------------


@pytest.mark.parametrize("attack", NAME_ATTACKS)
@pytest.mark.parametrize("scenario", ["kubenet-route-limit", "cni-no-provider"])
def test_a_hostile_kops_cluster_name_keeps_the_verdict_and_breaks_no_output(
    scenario: str, attack: str, run_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    hostile = _copy(DEMO_ROOT / scenario, tmp_path, scenario)
    rename_cluster(hostile, CORPUS[attack])
    clean, dirty = assert_reports_alike(run_cli, DEMO_ROOT / scenario, hostile)
    assert dirty["target"]["cluster"] == CORPUS[attack]
    assert clean["target"]["cluster"] != CORPUS[attack]
