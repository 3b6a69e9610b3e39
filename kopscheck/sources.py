"""Pick the source of facts from the command line and collect a snapshot from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kopscheck.errors import InputError, ScanError
from kopscheck.facts import Snapshot


@dataclass(frozen=True, slots=True)
class SourceOptions:
    bundle: Path | None = None
    dump: Path | None = None
    context: str | None = None
    kubeconfig: Path | None = None
    cluster_name: str | None = None
    state_store: str | None = None
    region: str | None = None
    profile: str | None = None
    networking: str | None = None
    probe: bool = False


def collect(options: SourceOptions) -> Snapshot:
    if options.bundle and options.dump:
        raise InputError("--bundle/--dump", "give one source, not both")
    if options.bundle is not None:
        from kopscheck.collectors.bundle import read_bundle

        return read_bundle(options.bundle, networking=options.networking)
    if options.dump is not None:
        from kopscheck.collectors.dump import read_dump

        return read_dump(options.dump, networking=options.networking)
    raise ScanError("live collection is not available in this build; use --bundle or --dump")


def add_live_aws(snapshot: Snapshot, options: SourceOptions) -> Snapshot:
    """A live snapshot with its AWS facts: route tables, instances, ASGs, route quota.

    The live path calls this after the Kubernetes and kops facts are in, so the cluster name
    can come from --name or the kops spec. AWS refusing or failing leaves those facts missing
    with the reason (the checks that need them skip); only a bad --profile is an input error.
    To also write them into a bundle, call `collect_aws` and `write_aws_files` instead.
    """
    from kopscheck.collectors.live_aws import collect_aws

    name = options.cluster_name or snapshot.cluster_name
    return collect_aws(name, options.region, options.profile).apply(snapshot)
