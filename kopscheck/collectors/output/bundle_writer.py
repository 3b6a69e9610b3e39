"""Write a live collection as a bundle (CONTRACT §4): the files the standard commands write.

    cluster-info/                  kubectl cluster-info dump --all-namespaces --output-directory
    cluster-info/<ns>/endpoints.json   kubectl get endpoints -n NS -o json
    cluster-info/version.json      kubectl version -o json (the server half)
    kops/cluster.yaml, kops/instancegroups.yaml   kops get cluster / kops get ig -o yaml
    nodes/<node>/configz.json      kubectl get --raw /api/v1/nodes/NODE/proxy/configz
    nodes/<node>/kubelet.log       kubectl get --raw "/api/v1/nodes/NODE/proxy/logs/?query=kubelet"
    nodes/<node>/ip_forward        cat /proc/sys/net/ipv4/ip_forward (the node agent, --probe)
    observed-at.txt                date -u +%Y-%m-%dT%H:%M:%SZ (when the collection ran)

The API's JSON is written as it came, not re-serialised from facts, so `check --bundle` reads
what the live run read. Container logs are those the live run read (networking and DNS pods,
capped), not every pod's as `kubectl cluster-info dump` would fetch. A kind the live run
could not list is left out, so the bundle says "missing" where the live run did. Never
written: Secrets (never listed), kubeconfig credentials (never held here), EC2 user-data
(redacted from instance groups).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from kopscheck.collectors.aws.reader import write_aws_files
from kopscheck.collectors.kube.reader import RawList, Tuning
from kopscheck.collectors.live import AWS_OFF, NOT_ON_AWS, LiveCollection, collect_live
from kopscheck.collectors.offline.bundle import NAMESPACED_FILES, OBSERVED_AT
from kopscheck.collectors.offline.connectivity_file import CONNECTIVITY_FILE, connectivity_doc
from kopscheck.collectors.offline.files import LOG_END, LOG_START
from kopscheck.collectors.offline.probe_files import (
    DNS_FILE,
    LIFECYCLE_FILE,
    SCHEMA,
    dns_doc,
    lifecycle_doc,
)
from kopscheck.collectors.options import SourceOptions
from kopscheck.collectors.output.atomic_files import check_out_dir, publish_dir, staging_dir
from kopscheck.collectors.output.data_paths import (
    log_header_names,
    namespace_dir,
    node_dir,
    node_file,
    pod_log_file,
)
from kopscheck.collectors.output.sanitise import keep, sanitise
from kopscheck.knowledge.node_sysctl import IP_FORWARD_FILE
from kopscheck.model.errors import InputError
from kopscheck.model.facts import ContainerLog, Fact, NodeFiles

# plural -> (file in cluster-info/<ns>/, the fact it feeds), in kubectl cluster-info dump's set
DUMP_FILES = {
    "events": ("events.json", Fact.EVENTS),
    "replicationcontrollers": ("replication-controllers.json", Fact.WORKLOADS),
    "services": ("services.json", Fact.SERVICES),
    "daemonsets": ("daemonsets.json", Fact.WORKLOADS),
    "deployments": ("deployments.json", Fact.WORKLOADS),
    "replicasets": ("replicasets.json", Fact.WORKLOADS),
    "pods": ("pods.json", Fact.PODS),
}
REDACTED = "<redacted by kopscheck: EC2 user-data>"
BLANKED = {"additionalUserData": REDACTED, "fileAssets": "<redacted by kopscheck: file asset>"}


def collect_to_bundle(options: SourceOptions, out: Path, say: Callable[[str], None]) -> int:
    """`kopscheck collect`: exit 0 when written, 3 when some fact could not be collected."""
    check_out_dir(out)  # before the work: a non-empty --out must not cost a whole collection
    collection = collect_live(options, Tuning(keep_raw=True), say=say)
    staged = staging_dir(out)  # beside `out`, renamed into place when complete
    try:
        write_bundle(collection, staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    publish_dir(staged, out)
    snapshot = collection.snapshot
    counts = f"{len(snapshot.nodes or ())} nodes, {len(snapshot.pods or ())} pods"
    say(f"kopscheck: wrote bundle {out} ({counts})")
    for fact, reason in snapshot.missing.items():
        if reason not in (AWS_OFF, NOT_ON_AWS):
            state = "failed" if fact in snapshot.failed else "missing"
            say(f"kopscheck: {state}: {fact.value}: {reason}")
    return 3 if snapshot.failed else 0


def write_bundle(collection: LiveCollection, out: Path) -> None:
    _prepare(out)
    snapshot, kube = collection.snapshot, collection.kube
    info = out / "cluster-info"
    info.mkdir()
    nodes = kube.raw_lists.get("nodes")
    if nodes is not None and snapshot.has(Fact.NODES):
        _write_json(info / "nodes.json", _dump_list(nodes, nodes.items))
    if kube.raw_version is not None and snapshot.has(Fact.VERSION):
        _write_json(info / "version.json", {"serverVersion": kube.raw_version}, indent=2)
    for namespace in kube.namespaces:
        _write_namespace(collection, namespace_dir(info, namespace), namespace)
    _write_logs(info, snapshot.pod_logs or ())
    if snapshot.has(Fact.NODE_FILES):
        _write_node_files(out / "nodes", kube.node_outcomes, snapshot.node_files or {})
    _write_kops(out / "kops", collection)
    if any(
        p is not None for p in (snapshot.pod_lifecycle, snapshot.dns_probe, snapshot.connectivity)
    ):
        (out / "probes").mkdir()
    if snapshot.pod_lifecycle is not None:
        _write_json(out / LIFECYCLE_FILE, lifecycle_doc(snapshot.pod_lifecycle), indent=2)
    if snapshot.dns_probe is not None:
        _write_json(out / DNS_FILE, dns_doc(snapshot.dns_probe), indent=2)
    if snapshot.connectivity is not None:
        doc = connectivity_doc(snapshot.connectivity, SCHEMA)
        _write_json(out / CONNECTIVITY_FILE, doc, indent=2)
    if collection.aws.documents:
        write_aws_files(out, collection.aws.documents)
    observed = snapshot.observed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    (out / OBSERVED_AT).write_text(observed + "\n", encoding="utf-8")


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        raise InputError(str(out), "directory is not empty; give a new one so no old file mixes in")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), f"cannot create: {exc.strerror or exc}") from None


def _write_namespace(collection: LiveCollection, folder: Path, namespace: str) -> None:
    snapshot, raw_lists = collection.snapshot, collection.kube.raw_lists
    folder.mkdir()
    for plural, (name, fact) in DUMP_FILES.items():
        raw = raw_lists.get(plural)
        if raw is not None and snapshot.has(fact):
            _write_json(folder / name, _dump_list(raw, _in_namespace(raw.items, namespace)))
    endpoints = raw_lists.get("endpoints")
    if endpoints is not None and snapshot.has(Fact.ENDPOINTS):
        items = _in_namespace(endpoints.items, namespace)
        _write_json(folder / "endpoints.json", _get_list(endpoints, items), sort_keys=True)


def _in_namespace(items: Iterable[Mapping[str, Any]], namespace: str) -> list[Mapping[str, Any]]:
    return [i for i in items if (i.get("metadata") or {}).get("namespace") == namespace]


def _dump_list(raw: RawList, items: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The list as the API server sent it (kubectl cluster-info dump prints it unchanged)."""
    kind = raw.kind.removesuffix("List")
    return {
        "kind": raw.kind,
        "apiVersion": raw.api_version,
        "metadata": {"resourceVersion": raw.resource_version},
        "items": [sanitise(item, kind) for item in items if keep(item, kind)],
    }


