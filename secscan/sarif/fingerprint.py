"""secscan's fingerprint in a SARIF result, written and looked up in one place.

Why: GitHub and the baseline match a finding across nights by fingerprint; a
lookup that reads another key than the writer writes makes every finding "new"
(and resets its SLA clock).  secscan writes ``partialFingerprints`` with its own
versioned key and GitHub's ``primaryLocationLineHash`` (derived from the same
fingerprint, so GitHub does not compute one from the line that moves).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

FINGERPRINT_KEY: Final = "secscan/v1"
LINE_HASH_KEY: Final = "primaryLocationLineHash"
_SOURCES: Final = ("partialFingerprints", "fingerprints")


def _prints(result: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    value = result.get(where)
    return value if isinstance(value, dict) else {}


def partial_fingerprints(fingerprint: str) -> dict[str, str]:
    """A result's ``partialFingerprints`` for secscan's ``fingerprint``."""
    return {FINGERPRINT_KEY: fingerprint, LINE_HASH_KEY: f"{fingerprint[:16]}:1"}


def result_fingerprint(result: Mapping[str, Any]) -> object | None:
    """The secscan fingerprint of a result as stored (``partialFingerprints``, else
    ``fingerprints``), unchecked — each reader checks it as its boundary demands;
    None when the result has none (not secscan's)."""
    for where in _SOURCES:
        value: object = _prints(result, where).get(FINGERPRINT_KEY)
        if value:
            return value
    return None


def any_fingerprint(result: Mapping[str, Any]) -> str:
    """The fingerprint a person is shown: secscan's, else any key of secscan's, else
    the first any tool wrote (another tool's SARIF), else ``""``."""
    for where in _SOURCES:
        prints = _prints(result, where)
        for name in sorted(prints):
            if name.startswith("secscan"):
                return str(prints[name])
    prints = _prints(result, _SOURCES[0]) or _prints(result, _SOURCES[1])
    return str(prints[sorted(prints)[0]]) if prints else ""


def upload_key(result: Mapping[str, Any]) -> str | None:
    """What spreads a result over buckets when a log is split for upload: secscan's
    fingerprint, else GitHub's line hash; None when the result has neither."""
    value = result_fingerprint(result)
    if isinstance(value, str):
        return value
    line_hash = _prints(result, _SOURCES[0]).get(LINE_HASH_KEY)
    return line_hash if isinstance(line_hash, str) else None
