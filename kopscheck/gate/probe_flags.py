"""The `--probe-*` flags of `check` and `collect`, parsed into ProbeOptions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kopscheck.gate.durations import parse_duration
from kopscheck.model.errors import InputError

if TYPE_CHECKING:  # `--help` builds these flags without the probe model (start-up)
    from kopscheck.collectors.probes.options import ProbeOptions

ProbeNodesOpt = Annotated[
    str,
    typer.Option("--probe-nodes", help="With --probe: N nodes (NotReady first), all, or names."),
]
ProbeImageOpt = Annotated[
    str,
    typer.Option("--probe-image", help="Image of the lifecycle pods (mirror it if air-gapped)."),
]
ProbeToolsImageOpt = Annotated[
    str,
    typer.Option(
        "--probe-tools-image",
        help="Image with sh, nslookup, nc, ping, httpd: the DNS, connectivity and node pods.",
    ),
]
ProbeTimeoutOpt = Annotated[
    str, typer.Option("--probe-timeout", help="Deadline of the whole probe run (cleanup after it).")
]
ProbeStepsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--probe-step-timeout",
        help="STEP=DURATION per lifecycle step (bound, sandbox, ip, running, deleted, gone);"
        " repeat or comma-separate. Defaults: bound=30s,sandbox=60s,ip=30s,running=2m,"
        "deleted=30s,gone=60s.",
    ),
]
ProbeDnsTimeoutOpt = Annotated[
    str, typer.Option("--probe-dns-timeout", help="How long to wait for the DNS pod's answers.")
]
ProbeExternalOpt = Annotated[
    str, typer.Option("--probe-external-name", help="External name the DNS probe resolves.")
]
ProbeExternalTargetOpt = Annotated[
    str,
    typer.Option(
        "--probe-external-target",
        help="HOST:PORT the connectivity clients reach outside the cluster (none: skipped).",
    ),
]
ProbePairsOpt = Annotated[
    int,
    typer.Option(
        "--probe-pairs-per-node",
        help="Peers each sampled node probes in net.connectivity (cost linear in nodes).",
    ),
]
ProbeAgentOpt = Annotated[
    bool,
    typer.Option("--probe-agent/--no-probe-agent", help="With --probe: run the node agent."),
]
ProbeConnectivityOpt = Annotated[
    bool,
    typer.Option(
        "--probe-connectivity/--no-probe-connectivity",
        help="With --probe: run the net.connectivity matrix (server and client pods per node).",
    ),
]


def probe_options(
    nodes: str,
    image: str,
    tools_image: str,
    timeout: str,
    steps: list[str] | None,
    dns_timeout: str,
    external: str,
    agent: bool,
    external_target: str = "",
    pairs_per_node: int = 4,
) -> ProbeOptions:
    """ProbeOptions from the --probe-* flags; a bad value is an input error (exit 2)."""
    from kopscheck.collectors.probes.options import STEP_DEADLINES, ProbeOptions
    from kopscheck.model.probes import Step

    spec = nodes.strip()
    if not spec or (spec.isdigit() and int(spec) < 1):
        raise InputError(
            "--probe-nodes", f"give a number of nodes (1 or more), all, or names, not {nodes!r}"
        )
    deadlines = dict(STEP_DEADLINES)
    for item in _items(steps):
        key, sep, value = item.partition("=")
        if not sep or key not in {s.value for s in Step}:
            known = ", ".join(s.value for s in Step)
            raise InputError(
                "--probe-step-timeout",
                f"expected STEP=DURATION with STEP one of {known}, not {item!r}",
            )
        deadlines[Step(key)] = parse_duration(value, f"--probe-step-timeout {key}", positive=True)
    return ProbeOptions(
        nodes=spec,
        lifecycle_image=image,
        tools_image=tools_image,
        deadlines=deadlines,
        timeout=parse_duration(timeout, "--probe-timeout", positive=True),
        dns_timeout=parse_duration(dns_timeout, "--probe-dns-timeout", positive=True),
        external_name=external,
        agent=agent,
        external_target=_external_target(external_target),
        pairs_per_node=_pairs(pairs_per_node),
    )


def _external_target(value: str) -> str:
    text = value.strip()
    host, sep, port = text.rpartition(":")
    if text and not (sep and host and port.isdigit() and 0 < int(port) < 65536):
        raise InputError("--probe-external-target", f"expected HOST:PORT, not {value!r}")
    return text


def _pairs(value: int) -> int:
    if value < 1:
        raise InputError("--probe-pairs-per-node", f"give 1 or more, not {value}")
    return value


def _items(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]
