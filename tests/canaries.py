"""Canary secrets planted in every place a credential can hide in a bundle (and so in a fake
cluster loaded from one): pod env values, the last-applied annotation, container args, event
messages, kubelet logs, container logs, kubelet argv and sysconfig, CNI configs. A test then
greps every output for them."""

from __future__ import annotations

import base64
import json
from pathlib import Path

NODE = "i-0a1b2c3d4e5f60002"
POD = "coredns-7d8f9c6b5-4xk2m"

PASSWORD = "canary-pw-4711"
ENV_VALUE = "canary-env-value-4712"
LAST_APPLIED = "canary-last-applied-4713"
AWS_KEY_ID = "AKIACANARY0000004714"
AWS_SECRET = "canaryAwsSecretKey0000000000000000004715"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOiI0NzE2In0.Y2FuYXJ5c2lnbmF0dXJlNDcxNg"
PEM_BODY = "MIIEcanaryPrivateKeyBody4717"
URL_PASSWORD = "canary-url-pw-4718"
BEARER = "canaryBearerToken4719"
BASIC = base64.b64encode(b"admin:canary-basic-4720").decode()
BASE64_PAIR = base64.b64encode(b"password=canary-b64-4721").decode()
CREDENTIAL = "canary-credential-4722"
TOKEN_FLAG = "canary-token-flag-4723"
ARG_PASSWORD = "canary-arg-pw-4724"

ALL = (
    PASSWORD,
    ENV_VALUE,
    LAST_APPLIED,
    AWS_KEY_ID,
    AWS_SECRET,
    JWT,
    PEM_BODY,
    URL_PASSWORD,
    BEARER,
    BASIC,
    BASE64_PAIR,
    CREDENTIAL,
    TOKEN_FLAG,
    ARG_PASSWORD,
)
assert len(AWS_SECRET) == 40

NOT_READY = (
    '"Container runtime network not ready" networkReady="NetworkReady=false'
    " reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not"
    ' initialized"'
)
SECRET_TEXTS = (
    f"password={PASSWORD}",
    f"Authorization: Bearer {BEARER}",
    f"Authorization: Basic {BASIC}",
    f"aws {AWS_KEY_ID}:{AWS_SECRET}",
    f"token {JWT}",
    f"url=https://admin:{URL_PASSWORD}@10.96.0.1:443/api",
    f"credential={CREDENTIAL}",
    f"blob {BASE64_PAIR}",
    f"--token {TOKEN_FLAG}",
)
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----"


def found_in(text: str) -> list[str]:
    """The canaries present in `text` (empty: none leaked)."""
    return [canary for canary in ALL if canary in text]


def plant(root: Path) -> None:
    """Seed the cni-no-provider bundle at `root` with every canary."""
    _kubelet_log(root / "nodes" / NODE / "kubelet.log")
    _pods(root / "cluster-info" / "kube-system" / "pods.json")
    _events(root / "cluster-info" / "kube-system" / "events.json")
    logs = root / "cluster-info" / "kube-system" / POD / "logs.txt"
    header = f"container coredns of pod kube-system/{POD} ===="
    body = "\n".join(f"[ERROR] plugin/kubernetes: {text}" for text in SECRET_TEXTS)
    logs.write_text(f"==== START logs for {header}\n{body}\n{PEM}\n==== END logs for {header}\n")
    node = root / "nodes" / NODE
    given = node / "kubelet.cmdline"
    cmdline = given.read_text().rstrip("\x00\n") if given.exists() else "/usr/bin/kubelet"
    sep = "\x00" if "\x00" in cmdline else "\n"
    (node / "kubelet.cmdline").write_text(
        sep.join([cmdline, "--bootstrap-token", TOKEN_FLAG, f"--password={PASSWORD}"]) + sep
    )
    sysconfig = node / "sysconfig-kubelet"
    sysconfig.write_text(
        (sysconfig.read_text() if sysconfig.exists() else "")
        + f'EXTRA="--token={TOKEN_FLAG} --cloud-password {PASSWORD}"\n'
    )
    cni = node / "cni-net.d"
    cni.mkdir(exist_ok=True)
    (cni / "10-canary.conflist").write_text(
        json.dumps({"name": "k8s-pod-network", "plugins": [{"type": "x", "token": JWT}]})
    )


def _kubelet_log(path: Path) -> None:
    prefix = f"Nov 27 10:15:00 {NODE} kubelet[2231]: E1127 10:15:00.000000    2231 kubelet.go:3002]"
    lines = [f"{prefix} {NOT_READY} {text}" for text in SECRET_TEXTS]
    path.write_text(path.read_text() + "\n".join(lines) + "\n" + PEM + "\n")


def _pods(path: Path) -> None:
    doc = json.loads(path.read_text())
    for pod in doc["items"]:
        if pod["metadata"]["name"] != POD:
            continue
        pod["metadata"].setdefault("annotations", {})[
            "kubectl.kubernetes.io/last-applied-configuration"
        ] = json.dumps({"env": [{"name": "DB_PASSWORD", "value": LAST_APPLIED}]})
        container = pod["spec"]["containers"][0]
        container["env"] = [
            {"name": "AWS_SECRET_ACCESS_KEY", "value": AWS_SECRET},
            {"name": "DB_PASSWORD", "value": ENV_VALUE},
            {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
        ]
        container["args"] = ["-conf", "/etc/coredns/Corefile", "--password", ARG_PASSWORD]
        for status in pod.get("status", {}).get("conditions", []):
            status["message"] = f"{status.get('message', '')} credential={CREDENTIAL}"
    path.write_text(json.dumps(doc))


def _events(path: Path) -> None:
    doc = json.loads(path.read_text())
    template = doc["items"][0]
    for number, text in enumerate(SECRET_TEXTS):
        event = json.loads(json.dumps(template))
        event["metadata"]["name"] = f"{POD}.canary{number}"
        event["reason"] = "FailedCreatePodSandBox"
        event["type"] = "Warning"
        event["source"] = {"component": "kubelet", "host": NODE}
        event["message"] = (
            "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup"
            f' network for sandbox "abc{number}": plugin type="calico" failed (add): {text}'
        )
        doc["items"].append(event)
    path.write_text(json.dumps(doc))
