"""The live test environment: fake API servers loaded from demo bundles, kubeconfigs for
the real client, and the kops state store in moto's S3."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import yaml

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from fake_apiserver import FakeApiServer

from kopscheck.demo import DEMO_ROOT

CONTEXT = "calico-demo.k8s.local"
STATE_BUCKET = "kops-state-demo"


def seed_state_store(bundle: Path, bucket: str = STATE_BUCKET) -> str:
    """Put a bundle's kops/ objects where kops keeps them: <cluster>/config, instancegroup/<ig>."""
    s3 = boto3.client("s3", region_name="us-east-1")
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=bucket)
    cluster = yaml.safe_load((bundle / "kops" / "cluster.yaml").read_text())
    name = cluster["metadata"]["name"]
    s3.put_object(Bucket=bucket, Key=f"{name}/config", Body=yaml.safe_dump(cluster).encode())
    for group in yaml.safe_load_all((bundle / "kops" / "instancegroups.yaml").read_text()):
        key = f"{name}/instancegroup/{group['metadata']['name']}"
        s3.put_object(Bucket=bucket, Key=key, Body=yaml.safe_dump(group).encode())
    return name


def kubelet_configz(log_query: bool) -> dict[str, object]:
    """What `kubectl get --raw /api/v1/nodes/NODE/proxy/configz` prints on a kops node."""
    config: dict[str, object] = {
        "enableServer": True,
        "staticPodPath": "/etc/kubernetes/manifests",
        "podLogsDir": "/var/log/pods",
        "syncFrequency": "1m0s",
        "address": "0.0.0.0",
        "port": 10250,
        "tlsCertFile": "/srv/kubernetes/kubelet-server.crt",
        "tlsPrivateKeyFile": "/srv/kubernetes/kubelet-server.key",
        "authentication": {
            "x509": {"clientCAFile": "/srv/kubernetes/ca.crt"},
            "webhook": {"enabled": True, "cacheTTL": "2m0s"},
            "anonymous": {"enabled": False},
        },
        "authorization": {"mode": "Webhook"},
        "clusterDomain": "cluster.local",
        "clusterDNS": ["100.64.0.10"],
        "cgroupRoot": "/",
        "cgroupDriver": "systemd",
        "containerRuntimeEndpoint": "unix:///run/containerd/containerd.sock",
        "maxPods": 110,
        "podPidsLimit": -1,
        "shutdownGracePeriod": "30s",
        "shutdownGracePeriodCriticalPods": "10s",
        "enableSystemLogHandler": True,
        "enableSystemLogQuery": log_query,
        "featureGates": {"NodeLogQuery": True} if log_query else {},
        "kind": "KubeletConfiguration",
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
    }
    return {"kubeletconfig": config}


def api_view(demo: str, target: Path, root: Path = DEMO_ROOT) -> Path:
    """A demo bundle (or a fixture, from `root`) as the API shows it: kubelet configz for
    every node, kubelet logs where the log query is on, and none of the node files only a
    node agent can read."""
    shutil.copytree(root / demo, target, ignore=shutil.ignore_patterns("__pycache__"))
    nodes = json.loads((target / "cluster-info" / "nodes.json").read_text())["items"]
    for node in nodes:
        folder = target / "nodes" / node["metadata"]["name"]
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("kubelet.cmdline", "sysconfig-kubelet", "cni-bin.txt", "ip_forward"):
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / "cni-net.d", ignore_errors=True)
        configz = kubelet_configz(log_query=(folder / "kubelet.log").is_file())
        (folder / "configz.json").write_text(json.dumps(configz))
    return target


def write_kubeconfig(path: Path, server: str, token: str, context: str = CONTEXT) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server}}],
        "users": [{"name": f"{context}-reader", "user": {"token": token}}],
        "contexts": [
            {"name": context, "context": {"cluster": context, "user": f"{context}-reader"}}
        ],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(doc))
    return path


@dataclass
class LiveCluster:
    server: FakeApiServer
    kubeconfig: Path
    bundle: Path  # the files the server (and the state store) was loaded from
    name: str  # the kops cluster name, also the kubeconfig context's name
    state_store: str | None = None  # set when the kops objects were put in (moto's) S3

    def args(self, *more: str) -> list[str]:
        """Source flags for the CLI: this cluster's kubeconfig, and its kops state store."""
        store = ["--state-store", self.state_store] if self.state_store else []
        return ["--kubeconfig", str(self.kubeconfig), *store, *more]
