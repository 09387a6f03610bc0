"""Read pip requirement files: which packages are pinned, and where.

pip-audit with ``--no-deps --disable-pip`` (the only offline, side-effect-free way to
run it) stops at the first unpinned requirement and writes no report — one loose
``pyenchant`` line in ``docs/requirements.txt`` would cost the whole audit.  So secscan
reads the files itself: pinned requirements (``name==version``) are audited, the rest
are reported as *not audited* with the reason, never as clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .fingerprint import normalize_package_name

_COMMENT = re.compile(r"(^|\s)#.*$")
_HASH_OPTION = re.compile(r"\s--hash[=\s]\S+")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(\s*=\s*|\s+)(?P<file>\S+)")


@dataclass
class Requirements:
    """Pinned requirements (name → version, and the file that pins it) and the lines
    that cannot be audited offline, with why."""

    pinned: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, version) → manifest
    not_audited: list[str] = field(default_factory=list)  # "name (why, in file)"

    def manifests(self) -> dict[str, str]:
        """normalized package name → the first file that pins it."""
        out: dict[str, str] = {}
        for (name, _version), manifest in sorted(self.pinned.items()):
            out.setdefault(normalize_package_name(name), manifest)
        return out

    def lines(self) -> list[str]:
        return [f"{name}=={version}" for name, version in sorted(self.pinned)]


def _logical_lines(text: str) -> list[str]:
    """Join backslash continuations, drop comments and blank lines."""
    out: list[str] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        line = _COMMENT.sub("", buffer + line).strip()
        buffer = ""
        if line:
            out.append(line)
    return out


def read_requirements(files: list[Path], root: Path) -> Requirements:
    """Pinned and unpinned requirements of ``files`` (and the files they include
    with ``-r``), paths reported relative to ``root``."""
    from packaging.requirements import InvalidRequirement, Requirement

    result = Requirements()
    seen: set[Path] = set()
    queue = [f.resolve() for f in files]
    while queue:
        path = queue.pop(0)
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            rel = path.relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = path.name
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            result.not_audited.append(f"{rel} (unreadable: {exc.strerror or exc})")
            continue
        for line in _logical_lines(text):
            include = _INCLUDE.match(line)
            if include:
                if include.group(1) in ("-r", "--requirement"):
                    queue.append((path.parent / include.group("file")).resolve())
                continue  # constraints files pin nothing by themselves
            if line.startswith("-e ") or line.startswith("--editable"):
                result.not_audited.append(f"{line.split(None, 1)[-1]} (editable install, in {rel})")
                continue
            if line.startswith("-"):
                continue  # --index-url and other pip options
            line = _HASH_OPTION.sub("", line).strip()
            try:
                req = Requirement(line)
            except InvalidRequirement:
                result.not_audited.append(f"{line.split()[0]} (not a PyPI requirement, in {rel})")
                continue
            if req.url:
                result.not_audited.append(f"{req.name} (installed from a URL, in {rel})")
                continue
            specs = list(req.specifier)
            if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
                result.pinned.setdefault((req.name, specs[0].version), rel)
            else:
                result.not_audited.append(f"{req.name} (unpinned: {str(req.specifier) or 'any version'}, in {rel})")
    return result


MANIFESTS = ("pyproject.toml", "requirements.txt", "setup.cfg", "setup.py", "Pipfile", "Pipfile.lock", "poetry.lock")


def project_manifest(root: Path) -> str | None:
    """The file that declares the project's dependencies, where a finding about the
    installed environment (a licence) is best shown."""
    return next((name for name in MANIFESTS if (root / name).is_file()), None)
