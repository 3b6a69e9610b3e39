"""Reading a source pauses the cyclic GC, restores it, and leaves no reference cycles behind."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.model.errors import InputError

PROBE = """
import gc, sys
from kopscheck.collectors.offline.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
read_bundle(DEMO_ROOT / sys.argv[1])  # the first read imports modules, which may build cycles
gc.unfreeze()
gc.collect()
snapshot = read_bundle(DEMO_ROOT / sys.argv[1])
enabled = gc.isenabled()
gc.unfreeze()  # let the collector see what the read froze
del snapshot
print(enabled, gc.collect())
"""


@pytest.mark.parametrize("scenario", ["cni-no-provider", "kubenet-route-limit"])
def test_a_read_bundle_is_freed_by_refcounting_alone(scenario: str) -> None:
    """In a fresh interpreter (no other test's threads or garbage): nothing unreachable."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, scenario],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["True", "0"]


def test_the_collector_is_back_on_after_a_bad_bundle(tmp_path: Path) -> None:
    (tmp_path / "cluster-info").mkdir()
    (tmp_path / "cluster-info" / "nodes.json").write_text('{"kind": "NodeList", "items": 3}')
    with pytest.raises(InputError, match=r"items: expected a list, got an integer"):
        read_bundle(tmp_path)
    assert gc.isenabled()
