"""Durations and sizes on the command line: 30s, 2m, 1h30m, 500ms (Go-style, as kubectl and kops
write them) and 64MiB, 2GiB."""

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


_SIZE = re.compile(r"(\d+)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(text: str, flag: str, *, positive: bool = True) -> int:
    """Bytes from `512KiB`, `64MiB`, `2GiB` (k, M, G and their KB/KiB forms all mean 1024s)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise InputError(flag, f"{text!r} is not a size (use e.g. 512KiB, 64MiB, 2GiB)")
    size = int(match.group(1)) * _UNITS[match.group(2)[:1].lower()]
    if positive and size <= 0:
        raise InputError(flag, f"{text!r} must be larger than zero")
    return size
