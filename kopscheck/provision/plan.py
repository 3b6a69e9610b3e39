"""What `kopscheck provision` will do: the request, the cluster names, the exact kops commands.

Nothing here runs anything: the dry run prints these commands, and the run executes the same
ones, so what a person reviews is what runs.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kopscheck.gate.durations import format_duration
from kopscheck.model.results import Status


class Teardown(StrEnum):
    """When `kops delete cluster --yes` runs: always, only when the gate passed, or never."""

    ALWAYS = "always"
    ON_SUCCESS = "on-success"
    NEVER = "never"


class Topology(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Step(StrEnum):
    """One kops call of a run (`check` is kopscheck's own gate, run in this process)."""

    VERSION = "version"
    DRY_RUN = "create --dry-run"
    CREATE = "create"
    UPDATE = "update"
    EXPORT = "export kubecfg"
    VALIDATE = "validate"
    CHECK = "check"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Seconds each kops call may take before its process group is killed."""

    create: float = 600.0
    update: float = 1800.0
    validate: float = 1200.0  # passed to kops as `--wait`; the process gets VALIDATE_GRACE more
    delete: float = 1200.0
    kops: float = 120.0  # version, export kubecfg, create --dry-run


VALIDATE_GRACE = 60.0


@dataclass(frozen=True, slots=True)
class ProvisionRequest:
    """Everything `kopscheck provision` was asked to do, as parsed from the command line."""

    name: str
    zones: tuple[str, ...]
    modes: tuple[str, ...]
    state_store: str | None
    control_plane_zones: tuple[str, ...] = ()
    control_plane_size: str | None = None
    node_size: str | None = None
    node_count: int | None = None
    topology: Topology = Topology.PUBLIC
    kubernetes_version: str | None = None
    kops: str = "kops"
    teardown: Teardown = Teardown.ALWAYS
    dry_run: bool = False
    extra_args: tuple[str, ...] = ()
    deadlines: Deadlines = Deadlines()
    parallel: int = 1
    output: str = "table"
    out: Path | None = None
    fail_on: Status = Status.FAIL
    aws: bool = True
    region: str | None = None
    profile: str | None = None
    request_timeout: float = 30.0
    run_dir: Path | None = None

    def cluster_name(self, mode: str) -> str:
        """One mode: the name as given; a matrix: `<mode>-<name>`, one cluster per mode."""
        return self.name if len(self.modes) == 1 else f"{mode}-{self.name}"

    @property
    def aws_region(self) -> str | None:
        """--region, else the region of the first zone (us-east-1a -> us-east-1)."""
        if self.region:
            return self.region
        zone = self.zones[0] if self.zones else ""
        return zone[:-1] if zone and zone[-1].isalpha() else None


@dataclass(frozen=True, slots=True)
class KopsCall:
    step: Step
    argv: tuple[str, ...]
    deadline: float

    def __str__(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True, slots=True)
class ClusterPlan:
    """The kops calls for one networking mode, in the order they run."""

    mode: str
    name: str
    dry_run: KopsCall
    create: KopsCall
    update: KopsCall
    export: KopsCall
    validate: KopsCall
    delete: KopsCall
    kubeconfig: Path


def version_call(request: ProvisionRequest) -> KopsCall:
    return KopsCall(Step.VERSION, (request.kops, "version"), request.deadlines.kops)


def plan_cluster(request: ProvisionRequest, mode: str, kubeconfig: Path) -> ClusterPlan:
    name = request.cluster_name(mode)
    kops, limits = request.kops, request.deadlines
    target = ("--name", name, "--state", request.state_store or "")
    create = (kops, "create", "cluster", *target, *_create_flags(request, mode))
    wait = format_duration(limits.validate)
    return ClusterPlan(
        mode=mode,
        name=name,
        dry_run=KopsCall(Step.DRY_RUN, (*create, "--dry-run", "-o", "yaml"), limits.kops),
        create=KopsCall(Step.CREATE, create, limits.create),
        update=KopsCall(
            Step.UPDATE, (kops, "update", "cluster", *target, "--yes", "--admin"), limits.update
        ),
        export=KopsCall(
            Step.EXPORT,
            (kops, "export", "kubecfg", *target, "--admin", "--kubeconfig", str(kubeconfig)),
            limits.kops,
        ),
        validate=KopsCall(
            Step.VALIDATE,
            (kops, "validate", "cluster", *target, "--wait", wait, "-o", "json"),
            limits.validate + VALIDATE_GRACE,
        ),
        delete=KopsCall(Step.DELETE, (kops, "delete", "cluster", *target, "--yes"), limits.delete),
        kubeconfig=kubeconfig,
    )


def _create_flags(request: ProvisionRequest, mode: str) -> list[str]:
    flags = ["--zones", ",".join(request.zones), "--networking", mode]
    optional: Sequence[tuple[str, str | None]] = (
        ("--control-plane-zones", ",".join(request.control_plane_zones) or None),
        ("--control-plane-size", request.control_plane_size),
        ("--node-size", request.node_size),
        ("--node-count", None if request.node_count is None else str(request.node_count)),
        ("--topology", "private" if request.topology is Topology.PRIVATE else None),
        ("--kubernetes-version", request.kubernetes_version),
    )
    for flag, value in optional:
        if value is not None:
            flags += [flag, value]
    return [*flags, *request.extra_args]


def check_command(request: ProvisionRequest, plan: ClusterPlan) -> str:
    """The `kopscheck check` the gate runs (in this process), written as a person would."""
    argv = [
        "kopscheck",
        "check",
        "--kubeconfig",
        str(plan.kubeconfig),
        "--context",
        plan.name,
        "--name",
        plan.name,
        "--state-store",
        request.state_store or "",
        "--networking",
        plan.mode,
        "--probe",
    ]
    if not request.aws:
        argv.append("--no-aws")
    return shlex.join(argv)


def teardown_line(request: ProvisionRequest, plan: ClusterPlan) -> str:
    when = {
        Teardown.ALWAYS: "on every exit path",
        Teardown.ON_SUCCESS: "only if the gate passes",
        Teardown.NEVER: "never (--teardown never): the cluster is kept",
    }[request.teardown]
    if request.teardown is Teardown.NEVER:
        return f"# teardown: {when}"
    return (
        f"{plan.delete}   # teardown {when}, once, within {format_duration(plan.delete.deadline)}"
    )
