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


SIG = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
PRESIGNED = (
    "https://kops-state-acme.s3.amazonaws.com/acme/pki/ca.crt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=ASIAIOSFODNN7EXAMPLE%2F20261127%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20261127T101500Z&X-Amz-Expires=900&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEHYa%2BCX"
    f"&X-Amz-SignedHeaders=host&X-Amz-Signature={SIG}"
)


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        pytest.param(
            r'{"password":"a\"b, c","user":"x"}',
            r'{"password":"<redacted>","user":"x"}',
            id="json-value-with-escaped-quote-and-comma",
        ),
        pytest.param(
            r'{"password":"ends in a backslash\\","user":"x"}',
            r'{"password":"<redacted>","user":"x"}',
            id="json-value-ending-in-an-escaped-backslash",
        ),
        pytest.param(
            r'{"log":"{\"password\":\"a\\\"b, c\",\"user\":\"x\"}\n","stream":"stderr"}',
            r'{"log":"{\"password\":\"<redacted>\",\"user\":\"x\"}\n","stream":"stderr"}',
            id="json-escaped-once",
        ),
        pytest.param(
            r"{\"log\":\"{\\\"token\\\":\\\"a\\\\\\\"b, c\\\",\\\"user\\\":\\\"x\\\"}\"}",
            r"{\"log\":\"{\\\"token\\\":\\\"<redacted>\\\",\\\"user\\\":\\\"x\\\"}\"}",
            id="json-escaped-twice",
        ),
        pytest.param(
            '{"msg":"cut off","password":"a, b c',
            '{"msg":"cut off","password":"<redacted>',
            id="json-value-never-closed-blanked-to-the-line-end",
        ),
        pytest.param(
            "auth:\n  password:\n  token: abc123def\n",
            "auth:\n  password:\n  token: <redacted>\n",
            id="a-key-ending-a-line-takes-no-value-from-the-next",
        ),
        pytest.param(
            '{"token": 123456789012, "api_key": true, "tokens": 3, "secret": null}',
            '{"token": <redacted>, "api_key": true, "tokens": 3, "secret": null}',
            id="json-bare-number",
        ),
        pytest.param(
            f"GET {PRESIGNED} 403",
            "GET https://kops-state-acme.s3.amazonaws.com/acme/pki/ca.crt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=<redacted>%2F20261127%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20261127T101500Z&X-Amz-Expires=900&X-Amz-Security-Token=<redacted>"
            "&X-Amz-SignedHeaders=host&X-Amz-Signature=<redacted> 403",
            id="s3-presigned-url",
        ),
        pytest.param(
            '{"url":"https://b.s3.amazonaws.com/k?X-Amz-Signature=abc123\\u0026X-Amz-Date=2026"}',
            '{"url":"https://b.s3.amazonaws.com/k?X-Amz-Signature=<redacted>\\u0026X-Amz-Date=2026"}',
            id="presigned-url-in-go-json",
        ),
        pytest.param(
            "GET https://acme.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=Zm9v%2Bbar%3D 403",
            "GET https://acme.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=<redacted> 403",
            id="azure-sas-sig",
        ),
        pytest.param(
            "GET /userinfo?access_token=ya29.a0Af&schema=openid 401; ws?orgId=1&token=abcd1234",
            "GET /userinfo?access_token=<redacted>&schema=openid 401; ws?orgId=1&token=<redacted>",
            id="token-query-params",
        ),
        pytest.param(
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/s3/"
            f"aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}",
            "Authorization: AWS4-HMAC-SHA256 <redacted> SignedHeaders=host;x-amz-date,"
            " Signature=<redacted>",
            id="sigv4-authorization-header",
        ),
        pytest.param(
            "+ curl -H 'Cookie: grafana_session=4f2a; theme=dark' http://grafana:3000/api/health",
            "+ curl -H 'Cookie: <redacted>' http://grafana:3000/api/health",
            id="cookie-header-in-curl",
        ),
        pytest.param(
            '{"status":302,"headers":{"Set-Cookie":["_oauth2_proxy=4f2a|9c; Path=/"],"Location":"/"}}',
            '{"status":302,"headers":{"Set-Cookie":["<redacted>"],"Location":"/"}}',
            id="set-cookie-in-json",
        ),
        pytest.param(
            "< Set-Cookie: sid=4f2a9c; Path=/; HttpOnly",
            "< Set-Cookie: <redacted>",
            id="set-cookie-header",
        ),
        pytest.param(
            "curl -fsS -u deploy:hunter2x https://nexus.acme.internal/repository/charts/",
            "curl -fsS -u deploy:<redacted> https://nexus.acme.internal/repository/charts/",
            id="curl-u",
        ),
        pytest.param(
            "curl --user 'ci-bot:pa ss' https://r.acme.internal/v2/ && curl --user=ops:p@ss/w http://p",
            "curl --user 'ci-bot:<redacted>' https://r.acme.internal/v2/ && curl --user=ops:<redacted> http://p",
            id="curl-user-quoted-and-equals",
        ),
        pytest.param(
            "stripe sk_live_51HaBcDeFgHiJkLmNo rk_live_51HaBcDeFgHiJkLmNo sk_test_51HaBcDeFgHiJkLmNo ok",
            "stripe <redacted> <redacted> <redacted> ok",
            id="stripe-keys",
        ),
        pytest.param(
            "npm notice publish with npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 to registry.npmjs.org",
            "npm notice publish with <redacted> to registry.npmjs.org",
            id="npm-token",
        ),
        pytest.param(
            "vault-agent: renewed hvs.CAESIJ3aBcDeFgHiJkLmNoPqRs lease 768h, hvb.AAAAAQJaBcDeFgHiJkLmN0",
            "vault-agent: renewed <redacted> lease 768h, <redacted>",
            id="vault-tokens",
        ),
        pytest.param(
            "GET /maps/api/geocode/json?address=Main&key=AIzaSyA1bCdEfGhIjKlMnOpQrStUvWxYz012345 403",
            "GET /maps/api/geocode/json?address=Main&key=<redacted> 403",
            id="google-api-key",
        ),
        pytest.param(
            'Post "https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/aBcDeFgHiJkLmNoPqRsTuVwX": timeout',
            'Post "https://hooks.slack.com/services/<redacted>": timeout',
            id="slack-webhook",
        ),
        pytest.param(
            "openai: 401 Incorrect API key provided: sk-proj-aBcDeFgHiJ0123456789KlMnOpQrStUvWxYz01",
            "openai: 401 Incorrect API key provided: <redacted>",
            id="openai-style-key",
        ),
    ],
)
def test_a_new_shape_is_blanked_and_the_line_kept(line: str, kept: str) -> None:
    assert redact(line) == kept
    assert redact(kept) == kept


@pytest.mark.parametrize(
    "line",
    [
        '"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady"',
        '[FATAL] plugin/loop: Loop (127.0.0.1:46143 -> :53) detected for zone "."',
        'failed to find plugin "loopback" in path [/opt/cni/bin]',
        "tokens=3 keys=4",
        "docker run -u 1000:1000 --rm quay.io/calico/ctl:v3.28.1 get nodes",
        "Warning  EvictionThresholdMet  node/ip-172-20-44-12 taint node.kubernetes.io/disk-pressure",
        "pod kube-system/sk-exporter-7d8f9c6b5-4xk2m-with-a-long-generated-name-suffix is Running",
        "GET https://grafana.monitoring.svc:3000/d/k8s?orgId=1&from=now-1h&refresh=30s 200",
        "caught signal SIGTERM, design doc at https://example.com/a?page=2",
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
