"""The log redactor: blank credentials out of free text as it is read, so no report, log line
or bundle carries them.

Logs, event messages and container messages are evidence (a CNI error line, a CoreDNS loop),
but a debug line can also print a credential. Every collector passes free text through
`redact`, which blanks, keeping the rest of the line:

- PEM blocks (private keys, and any other `-----BEGIN ...-----` block), whole;
- JSON web tokens; `Bearer` and `Basic` credentials and any `Authorization:` header's (a SigV4
  header's `Signature=` too); AWS access key ids and a secret key written next to one;
- tokens by their issuers' prefixes: GitHub (`ghp_`, `gho_`, `github_pat_`, ...), GitLab
  (`glpat-`), Slack (`xoxb-`, ...; and a webhook URL's path after `hooks.slack.com/services/`),
  Stripe (`sk_live_`, `rk_live_`, `sk_test_`), npm (`npm_` + 36), HashiCorp Vault (`hvs.`,
  `hvb.`), Google API keys (`AIza` + 35), OpenAI-style `sk-` keys (40 or more characters, mixed
  case and a digit: no Kubernetes name has an upper-case letter);
- the userinfo of a URL, `scheme://user:pass@host`, a password holding `/`, `:` or `@` too;
- a query parameter naming a secret, up to the next `&`: a presigned S3 or GCS URL's
  `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`, an Azure SAS `sig`, OAuth's
  `access_token`, any `&token=` (the host, path and other parameters kept);
- the value of a `Cookie:` or `Set-Cookie:` header (bare, or a JSON key) and of curl's
  `--cookie`, to the end of the line or the closing quote; the header name kept;
- the password of `curl -u user:pass`, `--user user:pass`, `--user=user:pass`, `--proxy-user`
  (the user kept; a numeric `uid:gid` like `docker run -u 1000:1000` is no password);
- a flag naming a secret and its value, `--password=x`, `--password x`, `-token x`;
- `key=value` and `key: value` pairs whose key names a secret (password, pass, secret,
  token, api key, access key, private key, credential, ...): a quoted value whole, read as
  RFC 8259 reads a JSON string (`"a\\"b, c"` is one value), at any depth of JSON inside a JSON
  string (the closing quote of a value opened by `\\"` is the `\\"` its escaping says closes
  it), to the end of the line if it never closes; a bare JSON number of 4 digits or more
  (`"token": 123456789012`; `true`, `false` and `null` are kept); else up to the next space;
  a key ending a line takes no value from the next (`password:` then `  token: x` blanks x);
  an env var named so, written as JSON (`{"name": "DB_PASSWORD", "value": "..."}`);
- base64 text, of any length, that decodes to any of the above (`cGFzc3dvcmQ9...` for
  `password=...`, a whole PEM key as a kubeconfig's `client-key-data`).

A key is at most 64 characters either side of its secret word and every other repeat is bounded
or starts only where its run starts, so a hostile line costs time linear in its length
(benchmarks/redaction.py: 200 KB lines of `password="`, quotes, backslashes, URLs). The patterns
live in redact_patterns.py; quoted values go first (no other rule may blank a key's name before
its value is found) and the Cookie rule, which blanks to the line's end, last.

This is a policy, tested as one: tests/canary_corpus.yaml holds realistic secrets in their
real contexts, planted into every input field that reaches an output (tests/canaries.py), and
ordinary evidence (CNI errors, IPs, pod and image names) is tested to survive.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

from kopscheck.collectors.output import redact_patterns as p
from kopscheck.collectors.output.redact_patterns import REDACTED

__all__ = ["REDACTED", "redact", "redact_args", "redact_message"]


def _pem(match: re.Match[str]) -> str:
    label = match.group(1)
    return f"-----BEGIN {label}-----{REDACTED}-----END {label}-----"


def _kept(match: re.Match[str]) -> str:
    """The match's first group (what names the secret), the secret blanked."""
    return match.group(1) + REDACTED


def _credential(match: re.Match[str]) -> str:
    """`Bearer x`, `Authorization: x`: x blanked, and the value after it if x names a secret."""
    head, token, sep, value = match.group(1, 2, 3, 4)
    if sep is None:
        return head + REDACTED
    return f"{head}{REDACTED}{sep}{REDACTED if p.NAMES_A_SECRET.search(token) else value}"


