"""Read the files where Python projects declare their dependencies: which packages
are pinned, at which version, and where.

pip-audit with ``--no-deps --disable-pip`` (the only offline, side-effect-free way to
run it) stops at the first unpinned requirement and writes no report — one loose
``pyenchant`` line in ``docs/requirements.txt`` would cost the whole audit — and fails
as a whole when one package is pinned at two versions.  So secscan reads the files
itself: pinned requirements (``name==version``) are audited, the rest are reported as
*not audited* with the reason, never as clean.

Files read (:data:`DEPENDENCY_FILES`): ``requirements*.txt`` with their ``-r``
includes and ``-c`` constraints (a constraint pins an unpinned requirement),
``pyproject.toml`` (``[project] dependencies``, ``optional-dependencies`` and PEP 735
``[dependency-groups]``), and the lockfiles ``uv.lock``, ``poetry.lock``,
``Pipfile.lock`` and ``pylock.toml`` (PEP 751).  A ``pyproject.toml`` next to a
lockfile is covered by the lockfile (the lock holds the versions its ranges resolved to).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.collect.dependency_files import is_lockfile
from secscan.normalizer.coverage import Unaudited
from secscan.normalizer.fingerprint import normalize_package_name
from secscan.safefile import read_text

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.version import Version

_COMMENT = re.compile(r"(^|\s)#.*$")
_HASH_OPTION = re.compile(r"\s--hash[=\s]\S+")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(\s*=\s*|\s+)(?P<file>\S+)")


@dataclass(frozen=True, slots=True)
class Loose:
    """An unpinned PyPI requirement, as pip reads it (``flask[async]>=2; python_version>"3"``):
    not audited as it stands, but pip-audit can resolve it to versions when the package
    index answers (then it is audited through what it resolved to)."""

    requirement: str
    item: Unaudited  # the not-audited entry it stays when it is not resolved


@dataclass
class Requirements:
    """Pinned requirements (name → version, and the file that pins it) and the lines
    that cannot be audited offline, with why."""

    pinned: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, version) → manifest
    not_audited: list[str] = field(default_factory=list)  # "name (why, in file)"
    unaudited: list[Unaudited] = field(default_factory=list)  # the same, structured
    files: list[str] = field(default_factory=list)  # every dependency file read, repo-relative
    loose: list[Loose] = field(default_factory=list)  # unpinned requirements pip could resolve

    def skip(self, name: str, version: str | None, reason: str, manifest: str | None) -> Unaudited:
        item = Unaudited(name, version, reason, manifest)
        self.unaudited.append(item)
        self.not_audited.append(item.describe())
        return item

    def unpinned(self, requirement: str, name: str, reason: str, manifest: str | None) -> None:
        """An unpinned requirement: not audited unless it is resolved (:class:`Loose`)."""
        self.loose.append(Loose(requirement, self.skip(name, None, reason, manifest)))

    def pin(self, name: str, version: str, manifest: str) -> None:
        key = (normalize_package_name(name), version)
        if not any((normalize_package_name(n), v) == key for n, v in self.pinned):
            self.pinned[(name, version)] = manifest

    def manifests(self) -> dict[str, str]:
        """normalized package name (and ``name==version``) → the first file that pins it."""
        out: dict[str, str] = {}
        for (name, version), manifest in sorted(self.pinned.items()):
            out.setdefault(normalize_package_name(name), manifest)
            out.setdefault(f"{normalize_package_name(name)}=={version}", manifest)
        return out

    def lines(self) -> list[str]:
        return [f"{name}=={version}" for name, version in sorted(self.pinned)]

    def layers(self) -> list[list[str]]:
        """The pins split into sets in which every package appears once (pip-audit
        refuses a package pinned twice): one package at two versions is two audited
        pins, in two runs, never one failed run."""
        out: list[list[str]] = []
        depth: dict[str, int] = {}
        for name, version in sorted(self.pinned, key=lambda p: (normalize_package_name(p[0]), _vkey(p[1]))):
            key = normalize_package_name(name)
            n = depth.get(key, 0)
            depth[key] = n + 1
            while len(out) <= n:
                out.append([])
            out[n].append(f"{name}=={version}")
        return [sorted(layer) for layer in out]


def _vkey(version: str) -> tuple[int, Version | str, str]:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, version, version)


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


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _exact(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def read_requirements(files: list[Path], root: Path, result: Requirements | None = None) -> Requirements:
    """Pinned and unpinned requirements of ``files`` (and the files they include
    with ``-r``; ``-c`` constraints pin what they name), paths relative to ``root``."""
    from packaging.requirements import InvalidRequirement, Requirement

    result = result if result is not None else Requirements()
    seen: set[Path] = set()
    queue = [(f.resolve(), False) for f in files]
    loose: list[tuple[str, str, str, str]] = []  # (name, specifier, file, line) waiting for constraints
    constraints: dict[str, str] = {}
    while queue:
        path, is_constraint = queue.pop(0)
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        rel = _rel(path, root)
        result.files.append(rel)
        try:
            text = read_text(path)
        except OSError as exc:
            result.skip(rel, None, f"unreadable: {exc.strerror or exc}", None)
            continue
        for line in _logical_lines(text):
            include = _INCLUDE.match(line)
            if include:
                constraint = include.group(1) in ("-c", "--constraint")
                queue.append(((path.parent / include.group("file")).resolve(), constraint))
                continue
            if line.startswith(("-e ", "--editable")):
                result.skip(line.split(None, 1)[-1], None, "editable install", rel)
                continue
            if line.startswith("-"):
                continue  # --index-url and other pip options
            line = _HASH_OPTION.sub("", line).strip()
            try:
                req = Requirement(line)
            except InvalidRequirement:
                result.skip(line.split()[0], None, "not a PyPI requirement", rel)
                continue
            if is_constraint:
                version = _exact(req)
                if version:
                    constraints.setdefault(normalize_package_name(req.name), version)
                continue  # a constraint alone installs nothing
            if req.url:
                result.skip(req.name, None, "installed from a URL", rel)
                continue
            version = _exact(req)
            if version:
                result.pin(req.name, version, rel)
            else:
                loose.append((req.name, str(req.specifier), rel, str(req)))
    for name, spec, rel, text in loose:
        pinned = constraints.get(normalize_package_name(name))
        if pinned:
            result.pin(name, pinned, rel)
        else:
            result.unpinned(text, name, f"unpinned: {spec or 'any version'}", rel)
    return result


def is_dependency_file(name: str, folder: str = "") -> bool:
    """A file :func:`read_dependencies` reads: requirements, pyproject, a lockfile
    (:mod:`secscan.collect.dependency_files` says which names)."""
    from secscan.collect.dependency_files import is_dependency_file as known

    return known(name, folder)


def _toml(path: Path, rel: str, result: Requirements) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        return tomllib.loads(read_text(path, errors="strict"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        result.skip(rel, None, f"unreadable: {exc}", None)
        return None


def _requirement_strings(items: object, rel: str, result: Requirements, where: str) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    for text in items if isinstance(items, list) else []:
        if not isinstance(text, str):
            continue  # PEP 735 {include-group = ...}: the included group is read itself
        try:
            req = Requirement(text)
        except InvalidRequirement:
            result.skip(text.split()[0] if text.split() else text, None, f"not a PyPI requirement ({where})", rel)
            continue
        version = _exact(req)
        if req.url:
            result.skip(req.name, None, f"installed from a URL ({where})", rel)
        elif version:
            result.pin(req.name, version, rel)
        else:
            result.unpinned(str(req), req.name, f"unpinned: {str(req.specifier) or 'any version'} ({where})", rel)


def _table(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _read_pyproject(doc: dict[str, Any], rel: str, result: Requirements) -> None:
    raw = doc.get("project")
    project: dict[str, Any] = raw if isinstance(raw, dict) else {}
    _requirement_strings(project.get("dependencies"), rel, result, "[project] dependencies")
    optional = project.get("optional-dependencies")
    for group, items in sorted(optional.items()) if isinstance(optional, dict) else []:
        _requirement_strings(items, rel, result, f"optional group {group}")
    groups = doc.get("dependency-groups")
    for group, items in sorted(groups.items()) if isinstance(groups, dict) else []:
        _requirement_strings(items, rel, result, f"dependency group {group}")
    tool = _table(doc, "tool")
    uv = _table(tool, "uv")
    _requirement_strings(uv.get("dev-dependencies"), rel, result, "[tool.uv] dev-dependencies")
    pdm = _table(tool, "pdm")
    pdm_dev = pdm.get("dev-dependencies")
    for group, items in sorted(pdm_dev.items()) if isinstance(pdm_dev, dict) else []:
        _requirement_strings(items, rel, result, f"[tool.pdm.dev-dependencies] {group}")
    poetry = _table(tool, "poetry")
    tables: list[tuple[str, object]] = [("[tool.poetry]", poetry.get("dependencies")), ("[tool.poetry]", poetry.get("dev-dependencies"))]
    groups_table = poetry.get("group")
    for group, table in sorted(groups_table.items()) if isinstance(groups_table, dict) else []:
        tables.append((f"[tool.poetry.group.{group}]", table.get("dependencies") if isinstance(table, dict) else None))
    for where, deps in tables:
        for name in sorted(deps) if isinstance(deps, dict) else []:
            if name.lower() != "python":
                result.skip(name, None, f"declared in {where} without a poetry.lock", rel)


def _read_uv_lock(doc: dict[str, Any], rel: str, result: Requirements) -> None:
    for pkg in doc.get("package") or []:
        if not isinstance(pkg, dict) or not pkg.get("name"):
            continue
        source = pkg.get("source") or {}
        if any(k in source for k in ("editable", "virtual", "directory")):
            continue  # the project itself (or a workspace member): its code, not a dependency
        if "path" in source:  # a wheel or sdist on disk: a third party's package pip-audit cannot look up
            result.skip(str(pkg["name"]), pkg.get("version"), "installed from a local file", rel)
            continue
        if "registry" not in source and source:
            result.skip(str(pkg["name"]), pkg.get("version"), f"installed from {next(iter(source))}", rel)
        elif pkg.get("version"):
            result.pin(str(pkg["name"]), str(pkg["version"]), rel)
        else:
            result.skip(str(pkg["name"]), None, "no version in the lockfile", rel)


def _read_pdm_lock(doc: dict[str, Any], rel: str, result: Requirements) -> None:
    """pdm's ``[[package]]`` tables: a local path, a VCS checkout or a URL is not a
    PyPI release (pip-audit cannot look it up): named as not audited."""
    for pkg in doc.get("package") or []:
        if not isinstance(pkg, dict) or not pkg.get("name"):
            continue
        where = next((k for k in ("path", "git", "url") if pkg.get(k)), None)
        if where == "path" and pkg.get("editable"):
            continue  # the project itself, installed editable
        if where:
            result.skip(str(pkg["name"]), pkg.get("version"), f"installed from {'a local path' if where == 'path' else where}",
                        rel)
        elif pkg.get("version"):
            result.pin(str(pkg["name"]), str(pkg["version"]), rel)
        else:
            result.skip(str(pkg["name"]), None, "no version in the lockfile", rel)


def _read_poetry_lock(doc: dict[str, Any], rel: str, result: Requirements) -> None:
    for pkg in doc.get("package") or []:
        if not isinstance(pkg, dict) or not pkg.get("name"):
            continue
        kind = str((pkg.get("source") or {}).get("type") or "")
        if kind in ("directory", "file"):
            result.skip(str(pkg["name"]), pkg.get("version"), f"a local {kind}", rel)
        elif kind in ("git", "url"):
            result.skip(str(pkg["name"]), pkg.get("version"), f"installed from {kind}", rel)
        elif pkg.get("version"):
            result.pin(str(pkg["name"]), str(pkg["version"]), rel)


def _read_pipfile_lock(doc: dict[str, Any], rel: str, result: Requirements) -> None:
    for section in ("default", "develop"):
        entries = doc.get(section)
        for name, entry in sorted(entries.items()) if isinstance(entries, dict) else []:
            version = str((entry or {}).get("version") or "") if isinstance(entry, dict) else ""
            if version.startswith("==") and "*" not in version:
                result.pin(name, version[2:], rel)
            else:
                where = next((k for k in ("git", "path", "file", "editable") if isinstance(entry, dict) and k in entry),
                             None)
                result.skip(name, None, f"installed from {where}" if where else "no pinned version", rel)


def _read_pylock(doc: dict[str, Any], rel: str, result: Requirements) -> None:
    for pkg in doc.get("packages") or []:
        if not isinstance(pkg, dict) or not pkg.get("name"):
            continue
        where = next((k for k in ("vcs", "directory", "archive") if k in pkg), None)
        if where == "directory":
            continue  # the project itself
        if where:
            result.skip(str(pkg["name"]), pkg.get("version"), f"installed from {where}", rel)
        elif pkg.get("version"):
            result.pin(str(pkg["name"]), str(pkg["version"]), rel)
        else:
            result.skip(str(pkg["name"]), None, "no version in the lockfile", rel)


def read_dependencies(files: list[Path], root: Path) -> Requirements:
    """Every dependency of ``files`` (any kind :func:`is_dependency_file` accepts).  A
    ``pyproject.toml`` with a lockfile in its folder is read through the lockfile."""
    import json

    result = Requirements()
    files = sorted({f.resolve() for f in files})
    locked = {f.parent for f in files if is_lockfile(f.name)}
    txt = [f for f in files if f.suffix.lower() in (".txt", ".in")]
    if txt:
        read_requirements(txt, root, result)
    readers = {"uv.lock": _read_uv_lock, "poetry.lock": _read_poetry_lock, "pdm.lock": _read_pdm_lock}
    for path in files:
        if path.suffix.lower() in (".txt", ".in") or not path.is_file():
            continue
        rel = _rel(path, root)
        if path.name == "pyproject.toml" and path.parent in locked:
            continue
        result.files.append(rel)
        if path.name == "Pipfile.lock":
            try:
                doc = json.loads(read_text(path, errors="strict"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                result.skip(rel, None, f"unreadable: {exc}", None)
                continue
            if isinstance(doc, dict):
                _read_pipfile_lock(doc, rel, result)
            continue
        doc = _toml(path, rel, result)
        if doc is None:
            continue
        if path.name == "pyproject.toml":
            _read_pyproject(doc, rel, result)
        elif path.name in readers:
            readers[path.name](doc, rel, result)
        else:
            _read_pylock(doc, rel, result)
    return result


MANIFESTS = ("pyproject.toml", "requirements.txt", "setup.cfg", "setup.py", "Pipfile", "Pipfile.lock", "poetry.lock")


def project_manifest(root: Path) -> str | None:
    """The file that declares the project's dependencies, where a finding about the
    installed environment (a licence) is best shown."""
    return next((name for name in MANIFESTS if (root / name).is_file()), None)
