"""Names for failure classes that findings carry and checks explain.

A finding tagged with a signal is explained by any failing check whose `explains` holds it;
that is how diagnosis links a Pending CoreDNS pod to a missing CNI provider without a fixed
table of check pairs. Add members; never rename one.
"""

from enum import StrEnum


class Signal(StrEnum):
    # The container runtime reports its network plugin is not ready (no CNI config yet).
    CNI_NOT_INITIALIZED = "cni-not-initialized"
    # A CNI plugin binary is missing from /opt/cni/bin.
    CNI_BINARY_MISSING = "cni-binary-missing"
    # The CNI provider's agent is not running on the node (calico nodename, cilium socket).
    CNI_AGENT_NOT_RUNNING = "cni-agent-not-running"
    # The node or provider has no IP addresses left to give pods.
    IP_EXHAUSTED = "ip-exhausted"
    # Pod network set-up or tear-down failed in a sandbox operation.
    SANDBOX_NETWORK_FAILED = "sandbox-network-failed"
    # The node is NotReady for any reason.
    NODE_NOT_READY = "node-not-ready"
    # NetworkUnavailable=True with NoRouteCreated: the route controller has not routed the node.
    NO_ROUTE_CREATED = "no-route-created"
    # The cloud refused a route because the route table is full.
    ROUTE_LIMIT_EXCEEDED = "route-limit-exceeded"
    # A pod cannot be scheduled because every candidate node carries the not-ready taint.
    NOT_READY_TAINT = "not-ready-taint"
    # Kubelet runs with the wrong or a removed --network-plugin flag.
    KUBELET_NETWORK_PLUGIN = "kubelet-network-plugin"
    # Kubenet has no pod CIDR for the node.
    NO_POD_CIDR = "no-pod-cidr"
    # CoreDNS detected a forwarding loop (plugin/loop); a DNS configuration problem.
    DNS_LOOP = "dns-loop"
    # The CNI provider's agent runs but fails its health checks (calico BIRD/Felix, cilium health).
    CNI_AGENT_NOT_READY = "cni-agent-not-ready"
    # A route in the cluster's table serves no current node: blackhole, stale, or to the wrong
    # instance. Its fix is deleting it; a full table of them is a health fault, not capacity.
    STALE_ROUTE = "stale-route"
    # A probe pod of kopscheck's own never ran on a node; pod.lifecycle says at which step.
    PROBE_POD_NOT_RUN = "probe-pod-not-run"
    # The node's container runtime does not answer the kubelet (containerd stopped or hung).
    RUNTIME_DOWN = "runtime-down"
