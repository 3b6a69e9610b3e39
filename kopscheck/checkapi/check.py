"""The interface every check implements, and its documentation parsed from the docstring."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from kopscheck.checkapi.context import CheckContext
from kopscheck.model.facts import Fact
from kopscheck.model.results import Code, Verdict

CHECK_ID = re.compile(r"^[a-z][a-z0-9]*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")
CODE_REASON = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@runtime_checkable
class Check(Protocol):
    """A pure function of the check context, with the metadata the engine and `explain` need.

    Subclass it (`class MyCheck(Check):`) and set the class attributes `id`, `family`, `needs`
    (facts without which it cannot decide), `wants` (facts it uses when present), `explains`
    (signals its failure accounts for) and `codes` (every finding code it emits: kebab-case
    reason -> `Code`, never reused for another meaning); implement `run`, and `does_not_apply`
    when the check is for some clusters only. The docstring is the documentation: the first
    line is the title, then paragraphs starting "Why:", "Fix:" and "Step:".

    These are every hook the engine calls: it asks `does_not_apply` first, then skips the
    check if a fact it `needs` is missing, then calls `run`; a crash in either is an `error`.
    """

    id: str
    family: str
    needs: frozenset[Fact]
    wants: frozenset[Fact]
    explains: frozenset[str]
    codes: Mapping[str, Code] = MappingProxyType({})  # a check that emits no finding codes

    def does_not_apply(self, context: CheckContext) -> str | None:
        """Why this check does not apply to the cluster (reported as `skip`), or None.

        Asked before `needs` is checked, so it must cope with any fact missing: a route-table
        check on a calico cluster says so even when no route table was collected. The default:
        the check always applies.
        """
        return None

    def run(self, context: CheckContext) -> Verdict:
        """Judge the cluster: the findings and the line a person reads first."""
        ...


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


def code_of(check: Check, reason: str) -> str:
    """The full finding code: `<check id>/<reason>`."""
    return f"{check.id}/{reason}"
