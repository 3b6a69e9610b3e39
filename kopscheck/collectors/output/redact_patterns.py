"""The compiled patterns of the redaction policy (kopscheck/collectors/output/redact.py, whose
docstring is the policy). Every repeat is bounded or starts only where a run starts, so a
hostile 200 KB line costs linear time (benchmarks/redaction.py).
"""

from __future__ import annotations

import re

REDACTED = "<redacted>"
_NOT_DONE = rf"(?!{re.escape(REDACTED)})"
SECRET_WORD = (
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|client[_-]?key|credentials?|auth[_-]?key|(?<![a-z])pass(?![a-z]))"
)
# A key naming a secret, from its secret word on (what comes before it, `DB_` of `DB_PASSWORD`,
# is kept as it is): 64 characters at most after the word, and no part before it that a match
# could start at each of, so no line makes a key pattern quadratic. KEY, with up to 64 before,
# is for patterns that start at a fixed mark (`--`, `&`, `"name":`).
KEY_WORD = rf"{SECRET_WORD}[\w.-]{{0,64}}"
KEY = rf"[\w.-]{{0,64}}{KEY_WORD}"
PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,64})-----(?:.*?-----END \1-----|.*\Z)", re.DOTALL)
JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# Issuers' own token formats: GitHub (classic, OAuth, app, refresh, fine-grained), GitLab, Slack,
# Stripe secret and restricted keys, npm, HashiCorp Vault service and batch tokens, Google API
# keys, OpenAI-style `sk-` keys (mixed case and a digit, which no Kubernetes name has).
ISSUED = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{20,255}"
    r"|glpat-[A-Za-z0-9_-]{20,255}|xox[abposr]-[A-Za-z0-9-]{10,255}"
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{10,255}|npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"
    r"|hv[sb]\.[A-Za-z0-9_-]{20,512}|AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-]))"
    r"|(?<![\w-])sk-(?:proj-|svcacct-|admin-)?(?=[\w-]{0,40}[A-Z])(?=[\w-]{0,40}[a-z])"
    r"(?=[\w-]{0,40}[0-9])[A-Za-z0-9_-]{40,255}(?![\w-])"
)
SLACK_WEBHOOK = re.compile(
    r"(?i)(\bhooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]{8,255}"
)
# (A separator's spaces are `[ \t]`: a key ending a line is no key for the next line's words.)
# A credential after `Bearer ` or a header that names a secret itself (`Bearer password=x`,
# `token abc_token: x`) was a key: its value (the tail) is blanked too (redact.py).
_TAIL = r"(?:([ \t]*[=:][ \t]*)(\\{0,15}\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+))?"
AUTH = re.compile(rf"(?i)(\b(?:bearer|basic)[ \t]+)([A-Za-z0-9._~+/=-]{{8,}}){_TAIL}")
# `Authorization: <scheme> <credentials>` for any scheme (token, Bearer, AWS4-HMAC-SHA256, ...)
AUTH_HEADER = re.compile(
    r"(?i)(\b(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?:(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|key|sso-key)[ \t]+)?+)"
    rf"{_NOT_DONE}([^\s\"']{{4,}}){_TAIL}"
)
NAMES_A_SECRET = re.compile(rf"(?i){SECRET_WORD}")
# a SigV4 signature outside a query string: an Authorization header's `, Signature=<hex>`
SIGNATURE = re.compile(r"(?i)(\bsignature=)[0-9a-f]{64}(?![0-9a-f])")
# `Cookie:` and `Set-Cookie:` headers, bare or as a JSON key, and curl's `--cookie`: the value
# to the line's end or the quote that closes it
COOKIE = re.compile(
    r"(?i)(\b(?:set-)?cookie\\{0,15}[\"']?[ \t]*[:=][ \t]*+\[?+[ \t]*+\\{0,15}+[\"']?+[ \t]*+"
    r"|(?<![\w-])--cookie(?:=|[ \t]++)[\"']?+)"
    rf"{_NOT_DONE}[^\r\n\"'\\]+"
)
AWS_PAIR = re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})([\s:=,;/\"']{1,3})[A-Za-z0-9/+]{40}\b")
AWS_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
# userinfo: the password may hold `/`, `:` and `@`; it ends at the last `@` before a host
URL_USERINFO = re.compile(
    r"(\b[a-zA-Z][a-zA-Z0-9+.-]{0,20}://)"
    r"(?:[^/\s:@]{0,256}:\S{0,512}@(?=[\w.-]*\w(?::\d{1,5})?(?:[/?#\s\"'\\,;)\]}]|$))"
    r"|[^/\s:@]{1,256}@)"
)
# a query parameter naming a secret (presigned S3 and GCS URLs, Azure SAS `sig`, OAuth's
# `access_token`): the value up to the next `&` (or Go's JSON `\u0026`), the rest kept
QUERY = re.compile(
    rf"(?i)((?:[?&;]|\\u0026)(?:x-amz-signature|x-goog-signature|sig|signature|{KEY})=)"
    rf"{_NOT_DONE}[^&#\s\"'<>\\]+"
)
# `curl -u user:pass`, `--user user:pass`, `--user=user:pass`, `--proxy-user`: the user kept; a
# numeric `uid:gid` (`docker run -u 1000:1000`) is no password
USER_FLAG = re.compile(
    r"(?<![\w-])(-[uU][ \t]*|--(?:proxy-)?user(?:=|[ \t]+))(?!\d{1,10}:\d{1,10}(?![^\s\"']))"
    r"(?:([\"'])([^:\"'\s]{0,256}:)[^\"'\r\n]*|([^:\"'\s]{0,256}:)\S+)"
)
FLAG = re.compile(
    rf"(?i)((?<![\w.-])--?{KEY})(=|[ \t]+)(?!-){_NOT_DONE}(\"[^\"]*\"|'[^']*'|[^\s\"',;]+)"
)
FLAG_NAME = re.compile(rf"(?i)--?{KEY}")
# `"password": "...`, `PASS='...`, `\"token\":\"...` (JSON inside a JSON string): up to the
# opening quote; redact.py finds the closing one (JSON's escapes, at any depth)
QUOTED_KEY = re.compile(rf"(?i){KEY_WORD}(?:\\{{0,15}}[\"'])?[ \t]*[=:][ \t]*(\\{{0,15}}[\"'])")
# an env var named for a secret, as JSON: {"name": "DB_PASSWORD", "value": "...
ENV_JSON = re.compile(
    rf"(?i)\\{{0,15}}\"name\\{{0,15}}\"\s*:\s*\\{{0,15}}\"{KEY}\\{{0,15}}\"\s*,\s*"
    rf"\\{{0,15}}\"value\\{{0,15}}\"\s*:\s*(\\{{0,15}}\")"
)
# a bare JSON number of 4 digits or more for a secret key (`"tokens": 3` is a count)
JSON_NUMBER = re.compile(rf"(?i)({KEY_WORD}\\{{0,15}}\"[ \t]*:[ \t]*)-?\d{{4,}}(?:\.\d+)?(?![\w.])")
PAIR = re.compile(
    rf"(?i)({KEY_WORD}\"?[ \t]*[=:][ \t]*\"?){_NOT_DONE}(?!(?:true|false|null)\b)[^\s\"']{{4,}}"
)
BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
# Every rule needs one of these (lower-cased) in the text, or a base64-looking run: checking
# for them first keeps the common line (nothing to blank) cheap.
MARKERS = (
    "-----begin", "eyj", "bearer", "basic", "akia", "asia", "://", "authorization",
    "pass", "pwd", "secret", "token", "key", "credential", "cookie", "sig", "-u", "--user",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox",
    "k_live_", "k_test_", "npm_", "hvs.", "hvb.", "aiza", "sk-", "hooks.slack.com",
)  # fmt: skip
