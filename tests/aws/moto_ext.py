"""Small, documented extensions of moto for what it does not model. Tests only.

moto 5 (what the live AWS tests run against) differs from EC2 and Service Quotas here:

- DescribeRouteTables ignores MaxResults/NextToken and answers everything at once, so a
  paginator is never made to turn a page. `MotoExtension.page_route_tables` makes it page
  (and records the tokens it was asked for) the way DescribeInstances already does in moto.
- DescribeSecurityGroups does not page either: `MotoExtension.page_security_groups` makes it
  page the same way, and `deny_security_groups` refuses it as EC2 refuses a caller whose
  policy lacks ec2:DescribeSecurityGroups.
- A route never becomes `blackhole`. EC2 marks a route blackhole when its target instance is
  gone; `MotoExtension.blackhole_terminated` reports routes to terminated instances that way.
- moto allows every call. `MotoExtension.deny_route_tables` refuses DescribeRouteTables the
  way EC2 refuses a caller whose policy lacks ec2:DescribeRouteTables.
- Service Quotas always answers AWS's default (an ARN without an account), cannot be told
  about an increase, and has no GetAWSDefaultServiceQuota. `MotoExtension.quota` answers an
  applied value with the account in its ARN, or refuses GetServiceQuota (AccessDenied) and
  then answers GetAWSDefaultServiceQuota with moto's own default entry.

Each is a pytest monkeypatch on moto's classes, undone after the test; the product code under
test is not touched and talks to moto through boto3 as it would talk to AWS.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.core.exceptions import JsonRESTError
from moto.ec2.models.route_tables import Route
from moto.ec2.responses.route_tables import RouteTables
from moto.ec2.responses.security_groups import SecurityGroups
from moto.servicequotas.models import ServiceQuotasBackend
from moto.servicequotas.resources.default_quotas.vpc import VPC_DEFAULT_QUOTAS
from moto.servicequotas.responses import ServiceQuotasResponse

ROUTES_QUOTA = "L-93826ACB"


class AccessDenied(JsonRESTError):
    def __init__(self, action: str) -> None:
        super().__init__(
            "AccessDeniedException",
            f"User: arn:aws:iam::123456789012:user/readonly is not authorized to perform:"
            f" servicequotas:{action} because no identity-based policy allows the"
            f" servicequotas:{action} action",
        )


@dataclass
class MotoExtension:
    monkeypatch: pytest.MonkeyPatch
    route_table_tokens: list[str | None] = field(default_factory=list)

    def page_route_tables(self) -> None:
        from moto.core.responses import ActionResult

        tokens = self.route_table_tokens

        def describe_route_tables(response: RouteTables) -> Any:
            ids = response._get_param("RouteTableIds", [])
            filters = response._filters_from_querystring()
            tables = response.ec2_backend.describe_route_tables(ids, filters)
            token = response._get_param("NextToken")
            tokens.append(token)
            size = int(response._get_param("MaxResults") or 1000)
            start = int(token) if token else 0
            page = tables[start : start + size]
            more = str(start + size) if start + size < len(tables) else None
            return ActionResult({"RouteTables": page, "NextToken": more})

        self.monkeypatch.setattr(RouteTables, "describe_route_tables", describe_route_tables)

    def page_security_groups(self) -> None:
        from moto.core.responses import ActionResult

        def describe_security_groups(response: SecurityGroups) -> Any:
            groups = response.ec2_backend.describe_security_groups(
                group_ids=response._get_param("GroupIds", []),
                groupnames=response._get_param("GroupNames", []),
                filters=response._filters_from_querystring(),
            )
            token = response._get_param("NextToken")
            size = int(response._get_param("MaxResults") or 1000)
            start = int(token) if token else 0
            more = str(start + size) if start + size < len(groups) else None
            return ActionResult({"SecurityGroups": groups[start : start + size], "NextToken": more})

        self.monkeypatch.setattr(
            SecurityGroups, "describe_security_groups", describe_security_groups
        )

    def deny_security_groups(self) -> None:
        from moto.ec2.exceptions import EC2ClientError

        def describe_security_groups(response: SecurityGroups) -> Any:
            raise EC2ClientError(
                "UnauthorizedOperation",
                "You are not authorized to perform this operation. User:"
                " arn:aws:iam::123456789012:user/readonly is not authorized to perform:"
                " ec2:DescribeSecurityGroups because no identity-based policy allows the"
                " ec2:DescribeSecurityGroups action",
            )

        self.monkeypatch.setattr(
            SecurityGroups, "describe_security_groups", describe_security_groups
        )

    def deny_route_tables(self) -> None:
        from moto.ec2.exceptions import EC2ClientError

        def describe_route_tables(response: RouteTables) -> Any:
            raise EC2ClientError(
                "UnauthorizedOperation",
                "You are not authorized to perform this operation. User:"
                " arn:aws:iam::123456789012:user/readonly is not authorized to perform:"
                " ec2:DescribeRouteTables because no identity-based policy allows the"
                " ec2:DescribeRouteTables action",
            )

        self.monkeypatch.setattr(RouteTables, "describe_route_tables", describe_route_tables)

    def blackhole_terminated(self) -> None:
        def state(route: Route) -> str:
            gone = route.instance is not None and route.instance.state == "terminated"
            return "blackhole" if gone else "active"

        self.monkeypatch.setattr(Route, "state", property(state))

    def quota(self, applied: float | None = None, deny_default: bool = False) -> None:
        """Answer `applied` as the account's value, or refuse GetServiceQuota when None."""
        default = next(q for q in VPC_DEFAULT_QUOTAS if q["QuotaCode"] == ROUTES_QUOTA)

        def get_service_quota(
            backend: ServiceQuotasBackend, service_code: str, quota_code: str
        ) -> dict[str, Any]:
            if applied is None:
                raise AccessDenied("GetServiceQuota")
            quota = copy.deepcopy(default)
            region = quota["QuotaArn"].split(":")[3]
            quota["QuotaArn"] = (
                f"arn:aws:servicequotas:{region}:{backend.account_id}:vpc/{ROUTES_QUOTA}"
            )
            quota["Value"] = float(applied)
            quota["QuotaAppliedAtLevel"] = "ACCOUNT"
            return quota

        def get_aws_default_service_quota(response: ServiceQuotasResponse) -> str:
            if deny_default:
                raise AccessDenied("GetAWSDefaultServiceQuota")
            return json.dumps({"Quota": default})

        self.monkeypatch.setattr(ServiceQuotasBackend, "get_service_quota", get_service_quota)
        self.monkeypatch.setattr(
            ServiceQuotasResponse,
            "get_aws_default_service_quota",
            get_aws_default_service_quota,
            raising=False,
        )
