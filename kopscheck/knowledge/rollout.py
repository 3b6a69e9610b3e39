"""Whether a Deployment, DaemonSet or ReplicationController is rolled out, from its status.

Shared by the checks that judge a workload (cluster DNS, the CNI provider's agents).
"""

from __future__ import annotations

from kopscheck.model.facts import JSON, Workload
from kopscheck.model.results import Finding, Status


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

    def found(status: Status, message: str) -> list[Finding]:
        return [Finding(status, message, w.ref, evidence)]

    if w.desired == 0:
        return found(Status.FAIL, nothing_wanted)
    if w.ready < w.desired or w.available < w.desired:
        return found(Status.FAIL, f"{w.ready}/{w.desired} pods ready, {w.available} available")
    if w.generation and w.observed_generation < w.generation:
        return found(
            Status.WARN,
            f"rollout not yet observed (generation {w.generation},"
            f" observed {w.observed_generation})",
        )
    if w.updated < w.desired:
        return found(Status.WARN, f"rollout in progress: {w.updated}/{w.desired} pods updated")
    if w.misscheduled:
        return found(Status.WARN, f"{w.misscheduled} pod(s) on nodes it should not run on")
    return []
