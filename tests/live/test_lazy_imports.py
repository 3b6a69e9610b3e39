"""Offline runs never import the Kubernetes client or boto3 (the CLI stays fast)."""

from __future__ import annotations

import subprocess
import sys

from kopscheck.demo import DEMO_ROOT

PROBE = """
import sys
from kopscheck.cli import main
sys.argv = ["kopscheck", "check", "--bundle", sys.argv[1], "-o", "json"]
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in ("kubernetes", "boto3", "botocore", "urllib3") if m in sys.modules)
print("IMPORTED:" + ",".join(heavy), file=sys.stderr)
"""


def test_check_bundle_imports_no_cloud_client() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(DEMO_ROOT / "healthy")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip().splitlines()[-1] == "IMPORTED:"