def _get_list(raw: RawList, items: list[Mapping[str, Any]]) -> dict[str, Any]:
    """`kubectl get -o json`: a `kind: List` whose items carry their own kind and apiVersion."""
    kind = raw.kind.removesuffix("List")
    return {
        "apiVersion": "v1",
        "items": [
            {"apiVersion": raw.api_version, "kind": kind, **sanitise(item, kind)}
            for item in items
            if keep(item, kind)
        ],
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


def _write_logs(info: Path, logs: Iterable[ContainerLog]) -> None:
    """`<ns>/<pod>/logs.txt`, one START/END section per container, as kubectl writes them."""
    by_pod: dict[tuple[str, str], list[str]] = {}
    for log in logs:
        namespace, pod, container = log_header_names(log.namespace, log.pod, log.container)
        header = f"container {container} of pod {namespace}/{pod} ===="
        body = f"Request log error: {log.error}" if log.error else log.text
        section = f"{LOG_START.removesuffix('container ')}{header}\n"
        section += f"{body}\n" if body else ""
        section += f"{LOG_END.removesuffix('container ')}{header}\n"
        by_pod.setdefault((log.namespace, log.pod), []).append(section)
    reserved = frozenset(NAMESPACED_FILES)  # `pods.json` is a valid pod name
    for (namespace, pod), sections in by_pod.items():
        path = pod_log_file(info, namespace, pod, reserved)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes("".join(sections).encode("utf-8", "replace"))


def _write_node_files(
    folder: Path, outcomes: Mapping[str, Any], node_files: Mapping[str, NodeFiles]
) -> None:
    """configz as the API sent it; the rest as the node agent printed it (credentials blanked
    on the node) or the kubelet log query returned it."""
    for node in sorted(set(outcomes) | set(node_files)):
        outcome, files = outcomes.get(node), node_files.get(node)
        written: dict[tuple[str | None, str], str] = {}
        if files is not None:
            if files.kubelet_cmdline is not None:
                written[None, "kubelet.cmdline"] = "\n".join(files.kubelet_cmdline) + "\n"
            for name, value in (
                ("sysconfig-kubelet", files.sysconfig_kubelet),
                ("cni-bin.txt", files.cni_bin),
                (IP_FORWARD_FILE, files.ip_forward),
                ("kubelet.log", files.kubelet_log),
            ):
                if value is not None:
                    written[None, name] = value
            for name, text in (files.cni_configs or {}).items():
                written["cni-net.d", name] = text
        raw = outcome.configz_raw if outcome is not None and outcome.configz is not None else None
        if not written and raw is None:
            continue
        folder_of_node = node_dir(folder, node)
        folder_of_node.mkdir(parents=True)
        if raw is not None:
            node_file(folder_of_node, "configz.json").write_bytes(raw)
        for (subdir, name), text in written.items():
            path = node_file(folder_of_node, name, subdir)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8", "replace"))


def _write_kops(folder: Path, collection: LiveCollection) -> None:
    kops = collection.kops
    if kops.cluster_doc is None:
        return
    folder.mkdir()
    cluster = _without_contents(kops.cluster_doc, ("fileAssets",))
    (folder / "cluster.yaml").write_text(_yaml([cluster]), encoding="utf-8")
    if kops.group_docs:
        keys = ("additionalUserData", "fileAssets")
        groups = [_without_contents(doc, keys) for doc in kops.group_docs]
        (folder / "instancegroups.yaml").write_text(_yaml(groups), encoding="utf-8")


def _without_contents(doc: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """An InstanceGroup's `additionalUserData` becomes EC2 user-data, and `fileAssets` are
    files written onto nodes (often credentials): keep their names, drop their content."""
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return dict(doc)
    cleaned = dict(spec)
    for key in keys:
        parts = spec.get(key)
        if isinstance(parts, list):
            cleaned[key] = [
                {**part, "content": BLANKED[key]}
                if isinstance(part, Mapping) and "content" in part
                else part
                for part in parts
            ]
    return {**doc, "spec": cleaned}


def _yaml(docs: Sequence[Mapping[str, Any]]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=True, default_flow_style=False, allow_unicode=True)


def _write_json(path: Path, doc: object, indent: int = 4, sort_keys: bool = False) -> None:
    text = json.dumps(doc, indent=indent, ensure_ascii=False, sort_keys=sort_keys)
    path.write_bytes((text + "\n").encode("utf-8"))