def _user_flag(match: re.Match[str]) -> str:
    flag, quote, user_q, user = match.group(1, 2, 3, 4)
    return f"{flag}{quote}{user_q}{REDACTED}" if quote else f"{flag}{user}{REDACTED}"


def _base64(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) % 4:
        return token
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return token
    return REDACTED if _plain(decoded) != decoded else token


def _closing(text: str, start: int, quote: str) -> int:
    """Where the quoted value opened by `quote` (its backslashes and quote character) just
    before `start` ends: the start of its closing quote, else the end of the line.

    A value opened by m backslashes and a quote (m = 2^k - 1 for JSON escaped k times) closes
    at the quote with n backslashes before it where n % (2m + 2) == m: n even in a plain JSON
    string, 1 or 5 escaped once (3 is an escaped quote of the value, 5 an escaped backslash
    and then the close). A single-quoted value without backslashes (shell, YAML) ends at the
    next `'`.
    """
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    char, depth = quote[-1], len(quote) - 1
    at = start
    while (found := text.find(char, at, line_end)) >= 0:
        if char == "'" and not depth:
            return found
        run = found
        while run > start and text[run - 1] == "\\":
            run -= 1
        if (found - run) % (2 * depth + 2) == depth:
            return found - depth
        at = found + 1
    return line_end


def _blank_quoted(text: str, opener: re.Pattern[str]) -> str:
    """Each value whose opening (a key and its quote) `opener` finds, blanked to its close."""
    out: list[str] = []
    done = 0
    while (match := opener.search(text, done)) is not None:
        start = match.end()
        end = _closing(text, start, match.group(1))
        value = text[start:end]
        out.append(text[done:start])
        out.append(value if value in ("", REDACTED) else REDACTED)
        done = end
    out.append(text[done:])
    return "".join(out)


def _plain(text: str) -> str:
    """Every rule but base64 (decoded base64 is checked with these)."""
    text = p.PEM.sub(_pem, text)
    text = p.JWT.sub(REDACTED, text)
    text = p.ISSUED.sub(REDACTED, text)
    text = _blank_quoted(text, p.ENV_JSON)  # before any rule that could blank a key's name
    text = _blank_quoted(text, p.QUOTED_KEY)
    text = p.SLACK_WEBHOOK.sub(_kept, text)
    text = p.AWS_PAIR.sub(lambda m: f"{REDACTED}{m.group(2)}{REDACTED}", text)
    text = p.AWS_ID.sub(REDACTED, text)
    text = p.URL_USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = p.QUERY.sub(_kept, text)
    text = p.AUTH_HEADER.sub(_credential, text)
    text = p.SIGNATURE.sub(_kept, text)
    text = p.AUTH.sub(_credential, text)
    text = p.USER_FLAG.sub(_user_flag, text)
    text = p.JSON_NUMBER.sub(_kept, text)
    text = p.FLAG.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = p.PAIR.sub(_kept, text)
    return p.COOKIE.sub(_kept, text)  # last: it blanks to the line's end, anchors of others too


def _worth_a_look(text: str) -> bool:
    lower = text.lower()
    for marker in p.MARKERS:  # a plain loop: the common message has none, and this is hot
        if marker in lower:
            return True
    return any(
        len(run) % 4 == 0 and any(ch.isdigit() or ch in "+/=" for ch in run)
        for run in p.RUN.findall(text)
    )


def redact(text: str) -> str:
    """The text with every credential the rules above recognise blanked."""
    if not _worth_a_look(text):
        return text
    return _plain(p.BASE64.sub(_base64, text))


@lru_cache(maxsize=8192)
def redact_message(text: str) -> str:
    """`redact` for the short, often repeated messages of API objects (conditions, container
    states, events): remembered, so a message seen on a thousand pods is looked at once."""
    return redact(text) if text else text


def redact_args(args: list[str] | tuple[str, ...]) -> list[str]:
    """An argv: `--password=x` blanked in place, `--password x` blanks the next argument."""
    out: list[str] = []
    blank_next = False
    for arg in args:
        if blank_next and not arg.startswith("-"):
            out.append(REDACTED)
            blank_next = False
            continue
        blank_next = bool(p.FLAG_NAME.fullmatch(arg))
        out.append(redact(arg))
    return out
