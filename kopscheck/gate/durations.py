"""Durations on the command line, Go-style as kubectl and kops write them: 30s, 2m, 1h30m, 500ms."""

from __future__ import annotations

import re

from kopscheck.model.errors import InputError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(
    text: str, flag: str, *, bare_seconds: bool = False, positive: bool = False
) -> float:
    """Seconds. `bare_seconds` accepts a plain number (kubectl's `--request-timeout=5`);
    `positive` rejects zero (a `--wait` of nothing)."""
    value = text.strip()
    if bare_seconds and re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    else:
        parts = list(_PART.finditer(value))
        if not value or "".join(m.group(0) for m in parts) != value:
            raise InputError(flag, f"{text!r} is not a duration (use e.g. 30s, 2m, 1h30m)")
        seconds = sum(float(m.group(1)) * _SECONDS[m.group(2)] for m in parts)
    if positive and seconds <= 0:
        raise InputError(flag, f"{text!r} must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs or not text else "")
