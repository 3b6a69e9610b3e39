"""Canary secrets planted in every place a credential can hide in a bundle (and so in a fake
cluster loaded from one): pod env values, annotations, container args, event messages, kubelet
logs, container logs, kubelet argv and sysconfig, CNI configs, probe outcomes, the kops spec
and EC2 user data. A test then greps every output for them.

One corpus: the named canaries below and the realistic ones of canary_corpus.yaml (each a
secret in its real context), planted by the same `plant`.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Canary:
    id: str
    context: str
    text: str  # the secret in its context, as a log, a header or a file would carry it
    secret: str  # what must never appear in an output


def _long_base64_pem() -> str:
    """A base64 PEM private key longer than 4,096 characters (an RSA-4096 key's size)."""
    body = "".join(f"CNRY23{n:04d}" + "A" * 54 + "\n" for n in range(60))
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n"
    return base64.b64encode(pem.encode()).decode()


def _corpus() -> tuple[Canary, ...]:
    entries = yaml.safe_load((Path(__file__).parent / "canary_corpus.yaml").read_text())
    big = _long_base64_pem()
    assert len(big) > 4096
    return tuple(
        Canary(
            e["id"],
            e["context"],
            *(e[k].replace("LONG_BASE64_PEM", big) for k in ("text", "secret")),
        )
        for e in entries
    )


CORPUS = _corpus()


_MARK = re.compile(r"CNRY\d\d")


def leaked(secret: str, text: str) -> bool:
    """Whether `secret`, or a part of it, is in `text`: the whole, any of its CNRY marks, or
    (a long one) any 16 characters in a row."""
    if secret in text or any(mark in text for mark in _MARK.findall(secret)):
        return True
    return len(secret) >= 24 and any(secret[i : i + 16] in text for i in range(len(secret) - 15))


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

NAMED = (
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
ALL = (*NAMED, *(canary.secret for canary in CORPUS))
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
    """The canaries present in `text`, whole or in part (empty: none leaked)."""
    return [canary for canary in ALL if leaked(canary, text)]


def plant(root: Path) -> None:
    """Seed the cni-no-provider bundle at `root` with every canary."""
    _plant_named(root)
    plant_corpus(root)


def plant_corpus(root: Path) -> None:
    """Every corpus canary in every input field that reaches an output: container logs, event
    messages, annotations, container args and env, condition messages, the kubelet log, argv,
    sysconfig and CNI config, probe outcomes, the kops spec and instance groups' user data."""
    texts = [canary.text for canary in CORPUS]
    logs = root / "cluster-info" / "kube-system" / POD / "logs.txt"
    header = f"container coredns of pod kube-system/{POD} ===="
    lines = "\n".join(f"[ERROR] plugin/errors: 2 example.org. A: {text}" for text in texts)
    logs.write_text(
        logs.read_text().replace(
            f"==== END logs for {header}", f"{lines}\n==== END logs for {header}"
        )
    )
    kubelet_log = root / "nodes" / NODE / "kubelet.log"
    prefix = (
        f"Nov 27 10:14:00 {NODE} kubelet[2231]: E1127 10:14:00.000000    2231 pod_workers.go:1301]"
    )
    kubelet_log.write_text(
        "\n".join(f"{prefix} {text}" for text in texts) + "\n" + kubelet_log.read_text()
    )
    _corpus_events(root / "cluster-info" / "kube-system" / "events.json", texts)
    _corpus_pods(root / "cluster-info" / "kube-system" / "pods.json", texts)
    node = root / "nodes" / NODE
    sysconfig = node / "sysconfig-kubelet"
    sysconfig.write_text("".join(f"# {text}\n" for text in texts) + sysconfig.read_text())
    cmdline = node / "kubelet.cmdline"
    sep = "\x00" if "\x00" in cmdline.read_text() else "\n"
    cmdline.write_text(cmdline.read_text() + sep.join(texts) + sep)
    (node / "cni-net.d" / "20-corpus.conf").write_text(
        json.dumps({"cniVersion": "0.4.0", "name": "corpus", "notes": texts})
    )
    _corpus_kops(root / "kops", texts)
    _corpus_probes(root, texts)


def _corpus_events(path: Path, texts: list[str]) -> None:
    doc = json.loads(path.read_text())
    template = doc["items"][0]
    for number, text in enumerate(texts):
        event = json.loads(json.dumps(template))
        event["metadata"]["name"] = f"{POD}.corpus{number}"
        event["reason"], event["type"] = "Unhealthy", "Warning"
        event["message"] = f"Readiness probe failed: {text}"
        doc["items"].append(event)
    path.write_text(json.dumps(doc))


def _corpus_pods(path: Path, texts: list[str]) -> None:
    doc = json.loads(path.read_text())
    for pod in doc["items"]:
        if pod["metadata"]["name"] != POD:
            continue
        notes = pod["metadata"].setdefault("annotations", {})
        notes.update({f"example.com/note-{n}": text for n, text in enumerate(texts)})
        container = pod["spec"]["containers"][0]
        container["args"] = [*container.get("args", []), *texts]
        container["env"] = [
            *container.get("env", []),
            *({"name": f"NOTE_{n}", "value": text} for n, text in enumerate(texts)),
        ]
        for state in pod.get("status", {}).get("containerStatuses", []):
            state["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": " ".join(texts)}}
    path.write_text(json.dumps(doc))


def _corpus_kops(folder: Path, texts: list[str]) -> None:
    cluster = yaml.safe_load((folder / "cluster.yaml").read_text())
    cluster["spec"]["fileAssets"] = [
        {"name": f"asset-{n}", "path": f"/etc/asset-{n}", "content": text}
        for n, text in enumerate(texts)
    ]
    (folder / "cluster.yaml").write_text(yaml.safe_dump(cluster))
    groups = list(yaml.safe_load_all((folder / "instancegroups.yaml").read_text()))
    for group in groups:
        group["spec"]["additionalUserData"] = [
            {"name": "corpus.sh", "type": "text/x-shellscript", "content": "\n".join(texts)}
        ]
    (folder / "instancegroups.yaml").write_text(yaml.safe_dump_all(groups))


def _corpus_probes(root: Path, texts: list[str]) -> None:
    from dataclasses import asdict, replace

    from probe_builders import NODES, dns, lifecycle, pod_probe

    from kopscheck.collectors.offline.probe_files import DNS_FILE, LIFECYCLE_FILE, SCHEMA
    from kopscheck.model.probes import LogMention

    pod = replace(
        pod_probe(NODES[1], fails_at=1),
        message=" ".join(texts),
        events=tuple(f"Warning FailedCreatePodSandBox: {text}" for text in texts),
        log_mentions=tuple(LogMention("kubelet log", text) for text in texts),
    )
    lookups = dns()
    queries = tuple(replace(q, detail=" ".join(texts)) for q in lookups.queries)
    (root / "probes").mkdir(exist_ok=True)
    probe = {
        "schema": SCHEMA,
        "kind": "PodLifecycle",
        **asdict(lifecycle(pod_probe(NODES[0]), pod)),
    }
    found = {"schema": SCHEMA, "kind": "DnsResolution", **asdict(replace(lookups, queries=queries))}
    (root / LIFECYCLE_FILE).write_text(json.dumps(probe))
    (root / DNS_FILE).write_text(json.dumps(found))


def _plant_named(root: Path) -> None:
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
