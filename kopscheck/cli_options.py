"""What several commands share: typed option declarations (help text included), and `say`,
their one line of progress on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kopscheck.reporters import Document, formats

OutputOpt = Annotated[
    str,
    typer.Option("--output", "-o", help=f"{', '.join(formats())}, or a reporter plugin's name."),
]
DiffOutputOpt = Annotated[
    str, typer.Option("--output", "-o", help=f"{', '.join(formats(Document.DIFF))}.")
]
OutFileOpt = Annotated[
    Path | None, typer.Option("--out", help="Write the report here, not stdout.")
]
FailOnOpt = Annotated[
    str,
    typer.Option(
        "--fail-on",
        metavar="fail|warn|skip",
        help="Lowest status that makes the exit code 1; skip: also a check that could not"
        " decide for want of facts.",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress or info lines on stderr.")
]
ShowAllOpt = Annotated[
    bool,
    typer.Option("--show-all", "-v", help="List every check, passing and skipped ones too."),
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Same as --fail-on skip: the gate must see every fact.")
]
IdsOpt = Annotated[
    list[str] | None, typer.Option(help="Check ids or families, comma-separated or repeated.")
]
KubeconfigOpt = Annotated[Path | None, typer.Option(help="kubeconfig file (live).")]
NameOpt = Annotated[str | None, typer.Option("--name", help="kops cluster name.")]
StateStoreOpt = Annotated[
    str | None, typer.Option(envvar="KOPS_STATE_STORE", help="kops state store, s3://...")
]
RegionOpt = Annotated[str | None, typer.Option(help="AWS region (default: the nodes').")]
ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile.")]
AwsOpt = Annotated[
    bool,
    typer.Option("--aws/--no-aws", help="Live: read route tables, instances and quotas from AWS."),
]
NetworkingOpt = Annotated[
    str | None, typer.Option(help="Override the networking mode (kubenet, cni, calico, ...).")
]
WaitOpt = Annotated[
    str | None, typer.Option(help="Re-check until healthy or this long (30s, 2m, 1h30m).")
]
IntervalOpt = Annotated[
    str | None, typer.Option(help="With --wait: time between runs (default 10s).")
]
CountOpt = Annotated[
    int | None, typer.Option(help="With --wait: consecutive passing runs needed (default 1).")
]
BaselineOpt = Annotated[
    Path | None, typer.Option(help="Suppress the known findings this file lists.")
]
WriteBaselineOpt = Annotated[
    Path | None, typer.Option(help="Record this run's problem findings as known.")
]
RequestTimeoutOpt = Annotated[
    str,
    typer.Option(help="Timeout of each Kubernetes API request (live), e.g. 30s, 2m; 0: none."),
]


def say(line: str) -> None:
    """One line of progress on stderr, data in it made visible (reporters.stderr_lines)."""
    from kopscheck.reporters.stderr_lines import say as say_line

    say_line(line)
