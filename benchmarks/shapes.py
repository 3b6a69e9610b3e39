"""Kubernetes objects as the API server returns them, with `@@key@@` placeholders.

The shapes follow what `kubectl cluster-info dump` writes for a kops cluster running calico:
pods with two containers, probes, env, volumes and managedFields; nodes with their full status
(capacity, conditions, addresses, images); events as the kubelet and scheduler record them.
A placeholder `"@@#key@@"` (quoted, with `#`) stands for a number.
"""

from __future__ import annotations

from typing import Any

T0 = "2026-11-27T09:00:00Z"
T1 = "2026-11-27T10:14:30Z"
CNI_NOT_READY = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)
SANDBOX_FAILED = (
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
    'sandbox \\"@@sandbox@@\\": plugin type=\\"calico\\" failed (add): stat '
    "/var/lib/calico/nodename: no such file or directory: check that the calico/node container "
    "is running and has mounted /var/lib/calico/"
)
IMAGES = [
    ("registry.example.com/@@app@@", "1.4.2", 48213904),
    ("docker.io/envoyproxy/envoy", "v1.31.2", 62517840),
    ("docker.io/calico/node", "v3.29.1", 142107360),
    ("docker.io/calico/cni", "v3.29.1", 96170122),
    ("registry.k8s.io/kube-proxy", "v1.32.4", 30912108),
    ("registry.k8s.io/pause", "3.10", 320368),
    ("registry.k8s.io/coredns/coredns", "v1.11.3", 18562039),
]


def _fields(*keys: str) -> dict[str, Any]:
    return {f"f:{key}": {} for key in keys}


def _condition(type_: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": T0,
    } | extra


def node(ready: bool) -> dict[str, Any]:
    ready_cond = (
        ("True", "KubeletReady", "kubelet is posting ready status")
        if ready
        else ("False", "KubeletNotReady", CNI_NOT_READY)
    )
    pressure = [
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ]
    conditions = [
        {"type": "NetworkUnavailable", "status": "False", "lastHeartbeatTime": T0,
         "lastTransitionTime": T0, "reason": "CalicoIsUp", "message": "Calico is running on this node"},
        *({"type": t, "status": "False", "lastHeartbeatTime": T1, "lastTransitionTime": T0,
           "reason": r, "message": m} for t, r, m in pressure),
        {"type": "Ready", "status": ready_cond[0], "lastHeartbeatTime": T1,
         "lastTransitionTime": T0, "reason": ready_cond[1], "message": ready_cond[2]},
    ]  # fmt: skip
    return {
        "metadata": {
            "name": "@@node@@",
            "uid": "@@uid@@",
            "resourceVersion": "@@rv@@",
            "creationTimestamp": T0,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/instance-type": "m6i.xlarge",
                "beta.kubernetes.io/os": "linux",
                "kops.k8s.io/instancegroup": "nodes-@@zone@@",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": "@@node@@",
                "kubernetes.io/os": "linux",
                "node-role.kubernetes.io/node": "",
                "node.kubernetes.io/instance-type": "m6i.xlarge",
                "topology.ebs.csi.aws.com/zone": "@@zone@@",
                "topology.kubernetes.io/region": "us-east-1",
                "topology.kubernetes.io/zone": "@@zone@@",
            },
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": "@@ip@@",
                "csi.volume.kubernetes.io/nodeid": '{"ebs.csi.aws.com":"@@node@@"}',
                "node.alpha.kubernetes.io/ttl": "0",
                "projectcalico.org/IPv4Address": "@@ip@@/19",
                "projectcalico.org/IPv4IPIPTunnelAddr": "@@tunnel@@",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "managedFields": [
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": T0,
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": _fields(
                     "alpha.kubernetes.io/provided-node-ip", "volumes.kubernetes.io/controller-managed-attach-detach"),
                     "f:labels": _fields("beta.kubernetes.io/arch", "beta.kubernetes.io/os", "kubernetes.io/arch",
                                         "kubernetes.io/hostname", "kubernetes.io/os")}}},
                {"manager": "calico-node", "operation": "Update", "apiVersion": "v1", "time": T0,
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": _fields(
                     "projectcalico.org/IPv4Address", "projectcalico.org/IPv4IPIPTunnelAddr")},
                     "f:status": {"f:conditions": {'k:{"type":"NetworkUnavailable"}': _fields(
                         ".", "lastHeartbeatTime", "lastTransitionTime", "message", "reason", "status", "type")}}},
                 "subresource": "status"},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": T1,
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:allocatable": _fields(
                     "cpu", "ephemeral-storage", "memory", "pods"), "f:conditions": {
                     f'k:{{"type":"{c}"}}': _fields("lastHeartbeatTime", "lastTransitionTime", "message", "reason", "status")
                     for c in ("DiskPressure", "MemoryPressure", "PIDPressure", "Ready")},
                     "f:images": {}, "f:nodeInfo": _fields("bootID", "kernelVersion", "osImage")}},
                 "subresource": "status"},
            ],
        },
        "spec": {
            "podCIDR": "@@cidr@@",
            "podCIDRs": ["@@cidr@@"],
            "providerID": "aws:///@@zone@@/@@node@@",
        },
        "status": {
            "capacity": {"cpu": "4", "ephemeral-storage": "130045936Ki", "hugepages-1Gi": "0",
                         "hugepages-2Mi": "0", "memory": "16048772Ki", "pods": "110"},
            "allocatable": {"cpu": "4", "ephemeral-storage": "119850776788", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": "15946372Ki", "pods": "110"},
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": "@@ip@@"},
                {"type": "Hostname", "address": "@@node@@"},
                {"type": "InternalDNS", "address": "ip-@@ipdash@@.ec2.internal"},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": "@@uidhex@@", "systemUUID": "@@uid@@", "bootID": "@@uid@@",
                "kernelVersion": "6.8.0-1021-aws", "osImage": "Ubuntu 24.04.1 LTS",
                "containerRuntimeVersion": "containerd://1.7.24", "kubeletVersion": "v1.32.4",
                "kubeProxyVersion": "v1.32.4", "operatingSystem": "linux", "architecture": "amd64",
            },
            "images": [
                {"names": [f"{repo}@sha256:@@digest@@", f"{repo}:{tag}"], "sizeBytes": size}
                for repo, tag, size in IMAGES
            ],
        },
    }  # fmt: skip


