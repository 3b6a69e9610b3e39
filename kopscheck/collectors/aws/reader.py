"""Live AWS facts for the route-table checks, read through boto3 (imported only when used).

Read-only calls: ec2 DescribeInstances, DescribeVpcs, DescribeRouteTables and
DescribeSecurityGroups (the groups on the cluster's instances), autoscaling
DescribeAutoScalingGroups, service-quotas GetServiceQuota and GetAWSDefaultServiceQuota.
Every describe call goes through a paginator (paging.py). boto3's usual chain picks the
credentials and endpoint (`--profile`, `--region`, `AWS_*`, `AWS_ENDPOINT_URL`), with
standard-mode retries.
EC2 user data is never requested: DescribeInstances does not return it, DescribeInstanceAttribute
is never called, and a `UserData` key is dropped before anything is written.

Each response is kept in the shape `aws ... --output json` prints, so `write_aws_files` writes
bundle files (CONTRACT §4) that read back into the same facts. A refused or failed call leaves
its fact missing with the reason; it never ends the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kopscheck.collectors.aws.paging import AwsBounds, chunked, cli_json, pages
from kopscheck.collectors.formats import aws_objects
from kopscheck.collectors.kube.bounds import BoundHit
from kopscheck.knowledge.routes import (
    CLUSTER_TAG_PREFIX,
    LEGACY_CLUSTER_TAG,
    QUOTA_CODE,
    QUOTA_SERVICE_CODE,
)
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Fact, Snapshot

ROUTE_TABLES_FILE = "ec2-describe-route-tables.json"
INSTANCES_FILE = "ec2-describe-instances.json"
ASGS_FILE = "autoscaling-describe-auto-scaling-groups.json"
QUOTA_FILE = f"service-quotas-{QUOTA_SERVICE_CODE}-{QUOTA_CODE}.json"
SECURITY_GROUPS_FILE = "ec2-describe-security-groups.json"
AWS_FACTS = {
    Fact.AWS_ROUTE_TABLES: ("aws_route_tables", ROUTE_TABLES_FILE),
    Fact.AWS_INSTANCES: ("aws_instances", INSTANCES_FILE),
    Fact.AWS_AUTOSCALING_GROUPS: ("aws_autoscaling_groups", ASGS_FILE),
    Fact.AWS_ROUTE_QUOTA: ("aws_route_quota", QUOTA_FILE),
    Fact.AWS_SECURITY_GROUPS: ("aws_security_groups", SECURITY_GROUPS_FILE),
}
DEFAULT_BOUNDS = AwsBounds()


class AwsUnavailable(Exception):
    """AWS cannot be asked at all (no region, no credentials); every AWS fact is missing."""


@dataclass(frozen=True, slots=True)
class AwsCollection:
    """What one live AWS collection found: snapshot fields, missing reasons, raw documents."""

    cluster_name: str | None
    fields: Mapping[str, Any] = field(default_factory=dict)
    missing: Mapping[Fact, str] = field(default_factory=dict)
    documents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    vpc_ids: tuple[str, ...] = ()
    failed: frozenset[Fact] = frozenset()  # AWS answered with something unreadable

    def apply(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot with these AWS facts in place (and the cluster name if it had none)."""
        missing = {f: r for f, r in snapshot.missing.items() if f not in AWS_FACTS}
        missing.update(self.missing)
        fields: dict[str, Any] = {name: None for name, _ in AWS_FACTS.values()}
        fields.update(self.fields)
        return replace(
            snapshot,
            cluster_name=snapshot.cluster_name or self.cluster_name,
            missing=missing,
            failed=snapshot.failed | self.failed,
            **fields,
        )


