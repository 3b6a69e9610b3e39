"""Talk to the Kubernetes API through the official client: timeouts, bounds, retries.

Only the live path imports this module (and with it `kubernetes`); which cluster and which
credentials is `kubeconfig`'s to say. Every request goes through `Requester`, which returns
the raw response body or raises `ApiFailure`, one line that says what went wrong and whether
the fact is unavailable (forbidden, not served) or the request failed (server error, timeout,
connection) after its retries.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from kubernetes.client.exceptions import ApiException

from kopscheck.collectors.kube.bounds import (
    DEFAULT_MAX_RESPONSE,
    Body,
    BoundHit,
    Deadline,
    read_body,
    request_budget,
)
from kopscheck.collectors.kube.kubeconfig import KubeTarget
from kopscheck.collectors.offline.files import reject_constant

MAX_RETRY_AFTER = 10.0
STATUS_REASONS = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    410: "Gone",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    cut: bool = False  # the body stopped at the byte cap (a log read with keep_partial)
    date: str = ""  # the server's `Date` header, as sent

    def json(self, what: str) -> Any:
        try:
            return json.loads(self.body, parse_constant=reject_constant)
        except (ValueError, UnicodeDecodeError):
            raise ApiFailure(self.status, "InvalidResponse", f"{what}: not JSON") from None
        except RecursionError:
            raise ApiFailure(self.status, "InvalidResponse", f"{what}: nested too deeply") from None

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class ApiFailure(Exception):
    """A request that did not succeed; `status` is None for connection errors and timeouts."""

    def __init__(self, status: int | None, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def transient(self) -> bool:
        """Worth retrying: throttled, a server error, or a dropped connection."""
        if self.status is None:
            return self.reason in ("ConnectionRefused", "ConnectionReset")
        return self.status == 429 or 500 <= self.status <= 599

    @property
    def unavailable(self) -> bool:
        """Not allowed or not served: the fact is missing, nothing failed."""
        return self.status in (401, 403, 404)


class Requester:
    """Sends one request at a time per call, with a timeout and bounded retries with backoff."""

    def __init__(
        self,
        target: KubeTarget,
        timeout: float,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
        max_bytes: int = DEFAULT_MAX_RESPONSE,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.attempts = max(attempts, 1)
        self.backoff = backoff
        self._sleep = sleep
        self.deadline = deadline  # the whole scan's (--timeout)
        self.max_bytes = max_bytes  # per response (--max-response-size)

    def typed(
        self, method: Callable[..., Any], keep_bytes: int | None = None, **params: Any
    ) -> Reply:
        """A generated client method, returning the raw body (no model round trip)."""

        def once() -> Reply:
            seconds, flag = request_budget(self.timeout, self.deadline)
            cap = self.max_bytes if keep_bytes is None else min(keep_bytes, self.max_bytes)
            try:
                response = method(**params, _preload_content=False, **_timeout_arg(seconds))
                body = read_body(response, seconds, flag, cap, keep_partial=keep_bytes is not None)
            except urllib3.exceptions.HTTPError as exc:
                raise _connection_failure(exc, seconds, flag) from None
            kind = response.headers.get("Content-Type", "")
            date = str(response.headers.get("Date", ""))
            return Reply(response.status, body.data, kind, cut=body.cut, date=date)

        return self._retrying(once)

    def raw(
        self, path: str, query: Sequence[tuple[str, str]] = (), keep_bytes: int | None = None
    ) -> Reply:
        """GET a path the generated methods cannot express (node proxy with a query);
        with `keep_bytes`, a longer body is cut there (`Reply.cut`) instead of refused."""
        api = self.target.api_client

        def once() -> Reply:
            seconds, flag = request_budget(self.timeout, self.deadline)
            request = api.param_serialize(
                method="GET",
                resource_path=path,
                query_params=list(query),
                header_params={"Accept": "application/json, */*"},
                auth_settings=["BearerToken"],
            )
            cap = self.max_bytes if keep_bytes is None else min(keep_bytes, self.max_bytes)
            try:
                response = api.call_api(*request, **_timeout_arg(seconds))
                partial = keep_bytes is not None and 200 <= response.status <= 299
                body = _body(response, seconds, flag, cap, partial)
            except urllib3.exceptions.HTTPError as exc:
                raise _connection_failure(exc, seconds, flag) from None
            if not 200 <= response.status <= 299:
                raise _failure_from_status(response.status, body.data, response.headers)
            kind = response.headers.get("Content-Type", "")
            return Reply(response.status, body.data, kind, cut=body.cut)

        return self._retrying(once)

    def send(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        query: Sequence[tuple[str, str]] = (),
    ) -> Reply:
        """A write (POST, DELETE). Only kopscheck.collectors.probes.workspace calls it: every
        object kopscheck creates or deletes goes through that one module. Not retried: a
        create that timed out may have happened, and the workspace's cleanup finds it by label."""
        api = self.target.api_client

        def once() -> Reply:
            request = api.param_serialize(
                method=method,
                resource_path=path,
                query_params=list(query),
                header_params={"Accept": "application/json", "Content-Type": "application/json"},
                body=dict(payload) if payload is not None else None,
                auth_settings=["BearerToken"],
            )
            seconds = self.timeout  # not the scan's deadline: cleanup runs after it too
            try:
                response = api.call_api(*request, **_timeout_arg(seconds))
                body = _body(response, seconds, "--request-timeout", self.max_bytes)
            except urllib3.exceptions.HTTPError as exc:
                raise _connection_failure(exc, seconds) from None
            if not 200 <= response.status <= 299:
                raise _failure_from_status(response.status, body.data, response.headers)
            return Reply(response.status, body.data, response.headers.get("Content-Type", ""))

        try:
            return _classified(once, self.timeout)
        except _Retryable as retry:
            raise retry.failure from None

    def _retrying(self, once: Callable[[], Reply]) -> Reply:
        for attempt in range(1, self.attempts + 1):
            try:
                return _classified(once, self.timeout)
            except _Retryable as retry:
                failure = retry.failure
                delay = self.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
                delay = max(delay, min(retry.retry_after, MAX_RETRY_AFTER))
                out_of_time = self.deadline is not None and self.deadline.remaining() < delay
                if attempt == self.attempts or out_of_time:
                    note = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise ApiFailure(
                        failure.status, failure.reason, failure.message + note
                    ) from None
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _body(response: Any, seconds: float, flag: str, cap: int, partial: bool = False) -> Body:
    """The answer's body: an error's was read (within bounds) by BoundedApiClient already."""
    if response.data is not None:
        return Body(response.data)
    return read_body(response.response, seconds, flag, cap, keep_partial=partial)