def _probe(path: str, port: int, period: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "initialDelaySeconds": 10,
            "timeoutSeconds": 1, "periodSeconds": period, "successThreshold": 1, "failureThreshold": 3}  # fmt: skip


def _container(name: str, image: str, port: int, env: int) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        **({"env": [{"name": f"SETTING_{i}", "value": f"value-{i}"} for i in range(env)] + [
            {"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "@@app@@-db", "key": "password"}}},
        ]} if env else {}),
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}},
        "volumeMounts": [
            {"name": "kube-api-access-@@suffix@@", "readOnly": True,
             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
        ],
        **({"readinessProbe": _probe("/ready", port, 5)} if env else {}),
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }  # fmt: skip


def _status(name: str, image: str, running: bool) -> dict[str, Any]:
    state: dict[str, Any] = (
        {"running": {"startedAt": T0}} if running else {"waiting": {"reason": "ContainerCreating"}}
    )
    return {"name": name, "state": state, "lastState": {}, "ready": running, "restartCount": 0,
            "image": image, "imageID": f"{image.split(':')[0]}@sha256:@@digest@@" if running else "",
            "containerID": "containerd://@@digest@@" if running else None, "started": running}  # fmt: skip


def app_pod(running: bool) -> dict[str, Any]:
    app_image, envoy = "registry.example.com/@@app@@:1.4.2", "docker.io/envoyproxy/envoy:v1.31.2"
    ok = "True" if running else "False"
    return {
        "metadata": {
            "name": "@@pod@@",
            "generateName": "@@rs@@-",
            "namespace": "@@ns@@",
            "uid": "@@uid@@",
            "resourceVersion": "@@rv@@",
            "creationTimestamp": T0,
            "labels": {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/part-of": "shop",
                       "pod-template-hash": "@@hash@@", "version": "1.4.2"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": T0},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "@@rs@@",
                                 "uid": "@@owneruid@@", "controller": True, "blockOwnerDeletion": True}],
            "managedFields": [
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": T0,
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {
                     "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {},
                     "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}, "subresource": "status"},
            ],
        },
        "spec": {
            "volumes": [
                {"name": "config", "configMap": {"name": "@@app@@-config", "defaultMode": 420}},
                {"name": "kube-api-access-@@suffix@@", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                ]}},
            ],
            "containers": [_container("app", app_image, 8080, 2), _container("envoy", envoy, 15001, 0)],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "@@app@@",
            "serviceAccount": "@@app@@",
            "nodeName": "@@node@@",
            "securityContext": {"fsGroup": 2000},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            ],
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": "Running" if running else "Pending",
            "conditions": [
                _condition("PodReadyToStartContainers", ok),
                _condition("Initialized", "True"),
                _condition("Ready", ok),
                _condition("ContainersReady", ok),
                _condition("PodScheduled", "True"),
            ],
            "hostIP": "@@ip@@",
            "hostIPs": [{"ip": "@@ip@@"}],
            **({"podIP": "@@podip@@", "podIPs": [{"ip": "@@podip@@"}]} if running else {}),
            "startTime": T0,
            "containerStatuses": [_status("app", app_image, running), _status("envoy", envoy, running)],
            "qosClass": "Burstable",
        },
    }  # fmt: skip


