"""Durations on the command line, the way kubectl writes them: `30s`, `2m`, `1m30s`, `500ms`."""

from __future__ import annotations

import re

from kopscheck.errors import InputError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, flag: str) -> float:
    """Seconds; a bare number is seconds (kubectl's `--request-timeout=5`), `0` means none."""
    value = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    parts = _PART.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise InputError(flag, f"expected a duration such as 30s, 2m or 1m30s, not {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)
