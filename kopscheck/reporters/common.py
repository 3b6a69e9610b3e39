"""What every human-facing reporter says first: where to start, and what is suppressed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kopscheck.model.facts import JSON
from kopscheck.model.results import CheckResult, Finding, Report

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


# An identifier a person copies: node and instance ids, pod names, IPs (it holds a digit).
_ID = r"[A-Za-z0-9][\w.:/-]*\d[\w.:/-]*"
_ID_RUN = re.compile(rf"(?<![\w.:/-])({_ID})((?:, {_ID}){{2,}})(?![\w.:/-])")


def short_lists(text: str) -> str:
    """`i-1, i-2, i-3, i-4` -> `i-1 +3 more`: one name says which, the count says how many."""

    def fold(match: re.Match[str]) -> str:
        more = match.group(2).count(", ")
        return f"{match.group(1)} +{more} more"

    return _ID_RUN.sub(fold, text)


def clip_words(text: str, limit: int = 100) -> str:
    """At most `limit` characters, cut between words: identifiers and URLs stay whole."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return (text[:cut] if cut > 0 else text.split(" ", 1)[0]) + " ..."


def evidence_lines(finding: Finding, limit: int = 4) -> list[str]:
    """A finding's evidence as short labelled lines (`label: value`), the first `limit`."""
    lines = []
    for key, value in finding.evidence.items():
        shown = _value(value)
        if not shown or shown in finding.message:
            continue
        lines.append(f"{key.replace('_', ' ')}: {clip_words(shown)}")
        if len(lines) == limit:
            break
    return lines


def _value(value: JSON) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, list):
        items = [_value(v) for v in value[:2]]
        more = f" +{len(value) - 2} more" if len(value) > 2 else ""
        return ", ".join(items) + more
    if isinstance(value, dict):
        pairs = [f"{k}={_value(v)}" for k, v in list(value.items())[:3]]
        return ", ".join(pairs) + (" ..." if len(value) > 3 else "")
    return str(value)
