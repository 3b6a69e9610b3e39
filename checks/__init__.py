"""kopscheck's built-in checks, installed as `kopscheck_checks`.

One check per module, grouped by family (checks/<family>/<name>.py). BUILTIN_CHECKS is the
explicit list the engine runs, in report order; third-party checks come through the
`kopscheck.checks` entry-point group.
"""

from __future__ import annotations

from .aws.route_table_capacity import RouteTableCapacity
from .aws.route_table_health import RouteTableHealth
from .dns.rollout import DnsRollout
from .node.network_ready import NodeNetworkReady

BUILTIN_CHECKS: tuple[type, ...] = (
    NodeNetworkReady,
    DnsRollout,
    RouteTableCapacity,
    RouteTableHealth,
)
