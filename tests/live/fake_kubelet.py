"""Kubelets and a DaemonSet controller for the fake API server, so probes have something to watch.

A thread walks the fake store the way the node components would: it creates one pod per
targeted node for each DaemonSet, and moves each pod bound to a node along its life according
to that node's behaviour:

- "ok": PodScheduled, sandbox, an IP from the node's podCIDR, Running (a pod whose command
  writes a termination message gets the one the test supplies, and ends Succeeded);
- "no-sandbox": the kubelet takes the pod but the CNI fails: ContainerCreating forever and a
  `FailedCreatePodSandBox` event, worded as containerd + calico word it;
- "dead": nothing at all (no kubelet).

The node agent's pods get the log text the test supplies; each node-logs reader pod prints the
test's text, or by default a syslog node's kubelet lines adding and deleting the pods it ran.
"""

from __future__ import annotations

import copy
import ipaddress
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fake_apiserver import FakeApiServer
from fake_store import TYPES, now_rfc3339

SANDBOX_ERROR = (
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for"
    ' sandbox "3f2a": plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such'
    " file or directory: check that the calico/node container is running and has mounted"
    " /var/lib/calico/"
)


# busybox 1.36 `nslookup -type=a NAME SERVER` output lines kept by the probe's grep
ANSWER = "Name:\tkubernetes.default.svc.cluster.local|Address: 100.64.0.1|"
EXTERNAL = "Name:\tregistry.k8s.io|Address: 34.96.108.209|"
NXDOMAIN = "** server can't find kubernetes.default.svc.cluster.local: NXDOMAIN|"
CLIENTS = ("conn-client", "conn-host-client")
AGENT_LOG = """==== kopscheck-agent 1
==== file kubelet.cmdline
/usr/local/bin/kubelet
--cloud-provider=external
--token=<redacted>
==== cni-net.d 10-calico.conflist
{"name": "k8s-pod-network", "plugins": [{"type": "calico", "etcd_password": "hunter22hunter"}]}
==== file cni-bin.txt
-rwxr-xr-x    1 root     root      59136424 Nov 28 10:00 calico
==== end
"""


def dns_message(bad_replica: str = "") -> Callable[[dict[str, Any]], str]:
    def message(pod: dict[str, Any]) -> str:
        if (pod["metadata"].get("labels") or {}).get("kopscheck.io/probe") != "dns":
            return ""
        env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
        lines = []
        for server in env["SERVERS"].split():
            internal, external = env["NAMES"].split()
            answer = NXDOMAIN if server == bad_replica else ANSWER
            lines.append(f"Q {server} {internal} {1 if server == bad_replica else 0} {answer}")
            lines.append(f"Q {server} {external} 0 {EXTERNAL}")
        return "\n".join(lines)

    return message


def connectivity_answers(pod: dict[str, Any]) -> str:
    """A connectivity client's termination message on a sound network: every target answers."""
    if (pod["metadata"].get("labels") or {}).get("kopscheck.io/probe") not in CLIENTS:
        return ""
    env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    lines = ["M 9001"]
    for target in env["TARGETS"].splitlines():
        index, kind = target.split()[:2]
        answer = {"http": "HTTP/1.0 200 OK", "dns": "Address: 100.64.0.1"}.get(
            kind, "1 packets transmitted  1 packets received  0% packet loss"
        )
        lines.append(f"R {index} 0 0 {answer}")
    return "\n".join(lines)


