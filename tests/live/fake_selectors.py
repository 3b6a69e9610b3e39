"""Label and field selectors with kube-apiserver's grammar and its per-resource field labels."""

from __future__ import annotations

import re
from typing import Any

from fake_errors import bad_request

_REQUIREMENT = re.compile(
    r"\s*(?:(?P<not>!)\s*(?P<nkey>[\w./-]+)"
    r"|(?P<key>[\w./-]+)\s*(?:(?P<op>==|!=|=)\s*(?P<value>[\w.-]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<values>[^)]*)\))?)\s*(?:,|$)"
)


def label_matcher(selector: str | None) -> Any:
    """A predicate over a labels dict, from the API's label selector grammar."""
    if not selector:
        return lambda labels: True
    tests = []
    pos = 0
    while pos < len(selector):
        match = _REQUIREMENT.match(selector, pos)
        if not match or match.end() == pos:
            raise bad_request(f"unable to parse requirement: found '{selector[pos:]}'")
        pos = match.end()
        tests.append(_requirement(match))
    return lambda labels: all(test(labels or {}) for test in tests)


def _requirement(match: re.Match[str]) -> Any:
    if match.group("not"):
        key = match.group("nkey")
        return lambda labels: key not in labels
    key, op, setop = match.group("key"), match.group("op"), match.group("setop")
    if op:
        value = match.group("value")
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if setop:
        values = {v.strip() for v in match.group("values").split(",") if v.strip()}
        if setop == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    return lambda labels: key in labels


def field_matcher(rtype: Any, selector: str | None) -> Any:
    if not selector:
        return lambda obj: True
    tests = []
    for term in selector.split(","):
        match = re.fullmatch(r"\s*([\w.]+)\s*(==|!=|=)\s*(.*?)\s*", term)
        if not match:
            raise bad_request(f"invalid selector: '{selector}'; can't understand '{term}'")
        path, op, value = match.groups()
        if path not in ("metadata.name", "metadata.namespace", *rtype.fields):
            raise bad_request(f'"{path}" is not a known field selector: only "{rtype.plural}"')
        tests.append((path, op != "!=", value))

    def matches(obj: dict[str, Any]) -> bool:
        return all((_field(obj, path) == value) is equal for path, equal, value in tests)

    return matches


def _field(obj: dict[str, Any], path: str) -> str:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if path == "source" and isinstance(obj.get("source"), dict):
        node = obj["source"].get("component")
    if isinstance(node, bool):
        return "true" if node else "false"
    return "" if node is None else str(node)
