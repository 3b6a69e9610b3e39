"""The classifier on real wordings: kubelet, dockershim, containerd, CRI-O and CNI providers.

One case per message as clusters print it (kubelet journal lines, node conditions, pod events,
runtime and provider logs), plus healthy lines that must carry no failure signal. The expected
signals are exact: a new pattern that starts matching where it should not fails here.
"""

from __future__ import annotations

import pytest

from kopscheck.knowledge.messages import classify, first_match
from kopscheck.knowledge.signals import Signal

S = Signal

CASES = [
    # --- the runtime has no CNI config -----------------------------------------------------
    pytest.param(
        "cni.go:157] Unable to update cni config: No networks found in /etc/cni/net.d",
        {S.CNI_NOT_INITIALIZED},
        id="kubelet-dockershim-no-networks-found",
    ),
    pytest.param(
        "KubeletNotReady runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
        "message:Network plugin returns error: cni plugin not initialized",
        {S.CNI_NOT_INITIALIZED},
        id="node-condition-containerd-cni-plugin-not-initialized",
    ),
    pytest.param(
        "Warning  NetworkNotReady  3m27s (x4964 over 168m)  kubelet, casts1  network is not ready: "
        "runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
        "message:docker: network plugin is not ready: cni config uninitialized",
        {S.CNI_NOT_INITIALIZED},
        id="pod-event-dockershim-cni-config-uninitialized",
    ),
    pytest.param(
        "E0218 20:42:15.076568    7822 kubelet.go:2106] Container runtime network not ready: "
        "NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not "
        "ready: cni config uninitialized",
        {S.CNI_NOT_INITIALIZED},
        id="kubelet-log-kops-dockershim",
    ),
    pytest.param(
        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
        "message:Network plugin returns error: No CNI configuration file in /etc/cni/net.d/. Has "
        "your network provider",
        {S.CNI_NOT_INITIALIZED},
        id="node-condition-crio-truncated",
    ),
    pytest.param(
        "Ready            False   Wed, 26 Jun 2024 16:44:29 -0400   Tue, 25 Jun 2024 22:31:52 -0400"
        "   KubeletNotReady              container runtime network not ready: NetworkReady=false "
        "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not "
        "initialized",
        {S.CNI_NOT_INITIALIZED},
        id="describe-node-row-kops-1.29-calico",
    ),
    pytest.param(
        'kubelet[3274]: E0711 10:22:44.736898    3274 kubelet.go:2902] "Container runtime network '
        'not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network '
        'plugin returns error: cni plugin not initialized"',
        {S.CNI_NOT_INITIALIZED},
        id="kubelet-structured-log-containerd",
    ),
    pytest.param(
        "No CNI configuration file in /etc/cni/net.d/. Has your network provider started?",
        {S.CNI_NOT_INITIALIZED},
        id="crio-no-cni-configuration-file",
    ),
    pytest.param(
        'level=error msg="failed to load cni during init, please check CRI plugin status before '
        'setting up network for pods" error="cni config load failed: no network config found in '
        '/etc/cni/net.d: cni plugin not initialized: failed to load cni config"',
        {S.CNI_NOT_INITIALIZED},
        id="containerd-log-cni-config-load-failed",
    ),
    pytest.param(
        'level=error msg="Error syncing pod" err="network is not ready: container runtime network '
        "not ready: NetworkReady=false reason:NetworkPluginNotReady message:Missing CNI default "
        'network"',
        {S.CNI_NOT_INITIALIZED},
        id="crio-missing-cni-default-network",
    ),
    # --- kube-dns waits for the CNI ----------------------------------------------------------
    pytest.param(
        "Warning  FailedScheduling  8m19s  default-scheduler  0/1 nodes are available: 1 node(s) "
        "had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate.",
        {S.NOT_READY_TAINT},
        id="coredns-failedscheduling-not-ready-taint",
    ),
    pytest.param(
        "Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox "
        'container "16661acb98ff" network for pod "coredns-797455887b-s9r8n": NetworkPlugin cni '
        'failed to set up pod "coredns-797455887b-s9r8n_kube-system" network: context deadline '
        'exceeded, failed to clean up sandbox container "16661acb98ff" network for pod '
        '"coredns-797455887b-s9r8n": NetworkPlugin cni failed to teardown pod '
        '"coredns-797455887b-s9r8n_kube-system" network: context deadline exceeded]',
        {S.SANDBOX_NETWORK_FAILED},
        id="dockershim-sandbox-setup-and-teardown-timeout",
    ),
    pytest.param(
        "Warning  FailedCreatePodSandBox  2m42s  kubelet, worker-1  Failed create pod sandbox: rpc "
        'error: code = Unknown desc = [failed to set up sandbox container "54593dffc8c5" network '
        'for pod "coredns-69cbb76ff8-hq79w": NetworkPlugin cni failed to set up pod '
        '"coredns-69cbb76ff8-hq79w_kube-system" network: failed to find plugin "loopback" in',
        {S.CNI_BINARY_MISSING, S.SANDBOX_NETWORK_FAILED},
        id="dockershim-loopback-binary-missing",
    ),
    pytest.param(
        "Warning  FailedCreatePodSandBox  84s  kubelet, minikube  Failed to create pod sandbox: rpc "
        'error: code = Unknown desc = [failed to set up sandbox container "b1fa52d756c9" network '
        'for pod "coredns-66bff467f8-z74w2": networkPlugin cni failed to set up pod '
        '"coredns-66bff467f8-z74w2_kube-system" network: failed to set bridge addr: could not add '
        'IP address to "cni0": permission denied',
        {S.SANDBOX_NETWORK_FAILED},
        id="bridge-cni-permission-denied",
    ),
    pytest.param(
        "kube-system   coredns-5644d7b6d9-fl7h8       0/1     Pending   0          25m   <none>",
        set(),
        id="kubectl-get-pods-coredns-pending-carries-no-cause",
    ),
    # --- kubelet --network-plugin and kubenet -----------------------------------------------
    pytest.param(
        "E1114 06:59:11.517833    6229 kubelet.go:2112] Container runtime network not ready: "
        "NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not "
        "ready: Kubenet does not have netConfig. This is most likely due to lack of PodCIDR",
        {S.CNI_NOT_INITIALIZED, S.NO_POD_CIDR},
        id="kubenet-no-netconfig-kops-aws",
    ),
    pytest.param(
        "Sep 23 02:15:37 ip-172-20-97-227 kubelet[771]: I0923 02:15:37.550274     771 "
        "kubelet.go:2510] skipping pod synchronization - [Kubenet does not have netConfig. This is "
        "most likely due to lack of PodCIDR]",
        {S.NO_POD_CIDR},
        id="kubenet-master-without-pod-cidr",
    ),
    pytest.param(
        "Calling network plugin kubernetes.io/no-op to set up pod",
        {S.KUBELET_NETWORK_PLUGIN},
        id="dockershim-no-op-plugin-without-flag",
    ),
    pytest.param(
        "kubelet.go:3907] Setting Pod CIDR:  -> 10.200.0.0/24",
        set(),
        id="kubenet-healthy-pod-cidr-baseline",
    ),
    pytest.param(
        "NetworkPlugin cni failed to set up pod xxxx network: no podCidr for node yyyy",
        {S.NO_POD_CIDR, S.SANDBOX_NETWORK_FAILED},
        id="host-local-use-pod-cidr-without-pod-cidr",
    ),
    pytest.param(
        "Jun 17 21:51:07 kube1 kubelet: Error: failed to parse kubelet flag: unknown flag: "
        "--network-plugin",
        {S.KUBELET_NETWORK_PLUGIN},
        id="kubelet-1.24-unknown-flag-network-plugin",
    ),
    pytest.param(
        "flag provided but not defined: -network-plugin",
        {S.KUBELET_NETWORK_PLUGIN},
        id="go-flag-package-wording",
    ),
    pytest.param(
        "--network-plugin string   The name of the network plugin to be invoked for various events "
        "in kubelet/pod lifecycle. This docker-specific flag only works when container-runtime is "
        "set to docker.",
        set(),
        id="kubelet-help-text-is-not-a-failure",
    ),
    # --- the CNI provider is unhealthy -------------------------------------------------------
    pytest.param(
        "Warning  Unhealthy  42m   kubelet  Readiness probe failed: 2024-01-10 23:05:07.799 "
        "[INFO][3875] confd/health.go 180: Number of node(s) with BGP peering established = 0 "
        "calico/node is not ready: BIRD is not ready: BGP not established with 10.0.1.1",
        {S.CNI_AGENT_NOT_READY},
        id="calico-bgp-not-established",
    ),
    pytest.param(
        "Warning  Unhealthy  83s (x1234 over 7h22m)  kubelet  Readiness probe failed: calico/node is "
        "not ready: BIRD is not ready: Error querying BIRD: unable to connect to BIRDv4 socket: dial "
        "unix /var/run/calico/bird.ctl: connect: resource temporarily unavailable",
        {S.CNI_AGENT_NOT_READY},
        id="calico-bird-socket",
    ),
    pytest.param(
        'level=error msg="StopPodSandbox for \\"1977065b951e\\" failed" error="failed to destroy '
        'network for sandbox \\"1977065b951e\\": plugin type=\\"calico\\" failed (delete): '
        'netplugin failed with no error message: signal: killed"',
        {S.SANDBOX_NETWORK_FAILED},
        id="containerd-calico-del-killed",
    ),
    pytest.param(
        "Warning  Unhealthy  76s (x26 over 6m6s)  kubelet  Liveness probe failed: calico/node is not "
        'ready: Felix is not live: Get "http://localhost:9099/liveness": dial tcp 127.0.0.1:9099: '
        "connect: connection refused",
        {S.CNI_AGENT_NOT_READY},
        id="calico-felix-not-live",
    ),
    pytest.param(
        'networkPlugin cni failed to set up pod "test-web-api_default" network: stat '
        "/var/lib/calico/nodename: no such file or directory: check that the calico/node container "
        "is running and has mounted /var/lib/calico/",
        {S.CNI_AGENT_NOT_RUNNING, S.SANDBOX_NETWORK_FAILED},
        id="calico-nodename-missing",
    ),
    pytest.param(
        "2021-05-22 08:42:28.198 [WARNING][9] startup/startup.go 1336: Failed to set "
        "NetworkUnavailable to False; will retry error=Unauthorized",
        {S.CNI_AGENT_NOT_READY},
        id="calico-cannot-clear-network-unavailable",
    ),
    pytest.param(
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
        'sandbox "0b2f8521e66a": plugin type="cilium-cni" failed (add): unable to connect to Cilium '
        "agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "
        '"http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file '
        "or directory Is the agent running?",
        {S.CNI_AGENT_NOT_RUNNING, S.SANDBOX_NETWORK_FAILED},
        id="cilium-agent-unreachable",
    ),
    pytest.param(
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
        'sandbox "3eb650e5b06f": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed '
        "to assign an IP address to container",
        {S.IP_EXHAUSTED, S.SANDBOX_NETWORK_FAILED},
        id="aws-cni-ip-exhausted",
    ),
    pytest.param(
        '"msg": "Initialization failure: failed to allocate one IP addresses on ENI '
        "eni-0aaaafcedcb7b0940e,           err: allocate IP address: failed to allocate a private "
        "IP address:            InsufficientFreeAddressesInSubnet: The specified subnet does not "
        "have enough free addresses to satisfy the request.",
        {S.IP_EXHAUSTED},
        id="aws-node-subnet-exhausted",
    ),
    pytest.param(
        'Warning  Unhealthy  86s  kubelet  Readiness probe failed: {"level":"info",'
        '"ts":"2025-03-01T13:57:31.657Z","caller":"/usr/local/go/src/runtime/proc.go:271",'
        '"msg":"timeout: failed to connect service \\":50051\\" within 5s"}',
        {S.CNI_AGENT_NOT_RUNNING},
        id="aws-node-ipamd-grpc-down",
    ),
    pytest.param(
        "weave-net-jhzs7            1/2     CrashLoopBackOff    144 (118s ago)   39h",
        set(),
        id="kubectl-get-pods-crashloop-is-a-state-not-a-message",
    ),
    pytest.param(
        "Warning  FailedCreatePodSandBox  2m2s  kubelet  Failed to create pod sandbox: rpc error: "
        'code = Unknown desc = failed to setup network for sandbox "ed1acb1e2ecf": plugin '
        'type="flannel" failed (add): failed to find plugin "flannel" in path [/opt/cni/bin]',
        {S.CNI_BINARY_MISSING, S.SANDBOX_NETWORK_FAILED},
        id="flannel-binary-missing",
    ),
    pytest.param(
        "Warning  FailedCreatePodSandBox  1d  kubelet, node2  Failed create pod sandbox: rpc error: "
        'code = Unknown desc = failed to set up sandbox container "99e30671c80a" network for pod '
        '"node1-6777d4468-d6tvq": NetworkPlugin cni failed to set up pod "node1-6777d4468-d6tvq_default"'
        " network: open /run/flannel/subnet.env: no such file or directory",
        {S.CNI_AGENT_NOT_RUNNING, S.SANDBOX_NETWORK_FAILED},
        id="flannel-subnet-env-missing-dockershim",
    ),
    pytest.param(
        "E0103 08:30:16.323753       1 controller_utils.go:260] Error while processing Node "
        "Add/Delete: failed to allocate cidr from cluster cidr at idx:0: CIDR allocation failed; "
        "there are no remaining CIDRs left to allocate in the accepted range",
        {S.IP_EXHAUSTED},
        id="kcm-cluster-cidr-exhausted",
    ),
    # --- route controller (the AWS checks own these; the shared signals must hold) ----------
    pytest.param(
        "NetworkUnavailable   True    Wed, 18 Apr 2018 15:02:32 +0100   Wed, 18 Apr 2018 15:02:32 "
        "+0100   NoRouteCreated               RouteController failed to create a route",
        {S.NO_ROUTE_CREATED},
        id="kubenet-no-route-created",
    ),
    pytest.param(
        "RouteLimitExceeded You've reached the limit on the number of routes that you can add to a "
        "route table.",
        {S.ROUTE_LIMIT_EXCEEDED},
        id="ec2-route-limit-exceeded",
    ),
    # --- pod create and delete on a node -----------------------------------------------------
    pytest.param(
        'I0608 15:36:12.678061    1517 kubelet.go:1904] SyncLoop (DELETE, "api"): '
        '"analytics-11-865c5777c7-ftzdv_whoop(ad544c18-3890-47b6-852a-dac78fc71187)"',
        set(),
        id="kubelet-syncloop-delete-is-healthy",
    ),
    pytest.param(
        'I0217 01:19:19.927003    3855 kubelet.go:2316] SyncLoop (REMOVE, "api"): '
        '"pod-no-resources_e2e-tests-limitrange-qze9g(683abe53-d514-11e5-9301-42010af00002)"',
        set(),
        id="kubelet-syncloop-remove-is-healthy",
    ),
    pytest.param(
        'E1026 14:08:18.459322 1067481 remote_runtime.go:193] "RunPodSandbox from runtime service '
        'failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox '
        '\\"5db402ddcda9\\": plugin type=\\"flannel\\" failed (add): loadFlannelSubnetEnv failed: '
        'open /run/flannel/subnet.env: no such file or directory"',
        {S.CNI_AGENT_NOT_RUNNING, S.SANDBOX_NETWORK_FAILED},
        id="kubelet-structured-runpodsandbox-flannel",
    ),
    pytest.param(
        'level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:coredns-7748f7f6df-j276v,'
        'Uid:3e63dc36-3d40-11e9-b202-4ccc6abd096d,Namespace:kube-system,Attempt:0,} failed, error" '
        'error="failed to setup network for sandbox \\"e4cf0428aeac\\": open '
        '/run/flannel/subnet.env: no such file or directory"',
        {S.CNI_AGENT_NOT_RUNNING, S.SANDBOX_NETWORK_FAILED},
        id="containerd-runpodsandbox-flannel",
    ),
    pytest.param(
        'containerd[2639]: time="2019-10-02T23:27:34.439359450Z" level=error msg="StopPodSandbox for '
        '"cae59246074a" failed" error="failed to destroy network for sandbox "cae59246074a": del '
        'cmd: failed to process delete request"',
        {S.SANDBOX_NETWORK_FAILED},
        id="containerd-aws-cni-del-failure",
    ),
    pytest.param(
        "2022-04-22 05:17:07.579 [INFO][21014] ipam_plugin.go 226: Calico CNI IPAM request count "
        'IPv4=1 IPv6=0 ContainerID="3a0b9ebe70d0" HandleID="k8s-pod-network.3a0b9ebe70d0"',
        set(),
        id="calico-cni-add-is-healthy",
    ),
    pytest.param(
        "2021-10-27 20:54:18.637 [INFO][21649] utils.go 176: Calico CNI releasing IP address "
        'ContainerID="1022b90629c7"',
        set(),
        id="calico-cni-del-is-healthy",
    ),
    pytest.param(
        'level=info msg="Delete endpoint request" id="container-id:905e9520571d" subsys=daemon',
        set(),
        id="cilium-delete-endpoint-is-healthy",
    ),
    pytest.param(
        'level=info msg="Agent is down, falling back to deletion queue directory" '
        "containerID=8a3a3c59b566 eventUUID=a0d5f74c-130d-48e5-b656-fc380fc5a308 subsys=cilium-cni",
        {S.CNI_AGENT_NOT_RUNNING},
        id="cilium-cni-del-while-agent-down",
    ),
    pytest.param(
        "Normal   SandboxChanged  5s (x5 over 60s)  kubelet  Pod sandbox changed, it will be killed "
        "and re-created.",
        set(),
        id="sandbox-changed-alone-names-no-cause",
    ),
    pytest.param(
        '2018/09/06 13:02:45 [FATAL] plugin/loop: Seen "HINFO IN 2050421060481615995.'
        '5620656063561519376." more than twice, loop detected',
        {S.DNS_LOOP},
        id="coredns-loop-detected",
    ),
    # --- the container runtime does not answer the kubelet ---------------------------------
    pytest.param(
        # the real kubelet v1.32.13's Ready condition 30s after containerd 1.6.20 was stopped
        # (tests/cluster, test_realnode_faults.py)
        "container runtime is down",
        {S.RUNTIME_DOWN},
        id="node-condition-kubelet-1.32-containerd-stopped",
    ),
    pytest.param(
        'E1207 15:30:54.867169   16732 kubelet.go:2421] "Skipping pod synchronization"'
        ' err="container runtime is down"',
        {S.RUNTIME_DOWN},
        id="kubelet-log-skipping-pod-synchronization-runtime-down",
    ),
    pytest.param(
        "KubeletNotReady     container runtime status check may not have completed yet",
        {S.RUNTIME_DOWN},
        id="describe-node-docker-runtime-status-not-completed",
    ),
    pytest.param(
        "[container runtime status check may not have completed yet, PLEG is not healthy: pleg"
        " has yet to be successful]",
        {S.RUNTIME_DOWN},
        id="kubelet-aggregate-runtime-and-pleg",
    ),
    pytest.param(
        # the same kubelet, same node, without a podCIDR: the runtime answers, its network is
        # what is not ready (the word "runtime" alone must not mean the runtime is down)
        "[container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
        " message:Network plugin returns error: cni plugin not initialized, CSINode is not yet"
        " initialized]",
        {S.CNI_NOT_INITIALIZED},
        id="node-condition-kubelet-1.32-runtime-network-not-ready-is-not-runtime-down",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_classify_recognises_the_stable_phrase(text: str, expected: set[Signal]) -> None:
    assert set(classify(text)) == expected


def test_classify_returns_each_signal_once_in_declaration_order() -> None:
    text = (
        "NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: "
        "cni plugin not initialized"
    )
    assert classify(text, text) == (Signal.CNI_NOT_INITIALIZED,)


def test_first_match_finds_lines_for_patterns_added_later() -> None:
    log = (
        "I1127 10:00:00.000000 1 server.go:1] starting\n"
        "  E1127 10:00:01.000000 1 cni.go:2] cni config load failed: no network config found in"
        " /etc/cni/net.d  \n"
    )
    assert first_match(log, Signal.CNI_NOT_INITIALIZED) == (
        "E1127 10:00:01.000000 1 cni.go:2] cni config load failed: no network config found in"
        " /etc/cni/net.d"
    )
    assert first_match(log, Signal.IP_EXHAUSTED) is None
