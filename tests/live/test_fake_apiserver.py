"""The fake API server answers the official client the way kube-apiserver does.

Every call goes through the generated client methods, so the responses also pass the client's
own (pydantic) model validation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3
from conftest import LiveCluster
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

KS = "kube-system"


@pytest.fixture
def api(live_cluster: Callable[..., LiveCluster]) -> Iterator[tuple[LiveCluster, Any]]:
    cluster = live_cluster("healthy")
    configuration = client.Configuration()
    configuration.retries = False  # urllib3 would otherwise retry a 429 with Retry-After itself
    api_client = config.new_client_from_config(
        str(cluster.kubeconfig), persist_config=False, client_configuration=configuration
    )
    yield cluster, api_client
    api_client.close()


def _status(error: ApiException) -> dict[str, Any]:
    body = json.loads(error.body)
    assert body["kind"] == "Status" and body["status"] == "Failure"
    return dict(body)


def _pod(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": "probe"}},
        "spec": {"containers": [{"name": "probe", "image": "registry.k8s.io/pause:3.10"}]},
        "status": {"phase": "Running"},
    }


def test_create_get_patch_status_replace_delete(api: tuple[LiveCluster, Any]) -> None:
    _cluster, api_client = api
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_pod("default", _pod("probe-a"))
    assert created.metadata.uid and created.metadata.creation_timestamp
    assert created.status.phase == "Pending"  # status is the server's, not the client's
    with pytest.raises(ApiException) as dup:
        core.create_namespaced_pod("default", _pod("probe-a"))
    assert dup.value.status == 409
    assert _status(dup.value)["reason"] == "AlreadyExists"
    assert _status(dup.value)["message"] == 'pods "probe-a" already exists'

    patched = core.patch_namespaced_pod(
        "probe-a", "default", {"metadata": {"labels": {"run": "1"}}, "status": {"phase": "Failed"}}
    )
    assert patched.metadata.labels == {"app": "probe", "run": "1"}
    assert patched.status.phase == "Pending"  # the main resource ignores status
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)
    running = core.patch_namespaced_pod_status(
        "probe-a", "default", {"status": {"phase": "Running"}}
    )
    assert (running.status.phase, running.metadata.labels["run"]) == ("Running", "1")

    stale = _pod("probe-a")
    stale["metadata"]["resourceVersion"] = created.metadata.resource_version
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_pod("probe-a", "default", stale)
    assert (conflict.value.status, _status(conflict.value)["reason"]) == (409, "Conflict")

    deleted = core.delete_namespaced_pod("probe-a", "default")
    assert deleted.metadata.name == "probe-a"
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_pod("probe-a", "default")
    assert (gone.value.status, _status(gone.value)["reason"]) == (404, "NotFound")
    assert _status(gone.value)["details"] == {"name": "probe-a", "group": "", "kind": "pods"}


def test_create_in_a_missing_namespace_is_not_found(api: tuple[LiveCluster, Any]) -> None:
    core = client.CoreV1Api(api[1])
    with pytest.raises(ApiException) as error:
        core.create_namespaced_pod("nowhere", _pod("probe-b"))
    assert _status(error.value)["message"] == 'namespaces "nowhere" not found'


@pytest.mark.parametrize(
    ("labels", "fields", "expected"),
    [
        pytest.param("k8s-app=calico-node", None, 4, id="label-equals"),
        pytest.param("k8s-app in (kube-dns,calico-node)", None, 6, id="label-in"),
        pytest.param("k8s-app notin (calico-node),k8s-app", None, 11, id="label-notin-and-exists"),
        pytest.param("!k8s-app", None, 0, id="label-does-not-exist"),
        pytest.param(None, "spec.nodeName=i-0a1b2c3d4e5f60002", 3, id="field-node-name"),
        pytest.param("k8s-app=calico-node", "spec.nodeName!=i-0a1b2c3d4e5f60002", 3, id="both"),
    ],
)
def test_label_and_field_selectors(
    labels: str | None, fields: str | None, expected: int, api: tuple[LiveCluster, Any]
) -> None:
    pods = client.CoreV1Api(api[1]).list_namespaced_pod(
        KS, label_selector=labels, field_selector=fields
    )
    assert len(pods.items) == expected


def test_an_unsupported_field_selector_is_a_bad_request(api: tuple[LiveCluster, Any]) -> None:
    with pytest.raises(ApiException) as error:
        client.CoreV1Api(api[1]).list_namespaced_pod(KS, field_selector="spec.dnsPolicy=Default")
    assert (error.value.status, _status(error.value)["reason"]) == (400, "BadRequest")


def test_pages_cover_the_list_once_and_expire_on_compaction(api: tuple[LiveCluster, Any]) -> None:
    cluster, api_client = api
    core = client.CoreV1Api(api_client)
    everything = [p.metadata.name for p in core.list_pod_for_all_namespaces().items]
    first = core.list_pod_for_all_namespaces(limit=4)
    assert first.metadata.remaining_item_count == len(everything) - 4
    names, token = [p.metadata.name for p in first.items], first.metadata._continue
    core.create_namespaced_pod("default", _pod("zz-created-meanwhile"))
    while token:
        page = core.list_pod_for_all_namespaces(limit=4, _continue=token)
        names += [p.metadata.name for p in page.items]
        token = page.metadata._continue
    assert names == everything  # the snapshot of the first page, not the new pod
    second = core.list_pod_for_all_namespaces(limit=4)
    cluster.server.store.compact()
    with pytest.raises(ApiException) as expired:
        core.list_pod_for_all_namespaces(limit=4, _continue=second.metadata._continue)
    status = _status(expired.value)
    assert (expired.value.status, status["reason"], status["code"]) == (410, "Expired", 410)
    assert status["metadata"]["continue"]


def test_pod_logs_are_plain_text_with_the_real_errors(api: tuple[LiveCluster, Any]) -> None:
    core = client.CoreV1Api(api[1])
    text = core.read_namespaced_pod_log("calico-node-2fkq8", KS, container="calico-node")
    assert "felix/health.go" in text
    raw = core.read_namespaced_pod_log("calico-node-2fkq8", KS, _preload_content=False)
    assert raw.headers["Content-Type"] == "text/plain"
    with pytest.raises(ApiException) as error:
        core.read_namespaced_pod_log("calico-node-2fkq8", KS, container="nope")
    assert (
        _status(error.value)["message"] == "container nope is not valid for pod calico-node-2fkq8"
    )


def test_node_proxy_version_and_faults(api: tuple[LiveCluster, Any]) -> None:
    cluster, api_client = api
    assert client.VersionApi(api_client).get_code().git_version == "v1.32.4"
    http = urllib3.PoolManager()
    headers = {"Authorization": f"Bearer {cluster.server.token}"}
    base = f"{cluster.server.url}/api/v1/nodes"
    configz = http.request("GET", f"{base}/i-0a1b2c3d4e5f60002/proxy/configz", headers=headers)
    assert json.loads(configz.data)["kubeletconfig"]["enableSystemLogQuery"] is True
    logs = f"{base}/i-0a1b2c3d4e5f60002/proxy/logs/?query=kubelet"
    journal = http.request("GET", f"{logs}&tailLines=5", headers=headers)
    assert journal.headers["Content-Type"].startswith("text/plain")
    node_dir = cluster.bundle / "nodes" / "i-0a1b2c3d4e5f60002"
    assert journal.data.decode() == (node_dir / "kubelet.log").read_text()
    assert http.request("GET", f"{logs}&tailLines=0", headers=headers).data == b""
    listing = http.request(
        "GET", f"{base}/i-0a1b2c3d4e5f60001/proxy/logs/?query=kubelet", headers=headers
    )
    assert listing.headers["Content-Type"].startswith("text/html")  # no log query there

    core = client.CoreV1Api(api_client)
    cluster.server.inject("^/api/v1/events$", "403")
    cluster.server.inject("^/api/v1/services$", "429", times=1)
    with pytest.raises(ApiException) as forbidden:
        core.list_event_for_all_namespaces()
    assert _status(forbidden.value)["message"] == (
        'events is forbidden: User "system:serviceaccount:monitoring:kopscheck" cannot list'
        ' resource "events" in API group "" at the cluster scope'
    )
    with pytest.raises(ApiException) as throttled:
        core.list_service_for_all_namespaces()
    assert (throttled.value.status, throttled.value.headers["Retry-After"]) == (429, "1")
    assert core.list_service_for_all_namespaces().items  # times=1: the next one passes
    cluster.server.inject("^/api/v1/nodes$", "timeout")
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        core.list_node(_request_timeout=0.2)
