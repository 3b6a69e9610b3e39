"""kopscheck's own lines on stderr: progress, info, warnings and errors, one message a line.

Those lines carry data (node, pod and namespace names, a bundle's file names, kubeconfig
context names, API and AWS error messages, kops output), so they are encoded like a terminal
report (`encode.visible`): no control character, escape sequence, bidi override or zero-width
character reaches the terminal raw, and a newline inside a message is shown as `\\n`, so one
message stays one line in a CI log. Text is written as it is, never read as rich markup or
emoji codes. The live views (`--wait` on a terminal, the collect spinner) build their rich
`Text` from `shown` strings.
"""

from __future__ import annotations

import sys

from kopscheck.reporters.encode import visible


def shown(text: str) -> str:
    """`text` as one line of stderr shows it: every non-printable character as its escape."""
    return visible(text)


def say(line: str) -> None:
    """Write one message to stderr as one line, data in it made visible."""
    sys.stderr.write(shown(line) + "\n")
    sys.stderr.flush()
