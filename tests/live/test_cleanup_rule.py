"""What `kopscheck cleanup` counts as made by a kopscheck run (CONTRACT §6): both labels, a run
id as `new_run_id` makes it, an expiry a Workspace writes, and a name tied to that run id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kopscheck.collectors.probes.workspace import (
    Leftover,
    is_run_id,
    new_run_id,
    not_made_by_kopscheck,
)

RUN = "20261128-124500-3fa9"
OTHER_RUN = "20261127-093000-0b1c"
EXPIRES = "2026-11-28T12:56:00Z"
HOME = f"kopscheck-{RUN}"
NOT_A_RUN_ID = "its kopscheck.io/run label is not a kopscheck run id (like 20261128-124500-3fa9)"
NOT_AN_EXPIRY = (
    "its kopscheck.io/expires annotation is not a time kopscheck writes (like 2026-11-28T12:50:00Z)"
)
ELSEWHERE = f"neither in namespace {HOME} nor named {HOME}-... (its run id)"


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(Leftover("namespaces", "", HOME, RUN, EXPIRES), id="the-run-namespace"),
        pytest.param(Leftover("pods", HOME, "dns-resolution", RUN, EXPIRES), id="a-probe-pod"),
        pytest.param(Leftover("daemonsets", HOME, "node-agent", RUN, EXPIRES), id="the-agent"),
        pytest.param(Leftover("services", HOME, "conn-echo", RUN, EXPIRES), id="the-service"),
        pytest.param(
            Leftover("pods", "kube-system", f"{HOME}-lifecycle", RUN, EXPIRES),
            id="living-elsewhere-named-after-the-run",
        ),
    ],
)
def test_what_a_run_made_is_deleted(item: Leftover) -> None:
    assert not_made_by_kopscheck(item) is None


@pytest.mark.parametrize(
    ("item", "why"),
    [
        pytest.param(
            Leftover("namespaces", "", "kopscheck-payments", "payments", EXPIRES),
            NOT_A_RUN_ID,
            id="kopscheck-payments-with-a-garbage-run-id",
        ),
        pytest.param(
            Leftover(
                "namespaces", "", "kopscheck-20261399-124500-3fa9", "20261399-124500-3fa9", EXPIRES
            ),
            NOT_A_RUN_ID,
            id="run-id-month-13",
        ),
        pytest.param(
            Leftover(
                "namespaces", "", "kopscheck-20261128-124500-3FA9", "20261128-124500-3FA9", EXPIRES
            ),
            NOT_A_RUN_ID,
            id="run-id-upper-case-hex",
        ),
        pytest.param(
            Leftover(
                "namespaces", "", "kopscheck-20261128t124500-3fa9", "20261128t124500-3fa9", EXPIRES
            ),
            NOT_A_RUN_ID,
            id="run-id-another-layout",
        ),
        pytest.param(
            Leftover("namespaces", "", HOME, "", EXPIRES),
            "no kopscheck.io/run label",
            id="no-run-label",
        ),
        pytest.param(
            Leftover("namespaces", "", HOME, RUN, ""),
            "no kopscheck.io/expires annotation",
            id="no-expiry",
        ),
        pytest.param(
            Leftover("namespaces", "", HOME, RUN, "never"),
            NOT_AN_EXPIRY,
            id="expiry-never",
        ),
        pytest.param(
            Leftover("namespaces", "", HOME, RUN, "2026-11-28 12:56:00"),
            NOT_AN_EXPIRY,
            id="expiry-another-layout",
        ),
        pytest.param(
            Leftover("namespaces", "", "payments-prod", RUN, EXPIRES),
            f"not named {HOME} (its run id)",
            id="payments-prod-with-copied-labels",
        ),
        pytest.param(
            Leftover("namespaces", "", f"{HOME}-old", RUN, EXPIRES),
            f"not named {HOME} (its run id)",
            id="namespace-the-run-name-and-more",
        ),
        pytest.param(
            Leftover("pods", "payments-prod", "kopscheck-tools", RUN, EXPIRES),
            ELSEWHERE,
            id="a-kopscheck-prefixed-pod-in-a-user-namespace",
        ),
        pytest.param(
            Leftover("pods", f"kopscheck-{OTHER_RUN}", "dns-resolution", RUN, EXPIRES),
            ELSEWHERE,
            id="in-another-runs-namespace",
        ),
        pytest.param(
            Leftover("pods", "payments-prod", f"{HOME}x", RUN, EXPIRES),
            ELSEWHERE,
            id="name-starting-with-the-run-namespace-but-not-a-dash",
        ),
    ],
)
def test_what_only_looks_like_a_run_is_not_touched(item: Leftover, why: str) -> None:
    assert not_made_by_kopscheck(item) == why


def test_every_run_id_kopscheck_makes_is_one() -> None:
    assert new_run_id(datetime(2026, 11, 28, 12, 45, 0, tzinfo=UTC)).startswith("20261128-124500-")
    assert all(is_run_id(new_run_id()) for _ in range(200))


@pytest.mark.parametrize(
    "value",
    ["", "payments", "20261128-124500", "20261128-124500-3fa9-", "20261128-124500-3fa",
     "20261128-246000-3fa9", " 20261128-124500-3fa9", "20261128-124500-3fa9\n"],
)  # fmt: skip
def test_is_run_id_refuses_other_shapes(value: str) -> None:
    assert not is_run_id(value)
