"""Shapes of parsed JSON and YAML, checked at the boundary where a reader turns them into facts.

A field of the wrong type is the input's fault: InputError naming the file and the JSON path,
e.g. `aws/ec2-describe-route-tables.json: RouteTables[0].Routes[2]: expected an object, got
null`. A missing (null) field reads as empty where the formats allow it to be absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kopscheck.model.errors import InputError

Raw = Mapping[str, Any]


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def wrong(label: str, path: str, want: str, value: object) -> InputError:
    return InputError(label, f"{path}: expected {want}, got {type_name(value)}")


def mapping(value: object, label: str, path: str) -> Raw:
    """An object; null reads as an empty one."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise wrong(label, path, "an object", value)
    return value


def items(value: object, label: str, path: str) -> list[Any]:
    """A list; null reads as an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise wrong(label, path, "a list", value)
    return value


def objects(value: object, label: str, path: str) -> list[tuple[str, Raw]]:
    """A list of objects, each with its path (`path[i]`); null reads as an empty list."""
    out = []
    for index, item in enumerate(items(value, label, path)):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            raise wrong(label, where, "an object", item)
        out.append((where, item))
    return out


def text(value: object, label: str, path: str) -> str:
    """A scalar as text (YAML turns `1.28` into a number); null reads as ""."""
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        raise wrong(label, path, "a string", value)
    return str(value)


def texts(value: object, label: str, path: str) -> tuple[str, ...]:
    return tuple(text(v, label, f"{path}[{i}]") for i, v in enumerate(items(value, label, path)))


def integer(value: object, label: str, path: str) -> int | None:
    """An integer or null; `"3"` is accepted as the AWS CLI never writes it but people do."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,18}\s*", value):
        return int(value)
    raise wrong(label, path, "an integer", value)