def system_pod(kind: str, ready: bool) -> dict[str, Any]:
    """calico-node (owned by its DaemonSet) or kube-proxy (a static pod owned by the Node)."""
    calico = kind == "calico-node"
    image = "docker.io/calico/node:v3.29.1" if calico else "registry.k8s.io/kube-proxy:v1.32.4"
    owner = ("DaemonSet", "calico-node") if calico else ("Node", "@@node@@")
    status = _status(kind, image, True) | {"ready": ready}
    if not ready:
        status |= {
            "restartCount": "@@#restarts@@",
            "state": {"waiting": {"reason": "CrashLoopBackOff",
                                  "message": f"back-off 5m0s restarting failed container={kind} pod=@@pod@@_kube-system(@@uid@@)"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": T0, "finishedAt": T1,
                                         "containerID": "containerd://@@digest@@"}},
        }  # fmt: skip
    ok = "True" if ready else "False"
    return {
        "metadata": {
            "name": "@@pod@@", "namespace": "kube-system", "uid": "@@uid@@", "resourceVersion": "@@rv@@",
            "creationTimestamp": T0, "generateName": f"{kind}-",
            "labels": {"k8s-app": kind, "controller-revision-hash": "6d4f7b8c9", "pod-template-generation": "1"},
            "ownerReferences": [{"apiVersion": "apps/v1" if calico else "v1", "kind": owner[0], "name": owner[1],
                                 "uid": "@@owneruid@@", "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {
            "volumes": [{"name": n, "hostPath": {"path": p, "type": ""}} for n, p in (
                ("lib-modules", "/lib/modules"), ("xtables-lock", "/run/xtables.lock"),
                ("cni-bin-dir", "/opt/cni/bin"), ("cni-net-dir", "/etc/cni/net.d"))],
            "containers": [{"name": kind, "image": image, "env": [{"name": "NODENAME", "valueFrom": {
                "fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                "resources": {"requests": {"cpu": "100m"}}, "imagePullPolicy": "IfNotPresent",
                "securityContext": {"privileged": True}}],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "nodeName": "@@node@@",
            "hostNetwork": True, "serviceAccountName": kind,
            "priorityClassName": "system-node-critical", "schedulerName": "default-scheduler",
            "tolerations": [{"operator": "Exists", "effect": "NoSchedule"},
                            {"key": "CriticalAddonsOnly", "operator": "Exists"},
                            {"operator": "Exists", "effect": "NoExecute"}],
        },
        "status": {
            "phase": "Running",
            "conditions": [_condition(c, ok if c in ("Ready", "ContainersReady") else "True")
                           for c in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "hostIP": "@@ip@@", "hostIPs": [{"ip": "@@ip@@"}], "podIP": "@@ip@@", "podIPs": [{"ip": "@@ip@@"}],
            "startTime": T0, "containerStatuses": [status], "qosClass": "Burstable",
        },
    }  # fmt: skip


def event(reason: str, warning: bool) -> dict[str, Any]:
    messages = {
        "Scheduled": "Successfully assigned @@ns@@/@@pod@@ to @@node@@",
        "Started": "Started container app",
        "FailedCreatePodSandBox": SANDBOX_FAILED,
    }
    component = "default-scheduler" if reason == "Scheduled" else "kubelet"
    return {
        "metadata": {"name": "@@pod@@.@@eventid@@", "namespace": "@@ns@@", "uid": "@@uid@@",
                     "resourceVersion": "@@rv@@", "creationTimestamp": T1},
        "involvedObject": {"kind": "Pod", "namespace": "@@ns@@", "name": "@@pod@@",
                           "uid": "@@owneruid@@", "apiVersion": "v1", "resourceVersion": "@@rv@@",
                           **({} if reason == "Scheduled" else {"fieldPath": "spec.containers{app}"})},
        "reason": reason,
        "message": messages[reason],
        "source": {"component": component, **({} if reason == "Scheduled" else {"host": "@@node@@"})},
        "firstTimestamp": T0,
        "lastTimestamp": T1,
        "count": "@@#count@@",
        "type": "Warning" if warning else "Normal",
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": "" if reason == "Scheduled" else "@@node@@",
    }  # fmt: skip


def workload(kind: str) -> dict[str, Any]:
    """A Deployment or its ReplicaSet for one app."""
    labels = {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/part-of": "shop"}
    template = app_pod(True)
    pod_spec = {k: v for k, v in template["spec"].items() if k != "nodeName"}
    meta: dict[str, Any] = {"name": "@@name@@", "namespace": "@@ns@@", "uid": "@@uid@@",
                            "resourceVersion": "@@rv@@", "generation": 1, "creationTimestamp": T0,
                            "labels": labels, "annotations": {"deployment.kubernetes.io/revision": "1"}}  # fmt: skip
    if kind == "ReplicaSet":
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "@@app@@",
                                    "uid": "@@owneruid@@", "controller": True, "blockOwnerDeletion": True}]  # fmt: skip
    status = {"observedGeneration": 1, "replicas": "@@#replicas@@", "readyReplicas": "@@#ready@@",
              "availableReplicas": "@@#ready@@", "fullyLabeledReplicas": "@@#replicas@@"}  # fmt: skip
    if kind == "Deployment":
        status["updatedReplicas"] = "@@#replicas@@"
    return {
        "metadata": meta,
        "spec": {
            "replicas": "@@#replicas@@",
            "selector": {"matchLabels": {"app.kubernetes.io/name": "@@app@@"}},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
        "status": status,
    }
