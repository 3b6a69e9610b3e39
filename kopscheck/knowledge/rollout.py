"""Whether a Deployment, DaemonSet or ReplicationController is rolled out, from its status.

Shared by the checks that judge a workload (cluster DNS, the CNI provider's agents).
"""

from __future__ import annotations

from collections.abc import Mapping

from kopscheck.model.facts import JSON, Workload
from kopscheck.model.results import Code, Finding, Status

# The finding codes rollout_findings emits; a check that uses it declares them all.
ROLLOUT_CODES = {
    "nothing-wanted": Code("the workload wants zero pods (scaled to zero, or no node matches)"),
    "pods-not-ready": Code("fewer pods ready or available than the workload wants"),
    "rollout-not-observed": Code("the controller has not yet observed the latest spec"),
    "rollout-in-progress": Code("not every pod runs the latest spec yet"),
    "misscheduled": Code("pods run on nodes the workload should not run on"),
}


def rollout_codes(fixes: Mapping[str, str]) -> dict[str, Code]:
    """ROLLOUT_CODES with the fix a check gives for each: a DNS and a CNI rollout differ."""
    return {name: Code(code.summary, fixes.get(name)) for name, code in ROLLOUT_CODES.items()}


def rollout_evidence(w: Workload) -> dict[str, JSON]:
    return {
        "desired": w.desired,
        "current": w.current,
        "ready": w.ready,
        "updated": w.updated,
        "available": w.available,
        "misscheduled": w.misscheduled,
        "generation": w.generation,
        "observed_generation": w.observed_generation,
        "images": list(w.images),
    }


def rollout_findings(w: Workload, nothing_wanted: str) -> list[Finding]:
    """The first thing wrong with the rollout, or nothing; `nothing_wanted` says what zero
    desired pods means for this workload."""
    evidence = rollout_evidence(w)

    def found(status: Status, message: str, code: str) -> list[Finding]:
        return [Finding(status, message, w.ref, evidence, code=code)]

    if w.desired == 0:
        return found(Status.FAIL, nothing_wanted, "nothing-wanted")
    if w.ready < w.desired or w.available < w.desired:
        ready = f"{w.ready}/{w.desired} pods ready, {w.available} available"
        return found(Status.FAIL, ready, "pods-not-ready")
    if w.generation and w.observed_generation < w.generation:
        return found(
            Status.WARN,
            f"rollout not yet observed (generation {w.generation},"
            f" observed {w.observed_generation})",
            "rollout-not-observed",
        )
    if w.updated < w.desired:
        updated = f"rollout in progress: {w.updated}/{w.desired} pods updated"
        return found(Status.WARN, updated, "rollout-in-progress")
    if w.misscheduled:
        wrong = f"{w.misscheduled} pod(s) on nodes it should not run on"
        return found(Status.WARN, wrong, "misscheduled")
    return []
