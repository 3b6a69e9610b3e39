"""Clocks: how far data may be dated after its capture before a clock is said to run ahead.

A scan's "now" is its capture time (the local clock, the API server's `Date`, a bundle's
manifest), never a timestamp in the data: one clock running ahead would otherwise age out every
real failure. Collection takes time and clocks drift a little, so only data dated more than
`SKEW_TOLERANCE` after capture is clock skew.
"""

from __future__ import annotations

from datetime import timedelta

SKEW_TOLERANCE = timedelta(minutes=5)


def span(offset: timedelta) -> str:
    """5m30s, 3h12m, 1095d0h0m: to the second below an hour, else to the minute (a `Date`
    header has whole seconds, so the second is noise there)."""
    seconds = round(abs(offset).total_seconds())
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60}s"
    days, minutes = divmod(round(seconds / 60), 1440)
    return f"{days}d{minutes // 60}h{minutes % 60}m"
