"""The one place kopscheck writes to a cluster: a probe run's namespace, its objects, cleanup.

Every object is labelled `app.kubernetes.io/managed-by=kopscheck` and `kopscheck.io/run=<id>`,
carries an expiry annotation, lives in the run's namespace `kopscheck-<id>` (labelled with the
Pod Security level the node agent needs), and is deleted when the `with` block ends: normally,
on an exception, on SIGINT or SIGTERM (handlers that raise into the main thread, restored
afterwards) and at the run's global deadline (SIGALRM). `cleanup` removes, by label, what any
earlier run left (`kopscheck cleanup`). Nothing else in kopscheck creates or deletes objects.
"""

from __future__ import annotations

import re
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any
from urllib.parse import quote

from kopscheck.collectors.kube.client import ApiFailure, Requester, describe_failure
from kopscheck.model.errors import Stopped

MANAGED_BY = "app.kubernetes.io/managed-by"
RUN_LABEL = "kopscheck.io/run"
EXPIRES = "kopscheck.io/expires"
# a probe run's objects: kopscheck's label and a run id (the RBAC objects `kopscheck rbac`
# prints carry the first label only, so cleanup never touches them)
OWNED = f"{MANAGED_BY}=kopscheck,{RUN_LABEL}"
# hostPath mounts and hostPID (the node agent) need the privileged Pod Security level
POD_SECURITY = {"pod-security.kubernetes.io/enforce": "privileged"}
CLEANUP_SECONDS = 30.0
NAMESPACE_PREFIX = "kopscheck-"
RUN_STAMP = "%Y%m%d-%H%M%S"
RUN_ID = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{4}")
EXPIRES_LAYOUT = "%Y-%m-%dT%H:%M:%SZ"
Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Kind:
    """A resource kopscheck may create, and where its collection lives."""

    plural: str
    group: str = ""
    namespaced: bool = True

    def path(self, namespace: str = "", name: str = "") -> str:
        base = f"/apis/{self.group}/v1" if self.group else "/api/v1"
        scope = f"/namespaces/{quote(namespace, safe='')}" if namespace else ""
        tail = f"/{quote(name, safe='')}" if name else ""
        return f"{base}{scope}/{self.plural}{tail}"


NAMESPACES = Kind("namespaces", namespaced=False)
PODS = Kind("pods")
SERVICES = Kind("services")  # the connectivity probe's Service
DAEMONSETS = Kind("daemonsets", "apps")
# deleted in this order: a DaemonSet would recreate its pods, a namespace waits for its content
OWNED_KINDS = (DAEMONSETS, SERVICES, PODS)


def new_run_id(now: datetime | None = None) -> str:
    """`20261128-124500-3fa9`: sortable, readable in a namespace name, unique enough."""
    stamp = (now or datetime.now(UTC)).strftime(RUN_STAMP)
    return f"{stamp}-{secrets.token_hex(2)}"


def is_run_id(value: str) -> bool:
    """Whether `value` is a run id `new_run_id` makes: a real UTC time and 4 hex digits."""
    if not RUN_ID.fullmatch(value):
        return False
    return _parses(value[:15], RUN_STAMP)


def _parses(value: str, layout: str) -> bool:
    try:
        datetime.strptime(value, layout)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Leftover:
    """A kopscheck-owned object found on the cluster."""

    kind: str
    namespace: str
    name: str
    run: str
    expires: str

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return (
            f"{self.kind} {where}{self.name} (run {self.run or '?'}, expires {self.expires or '?'})"
        )


