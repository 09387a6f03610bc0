"""Ground truth for the vulnerability scanners, from tests/fixtures/advisories/EXPECTED.tsv."""

from __future__ import annotations

from collections import defaultdict

from support.safety import expected_rows


def pip_audit_expectation() -> dict[tuple[str, str], set[str]]:
    """(package, id) → ids, from EXPECTED.tsv, deduplicated the way pip-audit does
    (pip_audit/_audit.py): per dependency, PYSEC results first; a result of another
    database sharing any id or alias with one already kept is merged into it."""
    per_pin: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in expected_rows():
        per_pin[row["pin"]].append(row)
    kept: dict[tuple[str, str], set[str]] = {}
    for rows in per_pin.values():
        seen: set[str] = set()
        ordered = [r for r in rows if r["id"].startswith("PYSEC")] + \
                  [r for r in rows if not r["id"].startswith("PYSEC")]
        for row in ordered:
            ids = {row["id"], *filter(None, row["aliases"].split(","))}
            if not row["id"].startswith("PYSEC") and ids & seen:
                owner = next(k for k, v in kept.items() if k[0] == row["package"] and v & ids)
                kept[owner] |= ids
                continue
            seen |= ids
            kept[(row["package"], row["id"])] = ids
    return kept

