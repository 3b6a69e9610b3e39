"""The official Kubernetes ApiClient, bounded where it reads by itself.

kopscheck reads every successful body within its bounds (`bounds.read_body`), but two reads
happen inside the client: the response headers (a server that trickles them a byte at a time
never trips the socket's read timeout) and the body of an error answer (the generated methods
read it whole before raising). Here both get a limit: the headers the request's read timeout
on the wall clock, an error's body ERROR_BODY_BYTES.
"""

from __future__ import annotations

import threading
from typing import Any

import urllib3
from kubernetes import client

from kopscheck.collectors.kube.bounds import ERROR_BODY_BYTES, read_body


class BoundedApiClient(client.ApiClient):
    """`call_api` with the response headers due within the read timeout and an error's body
    read to ERROR_BODY_BYTES; everything else is the official client's."""

    def call_api(self, *args: Any, **kwargs: Any) -> Any:
        seconds = _read_seconds(kwargs.get("_request_timeout"))
        response: Any = self._headers_within(seconds, args, kwargs)
        if not 200 <= response.status <= 299 and response.data is None:
            body = read_body(
                response.response, seconds, "--request-timeout", ERROR_BODY_BYTES, keep_partial=True
            )
            response.data = body.data
        return response

    def _headers_within(self, seconds: float, args: Any, kwargs: Any) -> Any:
        if seconds <= 0:
            return super().call_api(*args, **kwargs)
        outcome: list[tuple[bool, Any]] = []

        def call() -> None:
            try:
                outcome.append((True, super(BoundedApiClient, self).call_api(*args, **kwargs)))
            except BaseException as exc:  # handed to the caller's thread as it is
                outcome.append((False, exc))

        # A daemon thread: one the server keeps trickling to is left behind, not waited for.
        worker = threading.Thread(target=call, name="kopscheck-request", daemon=True)
        worker.start()
        worker.join(seconds)
        if not outcome:
            raise urllib3.exceptions.ReadTimeoutError(
                None,  # type: ignore[arg-type]
                str(args[1]) if len(args) > 1 else "",
                f"no complete response headers within {seconds:g}s",
            )
        succeeded, value = outcome[0]
        if not succeeded:
            raise value
        return value


def _read_seconds(timeout: object) -> float:
    """The read part of urllib3's `_request_timeout` (a number or a (connect, read) pair)."""
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    return float(timeout) if isinstance(timeout, int | float) else 0.0
