"""The log redactor: blank credentials out of free text as it is read, so no report, log line
or bundle carries them.

Logs, event messages and container messages are evidence (a CNI error line, a CoreDNS loop),
but a debug line can also print a credential. Every collector passes free text through
`redact`, which blanks, keeping the rest of the line:

- PEM blocks (private keys, and any other `-----BEGIN ...-----` block), whole;
- JSON web tokens; `Bearer` and `Basic` credentials and any `Authorization:` header's; AWS
  access key ids and a secret key written next to one; GitHub, GitLab and Slack tokens by
  their issuers' prefixes (`ghp_`, `gho_`, `github_pat_`, `glpat-`, `xoxb-`, ...);
- the userinfo of a URL, `scheme://user:pass@host`, a password holding `/`, `:` or `@` too;
- a flag naming a secret and its value, `--password=x`, `--password x`, `-token x`;
- `key=value` and `key: value` pairs whose key names a secret (password, pass, secret,
  token, api key, access key, private key, credential, ...): a quoted value whole (commas,
  spaces and all; JSON inside JSON, escaped once or more, too), else up to the next space;
  an env var named so, written as JSON (`{"name": "DB_PASSWORD", "value": "..."}`);
- base64 text, of any length, that decodes to any of the above (`cGFzc3dvcmQ9...` for
  `password=...`, a whole PEM key as a kubeconfig's `client-key-data`).

This is a policy, tested as one: tests/canary_corpus.yaml holds realistic secrets in their
real contexts, planted into every input field that reaches an output (tests/canaries.py), and
ordinary evidence (CNI errors, IPs, pod and image names) is tested to survive.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

REDACTED = "<redacted>"
_SECRET_WORD = (
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|client[_-]?key|credentials?|auth[_-]?key|(?<![a-z])pass(?![a-z]))"
)
_KEY = rf"[\w.-]*{_SECRET_WORD}[\w.-]*"
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,64})-----(?:.*?-----END \1-----|.*\Z)", re.DOTALL)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# Issuers' own token formats: GitHub (classic, OAuth, app, refresh, fine-grained), GitLab, Slack.
_ISSUED = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{20,255}"
    r"|glpat-[A-Za-z0-9_-]{20,255}|xox[abposr]-[A-Za-z0-9-]{10,255})"
)
_AUTH = re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}")
# `Authorization: <scheme> <credentials>` for any scheme (token, Bearer, AWS4-HMAC-SHA256, ...)
_AUTH_HEADER = re.compile(
    r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|key|sso-key)\s+)?+)"
    r"(?!" + re.escape(REDACTED) + r")[^\s\"']{4,}"
)
_AWS_PAIR = re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})([\s:=,;/\"']{1,3})[A-Za-z0-9/+]{40}\b")
_AWS_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
# userinfo: the password may hold `/`, `:` and `@`; it ends at the last `@` before a host
_URL_USERINFO = re.compile(
    r"(\b[a-zA-Z][a-zA-Z0-9+.-]{0,20}://)"
    r"(?:[^/\s:@]{0,256}:\S*@(?=[\w.-]*\w(?::\d{1,5})?(?:[/?#\s\"'\\,;)\]}]|$))|[^/\s:@]{1,256}@)"
)
_FLAG = re.compile(
    rf"(?i)((?<![\w-])--?[\w.-]*{_SECRET_WORD}[\w.-]*)(=|\s+)(?!-)(\"[^\"]*\"|'[^']*'|[^\s\"',;]+)"
)
# `"password": "a, b"`, `PASS='x y'`, `\"token\":\"...\"` (JSON inside a JSON string): the
# whole quoted value, whatever it holds
_QUOTED_PAIR = re.compile(rf"(?i)(\b{_KEY}(?:\\*[\"'])?\s*[=:]\s*)(\\*[\"'])(.*?)(\2)")
# an env var named for a secret, as JSON: {"name": "DB_PASSWORD", "value": "..."}
_ENV_JSON = re.compile(
    rf"(?i)(\\*\"name\\*\"\s*:\s*\\*\"{_KEY}\\*\"\s*,\s*\\*\"value\\*\"\s*:\s*)(\\*\")(.*?)(\2)"
)
_PAIR = re.compile(rf"(?i)(\b{_KEY}\"?\s*[=:]\s*\"?)(?!{re.escape(REDACTED)})[^\s\"']{{4,}}")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
# Every rule needs one of these (lower-cased) in the text, or a base64-looking run: checking
# for them first keeps the common line (nothing to blank) cheap.
_MARKERS = (
    "-----begin", "eyj", "bearer", "basic", "akia", "asia", "://", "authorization",
    "pass", "pwd", "secret", "token", "key", "credential",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox",
)  # fmt: skip
_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _pem(match: re.Match[str]) -> str:
    label = match.group(1)
    return f"-----BEGIN {label}-----{REDACTED}-----END {label}-----"


def _url(match: re.Match[str]) -> str:
    return f"{match.group(1)}{REDACTED}@"


def _base64(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) % 4:
        return token
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return token
    return REDACTED if _plain(decoded) != decoded else token


def _plain(text: str) -> str:
    """Every rule but base64 (decoded base64 is checked with these)."""
    text = _PEM.sub(_pem, text)
    text = _JWT.sub(REDACTED, text)
    text = _ISSUED.sub(REDACTED, text)
    text = _AWS_PAIR.sub(lambda m: f"{REDACTED}{m.group(2)}{REDACTED}", text)
    text = _AWS_ID.sub(REDACTED, text)
    text = _URL_USERINFO.sub(_url, text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _AUTH.sub(lambda m: m.group(1) + REDACTED, text)
    text = _ENV_JSON.sub(_quoted, text)
    text = _QUOTED_PAIR.sub(_quoted, text)
    text = _FLAG.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _PAIR.sub(lambda m: m.group(1) + REDACTED, text)


def _quoted(match: re.Match[str]) -> str:
    if match.group(3) == REDACTED:
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{REDACTED}{match.group(4)}"


def _worth_a_look(text: str) -> bool:
    lower = text.lower()
    for marker in _MARKERS:  # a plain loop: the common message has none, and this is hot
        if marker in lower:
            return True
    return any(
        len(run) % 4 == 0 and any(ch.isdigit() or ch in "+/=" for ch in run)
        for run in _RUN.findall(text)
    )


def redact(text: str) -> str:
    """The text with every credential the rules above recognise blanked."""
    if not _worth_a_look(text):
        return text
    return _plain(_BASE64.sub(_base64, text))


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
        blank_next = bool(_FLAG_NAME.fullmatch(arg))
        out.append(redact(arg))
    return out


_FLAG_NAME = re.compile(rf"(?i)--?[\w.-]*{_SECRET_WORD}[\w.-]*")
