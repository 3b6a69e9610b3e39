"""Collect Kubernetes facts from a live API server: one paginated list per kind, concurrently.

Each page is decoded from the response bytes as it arrives, by the same typed decoder and
parsers the bundle reader uses (`kube_decode`, `KubeObjects`), so a live run and `check
--bundle` on what `collect` wrote fill the same model in the same order; only `collect` also
keeps the page's JSON, to write it.
A kind that is forbidden or not served is a missing fact with its reason; a kind whose list
failed (server error, timeout) is missing *and* failed, so the checks that need it end in
`error`. An API that cannot be reached at all, or that refuses the credentials, ends the scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from kubernetes import client

from kopscheck.collectors.formats import kube_objects as ko
from kopscheck.collectors.formats import shapes
from kopscheck.collectors.formats.assemble import KubeObjects, bulk_read
from kopscheck.collectors.formats.kube_decode import decode_list
from kopscheck.collectors.kube.bounds import DEFAULT_MAX_PAGES
from kopscheck.collectors.kube.client import (
    ApiFailure,
    Reply,
    Requester,
    describe_failure,
    forbidden_user,
    host_label,
)
from kopscheck.collectors.kube.kubeconfig import KubeTarget
from kopscheck.model.errors import InputError, ScanError
from kopscheck.model.facts import Fact, Version


@dataclass(frozen=True, slots=True)
class Tuning:
    """How hard to push the API server; the defaults suit a 5,000-node cluster."""

    page_size: int = 500  # items per list request (kubectl's --chunk-size is 500 too)
    workers: int = 16  # concurrent requests: the kinds, then the nodes, then the pod logs
    attempts: int = 3  # per request, on 429, 5xx and dropped connections
    backoff: float = 0.5  # seconds before the first retry, doubling, with jitter
    max_log_pods: int = 30  # networking and DNS pods whose container logs are read
    log_tail_lines: int = 200
    max_kubelet_logs: int = 50  # nodes whose kubelet log is read (NotReady ones first)
    kubelet_log_lines: int = 500
    log_bytes: int = 256 * 1024  # per kubelet log and per container log (limitBytes)
    max_pages: int = DEFAULT_MAX_PAGES  # per list (--max-pages)
    keep_raw: bool = False  # keep the API's JSON for `collect` to write a bundle


@dataclass(frozen=True, slots=True)
class Resource:
    plural: str
    kind: str
    api: str  # "core" or "apps"
    method: str
    fact: Fact | None


RESOURCES = (
    Resource("namespaces", "Namespace", "core", "list_namespace", None),
    Resource("nodes", "Node", "core", "list_node", Fact.NODES),
    Resource("pods", "Pod", "core", "list_pod_for_all_namespaces", Fact.PODS),
    Resource("events", "Event", "core", "list_event_for_all_namespaces", Fact.EVENTS),
    Resource("services", "Service", "core", "list_service_for_all_namespaces", Fact.SERVICES),
    Resource("endpoints", "Endpoints", "core", "list_endpoints_for_all_namespaces", Fact.ENDPOINTS),
    Resource(
        "replicationcontrollers",
        "ReplicationController",
        "core",
        "list_replication_controller_for_all_namespaces",
        Fact.WORKLOADS,
    ),
    Resource(
        "daemonsets", "DaemonSet", "apps", "list_daemon_set_for_all_namespaces", Fact.WORKLOADS
    ),
    Resource(
        "deployments", "Deployment", "apps", "list_deployment_for_all_namespaces", Fact.WORKLOADS
    ),
    Resource(
        "replicasets", "ReplicaSet", "apps", "list_replica_set_for_all_namespaces", Fact.WORKLOADS
    ),
)
# The bundle reader's order within a namespace directory (bundle.NAMESPACED_FILES).
WORKLOAD_ORDER = {"DaemonSet": 0, "Deployment": 1, "ReplicaSet": 2, "ReplicationController": 3}
MAX_LIST_RESTARTS = 2


@dataclass(slots=True)
class RawList:
    """A whole (paginated) list as the API server returned it."""

    kind: str
    api_version: str
    resource_version: str
    items: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Listed:
    resource: Resource
    objects: KubeObjects | None = None
    raw: RawList | None = None
    failure: ApiFailure | None = None


@dataclass(slots=True)
class KubeCollection:
    """What the API showed: facts for the snapshot plus, for `collect`, the raw responses."""

    target: KubeTarget
    fields: dict[str, Any] = field(default_factory=dict)
    missing: dict[Fact, str] = field(default_factory=dict)
    failed: set[Fact] = field(default_factory=set)
    raw_lists: dict[str, RawList] = field(default_factory=dict)
    raw_version: dict[str, Any] | None = None
    namespaces: list[str] = field(default_factory=list)
    node_outcomes: dict[str, Any] = field(default_factory=dict)  # nodes.NodeOutcome
    notes: list[str] = field(default_factory=list)  # what a bound cut short
    clock_offset: timedelta | None = None  # the API server's Date minus the local clock

    def lack(self, fact: Fact, reason: str, failed: bool) -> None:
        """Record a fact as missing; a failure wins over a mere absence."""
        self.fields[fact.value.replace("-", "_")] = None
        self.missing.setdefault(fact, reason)
        if failed:
            self.failed.add(fact)
            self.missing[fact] = reason


def collect_lists(
    requester: Requester, pool: ThreadPoolExecutor, out: KubeCollection, tuning: Tuning
) -> None:
    """`/version`, then one paginated list per kind, the kinds concurrently on `pool`."""
    _version(requester, out)
    with bulk_read(freeze=False):
        listed = list(pool.map(lambda r: _list_all(requester, r, tuning), RESOURCES))
        _assemble(listed, out, tuning)


def _version(requester: Requester, out: KubeCollection) -> None:
    """`/version` first: it tells whether the API can be reached and the credentials work."""
    api = client.VersionApi(requester.target.api_client)
    where = requester.target.describe()
    try:
        reply = requester.typed(api.get_code)
        out.clock_offset = server_clock_offset(reply.date, datetime.now(UTC))
        doc = reply.json("/version")
    except ApiFailure as failure:
        if failure.status is None:
            raise ScanError(f"cannot reach the Kubernetes API at {where}: {failure}") from None
        if failure.status == 401:
            raise ScanError(
                f"the Kubernetes API at {where} refused the credentials (401 Unauthorized)"
            ) from None
        out.lack(Fact.VERSION, f"/version: {describe_failure(failure)}", not failure.unavailable)
        return
    try:
        version: Version = ko.parse_version(doc, f"{host_label(requester.target.host)}/version")
    except InputError as exc:
        out.lack(Fact.VERSION, str(exc), failed=True)
        return
    out.fields["version"] = version
    out.raw_version = dict(doc)


def server_clock_offset(date: str, local: datetime) -> timedelta | None:
    """How far the API server's clock (an HTTP `Date` header) is from the local one; None
    when the header is missing or unreadable (then only the local clock is known)."""
    try:
        server = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if server is None or server.tzinfo is None:
        return None
    return server - local


def _list_all(requester: Requester, resource: Resource, tuning: Tuning) -> Listed:
    """Every page of one kind across namespaces; a stale continue token restarts the list."""
    group = client.CoreV1Api if resource.api == "core" else client.AppsV1Api
    method = getattr(group(requester.target.api_client), resource.method)
    done = Listed(resource)
    for _attempt in range(MAX_LIST_RESTARTS + 1):
        done.objects, done.raw, done.failure = KubeObjects(), None, None
        try:
            _pages(requester, method, resource, tuning, done)
            return done
        except ApiFailure as failure:
            done.failure = failure
            if failure.status != 410:
                return done
    return done


def _pages(
    requester: Requester,
    method: Callable[..., Any],
    resource: Resource,
    tuning: Tuning,
    done: Listed,
) -> None:
    token: str | None = None
    seen: set[str] = set()
    for _page in range(max(tuning.max_pages, 1)):
        params: dict[str, Any] = {"limit": tuning.page_size}
        if token:
            params["_continue"] = token
        reply = requester.typed(method, **params)
        if resource.fact is None:
            token = _namespace_page(reply, resource, done)
        else:
            token = _typed_page(reply, resource, tuning, done)
        if not token:
            return
        if token in seen:
            raise ApiFailure(
                None,
                "RepeatedContinue",
                f"the API server sent the same continue token twice (page {_page + 1})",
            )
        seen.add(token)
    raise ApiFailure(
        None,
        "PageCap",
        f"stopped after {tuning.max_pages} pages of {tuning.page_size} (--max-pages)",
    )


def _typed_page(reply: Reply, resource: Resource, tuning: Tuning, done: Listed) -> str:
    """Decode a page from the response bytes straight into facts; keep the JSON only for
    `collect`, which writes it to a bundle."""
    what = f"list {resource.plural}"
    try:
        page = decode_list(reply.body, what)
    except InputError as exc:
        raise ApiFailure(200, "InvalidResponse", f"the API server sent {exc.problem}") from None
    if done.raw is None:
        done.raw = RawList(page.kind, page.api_version, page.resource_version)
    if done.objects is not None:
        done.objects.add_groups(page.groups)
    if tuning.keep_raw:
        done.raw.items.extend(reply.json(what).get("items") or ())
    return page.continue_token


def _namespace_page(reply: Reply, resource: Resource, done: Listed) -> str | None:
    """Namespaces: only their names are used."""
    what = f"list {resource.plural}"
    doc = reply.json(what)
    try:
        top = shapes.mapping(doc, what, "the answer")
        items = [item for _where, item in shapes.objects(top.get("items"), what, "items")]
        meta = shapes.mapping(top.get("metadata"), what, "metadata")
        if done.raw is None:
            done.raw = RawList(
                kind=shapes.text(top.get("kind"), what, "kind") or f"{resource.kind}List",
                api_version=shapes.text(top.get("apiVersion"), what, "apiVersion"),
                resource_version=shapes.text(
                    meta.get("resourceVersion"), what, "metadata.resourceVersion"
                ),
            )
        token = shapes.text(meta.get("continue"), what, "metadata.continue")
    except InputError as exc:
        raise ApiFailure(200, "InvalidResponse", f"the API server sent {exc.problem}") from None
    done.raw.items.extend(items)
    return token or None


def _assemble(listed: Iterable[Listed], out: KubeCollection, tuning: Tuning) -> None:
    merged: dict[Fact, list[Any]] = {}
    for item in listed:
        resource = item.resource
        if item.failure is not None:
            if resource.fact is not None:
                reason = list_failure(resource, item.failure)
                out.lack(resource.fact, reason, failed=not item.failure.unavailable)
            continue
        if item.raw is not None and (tuning.keep_raw or resource.fact is None):
            out.raw_lists[resource.plural] = item.raw
        if resource.fact is None or item.objects is None:
            continue
        bucket = getattr(item.objects, resource.fact.value.replace("-", "_")) or []
        merged.setdefault(resource.fact, []).extend(bucket)
    for fact, objects in merged.items():
        if fact not in out.missing:
            out.fields[fact.value.replace("-", "_")] = tuple(_bundle_order(fact, objects))
    out.namespaces = _namespaces(out)


def _bundle_order(fact: Fact, objects: list[Any]) -> list[Any]:
    """The order `read_bundle` produces: namespace directories sorted, then file order."""
    if fact is Fact.NODES:
        return objects
    if fact is Fact.WORKLOADS:
        return sorted(objects, key=lambda w: (w.namespace, WORKLOAD_ORDER.get(w.kind, 9)))
    return sorted(objects, key=lambda o: o.namespace)


def _namespaces(out: KubeCollection) -> list[str]:
    names = {"default", "kube-system"}
    raw = out.raw_lists.get("namespaces")
    names |= {str((i.get("metadata") or {}).get("name") or "") for i in raw.items} if raw else set()
    for key in ("pods", "events", "services", "endpoints", "workloads"):
        names |= {o.namespace for o in out.fields.get(key) or () if o.namespace}
    return sorted(names - {""})


def list_failure(resource: Resource, failure: ApiFailure) -> str:
    what = f"list {resource.plural}"
    if failure.status == 403:
        return f"RBAC: cannot {what} at cluster scope{forbidden_user(failure)}"
    return f"{what}: {describe_failure(failure)}"
