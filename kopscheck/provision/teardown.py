"""Teardown guarantees: `kops delete cluster --yes` exactly once, bounded, on every exit path.

`Interrupts` turns SIGINT/SIGTERM into a cancel request: the kops call in progress is killed
(its process group) and each cluster's run unwinds into its `TeardownGuard`, which applies
`--teardown` and runs delete under its own deadline; a further signal does not stop a delete
that is under way (it is bounded), it is only reported.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from types import FrameType

from kopscheck.provision.plan import KopsCall, Teardown
from kopscheck.provision.runner import KopsResult, KopsRunner

WAITING = "Not all resources deleted; waiting before reattempting deletion"


class Interrupts:
    """SIGINT/SIGTERM while provisioning: stop the kops calls, then tear down."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.cancel = threading.Event()
        self.signal_name: str | None = None
        self.say = say

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.cancel.is_set():
            self.say(f"kopscheck: {name} again: teardown is already under way and bounded")
            return
        self.signal_name = name
        self.cancel.set()
        self.say(f"kopscheck: {name}: stopping kops, then tearing down as --teardown says")

    @contextmanager
    def installed(self) -> Iterator[Interrupts]:
        """Handle the signals while the block runs (main thread only), then restore them."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {
            sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class TeardownAction(StrEnum):
    NOT_NEEDED = "not needed"  # nothing was created
    DELETED = "deleted"
    KEPT = "kept"  # --teardown said so
    DELETE_FAILED = "delete failed"
    DELETE_TIMED_OUT = "delete timed out"


@dataclass(frozen=True, slots=True)
class TeardownOutcome:
    policy: Teardown
    action: TeardownAction
    detail: str = ""
    left: tuple[str, ...] = ()  # resources kops still listed, as `type:id`
    result: KopsResult | None = None

    @property
    def left_behind(self) -> bool:
        """kops was asked to delete the cluster and did not finish."""
        return self.action in (TeardownAction.DELETE_FAILED, TeardownAction.DELETE_TIMED_OUT)

    def describe(self, cluster: str) -> str:
        if self.action is TeardownAction.DELETED:
            return f"teardown ({self.policy.value}): {self.detail}"
        if self.action is TeardownAction.KEPT:
            return f"teardown ({self.policy.value}): cluster {cluster} kept: {self.detail}"
        if self.action is TeardownAction.NOT_NEEDED:
            return f"teardown ({self.policy.value}): nothing to delete ({self.detail})"
        left = f"; left: {', '.join(self.left)}" if self.left else ""
        return f"teardown ({self.policy.value}): {self.detail}{left}"


class TeardownGuard:
    """Armed when `kops create cluster` starts; `finish` deletes per policy, once."""

    def __init__(self, policy: Teardown, runner: KopsRunner, delete: KopsCall, name: str) -> None:
        self.policy = policy
        self.runner = runner
        self.delete = delete
        self.name = name
        self.armed = False
        self._outcome: TeardownOutcome | None = None
        self._lock = threading.Lock()

    def arm(self) -> None:
        self.armed = True

    def finish(self, gate_passed: bool) -> TeardownOutcome:
        with self._lock:
            if self._outcome is None:
                self._outcome = self._apply(gate_passed)
            return self._outcome

    def _apply(self, gate_passed: bool) -> TeardownOutcome:
        if not self.armed:
            return TeardownOutcome(self.policy, TeardownAction.NOT_NEEDED, "no kops create ran")
        if self.policy is Teardown.NEVER:
            return TeardownOutcome(
                self.policy,
                TeardownAction.KEPT,
                f"--teardown never; delete it with: {self.delete}",
            )
        if self.policy is Teardown.ON_SUCCESS and not gate_passed:
            return TeardownOutcome(
                self.policy,
                TeardownAction.KEPT,
                f"the gate did not pass, kept for debugging; delete it with: {self.delete}",
            )
        result = self.runner.run(self.delete, cancellable=False)
        if result.ok:
            return TeardownOutcome(
                self.policy, TeardownAction.DELETED, result.describe(), (), result
            )
        action = (
            TeardownAction.DELETE_TIMED_OUT if result.timed_out else TeardownAction.DELETE_FAILED
        )
        left = still_listed(result.stdout + "\n".join(result.tail))
        detail = f"{result.describe()}; finish with: {self.delete}"
        return TeardownOutcome(self.policy, action, detail, left, result)


def still_listed(output: str) -> tuple[str, ...]:
    """The resources of kops's last "Not all resources deleted" block (`\\ttype:id` lines)."""
    left: list[str] = []
    collecting = False
    for line in output.splitlines():
        if line.strip() == WAITING:
            left, collecting = [], True
        elif collecting and line.startswith("\t") and line.strip():
            left.append(line.strip())
        else:
            collecting = False
    return tuple(sorted(dict.fromkeys(left)))
