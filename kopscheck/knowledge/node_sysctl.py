"""A node's IPv4 forwarding switch, `/proc/sys/net/ipv4/ip_forward`, as the node agent reads it.

The kernel prints one line, `0` or `1`. Anything else (an error the agent's `head` printed,
several lines, more than a few bytes, a hand-made bundle file) is unreadable, with the reason:
no claim is made about the node from it.
"""

from __future__ import annotations

from dataclasses import dataclass

IP_FORWARD_PATH = "/proc/sys/net/ipv4/ip_forward"
IP_FORWARD_FILE = "ip_forward"  # nodes/<node>/ip_forward in a bundle
MAX_BYTES = 64  # the kernel's answer is 2 bytes; kept: one byte more, to tell it was longer


@dataclass(frozen=True, slots=True)
class Forwarding:
    """The switch as read: `enabled` is None when the text was not `0` or `1` (`reason` why)."""

    enabled: bool | None
    reason: str = ""

    @property
    def value(self) -> int | None:
        return None if self.enabled is None else int(self.enabled)


def bounded(text: str) -> str:
    """What is kept of a read: the first MAX_BYTES characters and one more (so a longer text
    stays unreadable however it goes on)."""
    return text[: MAX_BYTES + 1]


def forwarding(text: str | None) -> Forwarding | None:
    """The switch from the text read (None: not read at all); the reason of an unreadable one
    quotes its start (an agent's read error says why)."""
    if text is None:
        return None
    value = text.strip(" \t\r\n")
    if value in ("0", "1") and len(text) <= MAX_BYTES:
        return Forwarding(value == "1")
    shown = repr(value[:MAX_BYTES])
    if len(text) > MAX_BYTES:
        return Forwarding(None, f"unreadable: more than {MAX_BYTES} bytes, not one 0 or 1: {shown}")
    if "\n" in value:
        return Forwarding(None, f"unreadable: more than one line, not one 0 or 1: {shown}")
    if not value:
        return Forwarding(None, "unreadable: empty")
    return Forwarding(None, f"unreadable: not 0 or 1: {shown}")
