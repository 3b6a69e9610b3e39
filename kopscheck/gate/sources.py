"""Pick the source of facts from the command line and collect a snapshot from it."""

from __future__ import annotations

from pathlib import Path

from kopscheck import demo
from kopscheck.collectors.options import SourceOptions
from kopscheck.model.errors import InputError
from kopscheck.model.facts import Snapshot
from kopscheck.reporters.stderr_lines import say


def collect(options: SourceOptions) -> Snapshot:
    if options.bundle and options.dump:
        raise InputError("--bundle/--dump", "give one source, not both")
    if options.demo is not None:
        from kopscheck.collectors.offline.bundle import read_bundle

        return read_bundle(demo_path(options.demo), source="demo")
    if options.bundle is not None:
        from kopscheck.collectors.offline.bundle import read_bundle

        return read_bundle(options.bundle, limits=options.files)
    if options.dump is not None:
        from kopscheck.collectors.offline.dump import read_dump

        return read_dump(options.dump, limits=options.files)
    from kopscheck.collectors.live import collect_live

    return collect_live(options, say=say).snapshot


def demo_path(scenario: str) -> Path:
    """The bundle of a built-in demo cluster; InputError naming the ones there are."""
    path = demo.scenario_path(scenario)
    if path is None:
        known = ", ".join(demo.scenarios())
        raise InputError(scenario, f"no such demo scenario (choose from {known})")
    return path
