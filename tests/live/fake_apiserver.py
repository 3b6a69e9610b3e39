"""A fake kube-apiserver over real HTTP on 127.0.0.1, for driving the official client in tests.

It implements what kopscheck calls, the way kube-apiserver does (see fake_store for the object
semantics): list/get/create/update/patch/delete and the status subresource for the core and
apps kinds, `text/plain` pod logs, `/version`, bearer-token authentication, and the node proxy
to each kubelet's `configz` and log query (`/logs/?query=kubelet`, or the `/var/log` HTML listing
when the kubelet has no log query). Errors carry the `Status` body with the real reason.

Faults are switched on per path (`inject`): 403/429/500/503 with real `Status` bodies, a hang
(the client's timeout fires), a dropped connection, or compaction of list snapshots (stale
continue tokens get 410 Expired). Hostile servers too: a list that always answers "continue"
(`continue-endless` with a new token each time, `continue-same` with one token), a body that
trickles a byte at a time (`trickle`), headers that do (`trickle-headers`), one that never ends (`huge`, no Content-Length), one
that stops half-way and hangs (`hang-body`), an error whose body never ends (`huge-error`), and a field of the wrong type (`wrong-type`: the
first item's `status` is a string), and a clock that is off (`clock_offset`, in the `Date`
header). Every request is recorded in `requests` for counting.

State comes from the files of a bundle (CONTRACT §4), the same files `check --bundle` reads.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from fake_errors import ApiError, bad_request, not_found
from fake_state import DEFAULT_VERSION, Kubelet, load_bundle
from fake_store import TYPES, ResourceType, Store

VAR_LOG_LISTING = (
    '<pre>\n<a href="alternatives.log">alternatives.log</a>\n<a href="apt/">apt/</a>\n'
    '<a href="containers/">containers/</a>\n<a href="journal/">journal/</a>\n'
    '<a href="pods/">pods/</a>\n<a href="syslog">syslog</a>\n</pre>\n'
)
VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass
class Fault:
    """Answer requests whose path matches `path` (a regex) with `action` instead."""

    path: str
    action: str  # "401".."503", "timeout", "reset", "expire", or a hostile one (module doc)
    method: str = "GET"
    times: int | None = None  # None: every time
    query: str = ""  # a regex the raw query string must match too
    retry_after: str = "1"


@dataclass(frozen=True)
class Route:
    rtype: ResourceType | None = None
    namespace: str = ""
    name: str = ""
    sub: str = ""  # "status", "log" or "proxy"
    rest: str = ""  # the path after proxy/
    special: str = ""  # "version"


@dataclass
class FakeApiServer:
    token: str = "fake-token-kopscheck-0123456789"
    user: str = "system:serviceaccount:monitoring:kopscheck"
    version: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_VERSION))
    store: Store = field(default_factory=Store)
    kubelets: dict[str, Kubelet] = field(default_factory=dict)
    pod_logs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    sent_bytes: int = 0  # body bytes a hostile fault wrote before the client hung up
    hold_seconds: float = 30.0
    clock_offset: timedelta = timedelta(0)  # how far the server's `Date` header is off

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeApiServer:
        handler = type("Handler", (_Handler,), {"api": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def inject(self, path: str, action: str, **options: Any) -> Fault:
        fault = Fault(path, action, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, path: str = "", method: str = "GET") -> int:
        with self._lock:
            return sum(1 for m, p, _q in self.requests if m == method and re.search(path, p))

    # ------------------------------------------------------------------------------ state

    def add(self, plural: str, obj: dict[str, Any]) -> None:
        self.store.load(TYPES[plural], obj)

    def load_bundle(self, root: Path) -> FakeApiServer:
        """Hold what a bundle's files describe (CONTRACT §4): objects, logs, kubelets."""
        load_bundle(self, root)
        return self

    # ------------------------------------------------------------------------------ requests

    def fault_for(self, method: str, path: str, query: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method != method or not re.search(fault.path, path):
                    continue
                if fault.query and not re.search(fault.query, query):
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None

    def hold(self) -> None:
        self._release.wait(self.hold_seconds)

    def record(self, method: str, path: str, query: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((method, path, query))


def route(path: str) -> Route:
    """Map a URL path to what it names, like the API server's installer does."""
    if path.rstrip("/") == "/version":
        return Route(special="version")
    match = re.fullmatch(r"/api/v1/(.*)|/apis/(apps)/v1/(.*)", path)
    if not match:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    group = match.group(2) or ""
    rest = match.group(1) if match.group(1) is not None else match.group(3)
    parts = [unquote(part) for part in rest.split("/")]  # a name's `/` comes as %2F
    namespace = ""
    if len(parts) >= 3 and parts[0] == "namespaces":
        namespace, parts = parts[1], parts[2:]
    rtype = TYPES.get(parts[0])
    if rtype is None or rtype.group != group or (namespace and not rtype.namespaced):
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    name = parts[1] if len(parts) > 1 else ""
    sub = parts[2] if len(parts) > 2 else ""
    return Route(rtype, namespace, name, sub, "/".join(parts[3:]))


class _Handler(BaseHTTPRequestHandler):
    api: FakeApiServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header, from a clock `clock_offset` off (a server with a wrong clock)."""
        now = datetime.now(UTC) + self.api.clock_offset
        return formatdate(now.timestamp(), usegmt=True)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.api.record(method, parts.path, query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            if self.headers.get("Authorization", "").lower() != f"bearer {self.api.token}".lower():
                raise ApiError(401, "Unauthorized", "Unauthorized")
            where = route(parts.path)
            fault = self.api.fault_for(method, parts.path, parts.query)
            if fault is not None and self._fault(fault, method, where):
                return
            self._dispatch(method, where, query, body)
        except ApiError as error:
            headers = (
                {"Retry-After": error.meta.pop("retry_after")}
                if "retry_after" in error.meta
                else {}
            )
            self._send(error.code, json.dumps(error.status()).encode(), "application/json", headers)

    def _fault(self, fault: Fault, method: str, where: Route) -> bool:
        """Apply a fault; True when the request has been answered (or dropped)."""
        if fault.action == "timeout":
            self.api.hold()
            self.close_connection = True
            return True
        if fault.action == "reset":
            self.close_connection = True
            return True  # no response at all: the client sees the connection drop
        if fault.action == "expire":
            self.api.store.compact()
            return False
        if fault.action in HOSTILE:
            HOSTILE[fault.action](self, where)
            return True
        code = int(fault.action)
        if code == 403:
            raise self._forbidden(method, where)
        if code == 429:
            raise ApiError(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
                {"retryAfterSeconds": int(fault.retry_after)},
                retry_after=fault.retry_after,
            )
        if code == 401:
            raise ApiError(401, "Unauthorized", "Unauthorized")
        if code == 404:  # what an API server that does not serve the group answers
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if code == 503:
            raise ApiError(
                503, "ServiceUnavailable", "the server is currently unable to handle the request"
            )
        raise ApiError(
            code,
            "InternalError",
            'an error on the server ("") has prevented the request from succeeding',
            {
                "causes": [
                    {"reason": "UnexpectedServerResponse", "message": "fault injected by the test"}
                ]
            },
        )

    def _forbidden(self, method: str, where: Route) -> ApiError:
        rtype = where.rtype
        plural = rtype.plural if rtype else ""
        verb = "list" if method == "GET" and not where.name else VERBS[method]
        resource = f"{plural}/{where.sub}" if where.sub else plural
        scope = (
            f'in the namespace "{where.namespace}"' if where.namespace else "at the cluster scope"
        )
        group = rtype.group if rtype else ""
        subject = f'{plural} "{where.name}"' if where.name else plural
        message = f'{subject} is forbidden: User "{self.api.user}" cannot {verb} resource "{resource}" in API group "{group}" {scope}'
        details = {"group": group, "kind": plural, **({"name": where.name} if where.name else {})}
        return ApiError(403, "Forbidden", message, details)

    def _dispatch(self, method: str, where: Route, query: dict[str, str], body: bytes) -> None:
        if where.special == "version":
            self._json(200, self.api.version)
            return
        rtype, store = where.rtype, self.api.store
        assert rtype is not None
        if where.sub == "proxy" and rtype.plural == "nodes" and method == "GET":
            self._node_proxy(where, query)
            return
        if where.sub == "log" and rtype.plural == "pods" and method == "GET":
            self._pod_log(where, query)
            return
        if where.sub not in ("", "status"):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        status = where.sub == "status"
        if method == "GET" and not where.name:
            if query.get("watch") in ("true", "1"):
                raise bad_request("watch is not implemented by the fake API server")
            self._json(200, store.list(rtype, where.namespace, query))
        elif method == "GET":
            self._json(200, store.get(rtype, where.namespace, where.name))
        elif method == "POST" and not where.name:
            self._json(201, store.create(rtype, where.namespace, _body(body)))
        elif method == "PUT" and where.name:
            self._json(200, store.replace(rtype, where.namespace, where.name, _body(body), status))
        elif method == "PATCH" and where.name:
            content_type = self.headers.get("Content-Type", "")
            self._json(
                200,
                store.patch(rtype, where.namespace, where.name, _body(body), content_type, status),
            )
        elif method == "DELETE" and where.name:
            self._json(200, store.delete(rtype, where.namespace, where.name))
        else:
            raise ApiError(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            )

    def _pod_log(self, where: Route, query: dict[str, str]) -> None:
        pod = self.api.store.get(where.rtype or TYPES["pods"], where.namespace, where.name)
        names = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        container = query.get("container") or (names[0] if len(names) == 1 else "")
        if not container:
            raise bad_request(
                f"a container name must be specified for pod {where.name}, choose one of: [{' '.join(names)}]"
            )
        if container not in names:
            raise bad_request(f"container {container} is not valid for pod {where.name}")
        statuses = {c["name"]: c for c in pod.get("status", {}).get("containerStatuses", [])}
        status = statuses.get(container)
        waiting = (status or {}).get("state", {}).get("waiting")
        if status is None or (waiting is not None and not status.get("restartCount")):
            reason = (waiting or {}).get("reason", "ContainerCreating")
            raise bad_request(
                f'container "{container}" in pod "{where.name}" is waiting to start: {reason}'
            )
        text = self.api.pod_logs.get((where.namespace, where.name, container), "")
        self._text(_tail(text, query), "text/plain")

    def _node_proxy(self, where: Route, query: dict[str, str]) -> None:
        node = self.api.store.get(TYPES["nodes"], "", where.name)
        kubelet = self.api.kubelets.get(where.name)
        if kubelet is None:
            address = next(
                (
                    a["address"]
                    for a in node.get("status", {}).get("addresses", [])
                    if a.get("type") == "InternalIP"
                ),
                "10.0.0.1",
            )
            raise ApiError(
                503,
                "ServiceUnavailable",
                f"error trying to reach service: dial tcp {address}:10250: connect: connection refused",
            )
        if where.rest == "configz" and kubelet.configz is not None:
            self._text(kubelet.configz.decode(), "application/json")
        elif where.rest == "logs/" and query.get("query") and kubelet.log_query_enabled():
            journal = kubelet.journal or "" if query["query"] == "kubelet" else ""
            self._text(_tail(journal, query), "text/plain; charset=utf-8")
        elif where.rest == "logs/":
            self._text(VAR_LOG_LISTING, "text/html; charset=utf-8")
        else:
            self._text("404 page not found\n", "text/plain; charset=utf-8", 404)

    def _json(self, code: int, doc: Any) -> None:
        self._send(code, json.dumps(doc, separators=(",", ":")).encode(), "application/json")

    def _text(self, text: str, content_type: str, code: int = 200) -> None:
        self._send(code, text.encode(), content_type)

    def _send(
        self, code: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _listed(handler: _Handler, where: Route) -> dict[str, Any]:
    assert where.rtype is not None
    return dict(handler.api.store.list(where.rtype, where.namespace, {}))


def _continue_endless(handler: _Handler, where: Route) -> None:
    doc = _listed(handler, where)
    count = handler.api.count(re.escape(handler.path.split("?")[0]) + "$")
    doc["metadata"] = {**doc.get("metadata", {}), "continue": f"token-{count}"}
    handler._json(200, doc)


def _continue_same(handler: _Handler, where: Route) -> None:
    doc = _listed(handler, where)
    doc["metadata"] = {**doc.get("metadata", {}), "continue": "the-same-token"}
    handler._json(200, doc)


def _wrong_type(handler: _Handler, where: Route) -> None:
    doc = _listed(handler, where)
    doc["items"][0]["status"] = "bad"
    handler._json(200, doc)


def _start_body(handler: _Handler, length: int | None) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    if length is None:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    else:
        handler.send_header("Content-Length", str(length))
    handler.end_headers()


def _trickle(handler: _Handler, where: Route) -> None:
    body = json.dumps(_listed(handler, where)).encode()
    _start_body(handler, len(body))
    try:
        for index in range(len(body)):
            handler.wfile.write(body[index : index + 1])
            handler.wfile.flush()
            if handler.api._release.wait(0.05):
                return
    except OSError:  # the client gave up, as it should
        handler.close_connection = True


def _huge(handler: _Handler, where: Route) -> None:
    _start_body(handler, None)
    piece = b'{"kind":"NodeList","items":[' + b" " * (64 * 1024)
    try:
        for _ in range(4096):  # 256 MiB at most, if the client never stops reading
            handler.wfile.write(piece)
            piece = b" " * (64 * 1024)
    except OSError:
        pass


def _trickle_headers(handler: _Handler, where: Route) -> None:
    """The status line, then header bytes one at a time: every read gets a byte in time."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    handler.close_connection = True
    try:
        for _ in range(600):  # 30 s of headers at most, if the client waits for them
            handler.wfile.write(b"X")  # a header line that never ends
            handler.wfile.flush()
            if handler.api._release.wait(0.05):
                return
    except OSError:  # the client gave up, as it should
        pass


def _huge_error(handler: _Handler, where: Route) -> None:
    """A 500 whose body never ends; `sent_bytes` counts what the client let through."""
    handler.send_response(500)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Connection", "close")
    handler.close_connection = True
    handler.end_headers()
    piece = b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"' + b"x" * 65536
    try:
        for _ in range(4096):  # 256 MiB at most, if the client never stops reading
            handler.wfile.write(piece)
            with handler.api._lock:
                handler.api.sent_bytes += len(piece)
            piece = b"x" * 65536
    except OSError:
        pass


def _hang_body(handler: _Handler, where: Route) -> None:
    body = json.dumps(_listed(handler, where)).encode()
    _start_body(handler, len(body))
    handler.wfile.write(body[: len(body) // 2])
    handler.wfile.flush()
    handler.api.hold()
    handler.close_connection = True


HOSTILE = {
    "continue-endless": _continue_endless,
    "continue-same": _continue_same,
    "wrong-type": _wrong_type,
    "trickle": _trickle,
    "huge": _huge,
    "hang-body": _hang_body,
    "huge-error": _huge_error,
    "trickle-headers": _trickle_headers,
}


def _body(data: bytes) -> Any:
    try:
        return json.loads(data or b"{}")
    except ValueError:
        raise bad_request("the body of the request was in an unknown format") from None


def _tail(text: str, query: dict[str, str]) -> str:
    if query.get("tailLines"):
        lines = text.splitlines(keepends=True)
        text = "".join(lines[-int(query["tailLines"]) :]) if int(query["tailLines"]) else ""
    if query.get("limitBytes"):
        text = text.encode()[: int(query["limitBytes"])].decode(errors="ignore")
    return text


__all__ = ["ApiError", "FakeApiServer", "Fault", "Kubelet", "not_found", "route"]
