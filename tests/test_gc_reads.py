"""Reading a source pauses the cyclic GC, restores it, and leaves no reference cycles behind."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from kopscheck.collectors.bundle import read_bundle
from kopscheck.demo import DEMO_ROOT
from kopscheck.model.errors import InputError


@pytest.mark.parametrize("scenario", ["cni-no-provider", "kubenet-route-limit"])
def test_a_read_bundle_is_freed_by_refcounting_alone(scenario: str) -> None:
    read_bundle(DEMO_ROOT / scenario)  # first use imports modules, which may build cycles
    gc.unfreeze()
    gc.collect()
    snapshot = read_bundle(DEMO_ROOT / scenario)
    assert gc.isenabled()
    assert snapshot.pods
    gc.unfreeze()  # let the collector see what the read froze
    del snapshot
    assert gc.collect() == 0  # nothing unreachable: no cycles were built


def test_the_collector_is_back_on_after_a_bad_bundle(tmp_path: Path) -> None:
    (tmp_path / "cluster-info").mkdir()
    (tmp_path / "cluster-info" / "nodes.json").write_text('{"kind": "NodeList", "items": 3}')
    with pytest.raises(InputError, match=r"items: expected a list, got an integer"):
        read_bundle(tmp_path)
    assert gc.isenabled()
