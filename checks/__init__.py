"""kopscheck's built-in checks, installed as `kopscheck_checks`.

One check per module, grouped by family (checks/<family>/<name>.py). BUILTIN_CHECKS is the
explicit list the engine runs, in report order; third-party checks come through the
`kopscheck.checks` entry-point group.
"""

from __future__ import annotations

from .aws.route_table_capacity import RouteTableCapacity
from .aws.route_table_health import RouteTableHealth
from .aws.source_dest_check import SourceDestCheck
from .cni.node_config import NodeConfig
from .cni.provider_deployed import ProviderDeployed
from .cni.provider_healthy import ProviderHealthy
from .dns.resolution import DnsResolution
from .dns.rollout import DnsRollout
from .kops.networking_supported import NetworkingSupported
from .kubelet.network_plugin import KubeletNetworkPlugin
from .net.connectivity import Connectivity
from .node.kube_proxy import KubeProxy
from .node.network_ready import NodeNetworkReady
from .pod.lifecycle import PodLifecycle
from .pod.node_logs import NodeLogs
from .pod.sandbox_errors import SandboxErrors

BUILTIN_CHECKS: tuple[type, ...] = (
    NetworkingSupported,
    KubeletNetworkPlugin,
    ProviderDeployed,
    ProviderHealthy,
    NodeConfig,
    NodeNetworkReady,
    KubeProxy,
    DnsRollout,
    DnsResolution,
    PodLifecycle,
    SandboxErrors,
    NodeLogs,
    RouteTableCapacity,
    RouteTableHealth,
    SourceDestCheck,
    Connectivity,
)
