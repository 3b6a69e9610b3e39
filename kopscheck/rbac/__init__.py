"""The ClusterRoles kopscheck needs, shipped as YAML and printed by `kopscheck rbac`.

The files here are complete ClusterRoles, each valid on its own: `read-only.yaml` is what
`check` and `collect` need, `node-proxy.yaml` and `probe.yaml` are what `--with-node-proxy` and
`--probe` add. `render` prints one ClusterRole holding the rules asked for (comments kept, so a
reviewer sees why each rule is there), a ServiceAccount and a ClusterRoleBinding for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from kopscheck.model.errors import InputError

READ_ONLY = "read-only.yaml"
NODE_PROXY = "node-proxy.yaml"
PROBE = "probe.yaml"
RULES_LINE = "rules:\n"
DEFAULT_SERVICE_ACCOUNT = "kube-system:kopscheck"


@dataclass(frozen=True)
class ServiceAccountRef:
    """`namespace:name`, as `kubectl create clusterrolebinding --serviceaccount` spells it."""

    namespace: str
    name: str

    @classmethod
    def parse(cls, value: str) -> ServiceAccountRef:
        namespace, sep, name = value.partition(":")
        if not sep or not namespace or not name or ":" in name:
            raise InputError("--service-account", f"must be NAMESPACE:NAME, not {value!r}")
        return cls(namespace, name)


def role_text(filename: str) -> str:
    """One shipped ClusterRole file, as text."""
    return resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")


def _split(filename: str) -> tuple[str, str]:
    """A shipped role's leading comment block and its rule items (comments kept)."""
    text = role_text(filename)
    head, sep, rules = text.partition(RULES_LINE)
    if not sep:  # pragma: no cover - the shipped files all have rules
        raise ValueError(f"{filename} has no top-level rules")
    comment = "".join(line for line in head.splitlines(keepends=True) if line.startswith("#"))
    return comment, rules


def role_name(probe: bool, node_proxy: bool) -> str:
    """One name per set of rules, so applying one variant never rewrites another."""
    return f"kopscheck-{'probe' if probe else 'read-only'}{'-node-proxy' if node_proxy else ''}"


def render(
    probe: bool = False,
    node_proxy: bool = False,
    service_account: ServiceAccountRef | None = None,
) -> str:
    """ClusterRole + ServiceAccount + ClusterRoleBinding, as one multi-document YAML stream."""
    account = service_account or ServiceAccountRef.parse(DEFAULT_SERVICE_ACCOUNT)
    files = [READ_ONLY] + [NODE_PROXY] * node_proxy + [PROBE] * probe
    name = role_name(probe, node_proxy)
    binding = f"{name}:{account.namespace}:{account.name}"
    labels = "  labels:\n    app.kubernetes.io/managed-by: kopscheck\n"
    parts = [
        f"# kopscheck rbac: ClusterRole {name} = the rules of {', '.join(files)}\n",
        "# (shipped in the kopscheck package, kopscheck/rbac/), a ServiceAccount, a binding.\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n",
        f"  name: {name}\n",
        labels,
        RULES_LINE,
    ]
    for filename in files:
        comment, rules = _split(filename)
        parts += [f"# ---- {filename}\n", comment, rules]
    parts += [
        "---\n",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n",
        f"  name: {account.name}\n  namespace: {account.namespace}\n",
        labels,
        "---\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n",
        f"  name: {binding}\n",
        labels,
        f"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {name}\n",
        "subjects:\n- kind: ServiceAccount\n",
        f"  name: {account.name}\n  namespace: {account.namespace}\n",
    ]
    return "".join(parts)
