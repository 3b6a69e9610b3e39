"""`kops validate cluster --wait D -o json`: a stream of JSON documents, one per attempt.

Each document is kops's validation result, `{"failures": [{"type", "name", "message"}],
"nodes": [{"name", "zone", "role", "hostname", "status"}]}`; a document without failures
means the cluster validated. When kops cannot reach the API it prints only `Error: ...`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Attempt:
    """One validation attempt as kops reported it."""

    number: int
    nodes: int
    ready: int
    pods_pending: int
    failures: tuple[str, ...]  # "Pod kube-system/coredns-...: system-cluster-critical pod ..."

    @property
    def passed(self) -> bool:
        return not self.failures

    def progress(self) -> str:
        """The stderr line for this attempt: nodes joined, pods pending, the first failure."""
        text = (
            f"validate attempt {self.number}: {self.nodes} nodes joined ({self.ready} ready),"
            f" {self.pods_pending} pods pending"
        )
        if self.passed:
            return f"{text}: cluster validated"
        more = f" (+{len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
        return f"{text}; {self.failures[0]}{more}"


def parse_attempt(number: int, doc: Mapping[str, Any]) -> Attempt:
    nodes = [n for n in doc.get("nodes") or () if isinstance(n, Mapping)]
    failures = [f for f in doc.get("failures") or () if isinstance(f, Mapping)]
    pending = [
        f for f in failures if f.get("type") == "Pod" and "pending" in str(f.get("message", ""))
    ]
    return Attempt(
        number=number,
        nodes=len(nodes),
        ready=sum(1 for n in nodes if n.get("status") == "True"),
        pods_pending=len(pending),
        failures=tuple(
            f"{f.get('type', '?')} {f.get('name', '?')}: {f.get('message', '')}".rstrip(": ")
            for f in failures
        ),
    )


class AttemptStream:
    """Feed stdout lines as they come; each complete JSON document becomes an Attempt."""

    def __init__(self, on_attempt: Callable[[Attempt], None] = lambda attempt: None) -> None:
        self.on_attempt = on_attempt
        self.attempts: list[Attempt] = []
        self._buffer = ""
        self._decoder = json.JSONDecoder()

    def feed(self, text: str) -> None:
        self._buffer += text
        while True:
            start = self._buffer.find("{")
            if start < 0:
                self._buffer = ""
                return
            try:
                doc, end = self._decoder.raw_decode(self._buffer, start)
            except json.JSONDecodeError:
                self._buffer = self._buffer[start:]
                return  # an incomplete document: wait for more lines
            self._buffer = self._buffer[end:]
            if isinstance(doc, Mapping):
                attempt = parse_attempt(len(self.attempts) + 1, doc)
                self.attempts.append(attempt)
                self.on_attempt(attempt)

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None
