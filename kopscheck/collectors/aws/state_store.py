"""Read the kops cluster spec and instance groups from the kops state store.

kops keeps, under `<store>/<cluster>/`: `config` (the Cluster object, what `kops get cluster -o
yaml` prints), `instancegroup/<name>` (one InstanceGroup each) and `cluster-completed.spec`
(the fully defaulted spec it renders nodes from). `s3://bucket[/prefix]` is read with boto3's
usual credential chain (`--profile`, `--region`, `AWS_*`, `AWS_ENDPOINT_URL`); `file://` is the
local copy kops documents for review workflows. Not allowed or not there: a missing fact with
the reason. Could not be reached: missing and failed. A malformed spec: exit 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kopscheck.collectors.formats import kops_spec
from kopscheck.collectors.offline.files import MAX_YAML_BYTES, present, read_bytes, read_yaml_text
from kopscheck.collectors.offline.limits import size_text
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Fact, InstanceGroup, KopsCluster

DENIED_CODES = frozenset(
    {"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "ExpiredToken"}
)
ABSENT_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})


@dataclass(slots=True)
class KopsState:
    """The kops objects as read, plus their YAML documents for a bundle's kops/ files."""

    cluster: KopsCluster | None = None
    instance_groups: tuple[InstanceGroup, ...] | None = None
    cluster_doc: dict[str, Any] | None = None
    group_docs: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[Fact, str] = field(default_factory=dict)
    failed: set[Fact] = field(default_factory=set)

    def lack(self, reason: str, failed: bool) -> None:
        for fact in (Fact.KOPS_CLUSTER, Fact.KOPS_INSTANCE_GROUPS):
            self.missing[fact] = reason
            if failed:
                self.failed.add(fact)


class StoreError(Exception):
    """Reading the store failed; `absent`: the object is not there (kops never wrote it)."""

    def __init__(self, message: str, failed: bool, absent: bool = False) -> None:
        super().__init__(message)
        self.failed = failed
        self.absent = absent


@dataclass(frozen=True, slots=True)
class Store:
    """Read access to one cluster's directory in a state store."""

    url: str
    read: Callable[[str], bytes]  # relative key -> bytes; raises StoreError
    list: Callable[[str], list[str]]  # relative prefix -> relative keys


def read_state(
    store: str | None, cluster: str | None, region: str | None = None, profile: str | None = None
) -> KopsState:
    state = KopsState()
    if not store:
        state.lack("no kops state store given (--state-store or KOPS_STATE_STORE)", False)
        return state
    if not cluster:
        state.lack("no kops cluster name given (--name) and no kubeconfig context", False)
        return state
    opened = open_store(store.rstrip("/"), cluster, region, profile)
    try:
        _read_cluster(opened, state)
        _read_groups(opened, state)
    except StoreError as exc:
        state.lack(str(exc), exc.failed)
        state.cluster, state.instance_groups = None, None
    return state


def open_store(store: str, cluster: str, region: str | None, profile: str | None) -> Store:
    parts = urlsplit(store)
    base = f"{store}/{cluster}"
    if parts.scheme == "file":
        return _file_store(Path(parts.path) / cluster, base)
    if parts.scheme == "s3" and parts.netloc:
        prefix = "/".join(p for p in (parts.path.strip("/"), cluster) if p)
        return _s3_store(parts.netloc, prefix, base, region, profile)
    raise InputError("--state-store", f"expected s3://BUCKET[/PATH] or file://PATH, not {store!r}")


def _read_cluster(store: Store, state: KopsState) -> None:
    label = f"{store.url}/config"
    try:
        data = store.read("config")
    except StoreError as exc:
        if exc.absent:
            reason = f"no such cluster in the kops state store ({label} not found)"
            raise StoreError(reason, False) from None
        raise
    docs = read_yaml_text(_decode(data, label), label)
    state.cluster = kops_spec.parse_cluster(docs, label)
    state.cluster_doc = next(d for d in docs if isinstance(d, dict) and d.get("kind") == "Cluster")


def _read_groups(store: Store, state: KopsState) -> None:
    groups: list[InstanceGroup] = []
    for key in sorted(store.list("instancegroup/")):
        label = f"{store.url}/{key}"
        try:
            data = store.read(key)
        except StoreError as exc:
            if exc.absent:  # deleted between the listing and the read
                continue
            raise
        docs = read_yaml_text(_decode(data, label), label)
        groups.extend(kops_spec.parse_instance_groups(docs, label))
        state.group_docs.extend(d for d in docs if isinstance(d, dict))
    state.instance_groups = tuple(groups)


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(label, f"not UTF-8 text (byte {exc.start})") from None


def _file_store(root: Path, base: str) -> Store:
    def read(key: str) -> bytes:
        if not present(root / key):
            raise StoreError(f"{base}/{key} not found", False, absent=True)
        return read_bytes(root / key, f"{base}/{key}", limit=MAX_YAML_BYTES)

    def list_keys(prefix: str) -> list[str]:
        folder = root / prefix
        if not folder.is_dir():
            return []
        return [f"{prefix}{p.name}" for p in folder.iterdir() if p.is_file()]

    return Store(base, read, list_keys)


def _s3_store(
    bucket: str, prefix: str, base: str, region: str | None, profile: str | None
) -> Store:
    import boto3
    import botocore.exceptions
    from botocore.config import Config

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise InputError("--profile", f"no AWS profile named {profile!r}") from None
    s3 = session.client(
        "s3", config=Config(retries={"mode": "standard"}, connect_timeout=10, read_timeout=30)
    )

    def guarded(action: Callable[[], Any], key: str) -> Any:
        try:
            return action()
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code in ABSENT_CODES:
                if code == "NoSuchBucket":
                    raise StoreError(
                        f"no S3 bucket {bucket!r} (state store {base})", False
                    ) from None
                raise StoreError(f"s3://{bucket}/{key} not found", False, absent=True) from None
            denied = code in DENIED_CODES
            raise StoreError(f"AWS {code} reading s3://{bucket}/{key}", not denied) from None
        except botocore.exceptions.NoCredentialsError:
            raise StoreError(
                "no AWS credentials found to read the kops state store", False
            ) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise StoreError(f"cannot read the kops state store {base}: {exc}", True) from None

    def read(key: str) -> bytes:
        full = f"{prefix}/{key}"
        response = guarded(lambda: s3.get_object(Bucket=bucket, Key=full), full)
        data: bytes = guarded(lambda: response["Body"].read(MAX_YAML_BYTES + 1), full)
        if len(data) > MAX_YAML_BYTES:
            raise InputError(f"s3://{bucket}/{full}", f"larger than {size_text(MAX_YAML_BYTES)}")
        return data

    def list_keys(sub: str) -> list[str]:
        full = f"{prefix}/{sub}"
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=full)
        keys: list[str] = []
        for page in guarded(lambda: list(pages), full):
            keys.extend(str(o["Key"])[len(prefix) + 1 :] for o in page.get("Contents", ()))
        return [k for k in keys if not k.endswith("/")]

    return Store(base, read, list_keys)
