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

from kopscheck.knowledge.messages import classify
from kopscheck.knowledge.signals import Signal

_SEVERE = re.compile(
    r"(?:^|\s)[EF]\d{4} \d\d:\d\d:\d\d"  # klog: E1127 10:14:20.418701
    r"|\blevel=(?:error|fatal|panic|crit)\b"  # logfmt (cilium, containerd)
    r'|"level":\s*"(?:error|fatal|panic|dpanic)"'  # zap JSON (aws-node, ipamd)
    r"|\[(?:ERROR|FATAL|PANIC)\]"  # calico, coredns
    r"|^panic:|^Error: ",
    re.IGNORECASE,
)
_STARTED = re.compile(
    r"\bContainerStarted\b|Calico CNI IPAM assigned addresses|Successful endpoint creation"
)
_CREATE = re.compile(
    r"SyncLoop \(?ADD\b|Calico CNI IPAM request count|Create endpoint request"
    r"|Received CNI add request|Received AddNetwork"
)
_DELETE = re.compile(
    r"SyncLoop \(?(?:DELETE|REMOVE)\b|Calico CNI releasing IP address|Delete endpoint request"
    r"|Received CNI del request|Received DelNetwork|falling back to deletion queue"
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


# Words every failure pattern of knowledge.messages needs; lines without any skip classify().
# Matched on lower-cased text without IGNORECASE, which is much cheaper on long logs.
_FAILURE_WORDS = re.compile(
    "network|sandbox|cni|plugin|cidr|address|agent|subnet|calico|cilium|flannel"
)
_POD_WORDS = re.compile("SyncLoop|ContainerStarted|Calico CNI|endpoint|Received|deletion queue")


def _maybe_failure(text: str) -> bool:
    return _FAILURE_WORDS.search(text.lower()) is not None


def not_ready_lines(text: str) -> list[LogLine]:
    """Only the lines saying the runtime's network is not ready (no CNI config yet)."""
    if not _maybe_failure(text):  # one scan of the whole log in the common case
        return []
    return [line for line in sandbox_lines(text, pods=False) if line.kind is LineKind.NOT_READY]


def sandbox_lines(text: str, pods: bool = True) -> list[LogLine]:
    """Pod create/delete lines (unless `pods` is False) and network failures, in log order."""
    out = []
    failures_possible = _maybe_failure(text)
    for index, line in enumerate(text.splitlines()):
        signals = classify(line) if failures_possible and _maybe_failure(line) else ()
        if not signals and not (pods and _POD_WORDS.search(line)):
            continue
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
