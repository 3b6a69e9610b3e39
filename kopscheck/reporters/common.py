"""What every human-facing reporter says first: where to start, and what is suppressed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kopscheck.model.results import CheckResult, Report

# A sentence ends at . ! or ? followed by a space and a capital, quote or backtick; "e.g. x"
# and "(kubectl describe node NAME)." do not split it.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"`'])")


@dataclass(frozen=True, slots=True)
class StartHere:
    check: str
    action: str


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def start_here(report: Report) -> StartHere | None:
    """The one thing to do first: the first root cause's fix (or, failing that, its summary)."""
    if not report.root_causes:
        return None
    result = report.result(report.root_causes[0])
    text = result.remediation or f"it could not be evaluated: {result.summary}"
    action = first_sentence(text)
    return StartHere(result.check, action[:1].upper() + action[1:])


def suppressed_results(report: Report) -> list[CheckResult]:
    """Results holding findings a baseline suppressed (known problems, not counted)."""
    return [r for r in report.results if r.suppressed]
