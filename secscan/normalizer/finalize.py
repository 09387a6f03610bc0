"""Stage 3: give parsed findings their fingerprints and a deterministic order.

Pure except for one optional read: when a code finding carries no snippet and the
scanned ``root`` is known, the flagged line is read from the file so the fingerprint
survives line shifts just as well as with a snippet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from secscan.findings import Category, Finding, evolve
from secscan.normalizer.fingerprint import FINGERPRINT_KEY, digest, normalize_package_name, normalize_text
from secscan.normalizer.redact import is_credential_rule, mask_literals, scrub
from secscan.safefile import read_text


def _flagged_text(f: Finding, root: Path | None, cache: dict[str, list[str] | None]) -> str:
    loc = f.location
    if loc and loc.snippet:
        return normalize_text(loc.snippet)
    if root is not None and loc and loc.start_line:
        lines = cache.get(loc.path, ...)
        if lines is ...:
            try:
                lines = read_text(root / loc.path).splitlines()
            except OSError:
                lines = None
            cache[loc.path] = lines
        if lines:
            end = loc.end_line or loc.start_line
            chunk = lines[loc.start_line - 1 : min(end, loc.start_line + 20)]
            if chunk:
                text = "\n".join(chunk)
                if is_credential_rule(f.rule_id, f.title, f.identifiers):
                    text = mask_literals(text) or ""
                return normalize_text(text)
    return normalize_text(f.fingerprint_hint or f.message)


def base_key(f: Finding, root: Path | None = None, cache: dict[str, list[str] | None] | None = None) -> tuple[str, ...]:
    """The identity of a finding before the occurrence index is added."""
    cache = {} if cache is None else cache
    path = f.path or ""
    if f.category is Category.DEPENDENCY and f.package is not None:
        return ("dep", f.tool, normalize_package_name(f.package.name), f.rule_id,
                f.package.manifest or path)
    if f.category is Category.SECRET:
        if f.secret_digest:
            return ("secret", f.tool, f.rule_id, path, f.secret_digest)
        # no key: never the line from the repository (it holds the secret), only the
        # adapter's masked text; same-rule secrets in one file differ by occurrence
        return ("secret", f.tool, f.rule_id, path, normalize_text(scrub(mask_literals(f.fingerprint_hint or f.message))))
    if f.category is Category.LICENSE:
        pkg = normalize_package_name(f.package.name) if f.package else ""
        return ("license", f.tool, f.rule_id, pkg, path)
    return ("code", f.tool, f.rule_id, path, _flagged_text(f, root, cache))


def _mask_credential(f: Finding) -> Finding:
    """A SAST finding of a hard-coded credential: mask quoted literals in its message
    and flagged line before anything (fingerprint included) uses them."""
    changes: dict[str, object] = {"message": mask_literals(f.message) or ""}
    if f.location is not None and f.location.snippet:
        changes["location"] = replace(f.location, snippet=mask_literals(f.location.snippet))
    else:
        # no snippet: fingerprint from the masked message, never from the raw line
        changes["fingerprint_hint"] = mask_literals(f.fingerprint_hint or f.message)
    return evolve(f, **changes)


def _shield_secret_lines(items: list[Finding]) -> list[Finding]:
    """A line where a secret scanner found a secret may be flagged by another tool too
    (bandit's ``verify=False`` on a line that also holds a token): that finding's snippet
    would print the secret.  Such findings lose their snippet and have quoted literals
    masked in their message (their fingerprint then comes from the line in the
    repository, hashed, when the root is known — the same text as the snippet)."""
    secret_lines: dict[str, set[int]] = {}
    for f in items:
        loc = f.location
        if f.category is Category.SECRET and loc is not None and loc.start_line:
            end = max(loc.end_line or loc.start_line, loc.start_line)
            secret_lines.setdefault(loc.path, set()).update(range(loc.start_line, min(end, loc.start_line + 200) + 1))
    if not secret_lines:
        return items
    out = []
    for f in items:
        loc = f.location
        lines = secret_lines.get(loc.path) if loc is not None and f.category is not Category.SECRET else None
        if lines and loc is not None and loc.start_line:
            end = max(loc.end_line or loc.start_line, loc.start_line)
            if any(n in lines for n in range(loc.start_line, end + 1)):
                f = evolve(f, location=replace(loc, snippet=None), message=mask_literals(f.message) or "")
        out.append(f)
    return out


def sort_key(f: Finding) -> tuple[str | int, ...]:
    """Where a finding sorts: tool, place, rule, package, message (ties: see total_order)."""
    loc = f.location
    pkg = f.package
    if loc is not None:
        where: tuple[str, int, int] = (loc.path, loc.start_line or 0, loc.start_column or 0)
    else:
        where = ("", 0, 0)
    return (f.tool, *where, f.rule_id, pkg.name.lower() if pkg else "", (pkg.version or "") if pkg else "",
            f.message)


def _tie_break(f: Finding) -> tuple[str, str]:
    return (f.fingerprint, repr(f))


def _sorted_with_ties(items: list[Finding]) -> tuple[list[Finding], list[tuple[int, int]]]:
    keyed = sorted(((sort_key(f), f) for f in items), key=lambda pair: pair[0])
    out = [f for _, f in keyed]
    ties = []
    i, n = 0, len(keyed)
    while i < n:
        j = i + 1
        while j < n and keyed[j][0] == keyed[i][0]:
            j += 1
        if j - i > 1:
            ties.append((i, j))
            out[i:j] = sorted(out[i:j], key=_tie_break)
        i = j
    return out, ties


def total_order(items: list[Finding]) -> list[Finding]:
    """The canonical order: :func:`sort_key`, then — for findings that tie on it, such
    as one issue in two reports of the same tool — fingerprint and full contents, so the
    input's order never shows in the output."""
    return _sorted_with_ties(items)[0]


OUTSIDE_KEY = "pathOutsideRepository"


def _mark_outside(f: Finding) -> Finding:
    """A path the scanner wrote as absolute, outside the scanned root: keep the path
    as written in ``properties`` and say so in the message, instead of letting the
    tail ("Users/me/app.py") pass for a file of the repository.  A URL (``http://…``,
    :class:`~secscan.normalizer.paths.NotAFile`) is kept the same way, at ".", under
    the same property: both say where the report put the result, outside the
    repository."""
    from secscan.normalizer.paths import is_not_a_file, outside_original

    assert f.location is not None
    original = outside_original(f.location.path)
    if original is None:
        return f
    if is_not_a_file(f.location.path):
        note = (f"[the report gives this location as {original}, which is not a file: "
                f"the result is placed at the repository root]")
    else:
        note = (f"[the report gives this file as {original}, outside the repository: "
                f"'{f.location.path}' is that path without its root, not a repository file]")
    return evolve(f, message=f"{f.message} {note}",
                  properties={**f.properties, OUTSIDE_KEY: original})


class Normalized(list[Finding]):
    """A list of findings that :func:`normalize` returned: fingerprinted and in the
    canonical order, so the SARIF writer need not sort 100,000 findings again."""


def normalize(findings: Iterable[Finding], root: str | Path | None = None) -> list[Finding]:
    """Fingerprint every finding (keeping one an earlier stage set), in the canonical
    order of :func:`total_order` — the same output whatever the input's order.

    Identical findings in one file (same tool, rule and flagged text) are told apart by
    an occurrence index in line order, as GitHub does for its own line hashes.
    """
    root_path = Path(root) if root is not None else None
    cache: dict[str, list[str] | None] = {}
    items, ties = _sorted_with_ties(_shield_secret_lines(list(findings)))
    groups: dict[tuple[str, ...], int] = defaultdict(int)
    out: list[Finding] = []
    for f in items:
        if f.category is not Category.SECRET and is_credential_rule(f.rule_id, f.title, f.identifiers):
            f = _mask_credential(f)
        if f.location is not None and OUTSIDE_KEY not in f.properties:
            f = _mark_outside(f)
        if f.fingerprint:
            out.append(f)
            continue
        key = base_key(f, root_path, cache)
        occurrence = groups[key]
        groups[key] += 1
        fp = digest(FINGERPRINT_KEY, *key, occurrence)
        changes: dict[str, object] = {"fingerprint": fp}
        if f.category is Category.SECRET and f.location and f.location.snippet:
            changes["location"] = replace(f.location, snippet=scrub(f.location.snippet))
        out.append(evolve(f, **changes))
    for i, j in ties:  # fingerprints are part of the tie-break: re-sort just those groups
        out[i:j] = sorted(out[i:j], key=_tie_break)
    return Normalized(out)
