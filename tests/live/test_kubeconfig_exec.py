"""kubeconfig exec credential plugins (real scripts) are bounded and leave nothing running;
malformed kubeconfigs are exit 2 naming the file and the field."""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_outcome import CliOutcome
from live_env import LiveCluster

from kopscheck.collectors.kube.kubeconfig_fields import server_problem

CREDENTIAL = (
    '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",'
    ' "status": {"token": "%s"}}'
)


def _plugin(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _exec_kubeconfig(cluster: LiveCluster, path: Path, plugin: Path) -> Path:
    doc = yaml.safe_load(cluster.kubeconfig.read_text())
    doc["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": str(plugin),
            "args": ["token", "--cluster", cluster.name],
            "env": [{"name": "PLUGIN_PIDS", "value": str(path.parent / "pids")}],
            "interactiveMode": "Never",
        }
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _still_alive(pids: list[int], within: float = 5.0) -> list[int]:
    """The pids not dead within `within` seconds: a SIGKILL to a group is delivered to each
    member as the kernel schedules it, a moment after killpg returns on a loaded machine."""
    end = time.monotonic() + within
    while (alive := [p for p in pids if _alive(p)]) and time.monotonic() < end:
        time.sleep(0.05)
    return alive


def test_an_exec_plugin_token_reaches_the_api_server(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    credential = CREDENTIAL % cluster.server.token
    script = (
        f'test "$1 $2 $3" = "token --cluster {cluster.name}" || exit 9\necho \'{credential}\'\n'
    )
    kubeconfig = _exec_kubeconfig(
        cluster, tmp_path / "exec.kubeconfig", _plugin(tmp_path / "p", script)
    )
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig), "--select", "node")
    assert outcome.code == 0, outcome.stderr
    assert cluster.server.count("^/api/v1/nodes$") == 1


def test_a_hanging_exec_plugin_is_killed_with_its_process_group_at_the_timeout(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    # the plugin starts a helper of its own (same process group), records both pids, hangs
    script = 'sleep 300 &\necho "$$ $!" > "$PLUGIN_PIDS"\nsleep 300\n'
    kubeconfig = _exec_kubeconfig(
        cluster, tmp_path / "exec.kubeconfig", _plugin(tmp_path / "p", script)
    )
    started = time.monotonic()
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig), "--timeout", "2s")
    took = time.monotonic() - started
    assert outcome.code == 3, outcome.stderr
    assert outcome.stderr == (
        f"kopscheck: error: exec credential plugin 'p' (users[0] (name '{cluster.name}-reader'))"
        " did not answer within 2s (--timeout): killed it and its process group\n"
    )
    assert took < 10
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2 and os.getpgid(os.getpid()) != pids[0]
    assert _still_alive(pids) == []
    assert cluster.server.requests == []  # no request went out without credentials


@pytest.fixture
def setsid_pid(tmp_path: Path) -> Iterator[Path]:
    """Where the plugin records the pid it moved out of its group ($PLUGIN_PIDS); killed after."""
    path = tmp_path / "pids"
    yield path
    if path.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(path.read_text().split()[0]), signal.SIGKILL)


# a process the plugin starts in a session of its own: not killed with the plugin's group, and it
# holds the plugin's stdout and stderr open for a minute
ESCAPED_HOLDER = 'setsid sleep 60 &\necho "$!" > "$PLUGIN_PIDS"\n'


def test_a_hanging_plugin_whose_child_left_its_group_still_ends_at_the_timeout(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    setsid_pid: Path,
) -> None:
    cluster = live_cluster("healthy")
    kubeconfig = _exec_kubeconfig(
        cluster,
        tmp_path / "exec.kubeconfig",
        _plugin(tmp_path / "p", ESCAPED_HOLDER + "sleep 300\n"),
    )
    started = time.monotonic()
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig), "--timeout", "2s")
    took = time.monotonic() - started
    assert (outcome.code, outcome.stderr) == (
        3,
        f"kopscheck: error: exec credential plugin 'p' (users[0] (name '{cluster.name}-reader'))"
        " did not answer within 2s (--timeout): killed it and its process group\n",
    )
    assert took < 6  # 2s and the grace; it was 2s + 10s (two 5s joins on the held pipes)
    assert _alive(int(setsid_pid.read_text()))  # the holder really held the pipes
    assert cluster.server.requests == []


def test_a_plugin_that_answered_is_used_though_its_escaped_child_holds_its_output(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    setsid_pid: Path,
) -> None:
    cluster = live_cluster("healthy")
    credential = CREDENTIAL % cluster.server.token
    kubeconfig = _exec_kubeconfig(
        cluster,
        tmp_path / "exec.kubeconfig",
        _plugin(tmp_path / "p", ESCAPED_HOLDER + f"echo '{credential}'\n"),
    )
    started = time.monotonic()
    outcome = kopscheck_cli(
        "check", "--kubeconfig", str(kubeconfig), "--select", "node", "--timeout", "20s"
    )
    took = time.monotonic() - started
    assert outcome.code == 0, outcome.stderr
    assert took < 10  # its output is in once it exited: not held to the 20s deadline
    assert cluster.server.count("^/api/v1/nodes$") == 1


