"""Credentials in logs never reach a report: collectors blank them as they read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_outcome import CliOutcome

from kopscheck.collectors.output.redact import redact

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJlc2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("line", "kept", "secret"),
    [
        pytest.param(
            f"Authorization: Bearer {JWT}", "Authorization: Bearer <redacted>", JWT, id="bearer-jwt"
        ),
        pytest.param(
            "auth: Basic dXNlcjpwYXNzd29yZA==",
            "auth: Basic <redacted>",
            "dXNlcjpwYXNzd29yZA==",
            id="basic-auth",
        ),
        pytest.param(
            "using key AKIAIOSFODNN7EXAMPLE now",
            "using key <redacted> now",
            "AKIAIOSFODNN7EXAMPLE",
            id="aws-access-key-id",
        ),
        pytest.param(
            "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key=<redacted>",
            "wJalrXUtnFEMI",
            id="aws-secret-key",
        ),
        pytest.param(
            '{"password": "hunter2hunter2"}',
            '{"password": "<redacted>"}',
            "hunter2",
            id="json-password",
        ),
        pytest.param("--token=abcd1234efgh5678", "--token=<redacted>", "abcd1234", id="token-flag"),
        pytest.param(
            "exec: mysql --password hunter2x -h db",
            "exec: mysql --password <redacted> -h db",
            "hunter2x",
            id="flag-with-a-following-value",
        ),
        pytest.param(
            "GET https://admin:s3cr3t-pw@registry.example.com/v2/ failed",
            "GET https://<redacted>@registry.example.com/v2/ failed",
            "s3cr3t-pw",
            id="url-userinfo",
        ),
        pytest.param(
            "cloning https://ghp_abcdefgh12345678@github.com/x/y",
            "cloning https://<redacted>@github.com/x/y",
            "ghp_abcdefgh",
            id="url-token-userinfo",
        ),
        pytest.param(
            "key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkey\n-----END EC PRIVATE KEY-----\nok",
            "key:\n-----BEGIN EC PRIVATE KEY-----<redacted>-----END EC PRIVATE KEY-----\nok",
            "MHcCAQEEIBkey",
            id="pem-block",
        ),
        pytest.param(
            "cut log -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg",
            "cut log -----BEGIN PRIVATE KEY-----<redacted>-----END PRIVATE KEY-----",
            "MIIEvQIBADANBg",
            id="pem-block-cut-off",
        ),
        pytest.param(
            "env blob cGFzc3dvcmQ9aHVudGVyMmh1bnRlcjI= seen",
            "env blob <redacted> seen",
            "cGFzc3dvcmQ9aHVudGVyMmh1bnRlcjI=",
            id="base64-of-a-password-pair",
        ),
        pytest.param(
            "Credential=AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/ec2/aws4_request",
            "Credential=<redacted>/20261127/us-east-1/ec2/aws4_request",
            "AKIAIOSFODNN7EXAMPLE",
            id="sigv4-credential",
        ),
        pytest.param(
            "keys AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY used",
            "keys <redacted>:<redacted> used",
            "wJalrXUtnFEMI",
            id="aws-key-pair",
        ),
    ],
)
def test_redact_blanks_the_credential_and_keeps_the_line(line: str, kept: str, secret: str) -> None:
    assert redact(line) == kept
    assert secret not in redact(line)


@pytest.mark.parametrize(
    "line",
    [
        '"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady"',
        '[FATAL] plugin/loop: Loop (127.0.0.1:46143 -> :53) detected for zone "."',
        'failed to find plugin "loopback" in path [/opt/cni/bin]',
        "tokens=3 keys=4",
    ],
)
def test_ordinary_log_lines_are_untouched(line: str) -> None:
    assert redact(line) == line


def test_a_token_in_a_crashing_pods_log_never_reaches_the_report(
    run_cli: Callable[..., CliOutcome], demo_copy: Callable[[str], Path]
) -> None:
    root = demo_copy("coredns-loop")
    logs = next((root / "cluster-info" / "kube-system").glob("coredns-*/logs.txt"))
    text = logs.read_text().replace(
        "[FATAL] plugin/loop",
        f"[ERROR] plugin/kubernetes: request failed, Authorization: Bearer {JWT}\n[FATAL] plugin/loop",
    )
    logs.write_text(text)
    outcome = run_cli("check", "--bundle", str(root), "-o", "json")
    assert outcome.code == 1
    assert JWT not in outcome.stdout and JWT not in outcome.stderr
    evidence = json.dumps(json.loads(outcome.stdout)["results"])
    assert "Authorization: Bearer <redacted>" in evidence
