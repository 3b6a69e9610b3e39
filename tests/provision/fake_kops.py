"""A stand-in `kops` for tests: records its arguments, plays back real kops 1.32.0 output.

The tests put a `kops` wrapper running this file first on PATH. Each call appends one JSON
line to the scenario's `calls` file ({"argv", "kubeconfig", "pid"}); what it prints comes from
tests/provision/kops-cli/ (see the README there). What each command does is read from the JSON
file named by FAKE_KOPS_SCENARIO, optionally overridden per cluster name (`per_cluster`):

    version   the text `kops version` prints
    create    ok | asset-hash-error          (writes the spec to a file:// state store first)
    update    ok | hang                      (hang: prints kops's retry lines until killed)
    validate  settle | never | hang | unreachable   (never: honours --wait, then exits 1)
    delete    ok | retry-forever             (retry-forever: the "still has dependencies" loop)
    clusters  {name: {"server": URL, "token": T}}  what `export kubecfg` writes
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

SCENARIO = json.loads(Path(os.environ["FAKE_KOPS_SCENARIO"]).read_text())
FIXTURES = Path(SCENARIO["fixtures"])
INTERVAL = float(SCENARIO.get("interval", 0.05))
ORIGIN_NAME = "myclustername.mydns.io"


def flag(argv: list[str], name: str, default: str = "") -> str:
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def behaviour(name: str, command: str, default: str) -> str:
    per = SCENARIO.get("per_cluster", {}).get(name, {})
    return str(per.get(command, SCENARIO.get(command, default)))


def out(text: str, stream: Any = None) -> None:
    target = stream or sys.stdout
    target.write(text if text.endswith("\n") else text + "\n")
    target.flush()


def seconds(text: str) -> float:
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text))


def dry_run_spec(argv: list[str]) -> str:
    mode, name = flag(argv, "--networking"), flag(argv, "--name")
    private = flag(argv, "--topology") == "private"
    fixture = FIXTURES / f"create-cluster-dry-run-{'private-calico' if private else mode}.yaml"
    if not fixture.is_file():
        fixture = FIXTURES / "create-cluster-dry-run-calico.yaml"
    text = fixture.read_text().replace(ORIGIN_NAME, name)
    text = text.replace("    calico: {}", f"    {mode}: {{}}") if mode != "calico" else text
    state = flag(argv, "--state").rstrip("/")
    return text.replace(f"s3://kops-state/{name}", f"{state}/{name}")


def write_state(argv: list[str]) -> None:
    """What `kops create cluster` (without --yes) leaves: the spec in the state store."""
    state, name = flag(argv, "--state"), flag(argv, "--name")
    if not state.startswith("file://"):
        return
    base = Path(state.removeprefix("file://")) / name
    docs = [d for d in dry_run_spec(argv).split("\n---\n") if d.strip()]
    (base / "instancegroup").mkdir(parents=True, exist_ok=True)
    (base / "config").write_text(docs[0])
    for doc in docs[1:]:
        group = re.search(r"\n  name: (\S+)", doc)
        assert group is not None
        (base / "instancegroup" / group.group(1)).write_text(doc)


def create(argv: list[str]) -> int:
    if flag(argv, "--networking") == "kubenet" and flag(argv, "--topology") == "private":
        out((FIXTURES / "create-cluster-private-kubenet.txt").read_text(), sys.stderr)
        return 1
    if "--dry-run" in argv:
        out(dry_run_spec(argv))
        return 0
    write_state(argv)
    lines = (FIXTURES / "create-cluster-asset-hash-error.txt").read_text().splitlines()
    if behaviour(flag(argv, "--name"), "create", "ok") == "asset-hash-error":
        out("\n".join(lines), sys.stderr)
        return 1
    out("\n".join(lines[:4]), sys.stderr)  # the lines a create prints before previewing
    return 0


def update(argv: list[str]) -> int:
    lines = (FIXTURES / "update-cluster-yes.txt").read_text().splitlines()
    if behaviour(flag(argv, "--name"), "update", "ok") != "hang":
        out("\n".join(lines[:20]), sys.stderr)
        return 0
    while True:  # kops retrying a task it cannot finish
        for line in lines:
            out(line, sys.stderr)
            time.sleep(INTERVAL)


def export(argv: list[str]) -> int:
    name = flag(argv, "--name")
    target = SCENARIO["clusters"][name]
    path = Path(flag(argv, "--kubeconfig") or os.environ["KUBECONFIG"])
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": target["server"]}}],
        "users": [{"name": name, "user": {"token": target["token"]}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }
    path.write_text(json.dumps(doc))
    return 0


def validation_doc(settled: bool) -> str:
    """kops's `-o json` document (constructed in its documented format, not captured)."""
    ready = "True" if settled else "False"
    nodes = [
        {
            "name": "i-0c1a",
            "zone": "us-east-1a",
            "role": "control-plane",
            "hostname": "i-0c1a",
            "status": "True",
        },
        {
            "name": "i-0n1a",
            "zone": "us-east-1a",
            "role": "node",
            "hostname": "i-0n1a",
            "status": ready,
        },
    ]
    failures = (
        []
        if settled
        else [
            {
                "type": "Node",
                "name": "i-0n1a",
                "message": 'node "i-0n1a" of role "node" is not ready',
            },
            {
                "type": "Pod",
                "name": "kube-system/coredns-5dc785954d-zvqsx",
                "message": 'system-cluster-critical pod "coredns-5dc785954d-zvqsx" is pending',
            },
        ]
    )
    return json.dumps({"failures": failures, "nodes": nodes}, indent=2)


def validate(argv: list[str]) -> int:
    how = behaviour(flag(argv, "--name"), "validate", "settle")
    if how == "unreachable":
        out((FIXTURES / "validate-cluster-unreachable.txt").read_text(), sys.stderr)
        return 1
    if how == "settle":
        for _ in range(int(SCENARIO.get("validate_attempts", 2)) - 1):
            out(validation_doc(False))
            time.sleep(INTERVAL)
        out(validation_doc(True))
        return 0
    wait = seconds(flag(argv, "--wait", "0s"))
    start = time.monotonic()
    while how == "hang" or time.monotonic() - start < wait:
        out(validation_doc(False))
        time.sleep(INTERVAL)
    out("Error: validation failed: wait time exceeded during validation", sys.stderr)
    return 1


def delete(argv: list[str]) -> int:
    lines = (FIXTURES / "delete-cluster-yes.txt").read_text().splitlines()
    first_retry = next(i for i, line in enumerate(lines) if "will retry" in line)
    out("\n".join(lines[:first_retry]))
    if behaviour(flag(argv, "--name"), "delete", "ok") != "retry-forever":
        return 0
    block = lines[first_retry : first_retry + 5]
    while True:
        out("\n".join(block))
        time.sleep(INTERVAL)


def main(argv: list[str]) -> int:
    record = {"argv": argv, "kubeconfig": os.environ.get("KUBECONFIG"), "pid": os.getpid()}
    with open(SCENARIO["calls"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    command = " ".join(argv[:2])
    if argv[:1] == ["version"]:
        out(SCENARIO.get("version", "Client version: 1.32.0 (git-v1.32.0)"))
        return 0
    handlers = {
        "create cluster": create,
        "update cluster": update,
        "export kubecfg": export,
        "validate cluster": validate,
        "delete cluster": delete,
    }
    if command not in handlers:
        out(f"Error: fake kops does not know {command!r}", sys.stderr)
        return 2
    return handlers[command](argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
