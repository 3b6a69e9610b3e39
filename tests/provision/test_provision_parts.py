"""The pieces of provision on their own: the kops runner, validate's JSON stream, kops's
delete output, version lines, and the spec the flags plan."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
from provision_env import FIXTURES, alive

from kopscheck.provision import runner as runner_module
from kopscheck.provision.plan import KopsCall, ProvisionRequest, Step, Topology
from kopscheck.provision.preflight import planned_spec
from kopscheck.provision.runner import KopsRunner, RunLog, parse_kops_version
from kopscheck.provision.teardown import still_listed
from kopscheck.provision.validation import AttemptStream


def python(code: str, deadline: float = 30.0) -> KopsCall:
    return KopsCall(Step.UPDATE, (sys.executable, "-c", code), deadline)


SPAWNS_A_CHILD = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print('child', child.pid, flush=True)\n"
    "for n in range(1000):\n"
    "    print('retrying task', n, flush=True)\n"
    "    time.sleep(0.02)\n"
)


def test_a_deadline_kills_kops_and_what_it_started(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "run.log")
    result = KopsRunner(log, os.environ).run(python(SPAWNS_A_CHILD, deadline=1.0))
    assert (result.ok, result.outcome, result.code, result.timed_out) == (
        False,
        "timed out",
        None,
        True,
    )
    child = int(result.stdout.splitlines()[0].split()[1])
    assert not alive(child)  # the whole process group went
    assert len(result.tail) == runner_module.TAIL_LINES
    assert result.tail[-1].startswith("retrying task ")
    assert result.describe().startswith("kops update timed out after 1s (deadline 1s, killed): ")
    text = log.path.read_text()
    assert text.startswith(f"$ {sys.executable} -c ")
    assert "'   # deadline 1s\n" in text
    assert "retrying task 0\n" in text
    assert "# killed at the deadline after " in text


def test_a_cancel_request_interrupts_but_an_uncancellable_call_runs_on(tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    runner = KopsRunner(RunLog(tmp_path / "run.log"), os.environ, cancel)
    stopped = runner.run(python("import time; time.sleep(30)"))
    assert (stopped.outcome, stopped.interrupted) == ("interrupted", True)
    finished = runner.run(python("print('deleted')"), cancellable=False)
    assert (finished.outcome, finished.code, finished.stdout) == ("ok", 0, "deleted\n")


def test_stdout_is_kept_up_to_a_bound_and_the_run_log_has_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "MAX_STDOUT", 100)
    log = RunLog(tmp_path / "run.log")
    result = KopsRunner(log, os.environ).run(python("for n in range(50): print('line', n)"))
    assert result.ok and result.truncated
    assert len(result.stdout) <= 100
    assert "line 49\n" in log.path.read_text()


def test_a_missing_binary_is_a_failed_call_not_an_exception(tmp_path: Path) -> None:
    call = KopsCall(Step.VERSION, (str(tmp_path / "no-kops"), "version"), 5.0)
    result = KopsRunner(RunLog(tmp_path / "run.log"), os.environ).run(call)
    assert (result.ok, result.code) == (False, 127)
    assert result.describe().startswith("kops version exited 127 after 0s: could not start ")


def test_validate_documents_are_parsed_across_chunks_into_attempts() -> None:
    failing = {
        "failures": [
            {"type": "Pod", "name": "kube-system/coredns-5dc785954d-zvqsx",
             "message": 'system-cluster-critical pod "coredns-5dc785954d-zvqsx" is pending'},
            {"type": "Node", "name": "i-0n1a", "message": 'node "i-0n1a" of role "node" is not ready'},
        ],
        "nodes": [
            {"name": "i-0c1a", "zone": "us-east-1a", "role": "control-plane", "hostname": "i-0c1a", "status": "True"},
            {"name": "i-0n1a", "zone": "us-east-1a", "role": "node", "hostname": "i-0n1a", "status": "False"},
        ],
    }  # fmt: skip
    passing = {"nodes": failing["nodes"][:1]}
    text = json.dumps(failing, indent=2) + "\n" + json.dumps(passing) + "\n"
    seen: list[str] = []
    stream = AttemptStream(lambda attempt: seen.append(attempt.progress()))
    for start in range(0, len(text), 7):  # lines arrive in pieces
        stream.feed(text[start : start + 7])
    assert seen == [
        "validate attempt 1: 2 nodes joined (1 ready), 1 pods pending; Pod"
        " kube-system/coredns-5dc785954d-zvqsx: system-cluster-critical pod"
        ' "coredns-5dc785954d-zvqsx" is pending (+1 more)',
        "validate attempt 2: 1 nodes joined (1 ready), 0 pods pending: cluster validated",
    ]
    assert stream.last is not None and stream.last.passed


def test_the_resources_kops_delete_still_lists_come_from_its_last_retry_block() -> None:
    output = (FIXTURES / "delete-cluster-yes.txt").read_text()
    assert still_listed(output) == (
        "dhcp-options:dopt-9e2bd96bfcce3afe7",
        "route-table:rtb-427d1b0005aa13ea8",
        "vpc:vpc-db78e552e7f5c4be5",
    )
    assert still_listed("load-balancer:arn:aws:...\tok\n") == ()


@pytest.mark.parametrize(
    ("text", "version"),
    [
        pytest.param("Client version: 1.32.0 (git-v1.32.0)\n", (1, 32, "1.32.0"), id="kops-1.32"),
        pytest.param("Version 1.23.4 (git-8f3a0b3c)\n", (1, 23, "1.23.4"), id="kops-1.23"),
        pytest.param("Client version: v1.28.4\n", (1, 28, "1.28.4"), id="v-prefix"),
        pytest.param("command not found\n", None, id="not-kops"),
    ],
)
def test_kops_version_lines(text: str, version: tuple[int, int, str] | None) -> None:
    assert parse_kops_version(text) == version


def test_the_flags_plan_the_instance_groups_kops_creates() -> None:
    request = ProvisionRequest(
        name="t.k8s.local",
        zones=("us-east-1a", "us-east-1b", "us-east-1c"),
        modes=("kubenet",),
        state_store="s3://kops-state",
        control_plane_size="m4.large",
        node_size="t3.medium",
        node_count=5,
        topology=Topology.PRIVATE,
    )
    cluster, groups = planned_spec(request, "kubenet")
    assert [(g.name, g.role, g.min_size, g.max_size, g.machine_type) for g in groups] == [
        ("control-plane-us-east-1a", "Master", 1, 1, "m4.large"),
        ("nodes-us-east-1a", "Node", 2, 2, "t3.medium"),
        ("nodes-us-east-1b", "Node", 2, 2, "t3.medium"),
        ("nodes-us-east-1c", "Node", 1, 1, "t3.medium"),
    ]
    assert cluster.networking == {"kubenet": {}}
    assert cluster.spec["subnets"] == [
        {"name": z, "type": "Private", "zone": z}
        for z in ("us-east-1a", "us-east-1b", "us-east-1c")
    ]
    assert request.aws_region == "us-east-1"
