"""Parse AWS API responses (`aws ... --output json` or boto3, the same shapes) into facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kopscheck.model.errors import InputError
from kopscheck.model.facts import AutoScalingGroup, Instance, Quota, Route, RouteTable

ROUTE_TARGET_KEYS = (
    "InstanceId",
    "NetworkInterfaceId",
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "EgressOnlyInternetGatewayId",
)


def _records(doc: object, key: str, label: str) -> list[Mapping[str, Any]]:
    if not isinstance(doc, Mapping) or key not in doc:
        raise InputError(label, f"expected AWS CLI JSON with a top-level {key!r} list")
    items = doc[key]
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise InputError(label, f"{key!r} must be a list of objects")
    return items


def tags(raw: object) -> dict[str, str]:
    if not isinstance(raw, list):
        return {}
    return {str(t.get("Key")): str(t.get("Value", "")) for t in raw if isinstance(t, Mapping)}


def parse_route_tables(doc: object, label: str) -> tuple[RouteTable, ...]:
    return tuple(route_table(raw) for raw in _records(doc, "RouteTables", label))


def route_table(raw: Mapping[str, Any]) -> RouteTable:
    routes = []
    for r in raw.get("Routes") or ():
        target = next((str(r[k]) for k in ROUTE_TARGET_KEYS if r.get(k)), "")
        destination = r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock") or ""
        destination = destination or r.get("DestinationPrefixListId") or ""
        routes.append(
            Route(
                destination=str(destination),
                state=str(r.get("State") or "active"),
                target=target,
                origin=str(r.get("Origin") or ""),
            )
        )
    return RouteTable(
        id=str(raw.get("RouteTableId", "")),
        vpc_id=str(raw.get("VpcId", "")),
        tags=tags(raw.get("Tags")),
        routes=tuple(routes),
        subnet_ids=tuple(
            str(a["SubnetId"]) for a in raw.get("Associations") or () if a.get("SubnetId")
        ),
    )


def parse_instances(doc: object, label: str) -> tuple[Instance, ...]:
    out = []
    for reservation in _records(doc, "Reservations", label):
        for raw in reservation.get("Instances") or ():
            out.append(instance(raw))
    return tuple(out)


def instance(raw: Mapping[str, Any]) -> Instance:
    check = raw.get("SourceDestCheck")
    return Instance(
        id=str(raw.get("InstanceId", "")),
        state=str((raw.get("State") or {}).get("Name", "")),
        vpc_id=str(raw.get("VpcId") or ""),
        private_ip=str(raw.get("PrivateIpAddress") or ""),
        tags=tags(raw.get("Tags")),
        source_dest_check=check if isinstance(check, bool) else None,
    )


def parse_autoscaling_groups(doc: object, label: str) -> tuple[AutoScalingGroup, ...]:
    return tuple(autoscaling_group(raw) for raw in _records(doc, "AutoScalingGroups", label))


def autoscaling_group(raw: Mapping[str, Any]) -> AutoScalingGroup:
    return AutoScalingGroup(
        name=str(raw.get("AutoScalingGroupName", "")),
        min_size=int(raw.get("MinSize") or 0),
        max_size=int(raw.get("MaxSize") or 0),
        desired=int(raw.get("DesiredCapacity") or 0),
        tags=tags(raw.get("Tags")),
        instance_ids=tuple(str(i.get("InstanceId")) for i in raw.get("Instances") or ()),
    )


def parse_quota(doc: object, label: str) -> Quota:
    """`aws service-quotas get-service-quota` (applied) or `get-aws-default-service-quota`.

    The two answer in the same shape; only the ARN differs. An applied quota's ARN names the
    account (`arn:aws:servicequotas:REGION:ACCOUNT:vpc/L-...`), AWS's default has none
    (`arn:aws:servicequotas:REGION::vpc/L-...`).
    """
    quota = doc.get("Quota") if isinstance(doc, Mapping) else None
    value = quota.get("Value") if isinstance(quota, Mapping) else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InputError(label, "expected service-quotas JSON with Quota.Value")
    if value <= 0:
        raise InputError(label, f"Quota.Value must be positive, not {value}")
    assert isinstance(quota, Mapping)
    arn = str(quota.get("QuotaArn") or "").split(":")
    if len(arn) >= 6 and arn[2] == "servicequotas" and not arn[4]:
        note = "AWS's default (get-aws-default-service-quota): an increase would not show here"
        return Quota(value=float(value), source="default", note=note)
    return Quota(value=float(value), source="applied")
