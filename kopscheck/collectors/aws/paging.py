"""How the AWS reader asks: paginated describe calls within `--max-pages` and the scan's deadline,
and each answer kept in the shape `aws ... --output json` prints (what the bundle holds)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kopscheck.collectors.kube.bounds import DEFAULT_MAX_PAGES, BoundHit, Deadline

FILTER_VALUES_MAX = 200  # EC2 accepts at most 200 values in one filter
# Page sizes: the largest each API allows (DescribeRouteTables 100, DescribeAutoScalingGroups
# 100); AWS asks for paginated DescribeRouteTables once tables hold more than 125 routes.
PAGE_SIZES = {
    "describe_instances": 1000,
    "describe_vpcs": 1000,
    "describe_route_tables": 100,
    "describe_auto_scaling_groups": 100,
    "describe_security_groups": 1000,
}
SECRET_KEYS = frozenset({"UserData"})


@dataclass(frozen=True, slots=True)
class AwsBounds:
    """How far AWS is read: pages per query (`--max-pages`) and the scan's `--timeout`."""

    max_pages: int = DEFAULT_MAX_PAGES
    deadline: Deadline | None = None


def cli_json(value: Any) -> Any:
    """A boto3 response as the AWS CLI prints it: ISO times, no ResponseMetadata or user data."""
    if isinstance(value, Mapping):
        return {
            str(k): cli_json(v)
            for k, v in value.items()
            if k != "ResponseMetadata" and k not in SECRET_KEYS
        }
    if isinstance(value, list | tuple):
        return [cli_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def pages(
    client: Any,
    operation: str,
    key: str,
    filter_sets: Iterable[list[dict[str, Any]]],
    bounds: AwsBounds,
) -> list[Mapping[str, Any]]:
    """Every item of `key` over every page, for each filter set (each set is one query), at
    most `bounds.max_pages` pages a query and none after the scan's deadline."""
    paginator = client.get_paginator(operation)
    config = {"PageSize": PAGE_SIZES[operation]}
    out: list[Mapping[str, Any]] = []
    for filters in filter_sets:  # the deadline was checked before the step and after each page
        answers = paginator.paginate(Filters=filters, PaginationConfig=config)
        for number, page in enumerate(answers, start=1):
            out.extend(cli_json(item) for item in page.get(key) or ())
            if bounds.deadline is not None:
                bounds.deadline.check()
            if number >= bounds.max_pages and page.get("NextToken"):
                raise BoundHit(
                    "PageLimit",
                    f"stopped after {bounds.max_pages} pages of {config['PageSize']} (--max-pages)",
                )
    return out


def chunked(name: str, values: Iterable[str]) -> list[list[dict[str, Any]]]:
    """One filter set per FILTER_VALUES_MAX values of filter `name`."""
    ordered = sorted(values)
    return [
        [{"Name": name, "Values": ordered[i : i + FILTER_VALUES_MAX]}]
        for i in range(0, len(ordered), FILTER_VALUES_MAX)
    ]
