"""What `kopscheck provision` reports: per cluster its kops steps, teardown and gate report.

The document is a fleet (`kopscheck/fleet/v1`, one entry per networking mode, even for one
mode, since a run can end before there is a cluster report) whose entries also carry how the
cluster was created, gated and torn down. Its exit codes are provision's (CONTRACT §2): 3 when
kops failed, was interrupted or left something behind, else 1 when a gate failed or kops
validate never passed, else 0; the run's code is the worst of them in that order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.fleet import ClusterOutcome, FleetReport

# worst last: a cluster kops could not finish outweighs one whose gate failed
EXIT_SEVERITY = (ExitCode.OK, ExitCode.UNHEALTHY, ExitCode.SCAN_INCOMPLETE)


@dataclass(frozen=True, slots=True)
class ProvisionStep:
    """One kops call (or the gate, step `check`) and how it ended."""

    step: str  # create, update, export kubecfg, validate, check
    command: str
    outcome: str  # ok, failed, timed out, interrupted, skipped
    seconds: float
    exit_code: int | None = None
    detail: str = ""  # kops's last lines when it failed; the gate's status for `check`

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass(frozen=True, slots=True)
class ProvisionTeardown:
    """What `--teardown` decided and what came of it."""

    policy: str  # always, on-success, never
    action: str  # not needed, deleted, kept, delete failed, delete timed out
    detail: str
    left: tuple[str, ...] = ()  # resources kops still listed, as `type:id`
    summary: str = ""  # one line for a person: the policy, the action and its detail

    @property
    def left_behind(self) -> bool:
        return self.action in ("delete failed", "delete timed out")


@dataclass(frozen=True, slots=True)
class ProvisionedCluster:
    """How one networking mode's cluster went, beside its gate report in the fleet."""

    mode: str
    cluster: str
    steps: tuple[ProvisionStep, ...]
    teardown: ProvisionTeardown
    run_log: str
    exit_code: ExitCode
    validated: bool = False
    validate_attempts: int = 0
    interrupted_by: str | None = None
    kubeconfig: str | None = None  # only while the cluster is kept


@dataclass(frozen=True, slots=True)
class ProvisionReport:
    """A provision run: the gate reports as a fleet and, in the same order, each cluster's run."""

    fleet: FleetReport
    runs: tuple[ProvisionedCluster, ...]

    def __post_init__(self) -> None:
        if len(self.fleet.clusters) != len(self.runs):
            raise ValueError("one provision run per fleet entry")

    @property
    def exit_code(self) -> ExitCode:
        return worst_exit(run.exit_code for run in self.runs)

    def pairs(self) -> Iterator[tuple[ClusterOutcome, ProvisionedCluster]]:
        """Each fleet entry (the gate's report or why there is none) with its run."""
        return zip(self.fleet.clusters, self.runs, strict=True)


def worst_exit(codes: Sequence[ExitCode] | Iterator[ExitCode]) -> ExitCode:
    """Provision's order, not the fleet's: 3 over 1 over 0; no cluster at all is 3."""
    return max(codes, key=EXIT_SEVERITY.index, default=ExitCode.SCAN_INCOMPLETE)


def last_line(text: str) -> str:
    """The last line with text (kops prints its error last), for the one-line views."""
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")
