"""The object sanitiser: what a Kubernetes object may carry into a bundle or a report.

One policy, applied by `collect` to every object it writes and by every reader to every object
it reads (a hand-made bundle holds what `kubectl` printed, secrets included):

- Secret objects are dropped whole;
- the `kubectl.kubernetes.io/last-applied-configuration` annotation is dropped (it repeats the
  spec, env values included), and annotations whose name says secret are blanked;
- in every pod spec (pods, and the templates of workloads): each env var keeps its `name` and
  its `valueFrom` reference and loses its `value`; container `args` and `command` go through
  the log redactor, with the value after a secret-naming flag blanked;
- free text (event messages, container state and condition messages) goes through the log
  redactor.

An object with nothing to blank is returned as it is (no copy), so reading stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kopscheck.collectors.output.redact import REDACTED, redact, redact_args

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
WORKLOADS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "ReplicationController")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
SECRET_NAMES = ("password", "passwd", "secret", "token", "apikey", "api-key", "credential")

Raw = Mapping[str, Any]


def keep(obj: Raw, kind: str) -> bool:
    """False for objects never kept at all (Secrets)."""
    return (str(obj.get("kind") or kind)) != "Secret"


def sanitise(obj: Raw, kind: str = "") -> Raw:
    """The object as the policy allows it to be kept (the same object when nothing changes)."""
    kind = str(obj.get("kind") or kind)
    out = dict(obj)
    changed = False
    meta = obj.get("metadata")
    if isinstance(meta, Mapping):
        clean = _metadata(meta)
        if clean is not meta:
            out["metadata"], changed = clean, True
    spec = obj.get("spec")
    if isinstance(spec, Mapping):
        clean = _pod_spec(spec) if kind == "Pod" else _template(spec) if kind in WORKLOADS else spec
        if clean is not spec:
            out["spec"], changed = clean, True
    for key in ("message", "note"):  # events (core/v1 and events.k8s.io)
        value = obj.get(key)
        clean_text = redact(value) if isinstance(value, str) else value
        if clean_text != value:
            out[key], changed = clean_text, True
    status = obj.get("status")
    if isinstance(status, Mapping):
        clean = _status(status)
        if clean is not status:
            out["status"], changed = clean, True
    return out if changed else obj


def _metadata(meta: Raw) -> Raw:
    notes = meta.get("annotations")
    if not isinstance(notes, Mapping):
        return meta
    kept = {
        k: REDACTED
        if any(word in str(k).lower() for word in SECRET_NAMES)
        else redact(v)
        if isinstance(v, str)
        else v
        for k, v in notes.items()
        if k != LAST_APPLIED
    }
    return meta if kept == notes else {**meta, "annotations": kept}


def _template(spec: Raw) -> Raw:
    template = spec.get("template")
    if not isinstance(template, Mapping):
        return spec
    pod = template.get("spec")
    meta = template.get("metadata")
    clean_pod = _pod_spec(pod) if isinstance(pod, Mapping) else pod
    clean_meta = _metadata(meta) if isinstance(meta, Mapping) else meta
    if clean_pod is pod and clean_meta is meta:
        return spec
    return {**spec, "template": {**template, "spec": clean_pod, "metadata": clean_meta}}


def _pod_spec(spec: Raw) -> Raw:
    out = dict(spec)
    changed = False
    for key in CONTAINER_LISTS:
        containers = spec.get(key)
        if isinstance(containers, list):
            clean = [_container(c) if isinstance(c, Mapping) else c for c in containers]
            if any(a is not b for a, b in zip(clean, containers, strict=True)):
                out[key], changed = clean, True
    return out if changed else spec


def _container(container: Raw) -> Raw:
    out = dict(container)
    changed = False
    env = container.get("env")
    if isinstance(env, list) and any(isinstance(e, Mapping) and "value" in e for e in env):
        out["env"] = [
            {k: v for k, v in e.items() if k != "value"} if isinstance(e, Mapping) else e
            for e in env
        ]
        changed = True
    for key in ("args", "command"):
        argv = container.get(key)
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            clean = redact_args(argv)
            if clean != argv:
                out[key], changed = clean, True
    return out if changed else container


def _status(status: Raw) -> Raw:
    out = dict(status)
    changed = False
    conditions = status.get("conditions")
    if isinstance(conditions, list):
        clean = [_with_message(c) for c in conditions]
        if any(a is not b for a, b in zip(clean, conditions, strict=True)):
            out["conditions"], changed = clean, True
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        statuses = status.get(key)
        if isinstance(statuses, list):
            clean = [_container_status(s) for s in statuses]
            if any(a is not b for a, b in zip(clean, statuses, strict=True)):
                out[key], changed = clean, True
    message = status.get("message")
    clean_text = redact(message) if isinstance(message, str) else message
    if clean_text != message:
        out["message"], changed = clean_text, True
    return out if changed else status


def _with_message(item: object) -> Any:
    if not isinstance(item, Mapping):
        return item
    message = item.get("message")
    clean = redact(message) if isinstance(message, str) else message
    return {**item, "message": clean} if clean != message else item


def _container_status(item: object) -> Any:
    if not isinstance(item, Mapping):
        return item
    out = dict(item)
    changed = False
    for key in ("state", "lastState"):
        state = item.get(key)
        if isinstance(state, Mapping):
            clean = {name: _with_message(detail) for name, detail in state.items()}
            if any(clean[name] is not state[name] for name in state):
                out[key], changed = clean, True
    return out if changed else item