@dataclass
class Workspace:
    """A probe run's namespace and everything in it; use as a context manager."""

    requester: Requester
    run_id: str
    lifetime: float  # seconds: the global deadline of the run, and the objects' expiry
    say: Say = lambda _line: None
    cleanup_seconds: float = CLEANUP_SECONDS
    alarm_grace: float = 20.0
    created: list[tuple[Kind, str, str]] = field(default_factory=list)
    left: list[Leftover] = field(default_factory=list)  # what cleanup could not delete

    def __post_init__(self) -> None:
        self.namespace = f"{NAMESPACE_PREFIX}{self.run_id}"
        self._deadline = time.monotonic() + self.lifetime
        self._expires = (datetime.now(UTC) + timedelta(seconds=self.lifetime + 60)).strftime(
            EXPIRES_LAYOUT
        )
        self._previous: dict[int, Any] = {}
        self._cleaning = False
        self._pending: int | None = None

    # ------------------------------------------------------------------ labels and deadlines

    @property
    def labels(self) -> dict[str, str]:
        return {MANAGED_BY: "kopscheck", RUN_LABEL: self.run_id}

    @property
    def selector(self) -> str:
        return f"{MANAGED_BY}=kopscheck,{RUN_LABEL}={self.run_id}"

    def remaining(self) -> float:
        return self._deadline - time.monotonic()

    def metadata(self, name: str, extra_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
        return {
            "name": name,
            "labels": {**(extra_labels or {}), **self.labels},
            "annotations": {EXPIRES: self._expires},
        }

    # ------------------------------------------------------------------ the with block

    def __enter__(self) -> Workspace:
        self._install_handlers()
        try:
            meta = self.metadata(self.namespace, POD_SECURITY)
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}
            self._post(NAMESPACES, "", body)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._cleaning = True  # first: a signal from now on is remembered, not raised
        try:
            if self._previous:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if self.created:
                self.left = self._cleanup()
        finally:
            self._restore_handlers()
        if isinstance(exc, Stopped):
            exc.cleaned = self.cleanup_summary()
        elif self._pending is not None:
            stop = Stopped(self._pending)
            stop.cleaned = self.cleanup_summary()
            raise stop

    def cleanup_summary(self) -> str:
        """What this run deleted from the cluster and what it could not, in one line."""
        left = {(item.kind, item.namespace, item.name) for item in self.left}
        gone = [
            f"{k.plural} {ns + '/' if ns else ''}{n}"
            for k, ns, n in self.created
            if (k.plural, ns, n) not in left
        ]
        said = f"deleted {', '.join(gone)}" if gone else "nothing had been created"
        if self.left:
            stuck = ", ".join(str(item) for item in self.left)
            return f"{said}; could not delete {stuck}: run kopscheck cleanup"
        return said

    def _cleanup(self) -> list[Leftover]:
        """Delete what this run created by name, then sweep its label; what is left."""
        for kind, namespace, name in reversed(self.created):
            _delete(self.requester, kind, namespace, name, [])
        try:
            return cleanup(self.requester, self.selector, self.say, self.cleanup_seconds)
        except ApiFailure as failure:
            self.say(f"kopscheck: cleanup: cannot list what is left: {describe_failure(failure)}")
            return [
                Leftover(k.plural, ns, name, self.run_id, self._expires)
                for k, ns, name in self.created
            ]

    # ------------------------------------------------------------------ writes

    def create(self, kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
        """Create `body` (metadata from `metadata()`) in the run's namespace; the created object."""
        return self._post(kind, self.namespace if kind.namespaced else "", body)

    def delete(self, kind: Kind, name: str, grace_seconds: int | None = None) -> None:
        query = [("propagationPolicy", "Background")]
        if grace_seconds is not None:
            query.append(("gracePeriodSeconds", str(grace_seconds)))
        self.requester.send("DELETE", kind.path(self.namespace, name), query=query)

    def _post(self, kind: Kind, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        name = str(body["metadata"]["name"])
        self.created.append((kind, namespace, name))  # before: a timed-out create may exist
        reply = self.requester.send("POST", kind.path(namespace), body)
        doc = reply.json(f"create {kind.plural}")
        return doc if isinstance(doc, dict) else {}

    # ------------------------------------------------------------------ signals

    def _install_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # several clusters at once: the deadline is kept by the probe loops
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            self._previous[signum] = signal.signal(signum, self._on_signal)
        # a backstop for a request that hangs: the probe loops keep the deadline themselves
        signal.setitimer(signal.ITIMER_REAL, max(self.lifetime + self.alarm_grace, 0.001))

    def _restore_handlers(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self._cleaning:
            self._pending = self._pending or signum
            return
        raise Stopped(signum)


def find_leftovers(
    requester: Requester, selector: str = OWNED, lookalikes: list[str] | None = None
) -> list[Leftover]:
    """Every object a kopscheck run made (`made_by_kopscheck`): namespaces, DaemonSets, pods.
    Objects that carry the labels but fail the rule are appended to `lookalikes`, with why."""
    found: list[Leftover] = []
    for kind in (NAMESPACES, *OWNED_KINDS):
        for item in _list(requester, kind, selector):
            meta = item.get("metadata") or {}
            leftover = Leftover(
                kind=kind.plural,
                namespace=str(meta.get("namespace") or ""),
                name=str(meta.get("name") or ""),
                run=str((meta.get("labels") or {}).get(RUN_LABEL) or ""),
                expires=str((meta.get("annotations") or {}).get(EXPIRES) or ""),
            )
            why_not = not_made_by_kopscheck(leftover)
            if why_not is None:
                found.append(leftover)
            elif lookalikes is not None:
                lookalikes.append(f"{leftover.kind} {_where(leftover)}: {why_not}")
    return found


def not_made_by_kopscheck(item: Leftover) -> str | None:
    """Why an object carrying kopscheck's labels is not one a run made, or None when it is.

    All are required (CONTRACT §6): both labels, the run label a run id as `new_run_id` makes
    it, the expiry annotation in the layout a Workspace writes, and the name tied to that run
    id: a namespace is `kopscheck-<run id>`; anything else lives in `kopscheck-<run id>` or is
    named `kopscheck-<run id>...`. A user's `payments-prod` or `kopscheck-payments` that copied
    the labels stays. The reason never quotes the annotation (any string a user wrote)."""
    if not item.run:
        return f"no {RUN_LABEL} label"
    if not is_run_id(item.run):
        return f"its {RUN_LABEL} label is not a kopscheck run id (like 20261128-124500-3fa9)"
    if not item.expires:
        return f"no {EXPIRES} annotation"
    if not _parses(item.expires, EXPIRES_LAYOUT):
        return (
            f"its {EXPIRES} annotation is not a time kopscheck writes (like 2026-11-28T12:50:00Z)"
        )
    home = f"{NAMESPACE_PREFIX}{item.run}"
    if item.kind == NAMESPACES.plural:
        return None if item.name == home else f"not named {home} (its run id)"
    if item.namespace == home or item.name == home or item.name.startswith(f"{home}-"):
        return None
    return f"neither in namespace {home} nor named {home}-... (its run id)"


def _where(item: Leftover) -> str:
    return f"{item.namespace}/{item.name}" if item.namespace else item.name


def cleanup(
    requester: Requester,
    selector: str = OWNED,
    say: Say = lambda _l: None,
    within: float = CLEANUP_SECONDS,
) -> list[Leftover]:
    """Delete every object matching `selector`; what is still there after `within` seconds.

    Pods are deleted with no grace period: a pod bound to a node whose kubelet never answers
    would otherwise stay forever. A namespace counts as gone when the API no longer lists it.
    """
    end = time.monotonic() + within
    errors: list[str] = []
    for item in find_leftovers(requester, selector):
        kind = next(k for k in (NAMESPACES, *OWNED_KINDS) if k.plural == item.kind)
        _delete(requester, kind, item.namespace, item.name, errors)
    left = find_leftovers(requester, selector)
    while left and time.monotonic() < end:
        time.sleep(0.5)
        left = find_leftovers(requester, selector)
    for line in errors:
        say(f"kopscheck: cleanup: could not delete {line}")
    return left


def _delete(requester: Requester, kind: Kind, namespace: str, name: str, errors: list[str]) -> None:
    """Delete one object; pods without grace (a pod on a dead kubelet would stay forever)."""
    query = [("propagationPolicy", "Background")]
    if kind is PODS:
        query.append(("gracePeriodSeconds", "0"))
    try:
        requester.send("DELETE", kind.path(namespace, name), query=query)
    except ApiFailure as failure:
        if failure.status not in (404, 409):  # gone, or a namespace already terminating
            errors.append(f"{kind.plural} {namespace}/{name}: {describe_failure(failure)}")


def _list(requester: Requester, kind: Kind, selector: str) -> Iterator[dict[str, Any]]:
    cont = ""
    while True:
        query = [("labelSelector", selector), ("limit", "500")]
        if cont:
            query.append(("continue", cont))
        doc = requester.raw(kind.path(), query).json(f"list {kind.plural}")
        yield from (i for i in doc.get("items") or () if isinstance(i, dict))
        cont = str((doc.get("metadata") or {}).get("continue") or "")
        if not cont:
            return
