"""Fuzzing the redactor: text made of the pieces its rules look for (keys, quotes at any
escaping depth, flags, query strings, issuers' prefixes, the blank itself) and of the corpus
canaries. Whatever comes in, `redact` returns, a second pass changes nothing, and a canary on
a line of its own is blanked whatever lines surround it. Profiles as in test_fuzz."""

from __future__ import annotations

from canaries import CORPUS, Canary, leaked
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import FUZZ

from kopscheck.collectors.output.redact import redact

PIECES = (
    "password", "DB_PASS", "token", "api_key", "secret", "=", ":", ": ", '"', "'", "\\", '\\"',
    '\\\\\\"', ",", " ", "\n", "{", "}", "[", "-----BEGIN RSA PRIVATE KEY-----", "eyJhbGciOi.",
    "Bearer ", "Authorization: ", "Cookie: ", "Set-Cookie: ", "-u ", "--user=", "--password ",
    "https://", "u:p@", "@", "?", "&", "\\u0026", "sig=", "X-Amz-Signature=", "access_token=",
    "sk_live_", "npm_", "hvs.", "AIza", "sk-", "hooks.slack.com/services/", "AKIA", "1000:1000",
    "123456789012", "true", "<redacted>", "cGFzc3dvcmQ9", "aGVsbG8=", "abcdefghij0123456789",
)  # fmt: skip
TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=40).map("".join)


@FUZZ
@given(TEXT)
def test_redact_never_raises_and_a_second_pass_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@FUZZ
@given(TEXT, st.sampled_from(CORPUS), TEXT)
def test_a_canary_on_its_own_line_is_blanked_whatever_surrounds_it(
    before: str, canary: Canary, after: str
) -> None:
    clean = redact(f"{before}\n{canary.text}\n{after}")
    assert not leaked(canary.secret, clean), clean
