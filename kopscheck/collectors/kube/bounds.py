"""Bounds on a live scan: a deadline for the whole scan, one for each response, a byte cap.

`--request-timeout` bounds a whole response, not each socket read: the body is read in the
pieces the server sends (`read1`) and the clock is checked between them, so a server trickling
one byte a second is cut at the deadline. A body larger than `--max-response-size` is refused
as soon as it says so (Content-Length) or grows past it, never held whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kopscheck.collectors.offline.limits import KiB, MiB, size_text

DEFAULT_SCAN_TIMEOUT = 300.0  # --timeout
DEFAULT_MAX_RESPONSE = 64 * MiB  # --max-response-size
DEFAULT_MAX_PAGES = 1000  # --max-pages: with 500 items a page, half a million objects a kind
_PIECE = 64 * 1024


class BoundHit(Exception):
    """A bound was reached; `reason` and `message` say which one, naming its flag."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the scan's `--timeout` runs out, on the monotonic clock."""

    seconds: float
    at: float

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline | None:
        return cls(seconds, clock() + seconds) if seconds > 0 else None

    def remaining(self, clock: Callable[[], float] = time.monotonic) -> float:
        return self.at - clock()

    def message(self) -> str:
        return f"the scan ran out of time (--timeout {_duration(self.seconds)})"

    def check(self, clock: Callable[[], float] = time.monotonic) -> None:
        if self.remaining(clock) <= 0:
            raise BoundHit("ScanTimeout", self.message())


def request_budget(timeout: float, deadline: Deadline | None) -> tuple[float, str]:
    """Seconds this request may take (0: unbounded) and the flag that set it."""
    if deadline is None:
        return timeout, "--request-timeout"
    deadline.check()
    left = deadline.remaining()
    if timeout <= 0 or left < timeout:
        return max(left, 0.001), f"--timeout {_duration(deadline.seconds)}"
    return timeout, "--request-timeout"


# An API error is a small `Status` object; more than this is cut (its message is cut to 300
# characters anyway).
ERROR_BODY_BYTES = 64 * KiB


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    cut: bool = False  # stopped at the cap with `keep_partial`


def read_body(
    response: Any,
    seconds: float,
    flag: str,
    max_bytes: int,
    keep_partial: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> Body:
    """The body of a urllib3 response (`preload_content=False`), within time and size."""
    ends = clock() + seconds if seconds > 0 else None
    declared = response.headers.get("Content-Length")
    if (
        declared is not None
        and declared.isdigit()
        and int(declared) > max_bytes
        and not keep_partial
    ):
        response.close()
        raise _too_large(max_bytes)
    pieces: list[bytes] = []
    total = 0
    done = False
    try:
        while True:
            if ends is not None and clock() > ends:
                raise BoundHit("Timeout", f"the response took longer than {seconds:g}s ({flag})")
            piece = response.read1(_PIECE)
            if not piece:
                break
            if total + len(piece) > max_bytes:
                if not keep_partial:
                    raise _too_large(max_bytes)
                pieces.append(piece[: max_bytes - total])
                return Body(b"".join(pieces), cut=True)
            pieces.append(piece)
            total += len(piece)
        done = True
    finally:
        if done:
            response.release_conn()
        else:  # a connection with unread data must not go back to the pool
            response.close()
    return Body(b"".join(pieces))


def _duration(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:g}m" if minutes and not rest else f"{seconds:g}s"


def _too_large(max_bytes: int) -> BoundHit:
    return BoundHit(
        "TooLarge", f"the response is larger than {size_text(max_bytes)} (--max-response-size)"
    )
