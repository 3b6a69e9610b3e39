"""The files a real node runs on, as kops 1.32's nodeup writes them where it matters: containerd's
CRI config with nodeup's kubenet CNI `conf_template` (ptp + host-local on the node's podCIDR +
portmap; none in `cni` mode, as on a `--networking cni` cluster before a provider installs one),
and a KubeletConfiguration file. Sandbox-specific settings are commented where they appear."""

from __future__ import annotations

from pathlib import Path

CNI_BIN_DIR = "/opt/cni/bin"
CNI_CONF_DIR = "/etc/cni/net.d"
CLUSTER_DNS = "10.0.0.10"  # in the plane's service range 10.0.0.0/24

# nodeup/pkg/model/containerd.go, kubenet: containerd fills {{.PodCIDR}} from the Node's podCIDR
KUBENET_TEMPLATE = """{
    "cniVersion": "0.4.0",
    "name": "k8s-pod-network",
    "plugins": [
        {
            "type": "ptp",
            "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "{{.PodCIDR}}"}]],
                "routes": [{"dst":"0.0.0.0/0"}]
            }
        },
        {
            "type": "portmap",
            "capabilities": {"portMappings": true}
        }
    ]
}
"""


def containerd_toml(home: Path, template: Path | None) -> str:
    conf_template = f'    conf_template = "{template}"\n' if template else ""
    return f"""version = 2
root = "{home}/containerd/root"
state = "{home}/containerd/state"
[grpc]
  address = "{home}/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # this sandbox lacks CAP_SYS_RESOURCE: runc may not lower oom_score_adj below containerd's own
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{CNI_BIN_DIR}"
    conf_dir = "{CNI_CONF_DIR}"
{conf_template}  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
"""


def kubelet_yaml(home: Path, ca: Path, serving_cert: Path, serving_key: Path) -> str:
    # cgroupsPerQOS/enforceNodeAllocatable off and tiny eviction thresholds: several kubelets
    # share one machine's cgroups and disk here
    return f"""apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://{home}/containerd.sock
authentication:
  x509: {{clientCAFile: "{ca}"}}
  webhook: {{enabled: true}}
  anonymous: {{enabled: false}}
authorization: {{mode: Webhook}}
tlsCertFile: "{serving_cert}"
tlsPrivateKeyFile: "{serving_key}"
clusterDomain: cluster.local
clusterDNS: ["{CLUSTER_DNS}"]
resolvConf: "{home}/resolv.conf"
readOnlyPort: 0
enforceNodeAllocatable: []
cgroupsPerQOS: false
localStorageCapacityIsolation: false
evictionHard: {{memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%"}}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 30
"""