@dataclass
class FakeKubelets:
    api: FakeApiServer
    behaviour: dict[str, str] = field(default_factory=dict)  # node -> ok / no-sandbox / dead
    termination_message: Callable[[dict[str, Any]], str] = lambda _pod: ""
    agent_log: Callable[[str], str] = lambda _node: ""
    node_log: Callable[[str], str] | None = None  # a reader's printout; None: _syslog's
    interval: float = 0.05
    refuse_daemonsets: str = ""  # an admission message: DaemonSet pods are refused with it

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._reported: set[str] = set()
        self._ran: dict[str, list[tuple[str, str]]] = {}  # node -> the (namespace, pod) it ran
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> FakeKubelets:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with self.api.store.lock:
                self._daemonsets()
                for (plural, _key), pod in list(self.api.store.objects.items()):
                    if plural == "pods":
                        self._advance(pod)

    def _nodes(self) -> dict[str, dict[str, Any]]:
        objects = self.api.store.objects
        return {key: obj for (plural, key), obj in objects.items() if plural == "nodes"}

    def _daemonsets(self) -> None:
        store = self.api.store
        for (plural, key), ds in list(store.objects.items()):
            if plural != "daemonsets" or not key.startswith("kopscheck-"):
                continue
            namespace = ds["metadata"]["namespace"]
            if self.refuse_daemonsets:
                if (
                    "events",
                    f"{namespace}/{ds['metadata']['name']}.failedcreate",
                ) not in store.objects:
                    self._refuse(ds)
                continue
            template = ds["spec"]["template"]
            terms = template["spec"]["affinity"]["nodeAffinity"][
                "requiredDuringSchedulingIgnoredDuringExecution"
            ]["nodeSelectorTerms"]
            wanted = terms[0]["matchFields"][0]["values"]
            for node in wanted:
                if node not in self._nodes():
                    continue
                name = f"{ds['metadata']['name']}-{node[-5:]}"
                if ("pods", f"{namespace}/{name}") in store.objects:
                    continue
                pod = {
                    "metadata": {**copy.deepcopy(template["metadata"]), "name": name},
                    "spec": {**copy.deepcopy(template["spec"]), "nodeName": node},
                }
                store.create(TYPES["pods"], namespace, pod)

    def _advance(self, pod: dict[str, Any]) -> None:
        node = pod["spec"].get("nodeName", "")
        behaviour = self.behaviour.get(node, "ok")
        if not node or behaviour == "dead" or pod["status"].get("phase") != "Pending":
            return
        if pod["spec"].get("hostNetwork") and behaviour == "no-sandbox":
            behaviour = "ok"  # a host-network pod needs no CNI
        uid = pod["metadata"]["uid"]
        if uid in self._reported:
            return
        now = now_rfc3339()
        container = pod["spec"]["containers"][0]["name"]
        scheduled = {"type": "PodScheduled", "status": "True", "lastTransitionTime": now}
        if behaviour == "no-sandbox":
            pod["status"] = {
                "phase": "Pending",
                "conditions": [
                    scheduled,
                    {"type": "PodReadyToStartContainers", "status": "False"},
                ],
                "containerStatuses": [
                    {
                        "name": container,
                        "ready": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }
                ],
            }
            self._event(pod, "Warning", "FailedCreatePodSandBox", SANDBOX_ERROR)
            self._reported.add(uid)
            return
        pod["status"] = self._running(pod, node, now, scheduled, container)

    def _running(
        self, pod: dict[str, Any], node: str, now: str, scheduled: dict[str, str], container: str
    ) -> dict[str, Any]:
        cidr = self._nodes()[node]["spec"].get("podCIDR", "10.1.0.0/24")
        ip = str(next(ipaddress.ip_network(cidr).hosts()) + 7)
        labels = pod["metadata"].get("labels") or {}
        message = self.termination_message(pod) or connectivity_answers(pod)
        if labels.get("kopscheck.io/probe") == "node-agent":
            self.api.pod_logs[
                (pod["metadata"]["namespace"], pod["metadata"]["name"], container)
            ] = self.agent_log(node)
        reader = labels.get("kopscheck.io/probe") == "node-logs"
        if reader:  # the reader prints what it found, then exits
            namespace = pod["metadata"]["namespace"]
            printout = self.node_log(node) if self.node_log else self._syslog(node, namespace)
            self.api.pod_logs[(namespace, pod["metadata"]["name"], container)] = printout
        else:
            self._ran.setdefault(node, []).append(
                (pod["metadata"]["namespace"], pod["metadata"]["name"])
            )
        if message or reader:
            state: dict[str, Any] = {
                "terminated": {"exitCode": 0, "reason": "Completed", "message": message}
                if message
                else {"exitCode": 0, "reason": "Completed"}
            }
            phase = "Succeeded"
        else:
            state, phase = {"running": {"startedAt": now}}, "Running"
        return {
            "phase": phase,
            "podIP": ip,
            "hostIP": "10.0.0.1",
            "conditions": [
                scheduled,
                {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": now},
                {"type": "Ready", "status": "True", "lastTransitionTime": now},
            ],
            "containerStatuses": [
                {"name": container, "ready": True, "restartCount": 0, "state": state}
            ],
        }

    def _syslog(self, node: str, namespace: str) -> str:
        """What the reader prints on a syslog node: the kubelet's add and delete of each pod."""
        lines = ["==== kopscheck-node-logs 1", "==== skipped journal: no journalctl on the host"]
        lines += ["==== source /var/log/syslog"]
        for i, (ns, name) in enumerate(p for p in self._ran.get(node, []) if p[0] == namespace):
            for verb in ("ADD", "DELETE"):
                stamp = f"12:45:{(2 * i + (verb == 'DELETE')) % 60:02d}"
                lines.append(
                    f"Nov 28 {stamp} {node} kubelet[2231]: I1128 {stamp}.201342    2231 "
                    f'kubelet.go:2456] "SyncLoop {verb}" source="api" pods=["{ns}/{name}"]'
                )
        return "\n".join([*lines, "==== end", ""])

    def _refuse(self, ds: dict[str, Any]) -> None:
        namespace, name = ds["metadata"]["namespace"], ds["metadata"]["name"]
        self.api.store.create(
            TYPES["events"],
            namespace,
            {
                "metadata": {"name": f"{name}.failedcreate"},
                "involvedObject": {"kind": "DaemonSet", "namespace": namespace, "name": name},
                "reason": "FailedCreate",
                "message": f"Error creating: {self.refuse_daemonsets}",
                "type": "Warning",
                "source": {"component": "daemonset-controller"},
                "lastTimestamp": now_rfc3339(),
            },
        )

    def _event(self, pod: dict[str, Any], type_: str, reason: str, message: str) -> None:
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.api.store.create(
            TYPES["events"],
            namespace,
            {
                "metadata": {"name": f"{name}.{reason.lower()}"},
                "involvedObject": {"kind": "Pod", "namespace": namespace, "name": name},
                "reason": reason,
                "message": message,
                "type": type_,
                "source": {"component": "kubelet", "host": pod["spec"]["nodeName"]},
                "lastTimestamp": now_rfc3339(),
            },
        )
