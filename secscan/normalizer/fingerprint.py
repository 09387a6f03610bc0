"""Stable fingerprints: the identity of a finding across runs.

GitHub matches alerts by ``partialFingerprints``; a fingerprint that moves when a line
moves duplicates alerts and resets every SLA clock, so none contains a line number:

- code (sast, misconfig): tool, rule, path, whitespace-normalized flagged text, and an
  occurrence index among identical ones in the same file;
- dependency: tool, normalized package name, vulnerability id, manifest path;
- secret: tool, rule, path and a keyed hash of the secret — never the secret;
- license: tool, package, licence.

The version prefix (``FINGERPRINT_KEY``) changes if the recipe ever does.
"""

from __future__ import annotations

import os
import re

from secscan.sarif.fingerprint import FINGERPRINT_KEY as FINGERPRINT_KEY  # the version prefix, as written

try:  # the builtin BLAKE2 module: hashlib would load OpenSSL (3.5 MB resident) for nothing
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

_WS = re.compile(r"\s+")
_NAME = re.compile(r"[-_.]+")


def normalize_text(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def normalize_package_name(name: str) -> str:
    """PEP 503 name normalization (``Flask_Login`` → ``flask-login``)."""
    return _NAME.sub("-", name).lower()


def secret_digest(secret: str, salt: str | None = None) -> str | None:
    """Keyed hash of a secret value, so two runs agree without storing the secret.

    BLAKE2b in keyed mode (a MAC by design, like HMAC), keyed with
    ``SECSCAN_FINGERPRINT_SALT``.  Without a key there is no digest (``None``): a digest
    under a public key lets anyone holding the SARIF test guesses of the secret, so the
    fingerprint then comes from the rule, the path and the masked text instead.
    """
    key_text = salt or os.environ.get("SECSCAN_FINGERPRINT_SALT")
    if not key_text:
        return None
    key = key_text.encode()[:64]
    return blake2b(secret.strip().encode("utf-8", "surrogatepass"), key=key, digest_size=16,
                   person=b"secscan-secret").hexdigest()


def digest(*parts: object) -> str:
    """A 256-bit hash of the parts (unambiguous: each part is terminated)."""
    text = "\x1f".join(["" if part is None else part if type(part) is str else format(part) for part in parts]) + "\x1f"
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32, person=b"secscan-fp-v1").hexdigest()
