"""The kops spec from the state store, laid out as kops keeps it, read with boto3 against moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import yaml
from cli_outcome import CliOutcome
from live_env import LiveCluster, api_view, seed_state_store
from moto.server import ThreadedMotoServer

from kopscheck.collectors.aws.state_store import open_store, read_state
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Fact


@pytest.fixture
def demo_store(tmp_path: Path, moto_s3: None) -> Path:
    bundle = api_view("healthy", tmp_path / "healthy")
    seed_state_store(bundle)
    return bundle


def test_reads_the_cluster_and_its_instance_groups(demo_store: Path) -> None:
    state = read_state("s3://kops-state-demo", "calico-demo.k8s.local")
    expected = read_bundle(demo_store)
    assert state.cluster == expected.kops_cluster
    assert state.instance_groups == expected.kops_instance_groups
    assert state.instance_groups is not None
    assert [g.name for g in state.instance_groups] == [
        "control-plane-us-east-1a",
        "nodes-us-east-1a",
    ]
    assert state.cluster is not None and state.cluster.networking == {"calico": {}}
    assert state.missing == {}


def test_a_path_inside_the_bucket_is_part_of_the_store(demo_store: Path) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    for obj in s3.list_objects_v2(Bucket="kops-state-demo")["Contents"]:
        body = s3.get_object(Bucket="kops-state-demo", Key=obj["Key"])["Body"].read()
        s3.put_object(Bucket="kops-state-demo", Key=f"teams/net/{obj['Key']}", Body=body)
    state = read_state("s3://kops-state-demo/teams/net/", "calico-demo.k8s.local")
    assert state.cluster is not None and state.cluster.name == "calico-demo.k8s.local"


@pytest.mark.parametrize(
    ("store", "name", "reason"),
    [
        pytest.param(
            "s3://kops-state-demo",
            "other.k8s.local",
            "no such cluster in the kops state store"
            " (s3://kops-state-demo/other.k8s.local/config not found)",
            id="cluster-not-in-store",
        ),
        pytest.param(
            "s3://no-such-bucket",
            "calico-demo.k8s.local",
            "no S3 bucket 'no-such-bucket' (state store s3://no-such-bucket/calico-demo.k8s.local)",
            id="bucket-does-not-exist",
        ),
        pytest.param(
            None,
            "calico-demo.k8s.local",
            "no kops state store given (--state-store or KOPS_STATE_STORE)",
            id="no-state-store",
        ),
    ],
)
def test_what_cannot_be_read_is_missing_with_the_reason(
    store: str | None, name: str, reason: str, demo_store: Path
) -> None:
    state = read_state(store, name)
    assert (state.cluster, state.instance_groups) == (None, None)
    assert state.missing == {Fact.KOPS_CLUSTER: reason, Fact.KOPS_INSTANCE_GROUPS: reason}
    assert state.failed == set()


def test_a_malformed_spec_is_exit_2_in_one_line(
    live_cluster: Callable[..., LiveCluster], kopscheck_cli: Callable[..., CliOutcome]
) -> None:
    cluster = live_cluster("healthy", kops=True)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket="kops-state-demo", Key="bad.k8s.local/config", Body=b"spec: [\n")
    outcome = kopscheck_cli("check", *cluster.args("--name", "bad.k8s.local"))
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "kopscheck: error: s3://kops-state-demo/bad.k8s.local/config: invalid YAML at line 2:"
        " expected the node content, but found '<stream end>'\n"
    )


def test_a_local_copy_of_the_store_reads_the_same(demo_store: Path, tmp_path: Path) -> None:
    root = tmp_path / "state"
    s3 = boto3.client("s3", region_name="us-east-1")
    for obj in s3.list_objects_v2(Bucket="kops-state-demo")["Contents"]:
        target = root / obj["Key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3.get_object(Bucket="kops-state-demo", Key=obj["Key"])["Body"].read())
    local = read_state(f"file://{root}", "calico-demo.k8s.local")
    remote = read_state("s3://kops-state-demo", "calico-demo.k8s.local")
    assert (local.cluster, local.instance_groups) == (remote.cluster, remote.instance_groups)


@pytest.fixture
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_aws_endpoint_url_and_profile_are_honoured(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    credentials = tmp_path / "home" / "aws-credentials"
    credentials.parent.mkdir(parents=True, exist_ok=True)
    credentials.write_text(
        "[state-reader]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n"
    )
    bundle = api_view("healthy", tmp_path / "healthy")
    s3 = boto3.Session(profile_name="state-reader").client("s3", region_name="eu-west-1")
    s3.create_bucket(
        Bucket="kops-state-demo", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    cluster = yaml.safe_load((bundle / "kops" / "cluster.yaml").read_text())
    s3.put_object(
        Bucket="kops-state-demo",
        Key="calico-demo.k8s.local/config",
        Body=yaml.safe_dump(cluster).encode(),
    )

    state = read_state("s3://kops-state-demo", "calico-demo.k8s.local", "eu-west-1", "state-reader")
    assert state.cluster is not None and state.cluster.kubernetes_version == "1.32.4"
    assert state.instance_groups == ()  # kops wrote none yet

    anonymous = read_state("s3://kops-state-demo", "calico-demo.k8s.local", "eu-west-1")
    reason = "no AWS credentials found to read the kops state store"
    assert anonymous.missing[Fact.KOPS_CLUSTER] == reason


def test_bad_store_flags_are_input_errors() -> None:
    with pytest.raises(InputError) as error:
        open_store("s3://kops-state-demo", "c.k8s.local", None, "nobody")
    assert str(error.value) == "--profile: no AWS profile named 'nobody'"
    with pytest.raises(InputError) as error:
        open_store("gs://kops-state-demo", "c.k8s.local", None, None)
    assert str(error.value) == (
        "--state-store: expected s3://BUCKET[/PATH] or file://PATH, not 'gs://kops-state-demo'"
    )