def collect_aws(
    cluster_name: str | None,
    region: str | None = None,
    profile: str | None = None,
    bounds: AwsBounds = DEFAULT_BOUNDS,
) -> AwsCollection:
    """Read the cluster's route tables, instances, ASGs, route quota and security groups."""
    if not cluster_name:
        reason = "no cluster name to find its AWS resources by tag (pass --name)"
        return AwsCollection(None, missing=dict.fromkeys(AWS_FACTS, reason))
    try:
        clients = _clients(region, profile)
    except AwsUnavailable as exc:
        return AwsCollection(cluster_name, missing=dict.fromkeys(AWS_FACTS, str(exc)))
    return _Run(cluster_name, *clients, bounds=bounds).collect()


def write_aws_files(out_dir: Path, documents: Mapping[str, Mapping[str, Any]]) -> list[Path]:
    """Write the documents as the bundle's `aws/` files; returns the paths written."""
    aws_dir = out_dir / "aws"
    aws_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, doc in sorted(documents.items()):
        path = aws_dir / name
        path.write_text(json.dumps(cli_json(doc), indent=4, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def _clients(region: str | None, profile: str | None) -> tuple[Any, Any, Any]:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise InputError("--profile", str(exc)) from None
    if not session.region_name:
        raise AwsUnavailable("no AWS region: pass --region or set AWS_REGION")
    config = Config(
        retries={"mode": "standard"},  # attempts: AWS_MAX_ATTEMPTS or the mode's default
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra="kopscheck",
    )
    try:
        return (
            session.client("ec2", config=config),
            session.client("autoscaling", config=config),
            session.client("service-quotas", config=config),
        )
    except BotoCoreError as exc:
        raise AwsUnavailable(f"cannot set up AWS clients: {exc}") from None


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        err = response.get("Error") or {}
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    return str(error) or type(error).__name__


class _Run:
    """One collection: the calls in dependency order, each failure kept as a missing reason."""

    def __init__(
        self, cluster: str, ec2: Any, autoscaling: Any, quotas: Any, bounds: AwsBounds
    ) -> None:
        self.cluster = cluster
        self.ec2, self.autoscaling, self.quotas = ec2, autoscaling, quotas
        self.bounds = bounds
        self.documents: dict[str, Mapping[str, Any]] = {}
        self.missing: dict[Fact, str] = {}
        self.failed: set[Fact] = set()
        self.fatal: str | None = None  # credentials, endpoint, the deadline: no use asking again
        self.fatal_failed = False  # the deadline: what is not asked after it failed
        self.vpc_ids: tuple[str, ...] = ()
        self.quota_source = ("applied", "")

    def collect(self) -> AwsCollection:
        self._step(Fact.AWS_INSTANCES, "ec2:DescribeInstances", self._instances)
        self._step(Fact.AWS_ROUTE_TABLES, "ec2:DescribeRouteTables", self._route_tables)
        self._step(Fact.AWS_INSTANCES, "ec2:DescribeInstances", self._route_targets)
        self._step(Fact.AWS_AUTOSCALING_GROUPS, "autoscaling:DescribeAutoScalingGroups", self._asgs)
        self._step(Fact.AWS_ROUTE_QUOTA, "servicequotas:GetServiceQuota", self._quota)
        self._step(Fact.AWS_SECURITY_GROUPS, "ec2:DescribeSecurityGroups", self._security_groups)
        fields: dict[str, Any] = {}
        failed = self.failed
        for fact, (name, file_name) in AWS_FACTS.items():
            doc = self.documents.get(file_name)
            if doc is not None and fact not in self.missing:
                try:
                    fields[name] = self._parse(fact, doc)
                except InputError as exc:  # a wrong type from AWS: this fact failed
                    self.missing[fact] = f"AWS sent an unreadable answer: {exc}"
                    failed.add(fact)
        return AwsCollection(
            self.cluster, fields, self.missing, self.documents, self.vpc_ids, frozenset(failed)
        )

    def _step(self, fact: Fact, action: str, call: Callable[[], None]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if fact in self.missing:
            return
        if self.fatal:
            self.missing[fact] = self.fatal
            if self.fatal_failed:
                self.failed.add(fact)
            return
        try:
            if self.bounds.deadline is not None:
                self.bounds.deadline.check()
            call()
        except BoundHit as hit:  # the page cap or the scan's deadline: this fact failed
            self.missing[fact] = f"{action}: {hit.message}"
            self.failed.add(fact)
            if hit.reason == "ScanTimeout":
                self.fatal, self.fatal_failed = f"not read: {hit.message}", True
        except ClientError as exc:
            operation = getattr(exc, "operation_name", "")
            where = f"{action.split(':')[0]}:{operation}" if operation else action
            self.missing[fact] = f"{where} failed: {_describe(exc)}"
        except BotoCoreError as exc:  # no credentials, endpoint unreachable, ...
            self.fatal = f"cannot call AWS: {_describe(exc)}"
            self.missing[fact] = self.fatal

    def _parse(self, fact: Fact, doc: Mapping[str, Any]) -> Any:
        label = f"live AWS {AWS_FACTS[fact][1]}"
        if fact is Fact.AWS_ROUTE_TABLES:
            return aws_objects.parse_route_tables(doc, label)
        if fact is Fact.AWS_INSTANCES:
            return aws_objects.parse_instances(doc, label)
        if fact is Fact.AWS_AUTOSCALING_GROUPS:
            return aws_objects.parse_autoscaling_groups(doc, label)
        if fact is Fact.AWS_SECURITY_GROUPS:
            return aws_objects.parse_security_groups(doc, label)
        quota = aws_objects.parse_quota(doc, label)  # the ARN tells applied from default
        source, note = self.quota_source
        return replace(quota, source=source, note=note) if source == "default" else quota

    def _tag_filters(self) -> list[list[dict[str, Any]]]:
        return [
            [{"Name": f"tag:{LEGACY_CLUSTER_TAG}", "Values": [self.cluster]}],
            [{"Name": "tag-key", "Values": [f"{CLUSTER_TAG_PREFIX}{self.cluster}"]}],
        ]

    def _instances(self) -> None:
        reservations = pages(
            self.ec2, "describe_instances", "Reservations", self._tag_filters(), self.bounds
        )
        self.documents[INSTANCES_FILE] = {"Reservations": _merge_reservations(reservations, [])}

    def _route_tables(self) -> None:
        tagged = pages(
            self.ec2, "describe_route_tables", "RouteTables", self._tag_filters(), self.bounds
        )
        vpcs = pages(self.ec2, "describe_vpcs", "Vpcs", self._tag_filters(), self.bounds)
        instances = _instances_of(self.documents.get(INSTANCES_FILE, {}))
        vpc_ids = {str(v["VpcId"]) for v in vpcs} | {str(t["VpcId"]) for t in tagged}
        vpc_ids |= {str(i["VpcId"]) for i in instances if i.get("VpcId")}
        self.vpc_ids = tuple(sorted(vpc_ids))
        # Untagged tables in the cluster's VPCs show where routes went when the tag is missing.
        by_vpc = chunked("vpc-id", vpc_ids)
        in_vpcs = pages(self.ec2, "describe_route_tables", "RouteTables", by_vpc, self.bounds)
        tables = {str(t["RouteTableId"]): t for t in [*tagged, *in_vpcs]}
        self.documents[ROUTE_TABLES_FILE] = {"RouteTables": list(tables.values())}

    def _route_targets(self) -> None:
        """Instances that routes point at but that carry no cluster tag (stale, foreign)."""
        known = {str(i["InstanceId"]) for i in _instances_of(self.documents[INSTANCES_FILE])}
        targets = {
            str(r["InstanceId"])
            for t in self.documents.get(ROUTE_TABLES_FILE, {}).get("RouteTables", [])
            for r in t.get("Routes") or ()
            if r.get("InstanceId")
        }
        extra = pages(
            self.ec2,
            "describe_instances",
            "Reservations",
            chunked("instance-id", targets - known),
            self.bounds,
        )
        current = self.documents[INSTANCES_FILE]["Reservations"]
        self.documents[INSTANCES_FILE] = {"Reservations": _merge_reservations(current, extra)}

    def _asgs(self) -> None:
        filters = [
            [{"Name": "tag-key", "Values": [f"{CLUSTER_TAG_PREFIX}{self.cluster}"]}],
            [{"Name": f"tag:{LEGACY_CLUSTER_TAG}", "Values": [self.cluster]}],
        ]
        groups = pages(
            self.autoscaling,
            "describe_auto_scaling_groups",
            "AutoScalingGroups",
            filters,
            self.bounds,
        )
        unique = {str(g["AutoScalingGroupName"]): g for g in groups}
        self.documents[ASGS_FILE] = {"AutoScalingGroups": list(unique.values())}

    def _security_groups(self) -> None:
        """The groups on the cluster's own instances' interfaces: what admits traffic to them."""
        if INSTANCES_FILE not in self.documents:
            self.missing[Fact.AWS_SECURITY_GROUPS] = (
                "not read: the instances were not, and their groups say which to read"
            )
            if Fact.AWS_INSTANCES in self.failed:
                self.failed.add(Fact.AWS_SECURITY_GROUPS)
            return
        mine = [i for i in _instances_of(self.documents[INSTANCES_FILE]) if self._tagged(i)]
        ids = {group for i in mine for group in _group_ids(i)}
        groups = pages(
            self.ec2,
            "describe_security_groups",
            "SecurityGroups",
            chunked("group-id", ids),
            self.bounds,
        )
        unique = {str(g["GroupId"]): g for g in groups}
        self.documents[SECURITY_GROUPS_FILE] = {"SecurityGroups": list(unique.values())}

    def _tagged(self, instance: Mapping[str, Any]) -> bool:
        """Carries the cluster's tag (not an instance a route points at from elsewhere)."""
        tags = {str(t.get("Key")): t.get("Value") for t in instance.get("Tags") or ()}
        return (
            tags.get(LEGACY_CLUSTER_TAG) == self.cluster
            or f"{CLUSTER_TAG_PREFIX}{self.cluster}" in tags
        )

    def _quota(self) -> None:
        """The applied value; AWS's default (said so) when that is refused."""
        from botocore.exceptions import ClientError

        codes = {"ServiceCode": QUOTA_SERVICE_CODE, "QuotaCode": QUOTA_CODE}
        try:
            response = self.quotas.get_service_quota(**codes)
        except ClientError as exc:
            applied = _describe(exc)
            try:
                response = self.quotas.get_aws_default_service_quota(**codes)
            except ClientError as again:
                self.missing[Fact.AWS_ROUTE_QUOTA] = (
                    f"Service Quotas gave neither the applied routes-per-route-table quota"
                    f" ({applied}) nor AWS's default ({_describe(again)})"
                )
                return
            self.quota_source = (
                "default",
                f"GetServiceQuota refused ({applied}); this is AWS's default, which does not"
                " show an increase granted to this account",
            )
        self.documents[QUOTA_FILE] = cli_json(response)


def _instances_of(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [i for r in doc.get("Reservations") or () for i in r.get("Instances") or ()]


def _group_ids(instance: Mapping[str, Any]) -> set[str]:
    """The instance's groups and its interfaces' (describe-instances lists both)."""
    lists = [instance.get("SecurityGroups") or ()]
    lists += [eni.get("Groups") or () for eni in instance.get("NetworkInterfaces") or ()]
    return {str(g["GroupId"]) for groups in lists for g in groups if g.get("GroupId")}


def _merge_reservations(*parts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Reservations from several queries, each instance once (filter sets overlap)."""
    merged: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for part in parts:
        for reservation in part:
            key = str(reservation.get("ReservationId"))
            target = merged.setdefault(key, {**reservation, "Instances": []})
            for instance in reservation.get("Instances") or ():
                if instance["InstanceId"] not in seen:
                    seen.add(instance["InstanceId"])
                    target["Instances"].append(instance)
    return list(merged.values())
