"""Read kubelet, runtime and CNI provider log lines: severity, and pod sandbox create/delete.

Severity comes from the line's own level marker (klog `E1127`, logfmt `level=error`, JSON
`"level":"error"`, calico `[ERROR]`), never from words like "error" inside an info message.
Create/delete lines are those the origin document means by "logging on a node will display
messages on pod create and delete": kubelet `SyncLoop ADD/DELETE`, and the CNI providers' own
ADD/DEL lines (calico IPAM, cilium endpoint requests, the AWS VPC CNI's add/del requests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from kopscheck.messages import classify
from kopscheck.signals import Signal

_SEVERE = re.compile(
    r"(?:^|\s)[EF]\d{4} \d\d:\d\d:\d\d"  # klog: E1127 10:14:20.418701
    r"|\blevel=(?:error|fatal|panic|crit)\b"  # logfmt (cilium, containerd)
    r'|"level":\s*"(?:error|fatal|panic|dpanic)"'  # zap JSON (aws-node, ipamd)
    r"|\[(?:ERROR|FATAL|PANIC)\]"  # calico, coredns
    r"|^panic:|^Error: ",
    re.IGNORECASE,
)
_STARTED = re.compile(
    r"\bContainerStarted\b|Calico CNI IPAM assigned addresses|Successful endpoint creation",
    re.IGNORECASE,
)
_CREATE = re.compile(
    r"SyncLoop \(?ADD\b|Calico CNI IPAM request count|Create endpoint request"
    r"|Received CNI add request|Received AddNetwork",
    re.IGNORECASE,
)
_DELETE = re.compile(
    r"SyncLoop \(?(?:DELETE|REMOVE)\b|Calico CNI releasing IP address|Delete endpoint request"
    r"|Received CNI del request|Received DelNetwork|falling back to deletion queue",
    re.IGNORECASE,
)
# Signals that mean a pod's network could not be set up or torn down.
SANDBOX_SIGNALS = frozenset(
    {
        Signal.SANDBOX_NETWORK_FAILED,
        Signal.CNI_BINARY_MISSING,
        Signal.CNI_AGENT_NOT_RUNNING,
        Signal.IP_EXHAUSTED,
        Signal.NO_POD_CIDR,
    }
)


class LineKind(StrEnum):
    STARTED = "started"  # a pod's sandbox or container came up: set-up worked
    CREATE = "create"
    DELETE = "delete"
    FAILURE = "failure"  # a sandbox network set-up or tear-down failed
    NOT_READY = "not-ready"  # the runtime's network is not ready (no CNI config yet)


@dataclass(frozen=True, slots=True)
class LogLine:
    index: int
    kind: LineKind
    text: str
    signals: tuple[Signal, ...] = ()


def severe(line: str) -> bool:
    """An error, fatal or panic line by its own level marker."""
    return bool(_SEVERE.search(line))


def error_lines(text: str, limit: int = 5) -> list[str]:
    """The last `limit` severe lines, plus warning lines that carry a known failure signal."""
    found = [
        line.strip()
        for line in text.splitlines()
        if severe(line) or (_warning(line) and classify(line))
    ]
    return found[-limit:]


def _warning(line: str) -> bool:
    return bool(re.search(r"\[WARNING\]|level=warn|\"level\":\s*\"warn|(?:^|\s)W\d{4} ", line))


def sandbox_lines(text: str) -> list[LogLine]:
    """Pod create/delete lines and network failures, in log order."""
    out = []
    for index, line in enumerate(text.splitlines()):
        signals = classify(line)
        if SANDBOX_SIGNALS.intersection(signals):
            out.append(LogLine(index, LineKind.FAILURE, line.strip(), signals))
        elif Signal.CNI_NOT_INITIALIZED in signals:
            out.append(LogLine(index, LineKind.NOT_READY, line.strip(), signals))
        elif _STARTED.search(line):
            out.append(LogLine(index, LineKind.STARTED, line.strip()))
        elif _CREATE.search(line):
            out.append(LogLine(index, LineKind.CREATE, line.strip()))
        elif _DELETE.search(line):
            out.append(LogLine(index, LineKind.DELETE, line.strip()))
    return out
