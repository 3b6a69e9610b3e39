"""Parse AWS API responses (`aws ... --output json` or boto3, the same shapes) into facts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kopscheck.collectors.formats import shapes
from kopscheck.model.errors import InputError
from kopscheck.model.facts import (
    AutoScalingGroup,
    Instance,
    Quota,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
)

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


def _records(doc: object, key: str, label: str) -> list[tuple[str, Mapping[str, Any]]]:
    if not isinstance(doc, Mapping) or key not in doc:
        raise InputError(label, f"expected AWS CLI JSON with a top-level {key!r} list")
    if not isinstance(doc[key], list):
        raise InputError(label, f"{key!r} must be a list of objects")
    return shapes.objects(doc[key], label, key)


def tags(raw: object, label: str = "", path: str = "Tags") -> dict[str, str]:
    return {
        shapes.text(t.get("Key"), label, f"{at}.Key"): shapes.text(
            t.get("Value"), label, f"{at}.Value"
        )
        for at, t in shapes.objects(raw, label, path)
    }


def parse_route_tables(doc: object, label: str) -> tuple[RouteTable, ...]:
    return tuple(route_table(raw, label, at) for at, raw in _records(doc, "RouteTables", label))


def route_table(raw: Mapping[str, Any], label: str = "", path: str = "") -> RouteTable:
    routes = []
    for at, r in shapes.objects(raw.get("Routes"), label, f"{path}.Routes"):
        target = next(
            (shapes.text(r[k], label, f"{at}.{k}") for k in ROUTE_TARGET_KEYS if r.get(k)), ""
        )
        destination = r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock") or ""
        destination = destination or r.get("DestinationPrefixListId") or ""
        routes.append(
            Route(
                destination=shapes.text(destination, label, f"{at}.DestinationCidrBlock"),
                state=shapes.text(r.get("State"), label, f"{at}.State") or "active",
                target=target,
                origin=shapes.text(r.get("Origin"), label, f"{at}.Origin"),
            )
        )
    associations = shapes.objects(raw.get("Associations"), label, f"{path}.Associations")
    return RouteTable(
        id=shapes.text(raw.get("RouteTableId"), label, f"{path}.RouteTableId"),
        vpc_id=shapes.text(raw.get("VpcId"), label, f"{path}.VpcId"),
        tags=tags(raw.get("Tags"), label, f"{path}.Tags"),
        routes=tuple(routes),
        subnet_ids=tuple(
            shapes.text(a["SubnetId"], label, f"{at}.SubnetId")
            for at, a in associations
            if a.get("SubnetId")
        ),
    )


def parse_instances(doc: object, label: str) -> tuple[Instance, ...]:
    out = []
    for at, reservation in _records(doc, "Reservations", label):
        for where, raw in shapes.objects(reservation.get("Instances"), label, f"{at}.Instances"):
            out.append(instance(raw, label, where))
    return tuple(out)


def instance(raw: Mapping[str, Any], label: str = "", path: str = "") -> Instance:
    check = raw.get("SourceDestCheck")
    state = shapes.mapping(raw.get("State"), label, f"{path}.State")
    return Instance(
        id=shapes.text(raw.get("InstanceId"), label, f"{path}.InstanceId"),
        state=shapes.text(state.get("Name"), label, f"{path}.State.Name"),
        vpc_id=shapes.text(raw.get("VpcId"), label, f"{path}.VpcId"),
        private_ip=shapes.text(raw.get("PrivateIpAddress"), label, f"{path}.PrivateIpAddress"),
        tags=tags(raw.get("Tags"), label, f"{path}.Tags"),
        source_dest_check=check if isinstance(check, bool) else None,
        security_group_ids=instance_groups(raw, label, path),
    )


def instance_groups(raw: Mapping[str, Any], label: str = "", path: str = "") -> tuple[str, ...]:
    """The group ids of the instance and of each of its network interfaces, each once."""
    found = [
        shapes.text(g.get("GroupId"), label, f"{at}.GroupId")
        for at, g in shapes.objects(raw.get("SecurityGroups"), label, f"{path}.SecurityGroups")
    ]
    interfaces = shapes.objects(raw.get("NetworkInterfaces"), label, f"{path}.NetworkInterfaces")
    for where, eni in interfaces:
        found += [
            shapes.text(g.get("GroupId"), label, f"{at}.GroupId")
            for at, g in shapes.objects(eni.get("Groups"), label, f"{where}.Groups")
        ]
    return tuple(dict.fromkeys(g for g in found if g))


def parse_autoscaling_groups(doc: object, label: str) -> tuple[AutoScalingGroup, ...]:
    return tuple(
        autoscaling_group(raw, label, at) for at, raw in _records(doc, "AutoScalingGroups", label)
    )


def autoscaling_group(raw: Mapping[str, Any], label: str = "", path: str = "") -> AutoScalingGroup:
    def size(key: str) -> int:
        return shapes.integer(raw.get(key), label, f"{path}.{key}") or 0

    members = shapes.objects(raw.get("Instances"), label, f"{path}.Instances")
    return AutoScalingGroup(
        name=shapes.text(raw.get("AutoScalingGroupName"), label, f"{path}.AutoScalingGroupName"),
        min_size=size("MinSize"),
        max_size=size("MaxSize"),
        desired=size("DesiredCapacity"),
        tags=tags(raw.get("Tags"), label, f"{path}.Tags"),
        instance_ids=tuple(
            shapes.text(i.get("InstanceId"), label, f"{at}.InstanceId") for at, i in members
        ),
    )


def parse_security_groups(doc: object, label: str) -> tuple[SecurityGroup, ...]:
    """`aws ec2 describe-security-groups --output json`."""
    return tuple(
        security_group(raw, label, at) for at, raw in _records(doc, "SecurityGroups", label)
    )


def security_group(raw: Mapping[str, Any], label: str = "", path: str = "") -> SecurityGroup:
    def rules(key: str) -> tuple[SecurityGroupRule, ...]:
        found = shapes.objects(raw.get(key), label, f"{path}.{key}")
        return tuple(security_group_rule(r, label, at) for at, r in found)

    return SecurityGroup(
        id=shapes.text(raw.get("GroupId"), label, f"{path}.GroupId"),
        name=shapes.text(raw.get("GroupName"), label, f"{path}.GroupName"),
        vpc_id=shapes.text(raw.get("VpcId"), label, f"{path}.VpcId"),
        ingress=rules("IpPermissions"),
        egress=rules("IpPermissionsEgress"),
        tags=tags(raw.get("Tags"), label, f"{path}.Tags"),
    )


def security_group_rule(raw: Mapping[str, Any], label: str, path: str) -> SecurityGroupRule:
    def values(key: str, field: str) -> tuple[str, ...]:
        found = shapes.objects(raw.get(key), label, f"{path}.{key}")
        return tuple(shapes.text(v.get(field), label, f"{at}.{field}") for at, v in found)

    return SecurityGroupRule(
        protocol=shapes.text(raw.get("IpProtocol"), label, f"{path}.IpProtocol"),
        from_port=shapes.integer(raw.get("FromPort"), label, f"{path}.FromPort"),
        to_port=shapes.integer(raw.get("ToPort"), label, f"{path}.ToPort"),
        cidrs=values("IpRanges", "CidrIp"),
        ipv6_cidrs=values("Ipv6Ranges", "CidrIpv6"),
        group_ids=values("UserIdGroupPairs", "GroupId"),
        prefix_list_ids=values("PrefixListIds", "PrefixListId"),
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
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number) or number <= 0:
        raise InputError(label, f"Quota.Value must be a finite positive number, not {number:g}")
    assert isinstance(quota, Mapping)
    arn = str(quota.get("QuotaArn") or "").split(":")
    if len(arn) >= 6 and arn[2] == "servicequotas" and not arn[4]:
        note = "AWS's default (get-aws-default-service-quota): an increase would not show here"
        return Quota(value=number, source="default", note=note)
    return Quota(value=number, source="applied")
