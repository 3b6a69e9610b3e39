"""`kopscheck collect --out DIR`: the files the standard commands write, nothing secret."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import boto3
import yaml
from cli_outcome import CliOutcome
from fake_store import TYPES
from live_env import LiveCluster

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.model.facts import Fact

NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
DUMP = (
    "daemonsets.json",
    "deployments.json",
    "endpoints.json",
    "events.json",
    "pods.json",
    "replicasets.json",
    "replication-controllers.json",
    "services.json",
)
WORKERS = ("i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003", "i-0a1b2c3d4e5f60004")
# the provider's agents and controllers, kube-proxy and DNS: the pods whose logs checks read
LOGGED_PODS = (
    "calico-kube-controllers-5b9d7c8f4-lq2sd",
    "calico-node-2fkq8",
    "calico-node-8zt5n",
    "calico-node-hx4rw",
    "calico-node-wm7jc",
    "coredns-7d8f9c6b5-4xk2m",
    "coredns-7d8f9c6b5-p9wqz",
    *(f"kube-proxy-i-0a1b2c3d4e5f6000{n}" for n in range(1, 5)),
)


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_collect_writes_the_contract_layout(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy", kops=True)
    out = tmp_path / "bundle"
    outcome = kopscheck_cli("collect", *cluster.args("--out", str(out)))
    assert outcome.code == 0, outcome.stderr
    assert _files(out) == {
        "observed-at.txt",
        "cluster-info/nodes.json",
        "cluster-info/version.json",
        *(f"cluster-info/{ns}/{name}" for ns in NAMESPACES for name in DUMP),
        *(f"cluster-info/kube-system/{pod}/logs.txt" for pod in LOGGED_PODS),
        "kops/cluster.yaml",
        "kops/instancegroups.yaml",
        *(f"nodes/i-0a1b2c3d4e5f6000{n}/configz.json" for n in range(1, 5)),
        *(f"nodes/{node}/kubelet.log" for node in WORKERS),
        # the demo nodes run on AWS and moto answers in-process: what the AWS CLI would write
        "aws/ec2-describe-route-tables.json",
        "aws/ec2-describe-instances.json",
        "aws/autoscaling-describe-auto-scaling-groups.json",
        "aws/service-quotas-vpc-L-93826ACB.json",
        "aws/ec2-describe-security-groups.json",
    }
    # the API's own JSON, unmodified: what `kubectl cluster-info dump` writes
    served = cluster.server.store.list(TYPES["pods"], "kube-system", {})
    written = json.loads((out / "cluster-info/kube-system/pods.json").read_text())
    assert written == {
        **served,
        "metadata": {"resourceVersion": served["metadata"]["resourceVersion"]},
    }
    endpoints = json.loads((out / "cluster-info/kube-system/endpoints.json").read_text())
    assert (endpoints["kind"], [i["kind"] for i in endpoints["items"]]) == ("List", ["Endpoints"])
    version = json.loads((out / "cluster-info/version.json").read_text())
    assert version == {"serverVersion": cluster.server.version}
    section = (out / "cluster-info/kube-system/calico-node-2fkq8/logs.txt").read_text()
    assert section.startswith(
        "==== START logs for container calico-node of pod kube-system/calico-node-2fkq8 ====\n"
    )
    assert section.endswith(
        "==== END logs for container calico-node of pod kube-system/calico-node-2fkq8 ====\n"
    )
    configz = (out / "nodes/i-0a1b2c3d4e5f60002/configz.json").read_bytes()
    assert configz == cluster.server.kubelets["i-0a1b2c3d4e5f60002"].configz


def test_no_secret_no_credential_no_user_data_in_the_bundle(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy", kops=True)
    password = "s3cr3t-Pa55word-for-the-db"
    encoded = base64.b64encode(password.encode()).decode()
    cluster.server.add(
        "secrets",
        {
            "metadata": {"name": "shop-db", "namespace": "default"},
            "type": "Opaque",
            "data": {"password": encoded},
        },
    )
    user_data = "#!/bin/bash\nexport DB_PASSWORD=hunter2-in-user-data\n"
    s3 = boto3.client("s3", region_name="us-east-1")
    key = f"{cluster.name}/instancegroup/nodes-us-east-1a"
    group = yaml.safe_load(s3.get_object(Bucket="kops-state-demo", Key=key)["Body"].read())
    group["spec"]["additionalUserData"] = [
        {"name": "bootstrap.sh", "type": "text/x-shellscript", "content": user_data}
    ]
    s3.put_object(Bucket="kops-state-demo", Key=key, Body=yaml.safe_dump(group).encode())
    config_key = f"{cluster.name}/config"
    config = yaml.safe_load(s3.get_object(Bucket="kops-state-demo", Key=config_key)["Body"].read())
    asset = {
        "name": "registry-auth",
        "path": "/root/.docker/config.json",
        "content": "hunter3-asset",
    }
    config["spec"]["fileAssets"] = [asset]
    s3.put_object(Bucket="kops-state-demo", Key=config_key, Body=yaml.safe_dump(config).encode())

    out = tmp_path / "bundle"
    assert kopscheck_cli("collect", *cluster.args("--out", str(out))).code == 0
    report = kopscheck_cli("check", *cluster.args("-o", "json"))
    everything = "".join(p.read_text() for p in out.rglob("*") if p.is_file()) + report.stdout
    for secret in (password, encoded, cluster.server.token, "hunter2-in-user-data", "hunter3"):
        assert secret not in everything
    assert '"kind": "Secret"' not in everything
    assert not any("secret" in p.name for p in out.rglob("*"))
    assert cluster.server.count("secrets") == 0  # never even asked for
    groups = list(yaml.safe_load_all((out / "kops/instancegroups.yaml").read_text()))
    assert groups[1]["spec"]["additionalUserData"] == [
        {
            "name": "bootstrap.sh",
            "type": "text/x-shellscript",
            "content": "<redacted by kopscheck: EC2 user-data>",
        }
    ]
    written = yaml.safe_load((out / "kops/cluster.yaml").read_text())
    assert written["spec"]["fileAssets"] == [
        {**asset, "content": "<redacted by kopscheck: file asset>"}
    ]


def test_collect_refuses_a_non_empty_directory_before_any_request(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy", kops=True)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "nodes.json").write_text("{}")
    outcome = kopscheck_cli("collect", *cluster.args("--out", str(tmp_path / "old")))
    assert outcome.code == 2
    assert outcome.stderr == (
        f"kopscheck: error: {tmp_path / 'old'}: directory is not empty; give a new one so no old"
        " file mixes in\n"
    )
    assert cluster.server.requests == []


def test_what_failed_live_is_missing_in_the_bundle_and_collect_exits_3(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy", kops=True)
    cluster.server.inject(r"^/apis/apps/v1/replicasets$", "500")
    out = tmp_path / "bundle"
    outcome = kopscheck_cli("collect", *cluster.args("--out", str(out)))
    assert outcome.code == 3
    assert (
        "kopscheck: failed: workloads: list replicasets: 500 InternalError: an error on the server"
        ' ("") has prevented the request from succeeding (after 3 attempts)'
    ) in outcome.stderr
    # partial workloads would let dns.rollout judge on half the picture: none are written
    assert not list(out.rglob("deployments.json")) and not list(out.rglob("daemonsets.json"))
    replay = read_bundle(out)
    assert replay.workloads is None and replay.pods is not None
    assert replay.missing[Fact.WORKLOADS] == (
        "cluster-info/<ns>/{deployments,daemonsets,...}.json not in the bundle"
    )


def test_collect_without_out_is_a_usage_error(kopscheck_cli: Callable[..., CliOutcome]) -> None:
    outcome = kopscheck_cli("collect")
    assert (outcome.code, outcome.stderr) == (
        2,
        "kopscheck: error: Missing option '--out' (see 'kopscheck collect --help')\n",
    )


def test_collect_checks_the_parent_before_any_request_and_leaves_no_staging_dir(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    missing = tmp_path / "no-such-dir" / "bundle"
    outcome = kopscheck_cli("collect", *cluster.args("--out", str(missing)))
    assert outcome.code == 2
    assert outcome.stderr.startswith(f"kopscheck: error: --out {missing}: no such directory")
    assert cluster.server.requests == []
    (tmp_path / "empty").mkdir()
    outcome = kopscheck_cli("collect", *cluster.args("--out", str(tmp_path / "empty")))
    assert outcome.code == 0, outcome.stderr
    assert (tmp_path / "empty" / "cluster-info" / "nodes.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
