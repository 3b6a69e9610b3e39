"""kubeconfig `auth-provider` users (gcp, azure, oidc): a token used as written, never refreshed.

Why: the client library refreshes an auth-provider token itself, with no deadline: for gcp it
runs the kubeconfig's `cmd-path` or asks Google's default credentials, for oidc it asks the
issuer over HTTPS (without TLS verification when the kubeconfig names no CA). kubectl removed
gcp and azure in 1.26 in favour of exec plugins, which kopscheck runs bounded (exec_plugin).
So gcp and azure are exit 2 naming the exec plugin to use, and an oidc id-token is handed to
the client as it is, its refresh fields left out: an expired one is exit 2 saying how to get
a fresh one, never a refresh that could hang.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from typing import Any

from kopscheck.collectors.kube.kubeconfig_fields import Entry
from kopscheck.model.errors import InputError

REMOVED = {  # kubectl 1.26 removed these providers; what their users run instead
    "gcp": "gke-gcloud-auth-plugin",
    "azure": "kubelogin (Azure/kubelogin)",
}
OIDC_KEPT = ("id-token",)


def without_refresh(user: Entry) -> dict[str, Any]:
    """The user's body with its auth-provider reduced to a token the client will not refresh."""
    body = user.body
    provider = body.get("auth-provider")
    if provider is None:
        return dict(body)
    at = f"{user.where}.user.auth-provider"
    if not isinstance(provider, Mapping) or not isinstance(provider.get("name"), str):
        raise InputError(user.path, f"{at}: expected a mapping with a name")
    name = provider["name"]
    if name in REMOVED:
        raise InputError(
            user.path,
            f"{at}: the {name} auth provider was removed in kubectl 1.26; use the exec "
            f"credential plugin {REMOVED[name]} (kopscheck runs exec plugins, bounded)",
        )
    if name != "oidc":
        return {k: v for k, v in body.items() if k != "auth-provider"}  # the client ignores it
    config = provider.get("config")
    config = config if isinstance(config, Mapping) else {}
    token = config.get("id-token")
    if not isinstance(token, str) or not token:
        raise InputError(user.path, f"{at}.config.id-token: missing (a non-empty string)")
    expiry = _expiry(token)
    if expiry is not None and expiry <= time.time():
        raise InputError(
            user.path,
            f"{at}: the oidc id-token has expired; kopscheck does not refresh auth-provider "
            "tokens (the refresh has no deadline): run any kubectl command to refresh it, "
            "or use an exec plugin such as kubelogin",
        )
    kept = {"name": "oidc", "config": {k: config[k] for k in OIDC_KEPT}}
    return {**body, "auth-provider": kept}


def _expiry(token: str) -> float | None:
    """A JWT's `exp` claim; None when the token carries none that can be read."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[1]) > 64 * 1024:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
