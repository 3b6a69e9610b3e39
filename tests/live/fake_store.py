"""The object store behind the fake kube-apiserver: what etcd and the registry do for it.

Server-set metadata (uid, resourceVersion, creationTimestamp, generation), label and field
selectors with the API server's grammar and its per-resource field labels, consistent paginated
lists (`limit`/`continue`, served from the snapshot the first page saw, `410 Expired` once that
snapshot is compacted), create/update/patch/delete with the real conflict rules, and the status
subresource. Errors are `ApiError`s carrying the `Status` body kube-apiserver would send.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fake_errors import ApiError, bad_request, not_found
from fake_selectors import field_matcher, label_matcher

Obj = dict[str, Any]


@dataclass(frozen=True)
class ResourceType:
    plural: str
    kind: str
    group: str  # "" for the core group
    namespaced: bool = True
    status: bool = True  # has a status subresource
    fields: tuple[str, ...] = ()  # field labels beyond metadata.name / metadata.namespace

    @property
    def api_version(self) -> str:
        return f"{self.group}/v1" if self.group else "v1"


TYPES = {
    t.plural: t
    for t in (
        ResourceType("namespaces", "Namespace", "", namespaced=False, fields=("status.phase",)),
        ResourceType("nodes", "Node", "", namespaced=False, fields=("spec.unschedulable",)),
        ResourceType(
            "pods",
            "Pod",
            "",
            fields=(
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.nominatedNodeName",
            ),
        ),
        ResourceType(
            "events",
            "Event",
            "",
            status=False,
            fields=(
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            ),
        ),
        ResourceType("services", "Service", ""),
        ResourceType("endpoints", "Endpoints", "", status=False),
        ResourceType(
            "replicationcontrollers", "ReplicationController", "", fields=("status.replicas",)
        ),
        ResourceType("secrets", "Secret", "", status=False, fields=("type",)),
        ResourceType("configmaps", "ConfigMap", "", status=False),
        ResourceType("deployments", "Deployment", "apps"),
        ResourceType("daemonsets", "DaemonSet", "apps"),
        ResourceType("replicasets", "ReplicaSet", "apps", fields=("status.replicas",)),
        ResourceType("statefulsets", "StatefulSet", "apps"),
    )
}
KIND_TO_PLURAL = {t.kind: t.plural for t in TYPES.values()}
GONE_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------- the store


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.rv = 1000
        self.objects: dict[tuple[str, str], Obj] = {}  # (plural, "ns/name" or "name") -> object
        self.snapshots: dict[tuple[str, int], list[tuple[str, Obj]]] = {}

    @staticmethod
    def key(rtype: ResourceType, namespace: str, name: str) -> str:
        return f"{namespace}/{name}" if rtype.namespaced else name

    def _bump(self) -> str:
        self.rv += 1
        return str(self.rv)

    def load(self, rtype: ResourceType, obj: Obj) -> None:
        """Insert an object as it exists in a cluster (keeps its status, uid and timestamps)."""
        with self.lock:
            obj = copy.deepcopy(obj)
            obj["kind"], obj["apiVersion"] = rtype.kind, rtype.api_version
            meta = obj.setdefault("metadata", {})
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", now_rfc3339())
            meta["resourceVersion"] = self._bump()
            self.objects[
                (rtype.plural, self.key(rtype, meta.get("namespace", ""), meta["name"]))
            ] = obj

    def compact(self) -> None:
        """Forget every list snapshot: outstanding continue tokens now get 410 Expired."""
        with self.lock:
            self.snapshots.clear()

    # -------------------------------------------------------------------------------- reads

    def get(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        with self.lock:
            obj = self.objects.get((rtype.plural, self.key(rtype, namespace, name)))
            if obj is None:
                raise not_found(rtype, name)
            return copy.deepcopy(obj)

    def list(self, rtype: ResourceType, namespace: str, query: dict[str, str]) -> Obj:
        labels = label_matcher(query.get("labelSelector"))
        fields = field_matcher(rtype, query.get("fieldSelector"))
        limit = int(query.get("limit") or 0)
        with self.lock:
            if query.get("continue"):
                rv, start = self._decode(rtype, query["continue"])
                rows = self.snapshots.get((rtype.plural, rv))
                if rows is None:
                    token = self._encode(rtype, self.rv, start)
                    raise ApiError(410, "Expired", GONE_MESSAGE, **{"continue": token})
            else:
                rv, start = self.rv, ""
                rows = sorted(
                    (
                        (key, copy.deepcopy(obj))
                        for (plural, key), obj in self.objects.items()
                        if plural == rtype.plural
                    ),
                    key=lambda row: row[0],
                )
            matched = [
                (key, obj)
                for key, obj in rows
                if key > start
                and (not namespace or obj["metadata"].get("namespace") == namespace)
                and labels(obj["metadata"].get("labels"))
                and fields(obj)
            ]
            meta: Obj = {"resourceVersion": str(rv)}
            if limit and len(matched) > limit:
                self.snapshots[(rtype.plural, rv)] = rows
                matched, rest = matched[:limit], matched[limit:]
                meta["continue"] = self._encode(rtype, rv, matched[-1][0])
                if not query.get("labelSelector") and not query.get("fieldSelector"):
                    meta["remainingItemCount"] = len(rest)
        items = []
        for _key, obj in matched:
            item = copy.deepcopy(obj)
            item.pop("kind", None)
            item.pop("apiVersion", None)
            items.append(item)
        return {
            "kind": f"{rtype.kind}List",
            "apiVersion": rtype.api_version,
            "metadata": meta,
            "items": items,
        }

    def _encode(self, rtype: ResourceType, rv: int, start: str) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": f"{rtype.plural}/{start}\x00"})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode(self, rtype: ResourceType, token: str) -> tuple[int, str]:
        try:
            padded = token + "=" * (-len(token) % 4)
            doc = json.loads(base64.urlsafe_b64decode(padded))
            start = str(doc["start"])
            if doc.get("v") != "meta.k8s.io/v1" or not start.startswith(f"{rtype.plural}/"):
                raise ValueError
            return int(doc["rv"]), start[len(rtype.plural) + 1 :].rstrip("\x00")
        except (ValueError, KeyError, TypeError):
            raise bad_request(
                "continue key is not valid: incorrect encoded start resourceVersion"
            ) from None

    # -------------------------------------------------------------------------------- writes

    def create(self, rtype: ResourceType, namespace: str, body: Obj) -> Obj:
        meta = body.get("metadata") or {}
        if body.get("kind") not in (None, rtype.kind):
            raise bad_request(f"the kind {body.get('kind')!r} does not match {rtype.kind!r}")
        if rtype.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = namespace
        name = meta.get("name") or ""
        if not name and meta.get("generateName"):
            name = meta["generateName"] + uuid.uuid4().hex[:5]
        if not name:
            raise ApiError(
                422,
                "Invalid",
                f'{rtype.kind} "" is invalid: metadata.name: Required value: name or generateName is required',
            )
        with self.lock:
            if rtype.namespaced and ("namespaces", namespace) not in self.objects:
                raise not_found(TYPES["namespaces"], namespace)
            key = (rtype.plural, self.key(rtype, namespace, name))
            if key in self.objects:
                raise ApiError(
                    409,
                    "AlreadyExists",
                    f'{rtype.plural} "{name}" already exists',
                    {"name": name, "group": rtype.group, "kind": rtype.plural},
                )
            obj = copy.deepcopy(body)
            obj["kind"], obj["apiVersion"] = rtype.kind, rtype.api_version
            obj["metadata"] = {
                **meta,
                "name": name,
                "uid": str(uuid.uuid4()),
                "creationTimestamp": now_rfc3339(),
            }
            obj["metadata"]["resourceVersion"] = self._bump()
            if rtype.status:  # the registry resets status on create
                obj["status"] = {"phase": "Pending"} if rtype.plural == "pods" else {}
                if rtype.plural == "namespaces":
                    obj["status"] = {"phase": "Active"}
            if "spec" in obj and rtype.group == "apps":
                obj["metadata"]["generation"] = 1
            self.objects[key] = obj
            return copy.deepcopy(obj)

    def replace(
        self, rtype: ResourceType, namespace: str, name: str, body: Obj, status: bool
    ) -> Obj:
        with self.lock:
            current = self.get(rtype, namespace, name)
            sent_rv = (body.get("metadata") or {}).get("resourceVersion")
            if sent_rv and sent_rv != current["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {rtype.plural}{"." + rtype.group if rtype.group else ""} "{name}": '
                    "the object has been modified; please apply your changes to the latest version and try again",
                    {"name": name, "group": rtype.group, "kind": rtype.plural},
                )
            return self._store(rtype, namespace, name, current, body, status)

    def patch(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        patch: Any,
        content_type: str,
        status: bool,
    ) -> Obj:
        with self.lock:
            current = self.get(rtype, namespace, name)
            if "json-patch" in content_type:
                updated = _json_patch(current, patch)
            elif isinstance(patch, dict):  # merge-patch; strategic merge treated as merge here
                updated = _merge_patch(current, patch)
            else:
                raise ApiError(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                )
            return self._store(rtype, namespace, name, current, updated, status)

    def _store(
        self, rtype: ResourceType, namespace: str, name: str, current: Obj, body: Obj, status: bool
    ) -> Obj:
        new = copy.deepcopy(current)
        if status:
            new["status"] = copy.deepcopy(body.get("status") or {})
        else:
            for key, value in body.items():
                if key not in ("status", "metadata", "kind", "apiVersion"):
                    new[key] = copy.deepcopy(value)
            meta = body.get("metadata") or {}
            for key in ("labels", "annotations", "ownerReferences", "finalizers"):
                if key in meta:
                    new["metadata"][key] = copy.deepcopy(meta[key])
            if new.get("spec") != current.get("spec") and "generation" in new["metadata"]:
                new["metadata"]["generation"] += 1
        if new != current:
            new["metadata"]["resourceVersion"] = self._bump()
        self.objects[(rtype.plural, self.key(rtype, namespace, name))] = new
        return copy.deepcopy(new)

    def delete(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        with self.lock:
            obj = self.get(rtype, namespace, name)
            del self.objects[(rtype.plural, self.key(rtype, namespace, name))]
            if rtype.plural == "namespaces":
                for key in [k for k in self.objects if k[1].startswith(f"{name}/")]:
                    del self.objects[key]
                obj["status"] = {"phase": "Terminating"}
            self._bump()
            return obj


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def _json_patch(target: Obj, operations: Any) -> Obj:
    """RFC 6902 add/remove/replace/test, enough for what clients send."""
    doc = copy.deepcopy(target)
    if not isinstance(operations, list):
        raise bad_request("json patch must be a list of operations")
    for op in operations:
        parts = [
            p.replace("~1", "/").replace("~0", "~") for p in str(op.get("path", "")).split("/")[1:]
        ]
        parent: Any = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent.setdefault(part, {})
        last = parts[-1] if parts else ""
        kind = op.get("op")
        if kind == "test" and (
            parent.get(last) if isinstance(parent, dict) else parent[int(last)]
        ) != op.get("value"):
            raise ApiError(
                422,
                "Invalid",
                f"the server rejected our request due to an error in our request: test failed for {op.get('path')}",
            )
        if kind in ("add", "replace"):
            if isinstance(parent, list):
                index = len(parent) if last == "-" else int(last)
                parent.insert(index, op["value"]) if kind == "add" else parent.__setitem__(
                    index, op["value"]
                )
            else:
                parent[last] = op["value"]
        elif kind == "remove":
            parent.pop(int(last) if isinstance(parent, list) else last)
    return doc
