"""Flags judged before any work: values that cannot be right, and flags the source ignores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kopscheck.knowledge.networking_modes import BY_ALIAS, MODES, mode_for_alias
from kopscheck.model.errors import InputError


def known_modes() -> list[str]:
    """Every `--networking` value kops has accepted, names first, then aliases."""
    names = [m.name for m in MODES]
    return names + sorted(alias for alias in BY_ALIAS if alias and alias not in names)


def check_networking(value: str | None) -> None:
    """`--networking` must name a mode kops knows (exit 2 listing them)."""
    if value is None or mode_for_alias(value) is not None:
        return
    raise InputError(
        "--networking", f"unknown networking mode {value!r}; known: {', '.join(known_modes())}"
    )


@dataclass(frozen=True, slots=True)
class GivenFlags:
    """The source flags a user typed (None: not given), for the ignored-flag warnings."""

    bundles: tuple[Path, ...] = ()
    dump: Path | None = None
    kubeconfig: Path | None = None
    state_store: str | None = None
    region: str | None = None
    profile: str | None = None
    wait: str | None = None


def ignored_flags(given: GivenFlags, environ: Mapping[str, str]) -> list[str]:
    """One warning per flag the chosen source ignores (never an error: scripts reuse flags)."""
    warnings: list[str] = []
    offline = given.bundles or given.dump is not None
    if offline:
        source = "--bundle" if given.bundles else "--dump"
        live_only = {  # --context with --bundle is an error of its own (two kinds of source)
            "--kubeconfig": given.kubeconfig is not None,
            # KOPS_STATE_STORE set in the shell is not a flag the user typed for this run
            "--state-store": given.state_store is not None
            and given.state_store != environ.get("KOPS_STATE_STORE"),
            "--region": given.region is not None,
            "--profile": given.profile is not None,
        }
        for flag, set_ in live_only.items():
            if set_:
                warnings.append(f"{flag} is ignored with {source}: it applies to live clusters")
        if given.wait is not None:
            warnings.append(
                f"--wait re-reads the {source} input, which does not change by itself:"
                " waiting only helps if something rewrites it"
            )
    return warnings
