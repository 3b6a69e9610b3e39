"""`kopscheck cleanup`: delete every kopscheck-owned object an earlier run left behind."""

from __future__ import annotations

from collections.abc import Callable

from kopscheck.collectors.options import SourceOptions
from kopscheck.model.errors import ScanError
from kopscheck.model.exitcodes import ExitCode


def run_cleanup(options: SourceOptions, dry_run: bool, say: Callable[[str], None]) -> int:
    """List (and unless `dry_run`, delete) what a kopscheck run made: kopscheck's labels with a
    well-formed run id, a parseable expiry annotation and a name tied to that run id, all
    required (workspace.not_made_by_kopscheck).

    Exit 0 when nothing is left, 3 when something could not be deleted or listed."""
    from kopscheck.collectors.kube.bounds import DEFAULT_SCAN_TIMEOUT
    from kopscheck.collectors.kube.client import (
        ApiFailure,
        Requester,
        describe_failure,
    )
    from kopscheck.collectors.kube.kubeconfig import load_target
    from kopscheck.collectors.probes.workspace import cleanup, find_leftovers

    # cleanup has no --timeout: an exec credential plugin gets --request-timeout (or 5m)
    plugin = options.request_timeout or DEFAULT_SCAN_TIMEOUT
    target = load_target(options.kubeconfig, options.context, 1, plugin_timeout=plugin)
    requester = Requester(target, options.request_timeout)
    try:
        lookalikes: list[str] = []
        found = find_leftovers(requester, lookalikes=lookalikes)
        for line in lookalikes:  # a user's object that copied the labels is never ours
            say(f"not touched (carries kopscheck's labels, not made by a kopscheck run): {line}")
        for item in found:
            say(f"{'would delete' if dry_run else 'deleting'} {item}")
        if dry_run or not found:
            say(f"kopscheck cleanup: {len(found)} kopscheck-owned object(s) on {target.describe()}")
            return int(ExitCode.OK)
        left = cleanup(requester, say=say)
    except ApiFailure as failure:
        raise ScanError(f"cleanup: {describe_failure(failure)}") from None
    finally:
        target.api_client.close()
    for item in left:
        say(f"still there: {item}")
    say(f"kopscheck cleanup: deleted {len(found) - len(left)}, {len(left)} left")
    return int(ExitCode.SCAN_INCOMPLETE if left else ExitCode.OK)
