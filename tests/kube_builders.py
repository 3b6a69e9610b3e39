"""Builders for Kubernetes API objects shaped like kube-apiserver writes them.

Used by tests for edge cases, and by tools/make_demo_bundles.py to write the demo and fixture
bundles (kubectl cluster-info dump layout), so both stay in the real formats.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

Obj = dict[str, Any]
T0 = "2026-11-27T09:00:00Z"


def uid(seed: str) -> str:
    return str(uuid.UUID(hashlib.md5(seed.encode()).hexdigest()))


def meta(
    name: str, namespace: str | None = None, labels: dict[str, str] | None = None, **extra: Any
) -> Obj:
    out: Obj = {"name": name}
    if namespace:
        out["namespace"] = namespace
    out["uid"] = uid(f"{namespace}/{name}/{extra.get('kind', '')}")
    out["resourceVersion"] = str(1000 + int(hashlib.md5(name.encode()).hexdigest()[:4], 16) % 9000)
    out["creationTimestamp"] = extra.pop("created", T0)
    if labels:
        out["labels"] = labels
    extra.pop("kind", None)
    out.update(extra)
    return out


def condition(type_: str, status: str, reason: str, message: str, at: str = T0) -> Obj:
    return {
        "type": type_,
        "status": status,
        "lastHeartbeatTime": "2026-11-27T10:14:52Z",
        "lastTransitionTime": at,
        "reason": reason,
        "message": message,
    }


READY = ("True", "KubeletReady", "kubelet is posting ready status")
CNI_NOT_INITIALIZED = (
    "False",
    "KubeletNotReady",
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized",
)
# the real kubelet v1.32.13's Ready condition on a kubenet node (containerd 1.6.20, nodeup's
# conf_template) of a cluster whose kube-controller-manager runs without --allocate-node-cidrs
# (tests/cluster/test_realnode_faults.py)
NO_CIDR_READY = (
    "False",
    "KubeletNotReady",
    "[container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
    " message:Network plugin returns error: cni plugin not initialized, CSINode is not yet"
    " initialized]",
)
# the real kubelet's Ready condition about 30 s after containerd stopped
RUNTIME_DOWN = ("False", "KubeletNotReady", "container runtime is down")


def node(
    name: str,
    ip: str,
    pod_cidr: str,
    instance_group: str = "nodes-us-east-1a",
    control_plane: bool = False,
    ready: tuple[str, str, str] = READY,
    network_unavailable: tuple[str, str, str] | None = None,
    kubelet_version: str = "v1.32.4",
    zone: str = "us-east-1a",
    taints: list[Obj] | None = None,
) -> Obj:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "m6i.large",
        "beta.kubernetes.io/os": "linux",
        "kops.k8s.io/instancegroup": instance_group,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m6i.large",
        "topology.kubernetes.io/region": zone[:-1],
        "topology.kubernetes.io/zone": zone,
    }
    labels[
        "node-role.kubernetes.io/control-plane" if control_plane else "node-role.kubernetes.io/node"
    ] = ""
    node_taints = list(taints or [])
    if control_plane:
        node_taints.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
    if ready[0] != "True":
        node_taints.append(
            {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule", "timeAdded": T0}
        )
    conditions = []
    if network_unavailable:
        conditions.append(condition("NetworkUnavailable", *network_unavailable))
    conditions += [
        condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        condition(
            "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"
        ),
        condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
        ),
        condition("Ready", *ready),
    ]
    spec: Obj = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr], "providerID": f"aws:///{zone}/{name}"}
    if node_taints:
        spec["taints"] = node_taints
    return {
        "metadata": meta(
            name, labels=labels, annotations={"alpha.kubernetes.io/provided-node-ip": ip}
        ),
        "spec": spec,
        "status": {
            "capacity": {
                "cpu": "2",
                "ephemeral-storage": "130045936Ki",
                "memory": "8023756Ki",
                "pods": "110",
            },
            "allocatable": {
                "cpu": "2",
                "ephemeral-storage": "119850776788",
                "memory": "7921356Ki",
                "pods": "110",
            },
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
                {"type": "InternalDNS", "address": f"ip-{ip.replace('.', '-')}.ec2.internal"},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": uid(name).replace("-", ""),
                "systemUUID": uid(name + "sys"),
                "bootID": uid(name + "boot"),
                "kernelVersion": "6.8.0-1021-aws",
                "osImage": "Ubuntu 24.04.1 LTS",
                "containerRuntimeVersion": "containerd://1.7.24",
                "kubeletVersion": kubelet_version,
                "kubeProxyVersion": kubelet_version,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }


def crash_loop(pod: Obj, container: str, restarts: int) -> None:
    """Put `pod` (a pod object as kubectl prints it) in CrashLoopBackOff: its container
    waiting after `restarts` restarts, the pod and its containers not Ready."""
    image = next(c["image"] for c in pod["spec"]["containers"] if c["name"] == container)
    pod["status"]["containerStatuses"] = [
        container_status(container, image, state="waiting", reason="CrashLoopBackOff",
                         message="back-off 5m0s restarting failed container", ready=False,
                         restarts=restarts, last_reason="Error")
    ]  # fmt: skip
    for cond in pod["status"]["conditions"]:
        if cond["type"] in ("Ready", "ContainersReady"):
            cond["status"] = "False"


def container_status(
    name: str,
    image: str,
    state: str = "running",
    reason: str = "",
    message: str = "",
    ready: bool = True,
    restarts: int = 0,
    last_reason: str = "",
) -> Obj:
    detail: Obj = {"startedAt": "2026-11-27T09:02:10Z"} if state == "running" else {}
    if reason:
        detail["reason"] = reason
    if message:
        detail["message"] = message
    out: Obj = {
        "name": name,
        "state": {state: detail},
        "lastState": {},
        "ready": ready,
        "restartCount": restarts,
        "image": image,
        "imageID": f"{image.split(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}",
        "started": state == "running",
    }
    if state == "running":
        out["containerID"] = f"containerd://{hashlib.sha256(name.encode()).hexdigest()}"
    if last_reason:
        out["lastState"] = {
            "terminated": {
                "exitCode": 1,
                "reason": last_reason,
                "startedAt": "2026-11-27T10:10:01Z",
                "finishedAt": "2026-11-27T10:10:03Z",
            }
        }
    return out


def pod(
    name: str,
    namespace: str,
    labels: dict[str, str],
    owner: tuple[str, str] | None,
    image: str,
    container: str,
    node_name: str | None = None,
    phase: str = "Running",
    pod_ip: str | None = None,
    host_ip: str | None = None,
    host_network: bool = False,
    statuses: list[Obj] | None = None,
    unschedulable_message: str | None = None,
    priority_class: str = "system-cluster-critical",
    tolerations: list[Obj] | None = None,
) -> Obj:
    m = meta(name, namespace, labels=labels, generateName=name.rsplit("-", 1)[0] + "-")
    if owner:
        m["ownerReferences"] = [
            {
                "apiVersion": "apps/v1" if owner[0] != "ReplicationController" else "v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": uid(f"{namespace}/{owner[1]}/{owner[0]}"),
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    spec: Obj = {
        "containers": [{"name": container, "image": image, "imagePullPolicy": "IfNotPresent"}],
        "restartPolicy": "Always",
        "dnsPolicy": "Default" if host_network else "ClusterFirst",
        "serviceAccountName": container,
        "priorityClassName": priority_class,
        "schedulerName": "default-scheduler",
        "tolerations": tolerations
        or [
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
    }
    if node_name:
        spec["nodeName"] = node_name
    if host_network:
        spec["hostNetwork"] = True
    status: Obj = {"phase": phase, "qosClass": "Burstable"}
    if unschedulable_message:
        status["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": T0,
                "reason": "Unschedulable",
                "message": unschedulable_message,
            }
        ]
    else:
        all_ready = all(s.get("ready") for s in statuses or [])
        state = "True" if all_ready else "False"
        status["conditions"] = [
            {
                "type": "PodReadyToStartContainers",
                "status": "True" if pod_ip else "False",
                "lastProbeTime": None,
                "lastTransitionTime": T0,
            },
            {
                "type": "Initialized",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": T0,
            },
            {"type": "Ready", "status": state, "lastProbeTime": None, "lastTransitionTime": T0},
            {
                "type": "ContainersReady",
                "status": state,
                "lastProbeTime": None,
                "lastTransitionTime": T0,
            },
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": T0,
            },
        ]
        status["hostIP"] = host_ip
        status["hostIPs"] = [{"ip": host_ip}]
        if pod_ip:
            status["podIP"] = pod_ip
            status["podIPs"] = [{"ip": pod_ip}]
        status["startTime"] = T0
        status["containerStatuses"] = statuses or []
    return {"metadata": m, "spec": spec, "status": status}


def deployment(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    image: str,
    replicas: int,
    ready: int,
    updated: int | None = None,
    available: int | None = None,
    generation: int = 1,
    observed: int | None = None,
) -> Obj:
    available = ready if available is None else available
    status: Obj = {
        "observedGeneration": generation if observed is None else observed,
        "replicas": replicas,
        "updatedReplicas": replicas if updated is None else updated,
        "conditions": [
            {
                "type": "Available",
                "status": "True" if available >= replicas else "False",
                "lastUpdateTime": T0,
                "lastTransitionTime": T0,
                "reason": "MinimumReplicasAvailable"
                if available >= replicas
                else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if available >= replicas
                else "Deployment does not have minimum availability.",
            }
        ],
    }
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    if replicas - available:
        status["unavailableReplicas"] = replicas - available
    return {
        "metadata": meta(name, namespace, labels=labels, generation=generation, kind="Deployment"),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": {**selector, "kops.k8s.io/managed-by": "kops"}},
                "spec": {
                    "containers": [{"name": name, "image": image}],
                    "priorityClassName": "system-cluster-critical",
                },
            },
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "10%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": status,
    }


def daemonset(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    image: str,
    desired: int,
    ready: int,
    updated: int | None = None,
    available: int | None = None,
    generation: int = 1,
    node_selector: dict[str, str] | None = None,
) -> Obj:
    pod_spec: Obj = {
        "containers": [{"name": name, "image": image}],
        "hostNetwork": True,
        "priorityClassName": "system-node-critical",
        "tolerations": [{"operator": "Exists"}],
    }
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    status: Obj = {
        "currentNumberScheduled": desired,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": desired,
        "numberReady": ready,
        "observedGeneration": generation,
        "updatedNumberScheduled": desired if updated is None else updated,
        "numberAvailable": ready if available is None else available,
    }
    if desired - status["numberAvailable"]:
        status["numberUnavailable"] = desired - status["numberAvailable"]
    return {
        "metadata": meta(name, namespace, labels=labels, generation=generation, kind="DaemonSet"),
        "spec": {
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": {**selector, "kops.k8s.io/managed-by": "kops"}},
                "spec": pod_spec,
            },
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
            },
            "revisionHistoryLimit": 10,
        },
        "status": status,
    }


def service(
    name: str,
    namespace: str,
    selector: dict[str, str],
    cluster_ip: str,
    labels: dict[str, str] | None = None,
    ports: list[Obj] | None = None,
) -> Obj:
    return {
        "metadata": meta(name, namespace, labels=labels or {}),
        "spec": {
            "ports": ports
            or [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": 443}],
            "selector": selector,
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip],
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    }


def endpoints(
    name: str,
    namespace: str,
    ready: list[tuple[str, str, str]],
    not_ready: list[tuple[str, str, str]] = (),
    ports: list[Obj] | None = None,
) -> Obj:  # type: ignore[assignment]
    def addr(ip: str, node_name: str, pod_name: str) -> Obj:
        return {
            "ip": ip,
            "nodeName": node_name,
            "targetRef": {
                "kind": "Pod",
                "namespace": namespace,
                "name": pod_name,
                "uid": uid(f"{namespace}/{pod_name}/"),
            },
        }

    subset: Obj = {}
    if ready:
        subset["addresses"] = [addr(*a) for a in ready]
    if not_ready:
        subset["notReadyAddresses"] = [addr(*a) for a in not_ready]
    out: Obj = {
        "kind": "Endpoints",
        "apiVersion": "v1",
        "metadata": meta(name, namespace, labels={"k8s-app": name}),
    }
    if subset:
        subset["ports"] = ports or [{"name": "dns", "port": 53, "protocol": "UDP"}]
        out["subsets"] = [subset]
    return out


def event(
    name_of: tuple[str, str, str],
    reason: str,
    message: str,
    type_: str = "Warning",
    count: int = 1,
    component: str = "kubelet",
    host: str | None = None,
    last: str = "2026-11-27T10:14:30Z",
) -> Obj:
    kind, namespace, name = name_of
    suffix = hashlib.md5(f"{kind}{name}{reason}".encode()).hexdigest()[:16]
    source: Obj = {"component": component}
    if host:
        source["host"] = host
    return {
        "metadata": meta(f"{name}.{suffix}", namespace or "default", created=last),
        "involvedObject": {
            "kind": kind,
            "namespace": namespace or None,
            "name": name,
            "uid": uid(f"{namespace}/{name}/"),
            "apiVersion": "v1",
        },
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": T0,
        "lastTimestamp": last,
        "count": count,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host or "",
    }


def as_list(kind: str, items: list[Obj], api_version: str = "v1") -> Obj:
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "48213"},
        "items": items or None,
    }


LIST_FILES = {
    "events.json": ("EventList", "v1"),
    "replication-controllers.json": ("ReplicationControllerList", "v1"),
    "services.json": ("ServiceList", "v1"),
    "daemonsets.json": ("DaemonSetList", "apps/v1"),
    "deployments.json": ("DeploymentList", "apps/v1"),
    "replicasets.json": ("ReplicaSetList", "apps/v1"),
    "pods.json": ("PodList", "v1"),
}


def write_json(path: Path, doc: Obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=4) + "\n")


def write_cluster_info(
    root: Path,
    nodes: list[Obj],
    namespaces: dict[str, dict[str, list[Obj]]],
    logs: dict[tuple[str, str], dict[str, str]] | None = None,
    version: str = "v1.32.4",
) -> None:
    """Write `kubectl cluster-info dump --all-namespaces --output-directory root/cluster-info`."""
    info = root / "cluster-info"
    write_json(info / "nodes.json", as_list("NodeList", nodes))
    minor = version.split(".")[1]
    write_json(
        info / "version.json",
        {
            "clientVersion": {
                "major": "1",
                "minor": "32",
                "gitVersion": "v1.32.4",
                "platform": "linux/amd64",
            },
            "kustomizeVersion": "v5.5.0",
            "serverVersion": {
                "major": "1",
                "minor": minor,
                "gitVersion": version,
                "platform": "linux/amd64",
            },
        },
    )
    for ns, kinds in namespaces.items():
        for filename, (kind, api) in LIST_FILES.items():
            write_json(info / ns / filename, as_list(kind, kinds.get(filename, []), api))
        if "endpoints.json" in kinds:
            write_json(
                info / ns / "endpoints.json",
                {
                    "apiVersion": "v1",
                    "items": kinds["endpoints.json"],
                    "kind": "List",
                    "metadata": {"resourceVersion": ""},
                },
            )
    for (ns, pod_name), containers in (logs or {}).items():
        sections = []
        for container, body in containers.items():
            header = f"container {container} of pod {ns}/{pod_name}"
            sections.append(
                f"==== START logs for {header} ====\n{body.rstrip()}\n==== END logs for {header} ====\n"
            )
        path = info / ns / pod_name / "logs.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(sections))


def stream_dump(root: Path) -> str:
    """The single-stream form of a bundle's cluster-info (what `kubectl cluster-info dump` prints)."""
    info = root / "cluster-info"
    parts = [(info / "nodes.json").read_text()]
    for ns_dir in sorted(p for p in info.iterdir() if p.is_dir()):
        for filename in LIST_FILES:
            if (ns_dir / filename).exists():
                parts.append((ns_dir / filename).read_text())
        for pod_dir in sorted(p for p in ns_dir.iterdir() if p.is_dir()):
            parts.append((pod_dir / "logs.txt").read_text())
    return "".join(parts)
