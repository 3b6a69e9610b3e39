"""The interface every check implements, and its documentation parsed from the docstring."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kopscheck.model.facts import Fact, Snapshot
from kopscheck.model.results import Verdict

CHECK_ID = re.compile(r"^[a-z][a-z0-9]*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")


@runtime_checkable
class Check(Protocol):
    """A pure function of the snapshot, with the metadata the engine and `explain` need.

    A class implements it with class attributes `id`, `family`, `needs` (facts without which it
    cannot decide), `wants` (facts it uses when present), `explains` (signals its failure accounts
    for) and a `run` method. The docstring is the documentation: the first line is the title,
    then paragraphs starting "Why:", "Fix:" and "Step:".
    """

    @property
    def id(self) -> str: ...

    @property
    def family(self) -> str: ...

    @property
    def needs(self) -> frozenset[Fact]: ...

    @property
    def wants(self) -> frozenset[Fact]: ...

    @property
    def explains(self) -> frozenset[str]: ...

    def run(self, snapshot: Snapshot) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class CheckDoc:
    title: str
    why: str
    fix: str
    step: str
    body: str


def check_doc(check: Check) -> CheckDoc:
    """Parse a check's docstring into title, Why, Fix and Step (origin-document step)."""
    text = inspect.getdoc(type(check)) or ""
    title, _, rest = text.partition("\n")
    sections: dict[str, list[str]] = {"why": [], "fix": [], "step": [], "body": []}
    current = "body"
    for line in rest.splitlines():
        head, sep, tail = line.partition(":")
        if sep and head.strip().lower() in ("why", "fix", "step") and head == head.lstrip():
            current = head.strip().lower()
            line = tail
        sections[current].append(line.strip())
    return CheckDoc(
        title=title.strip().rstrip("."),
        **{key: _paragraph(lines) for key, lines in sections.items()},
    )


def _paragraph(lines: list[str]) -> str:
    """Join wrapped docstring lines; a blank line still separates paragraphs."""
    paragraphs = "\n".join(lines).strip().split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
