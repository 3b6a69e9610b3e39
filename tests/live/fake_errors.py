"""The `Status` errors kube-apiserver answers with, for the fake API server."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


class ApiError(Exception):
    """An error kube-apiserver answers with a `Status` object."""

    def __init__(
        self, code: int, reason: str, message: str, details: Obj | None = None, **meta: str
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.meta = details, meta

    def status(self) -> Obj:
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.meta),
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(rtype: Any, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{rtype.plural} "{name}" not found',
        {"name": name, "group": rtype.group, "kind": rtype.plural},
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)