def _timeout_arg(seconds: float) -> dict[str, Any]:
    """(connect, read) timeouts for urllib3; the whole response is bounded by read_body."""
    return {"_request_timeout": (min(seconds, 10.0), seconds)} if seconds > 0 else {}


class _Retryable(Exception):
    def __init__(self, failure: ApiFailure, retry_after: float) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.retry_after = retry_after


def _classified(once: Callable[[], Reply], timeout: float) -> Reply:
    """Run one attempt; turn every error into ApiFailure (wrapped when worth a retry)."""
    try:
        return once()
    except ApiException as exc:
        failure = (
            ApiFailure(None, "TLS", _one_line(str(exc.reason)))
            if not exc.status
            else _failure_from_status(exc.status, exc.body, exc.headers)
        )
        retry_after = _retry_after(exc.headers)
    except ApiFailure as exc:
        failure, retry_after = exc, 0.0
    except BoundHit as hit:
        failure, retry_after = ApiFailure(None, hit.reason, hit.message), 0.0
    except urllib3.exceptions.HTTPError as exc:
        failure, retry_after = _connection_failure(exc, timeout), 0.0
    if failure.transient:
        raise _Retryable(failure, retry_after)
    raise failure


def _failure_from_status(status: int, body: object, headers: object) -> ApiFailure:
    """An HTTP error with the API's `Status` body (reason, message) when it sent one."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    reason, message = "", ""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, Mapping) and doc.get("kind") == "Status":
        reason, message = str(doc.get("reason") or ""), str(doc.get("message") or "")
    reason = reason or STATUS_REASONS.get(status, f"HTTP{status}")
    return ApiFailure(status, reason, _one_line(message or text)[:300] or reason)


def _retry_after(headers: object) -> float:
    value = headers.get("Retry-After") if isinstance(headers, Mapping) else None
    try:
        return max(float(value), 0.0) if value is not None else 0.0
    except ValueError:
        return 0.0


def _connection_failure(
    exc: urllib3.exceptions.HTTPError, timeout: float, flag: str = "--request-timeout"
) -> ApiFailure:
    cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        text = str(cause).lower()
        reason = "NameResolution" if "resolution" in text or "name" in text else "ConnectionRefused"
        words = "cannot resolve the host" if reason == "NameResolution" else "connection refused"
        return ApiFailure(None, reason, words)
    if isinstance(cause, urllib3.exceptions.SSLError):
        return ApiFailure(None, "TLS", f"TLS error: {_one_line(str(cause))[:200]}")
    if isinstance(cause, urllib3.exceptions.TimeoutError):
        if flag.startswith("--timeout"):
            return ApiFailure(None, "ScanTimeout", f"the scan ran out of time ({flag})")
        return ApiFailure(None, "Timeout", f"timed out after {timeout:.3g}s ({flag})")
    if isinstance(cause, urllib3.exceptions.ProtocolError):
        return ApiFailure(None, "ConnectionReset", "connection reset by the server")
    return ApiFailure(None, type(cause).__name__, _one_line(str(cause))[:200])


def describe_failure(failure: ApiFailure) -> str:
    """One line for a report: what the API said, without the HTTP noise."""
    if failure.status is None:
        return failure.message
    if failure.status == 401:
        return "authentication refused (401 Unauthorized)"
    if failure.status == 403:
        return f"forbidden by RBAC (403): {failure.message}"
    if failure.status == 404:
        return "not served by this API server (404 NotFound)"
    return f"{failure.status} {failure.reason}: {failure.message}"


FORBIDDEN_USER = re.compile(r'User "([^"]+)"')


def forbidden_user(failure: ApiFailure) -> str:
    """` (as User 'x')` from a 403's message, so the reader knows whose RBAC to fix."""
    user = FORBIDDEN_USER.search(failure.message)
    return f" (as User {user.group(1)!r})" if user else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def host_label(host: str) -> str:
    """scheme://host:port of the API server, without any path or credentials."""
    parts = urlsplit(host)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
