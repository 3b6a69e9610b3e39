"""The context names in a kubeconfig, for `--all-contexts` (uses the official client's loader).

The loader merges a colon-separated KUBECONFIG the way kubectl does. It is imported only when
`--all-contexts` is given, so offline runs never load the kubernetes client.
"""

from __future__ import annotations

from pathlib import Path

from kopscheck.errors import InputError


def list_contexts(kubeconfig: Path | None) -> list[str]:
    """Every context name, in the kubeconfig's order; an unreadable file is an InputError."""
    from kubernetes.config import list_kube_config_contexts
    from kubernetes.config.config_exception import ConfigException

    where = str(kubeconfig) if kubeconfig is not None else "kubeconfig"
    try:
        contexts, _current = list_kube_config_contexts(  # type: ignore[no-untyped-call]
            str(kubeconfig) if kubeconfig is not None else None
        )
    except (ConfigException, OSError, ValueError) as exc:
        raise InputError(where, f"cannot list contexts: {_one_line(exc)}") from None
    except Exception as exc:  # malformed YAML surfaces as the parser's own errors
        problem = f"{type(exc).__name__}: {_one_line(exc)}"
        raise InputError(where, f"cannot list contexts: {problem}") from None
    names = [c.get("name") for c in contexts or () if isinstance(c, dict)]
    found = [name for name in names if isinstance(name, str) and name]
    if not found:
        raise InputError(where, "has no contexts (--all-contexts needs at least one)")
    return found


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