def test_a_failing_exec_plugin_is_exit_3_with_its_last_line(
    live_cluster: Callable[..., LiveCluster],
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
) -> None:
    cluster = live_cluster("healthy")
    script = "echo 'error: SSO session expired; run aws sso login' >&2\nexit 1\n"
    kubeconfig = _exec_kubeconfig(
        cluster, tmp_path / "exec.kubeconfig", _plugin(tmp_path / "p", script)
    )
    outcome = kopscheck_cli("check", "--kubeconfig", str(kubeconfig))
    assert (outcome.code, outcome.stderr) == (
        3,
        "kopscheck: error: exec credential plugin 'p' exited 1: error: SSO session expired;"
        " run aws sso login\n",
    )
    assert cluster.server.requests == []


def _base() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }


def _with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = _base()
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        pytest.param(
            _with(lambda d: d.update(contexts={"x": {"cluster": "c"}})),
            "contexts: expected a list of {name, context}, not a mapping",
            id="contexts-a-map-not-a-list",
        ),
        pytest.param(
            _with(lambda d: d["contexts"][0].update(context=["c", "u"])),
            "contexts[0] (name 'x').context: expected a mapping, not a list",
            id="context-a-list",
        ),
        pytest.param(
            _with(lambda d: d["contexts"][0]["context"].update(cluster="x")),
            "contexts[0] (name 'x').context.cluster: cluster 'x' is not in the kubeconfig's"
            " clusters (they are: c)",
            id="context-naming-itself-as-cluster",
        ),
        pytest.param(
            _with(lambda d: d["contexts"][0]["context"].update(user="admin")),
            "contexts[0] (name 'x').context.user: user 'admin' is not in the kubeconfig's users"
            " (they are: u)",
            id="context-naming-a-missing-user",
        ),
        pytest.param(
            _with(lambda d: d.pop("users")),
            "contexts[0] (name 'x').context.user: user 'u' is not in the kubeconfig's users"
            " (they are: none)",
            id="no-users-at-all",
        ),
        pytest.param(
            _with(lambda d: d.update(**{"current-context": "gone"})),
            "current-context: context 'gone' is not in the kubeconfig; its contexts: x",
            id="current-context-pointing-nowhere",
        ),
        pytest.param(
            _with(lambda d: d.update(**{"current-context": ["x"]})),
            "current-context: expected a context name, not a list",
            id="current-context-a-list",
        ),
        pytest.param(
            _with(lambda d: d["clusters"][0]["cluster"].update(server=6443)),
            "clusters[0] (name 'c').cluster.server: expected a string, not a number (6443)",
            id="server-a-number",
        ),
        pytest.param(
            _with(lambda d: d["users"][0].update(user="t")),
            "users[0] (name 'u').user: expected a mapping, not a str",
            id="user-a-string",
        ),
        pytest.param(
            _with(lambda d: d["users"][0].update(user={"exec": {"command": "aws"}})),
            "users[0] (name 'u').user.exec.apiVersion: missing (a non-empty string)",
            id="exec-without-api-version",
        ),
        pytest.param(
            _with(
                lambda d: d["users"][0].update(
                    user={"exec": {"command": "aws", "apiVersion": "v1", "args": "eks get-token"}}
                )
            ),
            "users[0] (name 'u').user.exec.args: expected a list of strings",
            id="exec-args-a-string",
        ),
        pytest.param(
            _with(lambda d: d["clusters"].append("c2")),
            "clusters[1]: expected a mapping with name and cluster, not a str",
            id="cluster-entry-a-string",
        ),
    ],
)
def test_a_malformed_kubeconfig_is_exit_2_naming_the_file_and_the_field(
    kopscheck_cli: Callable[..., CliOutcome], tmp_path: Path, doc: dict[str, Any], message: str
) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    outcome = kopscheck_cli("check", "--kubeconfig", str(path))
    assert (outcome.code, outcome.stderr) == (2, f"kopscheck: error: {path}: {message}\n")


KEY_MATERIAL = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC!secret-key-material"  # '!' is not base64


def _cluster(**fields: object) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["clusters"][0]["cluster"].update(fields)


def _user(**fields: object) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["users"][0]["user"].update(fields)


