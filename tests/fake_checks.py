"""Checks that exist only in tests: stand-ins for checks other modules provide."""

from __future__ import annotations

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import Fact, ObjectRef
from kopscheck.model.results import Finding, Status, Verdict


class CniNotInitialised(Check):
    """Test stand-in for a CNI check: fails when any node says its CNI is not initialised.

    Why: stands in for the CNI checks in diagnosis tests.

    Fix: deploy the CNI provider the networking mode needs. The nodes then turn Ready.
    """

    id = "test.cni-broken"
    family = "cni"
    needs = frozenset({Fact.NODES})
    wants: frozenset[Fact] = frozenset()
    explains = frozenset({Signal.CNI_NOT_INITIALIZED})

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        broken = [
            n.name
            for n in snapshot.nodes or ()
            if (c := n.condition("Ready")) and "cni plugin not initialized" in c.message
        ]
        findings = tuple(
            Finding(
                Status.FAIL,
                "calico-node not running",
                ObjectRef("Pod", f"calico-node-on-{name}", "kube-system"),
            )
            for name in broken
        )
        return Verdict(f"{len(broken)} nodes without a CNI", findings)
