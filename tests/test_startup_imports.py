"""The light commands import nothing heavy: `--help`, `checks` and `explain` start fast.

Measured in a fresh interpreter (sys.modules after the command ran); benchmarks/RESULTS.md has
the times. typer from 0.29 imports pydantic for every parameter, rich's help pulls in
rich.markdown, and the clients are for live runs only.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pydantic", "rich.markdown", "markdown_it", "kubernetes", "boto3", "botocore", "yaml")
PROBE = (
    f"HEAVY = {HEAVY!r}\n"
    + """
import contextlib, io, sys
from kopscheck.cli import main
sys.argv = ["kopscheck", *sys.argv[1:]]
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
    main()
heavy = sorted(m for m in HEAVY if m in sys.modules)
print("OUTPUT:" + str(len(out.getvalue())), "IMPORTED:" + ",".join(heavy), file=sys.stderr)
"""
)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--help"], id="help"),
        pytest.param(["check", "--help"], id="check-help"),
        pytest.param(["checks"], id="checks"),
        pytest.param(["checks", "-o", "json"], id="checks-json"),
        pytest.param(["explain", "dns.rollout"], id="explain"),
    ],
)
def test_light_commands_import_no_heavy_module(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output, imported = done.stderr.strip().splitlines()[-1].split()
    assert int(output.removeprefix("OUTPUT:")) > 100  # the command really printed its text
    assert imported == "IMPORTED:"


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]], ids=["help", "check-help"])
def test_help_loads_neither_the_fact_model_nor_the_plugin_catalog(args: list[str]) -> None:
    # 42 frozen dataclasses (~20 ms) and importlib.metadata (~13 ms): help needs neither
    probe = PROBE.replace("HEAVY = (", 'HEAVY = ("kopscheck.model.facts", "importlib.metadata", ')
    done = subprocess.run(
        [sys.executable, "-c", probe, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip().splitlines()[-1].split()[1] == "IMPORTED:"


# What the catalog path never needs (issue 22): the catalog is data (kopscheck/engine/
# catalog.json), the table is plain text, and entry points are read only when a distribution
# declares a check plugin (none here).
NOT_FOR_THE_CATALOG = (
    "kopscheck_checks",
    "kopscheck.checkapi",
    "kopscheck.model.facts",
    "kopscheck.model.results",
    "typer",
    "click",
    "rich.console",
    "importlib.metadata",
)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["checks"], id="checks"),
        pytest.param(["checks", "-o", "json"], id="checks-json"),
        pytest.param(["checks", "--output=markdown"], id="checks-markdown"),
        pytest.param(["explain", "dns.rollout"], id="explain"),
        pytest.param(["explain", "cni.provider-deployed/no-provider"], id="explain-code"),
    ],
)
def test_the_catalog_path_imports_no_check_typer_rich_console_or_metadata(args: list[str]) -> None:
    probe = PROBE.replace("HEAVY = (", f"HEAVY = {NOT_FOR_THE_CATALOG!r} + (")
    done = subprocess.run(
        [sys.executable, "-c", probe, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output, imported = done.stderr.strip().splitlines()[-1].split()
    assert int(output.removeprefix("OUTPUT:")) > 100
    assert imported == "IMPORTED:"