CLUSTER_AT = "clusters[0] (name 'c').cluster"
USER_AT = "users[0] (name 'u').user"
SERVER_AT = f"{CLUSTER_AT}.server"
PORT_RANGE = "the port must be a number between 1 and 65535"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            _cluster(**{"insecure-skip-tls-verify": "false"}),
            f"{CLUSTER_AT}.insecure-skip-tls-verify: expected true or false, not a str",
            id="insecure-skip-tls-verify-the-string-false",  # the client read it as true
        ),
        pytest.param(
            _cluster(**{"insecure-skip-tls-verify": "yes"}),
            f"{CLUSTER_AT}.insecure-skip-tls-verify: expected true or false, not a str",
            id="insecure-skip-tls-verify-the-string-yes",
        ),
        pytest.param(
            _cluster(**{"insecure-skip-tls-verify": 1}),
            f"{CLUSTER_AT}.insecure-skip-tls-verify: expected true or false, not a number (1)",
            id="insecure-skip-tls-verify-a-number",
        ),
        pytest.param(
            _cluster(**{"disable-compression": "true"}),
            f"{CLUSTER_AT}.disable-compression: expected true or false, not a str",
            id="disable-compression-a-string",
        ),
        pytest.param(
            _user(exec={"command": "aws", "apiVersion": "v1", "provideClusterInfo": "true"}),
            f"{USER_AT}.exec.provideClusterInfo: expected true or false",
            id="exec-provide-cluster-info-a-string",
        ),
        pytest.param(
            _cluster(server="127.0.0.1:6443"),
            f"{SERVER_AT}: expected an https:// (or http://) URL, e.g. https://api.example.com:443",
            id="server-without-a-scheme",
        ),
        pytest.param(
            _cluster(server="ftp://api.example.com"),
            f"{SERVER_AT}: expected an https:// (or http://) URL, e.g. https://api.example.com:443",
            id="server-another-scheme",
        ),
        pytest.param(
            _cluster(server="https://:443"),
            f"{SERVER_AT}: the URL names no host",
            id="server-without-a-host",
        ),
        pytest.param(
            _cluster(server="https://api.example.com:0"),
            f"{SERVER_AT}: {PORT_RANGE}",
            id="server-port-zero",
        ),
        pytest.param(
            _cluster(server="https://api.example.com:65536"),
            f"{SERVER_AT}: {PORT_RANGE}",
            id="server-port-out-of-range",
        ),
        pytest.param(
            _cluster(server="https://api.example.com:https"),
            f"{SERVER_AT}: {PORT_RANGE}",
            id="server-port-not-a-number",
        ),
        pytest.param(
            _cluster(server="https://fd00::1:6443"),
            f"{SERVER_AT}: an IPv6 address goes in brackets, e.g. https://[fd00::1]:443",
            id="server-ipv6-without-brackets",
        ),
        pytest.param(
            _cluster(server="https://[api.example.com]:6443"),
            f"{SERVER_AT}: the host in brackets is not an IPv6 address",
            id="server-brackets-around-a-name",
        ),
        pytest.param(
            _cluster(server="https://api example.com"),
            f"{SERVER_AT}: the host is not a DNS name or an IP address",
            id="server-host-with-a-space",
        ),
        pytest.param(
            _cluster(**{"certificate-authority-data": "-----BEGIN CERTIFICATE-----\nMIIB\n"}),
            f"{CLUSTER_AT}.certificate-authority-data: not valid base64",
            id="certificate-authority-data-a-raw-pem",
        ),
        pytest.param(
            _user(**{"client-certificate-data": "LS0tLS1CRUdJTiBDRVJU"[:-1]}),
            f"{USER_AT}.client-certificate-data: not valid base64",
            id="client-certificate-data-truncated",
        ),
        pytest.param(
            _user(**{"client-key-data": KEY_MATERIAL}),
            f"{USER_AT}.client-key-data: not valid base64",
            id="client-key-data-not-base64",
        ),
    ],
)
def test_a_kubeconfig_value_kubectl_refuses_is_exit_2_naming_the_field_never_the_value(
    kopscheck_cli: Callable[..., CliOutcome],
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(_with(change)))
    outcome = kopscheck_cli("check", "--kubeconfig", str(path))
    assert (outcome.code, outcome.stderr) == (2, f"kopscheck: error: {path}: {message}\n")
    assert "secret-key-material" not in outcome.stdout + outcome.stderr


@pytest.mark.parametrize(
    "server",
    [
        "https://api.prod.k8s.example.com",
        "https://10.0.0.1:443",
        "https://[fd00:10::1]:6443",
        "https://[fe80::1%25eth0]:6443",
        "http://127.0.0.1:8080",
        "https://rancher.example.com/k8s/clusters/c-m-4x7zq",
        "https://api.internal_zone.example.com.",
    ],
)
def test_server_urls_kubectl_takes_are_taken(server: str) -> None:
    assert server_problem(server) is None


def test_base64_data_with_line_breaks_is_taken_like_kubectl(
    kopscheck_cli: Callable[..., CliOutcome], tmp_path: Path
) -> None:
    data = base64.b64encode(b"x" * 120).decode()
    wrapped = "\n".join(data[i : i + 64] for i in range(0, len(data), 64))
    path = tmp_path / "kubeconfig"
    doc = _with(_cluster(**{"certificate-authority-data": wrapped}))
    path.write_text(yaml.safe_dump(doc))
    outcome = kopscheck_cli("check", "--kubeconfig", str(path), "--timeout", "3s")
    assert outcome.code == 3  # past the kubeconfig: nothing listens on port 9
    assert outcome.stderr.startswith("kopscheck: error: cannot reach the Kubernetes API at")
