"""A live collection: the Kubernetes API and the kops state store, into one snapshot.

`collect` keeps the raw API responses (`Tuning.keep_raw`) so bundle_writer can write the files
kubectl and kops would have written; `check` drops them as it goes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kopscheck.collectors.aws.paging import AwsBounds
from kopscheck.collectors.aws.reader import AwsCollection, collect_aws
from kopscheck.collectors.aws.state_store import KopsState, read_state
from kopscheck.collectors.formats.assemble import ahead_of_capture, data_times, live_capture_time
from kopscheck.collectors.kube.bounds import DEFAULT_SCAN_TIMEOUT, Deadline
from kopscheck.collectors.kube.client import Requester
from kopscheck.collectors.kube.kubeconfig import KubeTarget, load_target
from kopscheck.collectors.kube.nodes import collect_node_facts, collect_pod_logs
from kopscheck.collectors.kube.reader import KubeCollection, Tuning, collect_lists
from kopscheck.collectors.options import SourceOptions
from kopscheck.model.facts import NEEDS_PROBE, PROBE_FACTS, Fact, Snapshot

if TYPE_CHECKING:
    from kopscheck.collectors.probes.run import ProbeResults

Say = Callable[[str], None]

AWS_FACTS = (
    Fact.AWS_ROUTE_TABLES,
    Fact.AWS_INSTANCES,
    Fact.AWS_AUTOSCALING_GROUPS,
    Fact.AWS_ROUTE_QUOTA,
    Fact.AWS_SECURITY_GROUPS,
)
AWS_FAILED = frozenset(AWS_FACTS)
DEFAULT_TUNING = Tuning()
AWS_OFF = "AWS collection turned off (--no-aws)"
NOT_ON_AWS = (
    "the cluster does not run on AWS (no aws:// provider IDs, kops cloudProvider not aws;"
    " --region reads AWS anyway)"
)


@dataclass(frozen=True, slots=True)
class LiveCollection:
    snapshot: Snapshot
    kube: KubeCollection
    kops: KopsState
    aws: AwsCollection
    probes: ProbeResults | None = None


def collect_live(
    options: SourceOptions,
    tuning: Tuning = DEFAULT_TUNING,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    say: Say = lambda _line: None,
) -> LiveCollection:
    """Read the cluster within the scan's --timeout; with --probe, then run the probes (the
    only writes) and merge them."""
    deadline = Deadline.after(options.timeout)
    tuning = replace(
        tuning,
        max_pages=options.max_pages,
        log_tail_lines=options.files.log_lines,
        kubelet_log_lines=options.files.log_lines,
        log_bytes=options.files.log_bytes,
    )
    # the exec credential plugin is part of the scan: --timeout bounds it too (with
    # --timeout 0, --request-timeout does, else the default --timeout)
    plugin = deadline.seconds if deadline else options.request_timeout or DEFAULT_SCAN_TIMEOUT
    target = load_target(options.kubeconfig, options.context, tuning.workers, plugin_timeout=plugin)
    try:
        kube = collect_kube(target, options, tuning, deadline)
        collection = _assemble(options, kube, now, deadline)
        if options.probe:
            collection = _probe(target, options, collection, say)
        return collection
    finally:
        target.api_client.close()


def _probe(
    target: KubeTarget, options: SourceOptions, collection: LiveCollection, say: Say
) -> LiveCollection:
    from kopscheck.collectors.probes.run import ProbeResults, apply, run_probes
    from kopscheck.model.errors import Stopped

    try:
        results = run_probes(
            target, collection.snapshot, options.probes, options.request_timeout, say
        )
    except Stopped as stop:  # SIGINT/SIGTERM: what was read and probed is still reported
        if isinstance(stop.probes, ProbeResults):
            snapshot = apply(collection.snapshot, stop.probes)
            cleaned = stop.cleaned or "nothing to delete"
            note = f"stopped by {stop}: the probe run was cut short; {cleaned}"
            stop.snapshot = replace(snapshot, notes=(*snapshot.notes, note))
        raise
    return replace(collection, snapshot=apply(collection.snapshot, results), probes=results)


def _assemble(
    options: SourceOptions,
    kube: KubeCollection,
    now: Callable[[], datetime],
    deadline: Deadline | None,
) -> LiveCollection:
    target = kube.target
    # kops names the kubeconfig context after the cluster, and falls back to it the same way
    name = options.cluster_name or target.context
    if deadline is not None and deadline.remaining() <= 0:
        kops = KopsState()
        kops.lack(f"not read: {deadline.message()}", failed=True)
    else:
        kops = read_state(options.state_store, name, options.region, options.profile)
    fields = dict(kube.fields)
    fields["kops_cluster"] = kops.cluster
    fields["kops_instance_groups"] = kops.instance_groups
    missing: dict[Fact, str] = {}
    for fact in Fact:
        if fields.get(fact.value.replace("-", "_")) is None:
            fields[fact.value.replace("-", "_")] = None
            missing[fact] = kube.missing.get(fact) or kops.missing.get(fact) or _absent(fact)
    local = now()
    observed, clock = live_capture_time(local, kube.clock_offset)
    observed = observed.replace(microsecond=0)
    # data is ahead of every clock read only past the later one (the earlier is "now")
    latest = max(local, local + kube.clock_offset) if kube.clock_offset else observed
    stamps = data_times(fields.get("nodes"), fields.get("pods"), fields.get("events"))
    ahead = ahead_of_capture([t for t in stamps if t > latest], observed)
    snapshot = Snapshot(
        source="live",
        observed_at=observed,
        latest_clock=latest.replace(microsecond=0),
        cluster_name=kops.cluster.name if kops.cluster else options.cluster_name,
        missing=missing,
        failed=frozenset((kube.failed | kops.failed) & set(missing)),
        notes=(*kube.notes, *clock, *ahead),
        **fields,
    )
    if deadline is not None and deadline.remaining() <= 0:
        reason = f"not read: {deadline.message()}"
        aws = AwsCollection(None, missing=dict.fromkeys(AWS_FACTS, reason), failed=AWS_FAILED)
    else:
        aws = collect_cloud(options, snapshot, deadline)
    return LiveCollection(aws.apply(snapshot), kube, kops, aws)


def collect_cloud(
    options: SourceOptions, snapshot: Snapshot, deadline: Deadline | None = None
) -> AwsCollection:
    """The AWS facts, asked only of a cluster that runs on AWS (or when --region says where:
    nodes the cloud controller never initialised have no provider ID yet); the region defaults
    to the nodes' `topology.kubernetes.io/region` label, as a user would read it off `kubectl`."""
    if not options.aws:
        return AwsCollection(None, missing=dict.fromkeys(AWS_FACTS, AWS_OFF))
    nodes = snapshot.nodes or ()
    spec = snapshot.kops_cluster.spec if snapshot.kops_cluster else {}
    on_aws = (
        spec.get("cloudProvider") == "aws"
        or any(n.provider_id.startswith("aws://") for n in nodes)
        or options.region is not None
    )
    if not on_aws:
        return AwsCollection(None, missing=dict.fromkeys(AWS_FACTS, NOT_ON_AWS))
    regions = {n.labels.get("topology.kubernetes.io/region", "") for n in nodes} - {""}
    region = options.region or (regions.pop() if len(regions) == 1 else None)
    name = options.cluster_name or snapshot.cluster_name
    return collect_aws(name, region, options.profile, AwsBounds(options.max_pages, deadline))


def collect_kube(
    target: KubeTarget, options: SourceOptions, tuning: Tuning, deadline: Deadline | None
) -> KubeCollection:
    """Lists, then per-node and per-pod calls, all on one bounded pool of workers."""
    requester = Requester(
        target,
        options.request_timeout,
        tuning.attempts,
        tuning.backoff,
        deadline=deadline,
        max_bytes=options.max_response_bytes,
    )
    out = KubeCollection(target)
    pool = ThreadPoolExecutor(max_workers=max(tuning.workers, 1))
    try:
        collect_lists(requester, pool, out, tuning)
        collect_node_facts(requester, pool, out, tuning)
        collect_pod_logs(requester, pool, out, tuning)
    except BaseException:  # a signal or an error: never wait here for a read that hangs
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return out


def _absent(fact: Fact) -> str:
    return NEEDS_PROBE if fact in PROBE_FACTS else f"{fact.value} not collected"
