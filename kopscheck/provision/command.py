"""`kopscheck provision`: find kops, preflight every mode, then the dry run or the real run.

Order: the flags (what follows `--` may not override a flag kopscheck owns: passthrough.py),
kops on PATH and its version, then the offline preflight: the spec checks on the flags' spec
for every mode with nothing read from S3 or AWS (a mode kops refuses, kubenet + private
topology, more nodes than the default route quota when AWS is not asked). Only then the state
store (does the cluster exist?), the applied route quota, the spec checks on kops's own
dry-run spec for every mode, and only then the first cluster.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from kopscheck.collectors.output.atomic_files import (
    check_out_file,
    refuse_kubeconfigs,
    write_atomically,
)
from kopscheck.model.errors import InputError, ScanError
from kopscheck.model.exitcodes import ExitCode
from kopscheck.model.facts import KopsCluster, Quota
from kopscheck.model.results import Report
from kopscheck.provision import preflight
from kopscheck.provision.cluster import ClusterRun, run_cluster
from kopscheck.provision.matrix import provision_report, run_matrix, worst_exit, write_document
from kopscheck.provision.passthrough import check_passthrough
from kopscheck.provision.plan import (
    ClusterPlan,
    ProvisionRequest,
    check_command,
    plan_cluster,
    teardown_line,
    version_call,
)
from kopscheck.provision.runner import KopsResult, KopsRunner, RunLog
from kopscheck.provision.teardown import Interrupts

Say = Callable[[str], None]
NO_STORE = "$KOPS_STATE_STORE"


def provision(request: ProvisionRequest, say: Say) -> int:
    """Run the request; the exit code (CONTRACT §2 plus provision's meaning of 3)."""
    _validate(request)
    check_passthrough(request.extra_args)
    for mode in request.modes:
        preflight.known_mode(mode)
    if shutil.which(request.kops) is None:
        raise InputError(
            "kops",
            f"{request.kops!r} not found: install kops {'.'.join(map(str, preflight.OLDEST_KOPS))}"
            f" or later ({preflight.KOPS_INSTALL}) and put it on PATH, or pass --kops PATH",
        )
    if not request.dry_run:
        preflight.require_state_store(request)
    run_dir = request.run_dir or Path(tempfile.mkdtemp(prefix="kopscheck-provision-"))
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    interrupts = Interrupts(say)
    with interrupts.installed():
        log = RunLog(run_dir / "preflight.log")
        env = {**os.environ, "KUBECONFIG": str(run_dir / "preflight.kubeconfig")}
        runner = KopsRunner(log, env, interrupts.cancel)
        version = _kops_version(runner, request)
        say(
            f"kopscheck: kops {version} ({shutil.which(request.kops)});"
            f" run logs and kubeconfigs in {run_dir}"
        )
        store = request.state_store or NO_STORE
        plans = [
            plan_cluster(replace(request, state_store=store), m, _kubeconfig(run_dir, request, m))
            for m in request.modes
        ]
        offline = [_offline_verdict(request, plan, version) for plan in plans]
        if _final(request, offline):
            verdicts, why_not = offline, "the spec from the flags is refused already"
        else:
            if not request.dry_run:  # the first read of the state store
                for plan in plans:
                    preflight.refuse_existing(request, plan.name)
            verdicts, why_not = _preflight(request, plans, offline, version, runner, say)
        lines = [line for v in verdicts for line in v.lines()]
        refused = [f"{v.name}: {reason}" for v in verdicts for reason in v.refusals]
        if request.dry_run:
            _print_plan(request, plans, lines, why_not)
        else:
            for line in lines:
                say(line)
        if refused:
            raise InputError("preflight", "refused before creating anything: " + "; ".join(refused))
        if request.dry_run:
            return int(ExitCode.OK)
        jobs = [_job(request, plan, interrupts, say) for plan in plans]
        runs = run_matrix(jobs, request.parallel)
        if interrupts.signal_name:  # what was cleaned up, and what was not, said last
            for run in runs:
                say(f"kopscheck: {interrupts.signal_name}: {run.name}: {_cleaned(run)}")
    _emit(request, runs, say)
    return int(worst_exit(runs))


def _offline_verdict(
    request: ProvisionRequest, plan: ClusterPlan, version: str
) -> preflight.SpecVerdict:
    """The flags' spec judged with nothing read from S3 or AWS: the mode, the topology, and
    the node count against the documented default route quota."""
    cluster, groups = preflight.planned_spec(request, plan.mode)
    why = "AWS not asked (--no-aws)" if not request.aws else "not read yet (offline preflight)"
    return preflight.judge_spec(
        cluster, groups, mode=plan.mode, source="flags", kops_version=version, quota=(None, why)
    )


def _final(request: ProvisionRequest, offline: list[preflight.SpecVerdict]) -> bool:
    """Whether the offline preflight already refused: anything but the route capacity, or the
    route capacity when the applied quota will not be read (`--no-aws`)."""
    for verdict in offline:
        for reason in verdict.refusals:
            if not request.aws or not reason.startswith(preflight.CAPACITY + ":"):
                return True
    return False


def _preflight(
    request: ProvisionRequest,
    plans: list[ClusterPlan],
    offline: list[preflight.SpecVerdict],
    version: str,
    runner: KopsRunner,
    say: Say,
) -> tuple[list[preflight.SpecVerdict], str]:
    """The flags' spec for every mode (with the applied route quota when AWS is asked); then,
    unless that refused one, kops's own spec."""
    verdicts = offline
    if request.aws:
        verdicts = [_flag_verdict(request, plan, version) for plan in plans]
    if any(v.refusals for v in verdicts):
        return verdicts, "the spec from the flags is refused already"
    ask_kops, why_not = _can_dry_run(request)
    if not ask_kops:
        say(f"kopscheck: not running kops create cluster --dry-run: {why_not}")
        return verdicts, why_not
    return verdicts + [_kops_verdict(request, p, version, runner, say) for p in plans], ""


def _validate(request: ProvisionRequest) -> None:
    if not request.zones:
        raise InputError("--zones", "give at least one zone, e.g. us-east-1a,us-east-1b")
    if not request.modes:
        raise InputError("--networking", "give at least one networking mode")
    if len(set(request.modes)) != len(request.modes):
        raise InputError("--networking", "a mode is given twice")
    if request.parallel < 1:
        raise InputError("--parallel", "must be 1 or more")
    if request.node_count is not None and request.node_count < 0:
        raise InputError("--node-count", "must be 0 or more")
    from kopscheck.reporters import Document, get_reporter

    get_reporter(request.output, Document.PROVISION)
    if request.out is not None:
        check_out_file(request.out)  # before any cluster is created
        refuse_kubeconfigs(request.out, "--out")


def _kubeconfig(run_dir: Path, request: ProvisionRequest, mode: str) -> Path:
    return run_dir / f"{request.cluster_name(mode)}.kubeconfig"


def _kops_version(runner: KopsRunner, request: ProvisionRequest) -> str:
    result = runner.run(version_call(request))
    _stop_if_interrupted(result)
    if not result.ok:
        raise InputError("kops version", f"{result.describe()}: is {request.kops!r} kops?")
    return preflight.check_kops_version(result.stdout or "\n".join(result.tail))


def _stop_if_interrupted(result: KopsResult) -> None:
    if result.interrupted:
        raise ScanError(f"interrupted during preflight ({result.describe()}): nothing was created")


def _can_dry_run(request: ProvisionRequest) -> tuple[bool, str]:
    """kops reads the state store and calls EC2 even for --dry-run: ask it only when it can."""
    if not request.state_store:
        return False, "no state store (--state-store or KOPS_STATE_STORE)"
    if not _aws_credentials(request.profile):
        return False, "no AWS credentials (kops reads the state store and EC2 even for a dry run)"
    return True, ""


def _aws_credentials(profile: str | None) -> bool:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.Session(profile_name=profile).get_credentials() is not None
    except BotoCoreError:
        return False


def _flag_verdict(
    request: ProvisionRequest, plan: ClusterPlan, version: str
) -> preflight.SpecVerdict:
    cluster, groups = preflight.planned_spec(request, plan.mode)
    quota = _quota(request, plan.name, cluster)
    return preflight.judge_spec(
        cluster, groups, mode=plan.mode, source="flags", kops_version=version, quota=quota
    )


def _quota(request: ProvisionRequest, name: str, cluster: KopsCluster) -> tuple[Quota | None, str]:
    if not preflight.uses_cloud_routes(cluster):
        return None, "not needed: no per-node cloud routes"
    return preflight.route_quota(request, name)


def _kops_verdict(
    request: ProvisionRequest, plan: ClusterPlan, version: str, runner: KopsRunner, say: Say
) -> preflight.SpecVerdict:
    say(f"kopscheck: {plan.dry_run}")
    result = runner.run(plan.dry_run)
    _stop_if_interrupted(result)
    if not result.ok:
        raise ScanError(f"{plan.name}: {result.describe()} (nothing was created)")
    label = f"{plan.name}: kops create cluster --dry-run -o yaml"
    cluster, groups = preflight.spec_from_dry_run(result.stdout, label)
    quota = _quota(request, plan.name, cluster)
    return preflight.judge_spec(
        cluster,
        groups,
        mode=plan.mode,
        source="kops create cluster --dry-run",
        kops_version=version,
        quota=quota,
    )


def _print_plan(
    request: ProvisionRequest, plans: list[ClusterPlan], verdicts: list[str], why_not: str
) -> None:
    out = [
        "# kopscheck provision --dry-run: nothing is created; these commands would run, in order"
        + (
            " (one cluster at a time)"
            if request.parallel == 1
            else f" (--parallel {request.parallel})"
        )
        + ":"
    ]
    if not request.state_store:
        out.append(f"# no state store given: {NO_STORE} stands for it")
    for plan in plans:
        out += [
            "",
            f"# {plan.mode}: cluster {plan.name}",
            str(plan.create),
            str(plan.update),
            str(plan.export),
            str(plan.validate),
            check_command(request, plan),
            teardown_line(request, plan),
        ]
    out += ["", *verdicts]
    if why_not:
        out.append(f"kops create cluster --dry-run -o yaml was not run: {why_not}")
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()


def _job(
    request: ProvisionRequest, plan: ClusterPlan, interrupts: Interrupts, say: Say
) -> Callable[[], ClusterRun]:
    return lambda: run_cluster(request, plan, interrupts, say, run_gate)


def run_gate(request: ProvisionRequest, plan: ClusterPlan) -> Report:
    """`kopscheck check --probe` on the new cluster, through its private kubeconfig."""
    from kopscheck.collectors.options import SourceOptions
    from kopscheck.gate.run import CheckRequest, scan

    options = SourceOptions(
        context=plan.name,
        kubeconfig=plan.kubeconfig,
        cluster_name=plan.name,
        state_store=request.state_store,
        region=request.aws_region,
        profile=request.profile,
        probe=True,
        request_timeout=request.request_timeout,
        aws=request.aws,
    )
    return scan(CheckRequest(options, fail_on=request.fail_on, networking=plan.mode))


def _emit(request: ProvisionRequest, runs: tuple[ClusterRun, ...], say: Say) -> None:
    report = provision_report(runs, request.fail_on)
    if request.out is None:
        write_document(report, request.output, sys.stdout)
        sys.stdout.flush()
        return
    write_atomically(request.out, partial(write_document, report, request.output))
    say(f"kopscheck: wrote {request.output} report to {request.out}")


def _cleaned(run: ClusterRun) -> str:
    outcome = run.teardown
    if outcome.left_behind:
        left = f" (left: {', '.join(outcome.left)})" if outcome.left else ""
        return f"NOT cleaned up{left}: {outcome.describe(run.name)}"
    return outcome.describe(run.name)
