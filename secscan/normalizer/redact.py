"""Keep secret values out of every output.

Adapters hash a secret (:func:`secscan.normalizer.fingerprint.secret_digest`) and then throw the
value away; these helpers cut it out of any text the tool wrote around it (the matched
line, a message, a SARIF snippet).  :func:`scrub` is the last net for text whose secret
we were never told: it masks the shapes of well-known credentials.
"""

from __future__ import annotations

import re
from typing import overload

MASK = "<redacted>"

# Shapes of credentials common enough that a snippet holding one is a leak.
_SECRET_SHAPES = re.compile("|".join([
    r"(?s:-----BEGIN[A-Z ]*PRIVATE KEY( BLOCK)?-----.*?(-----END[A-Z ]*PRIVATE KEY( BLOCK)?-----|$))",
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
    r"\bgithub_pat_[A-Za-z0-9_]{40,}\b",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",
    r"\bsk_(?:live|test)_[A-Za-z0-9]{16,}\b",
    r"\bAIza[0-9A-Za-z_\-]{35}\b",
    r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b",
    r"(?i:\b(?:glpat|glptt)-[A-Za-z0-9_\-]{20,}\b)",
]))  # one alternation: one pass over each text


# A fixed part of each shape above: a text holding none of them cannot match.
_TOKENS = ("-----BEGIN", "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ghp_", "gho_", "ghu_",
           "ghs_", "ghr_", "github_pat_", "xox", "sk_live_", "sk_test_", "AIza", "eyJ")
_TOKENS_ANY_CASE = ("glpat-", "glptt-")


@overload
def mask_value(text: str, secret: str | None) -> str: ...
@overload
def mask_value(text: None, secret: str | None) -> None: ...
@overload
def mask_value(text: str | None, secret: str | None) -> str | None: ...
def mask_value(text: str | None, secret: str | None) -> str | None:
    """Replace every occurrence of ``secret`` in ``text`` with the mask."""
    if text is None or not secret:
        return text
    secret = secret.strip()
    if len(secret) < 4:
        # too short to search for safely; drop the whole text instead
        return MASK if secret and secret in text else text
    out = text.replace(secret, MASK)
    # multi-line secrets (private keys) may be reported line by line
    for line in secret.splitlines():
        line = line.strip()
        if len(line) >= 8:
            out = out.replace(line, MASK)
    return out


@overload
def scrub(text: str) -> str: ...
@overload
def scrub(text: None) -> None: ...
@overload
def scrub(text: str | None) -> str | None: ...
def scrub(text: str | None) -> str | None:
    """Mask well-known credential shapes in text whose secret we do not know."""
    if not text:
        return text
    if not any(token in text for token in _TOKENS) and not any(t in text.lower() for t in _TOKENS_ANY_CASE):
        return text  # none of the shapes' fixed parts: skip the regex (most snippets)
    return _SECRET_SHAPES.sub(MASK, text)


# CWE ids of "hard-coded credential" rules (bandit B105–B107, semgrep rules): their
# messages and flagged lines quote the credential itself.
CREDENTIAL_CWES = frozenset({"CWE-259", "CWE-798", "CWE-321", "CWE-547"})
_QUOTED = re.compile(r"""(?P<q>['"])(?P<body>(?:\\.|(?!(?P=q)).)+?)(?P=q)""")

# Rules that flag a hard-coded credential, known without a CWE (older bandit reports
# have none, other tools' SARIF rarely does): bandit's test ids, and words in a rule's
# id or name (semgrep `hardcoded-password`, CodeQL `py/hardcoded-credentials`, …).
CREDENTIAL_RULE_IDS = frozenset({"B105", "B106", "B107"})
_CREDENTIAL_WORDS = re.compile(r"(?i)hard[-_ ]?coded|passw(?:or)?d|secret|credential|api[-_ ]?key|private[-_ ]?key|"
                               r"access[-_ ]?key|auth[-_ ]?token|bearer")


def is_credential_rule(rule_id: str, title: str = "", identifiers: tuple[str, ...] = ()) -> bool:
    """Does this rule flag a hard-coded credential (whose literal its text would quote)?"""
    if CREDENTIAL_CWES.intersection(identifiers) or rule_id.upper() in CREDENTIAL_RULE_IDS:
        return True
    if CREDENTIAL_RULE_IDS.intersection(i.upper() for i in identifiers):
        return True
    rule_text, title_text = rule_id[:512], (title or "")[:512]
    if rule_text.isascii() and title_text.isascii():
        # every word of the pattern has one of these fixed parts; ASCII text holding none
        # cannot match (non-ASCII text may: ``(?i)`` folds "ſ" to "s", so it takes the regex)
        lowered = f"{rule_text}\n{title_text}".lower()
        if not any(part in lowered for part in _CREDENTIAL_PARTS):
            return False
    return bool(_CREDENTIAL_WORDS.search(rule_text) or _CREDENTIAL_WORDS.search(title_text))


_CREDENTIAL_PARTS = ("hard", "passw", "secret", "credential", "api", "private", "access", "auth", "bearer")


def mask_literals(text: str | None) -> str | None:
    """Mask every quoted string (short ones too: a 3-character password is still one):
    what a hard-coded-credential rule flags is a literal, and its message or line would
    otherwise print it."""
    if not text:
        return text
    return _QUOTED.sub(lambda m: m.group("q") + MASK + m.group("q"), text)
