"""Blank credentials out of log text as it is read, so no report, log or bundle carries them.

Logs are evidence (a CNI error line, a CoreDNS loop), but a debug line can also print a bearer
token, an AWS key or a `password=` argument. Every collector passes log text through here.
"""

from __future__ import annotations

import re

REDACTED = "<redacted>"
_PATTERNS = (
    # JSON web tokens (service-account tokens, OIDC id tokens)
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # Authorization: Bearer / Basic <credential>
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"),
    # AWS access key ids
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    # key=value / key: value for names that hold secrets
    re.compile(
        r"(?i)(\b[\w.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)[\w.-]*"
        r"\"?\s*[=:]\s*\"?)[^\s\",;]{4,}"
    ),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text
