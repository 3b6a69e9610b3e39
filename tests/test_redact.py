"""Credentials in logs never reach a report: collectors blank them as they read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from canaries import CORPUS, Canary, leaked
from cli_outcome import CliOutcome

from kopscheck.collectors.output.redact import REDACTED, redact

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


@pytest.mark.parametrize("canary", [pytest.param(c, id=c.id) for c in CORPUS])
def test_every_corpus_secret_is_blanked_in_its_context(canary: Canary) -> None:
    """The policy over the corpus: each realistic secret, in the context it appears in."""
    clean = redact(canary.text)
    assert not leaked(canary.secret, clean), clean
    assert REDACTED in clean


# Evidence that must survive redaction whole: real lines from the failure-signatures reference
# (sources: kops#16871, coredns/deployment#191, calico#7414, amazon-vpc-cni-k8s#2923,
# kubernetes#11979, cilium#40312), and what a report names: IPs, pods, images, a last-applied
# configuration without secrets.
EVIDENCE = (
    'kubelet[3274]: E0711 10:22:44.736898    3274 kubelet.go:2902] "Container runtime network'
    ' not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network'
    ' plugin returns error: cni plugin not initialized"',
    "Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox"
    ' container "16661acb98fff81aaa316ac07df43bf7ec76650086d43e4300fed333afcd461b" network for'
    ' pod "coredns-797455887b-s9r8n": NetworkPlugin cni failed to set up pod'
    ' "coredns-797455887b-s9r8n_kube-system" network: context deadline exceeded]',
    "Liveness probe failed: calico/node is not ready: Felix is not live: Get"
    ' "http://localhost:9099/liveness": dial tcp 127.0.0.1:9099: connect: connection refused',
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for"
    ' sandbox "3eb650e5b06f909321c170c75369c9626b234b410abd784c45c685197689fa88": plugin'
    ' type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to'
    " container",
    "E0729 14:48:07.211272       8 routecontroller.go:91] Could not create route"
    " 4db93b91-35f5-11e5-8163-0683cea42a61 10.244.3.0/24: error creating AWS route"
    " (10.244.3.0/24): RequestLimitExceeded: Request limit exceeded.",
    "unable to connect to Cilium agent: failed to create cilium agent client after 30.000000"
    ' seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock:'
    " connect: no such file or directory Is the agent running?",
    "pod kube-system/calico-node-2fkq8 on ip-172-20-44-12.ec2.internal (10.0.1.17)",
    "image quay.io/calico/node:v3.28.1@sha256:9f52f59f2d1f1e5c6ad1a4c6c3e6e7f0b2d8f8b4c4e0e1b2a3d4c5e6f7a8b9c0",
    '{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"calico-node","namespace":'
    '"kube-system"},"spec":{"template":{"spec":{"containers":[{"name":"calico-node","image":'
    '"quay.io/calico/node:v3.28.1","env":[{"name":"CALICO_IPV4POOL_CIDR","value":"100.96.0.0/11"}]}]}}}}',
    "Nov 27 10:15:00 i-0a1b2c3d4e5f60002 kubelet[2231]: I1127 bootstrap-kubeconfig loaded,"
    " passing node lease renewals; token bucket rate 5 qps",
    "https://registry.k8s.io/v2/pause/manifests/3.10 returned 200",
    "tokens=3 keys=4 passed=12 bypass=true",
)


@pytest.mark.parametrize("line", EVIDENCE)
def test_evidence_without_secrets_survives_whole(line: str) -> None:
    assert redact(line) == line
