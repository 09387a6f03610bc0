"""Container images in ``secscan run``: what ships, not only the repository.

An image is given as a registry or local daemon reference (``ghcr.io/org/app:1.2``),
a ``docker save`` archive, or an OCI image layout directory.  Each image gets a
*name* — the reference without tag and digest, or the archive's file name — and that
name, never a digest or a tag, is what its SARIF category and its findings'
fingerprints are made of: rebuilding the same contents under a new tag or digest
changes neither, so GitHub keeps the same alerts.

This module is light (no subprocess, no parsing); :mod:`secscan.collect.images.run` scans.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.errors import ConfigError
from secscan.sarif.keys import category_base

# what a reference may look like: [registry[:port]/]path[:tag][@algo:digest]
_REFERENCE = re.compile(r"^[a-z0-9][a-z0-9._-]*(?::\d+)?(?:/[a-z0-9][a-z0-9._-]*)*(?::[\w][\w.-]{0,127})?"
                        r"(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$")
_NAME_PREFIX = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._/-]*)=(?P<ref>.+)$")
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


class ImageKind(str, enum.Enum):
    ARCHIVE = "archive"  # docker save / OCI archive tar: trivy image --input
    LAYOUT = "oci-layout"  # OCI image layout directory: trivy image --input
    REFERENCE = "reference"  # registry or local daemon: trivy image REF

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.value


@dataclass(frozen=True)
class ImageSpec:
    """One image to scan."""

    ref: str  # as the user gave it
    kind: ImageKind
    name: str  # the stable name: category, fingerprints, properties
    path: Path | None = None  # absolute path of an archive or layout
    dockerfile: Path | None = None  # named by the user (else found in the repository)

    @property
    def slug(self) -> str:
        return _SLUG.sub("-", self.name).strip("-") or "image"


def _stem(path: Path) -> str:
    name = path.name
    for suffix in _ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def reference_name(ref: str) -> str:
    """``ghcr.io/org/app:1.2@sha256:…`` → ``ghcr.io/org/app``."""
    base = ref.split("@", 1)[0]
    head, sep, tail = base.rpartition(":")
    if sep and "/" not in tail:
        base = head
    return base


def image_spec(text: str, *, base: Path, name: str | None = None, dockerfile: str | Path | None = None,
               where: str = "--image") -> ImageSpec:
    """Read one ``--image`` value (``REF``, ``PATH`` or ``NAME=REF``); paths are relative
    to ``base``.  A value that is none of these is a one-line error."""
    value = str(text).strip()
    if not value:
        raise ConfigError(f"{where}: empty image reference")
    named = _NAME_PREFIX.match(value)
    if named and name is None and ("/" not in named.group("name") or not Path(value).exists()):
        name, value = named.group("name"), named.group("ref").strip()
    df = (base / dockerfile) if dockerfile and not Path(dockerfile).is_absolute() else (
        Path(dockerfile) if dockerfile else None)
    if df is not None and not df.is_file():
        raise ConfigError(f"{where}: Dockerfile {dockerfile} not found")
    path = Path(value) if Path(value).is_absolute() else base / value
    # "app" is a reference even beside a source directory "app/"; "./app" is the directory
    looks_like_path = value.startswith((".", "/", "~")) or value.lower().endswith(_ARCHIVE_SUFFIXES) or (
        path.exists() and not _REFERENCE.match(value))
    if path.is_dir() and (looks_like_path or (path / "oci-layout").exists()):
        if not ((path / "oci-layout").is_file() and (path / "index.json").is_file()):
            raise ConfigError(f"{where}: {value} is a directory but not an OCI image layout "
                              "(no oci-layout and index.json in it)")
        return ImageSpec(value, ImageKind.LAYOUT, name or path.resolve().name, path.resolve(), df)
    if path.is_file():
        return ImageSpec(value, ImageKind.ARCHIVE, name or _stem(path), path.resolve(), df)
    if looks_like_path:
        raise ConfigError(f"{where}: image archive {value} not found")
    if not _REFERENCE.match(value):
        raise ConfigError(f"{where}: {value!r} is neither an image archive, an OCI layout directory nor an "
                          "image reference (registry/name:tag)")
    return ImageSpec(value, ImageKind.REFERENCE, name or reference_name(value), None, df)


def specs_from_config(items: Iterable[Any], base: Path, where: str) -> list[ImageSpec]:
    """``images:`` of secscan.yml: each a string, or ``{ref, name, dockerfile}``."""
    out = []
    for i, item in enumerate(items):
        at = f"{where}: images[{i}]"
        if isinstance(item, str):
            out.append(image_spec(item, base=base, where=at))
        elif isinstance(item, Mapping):
            unknown = set(item) - {"ref", "name", "dockerfile"}
            if unknown:
                raise ConfigError(f"{at}: unknown key {sorted(unknown)[0]!r}; known: ref, name, dockerfile")
            if not isinstance(item.get("ref"), str):
                raise ConfigError(f"{at}: ref (an image reference, archive or OCI layout) is required")
            name = item.get("name")
            if name is not None and not isinstance(name, str):
                raise ConfigError(f"{at}: name must be a string")
            out.append(image_spec(item["ref"], base=base, name=name, dockerfile=item.get("dockerfile"), where=at))
        else:
            raise ConfigError(f"{at}: must be a string or a mapping with ref/name/dockerfile")
    return unique_names(out, where)


def unique_names(specs: list[ImageSpec], where: str = "--image") -> list[ImageSpec]:
    """Two images under one name would share a SARIF category: GitHub would close the
    alerts of one with every upload of the other."""
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.slug in seen:
            raise ConfigError(f"{where}: images {seen[spec.slug]} and {spec.ref} have the same name "
                              f"{spec.name!r}; give one another name (NAME=REF)")
        seen[spec.slug] = spec.ref
    return specs


def run_key(tool: str, image: str) -> str:
    """The key of one tool's run on one image in ``ScanResult.runs`` (not a tool name:
    the policy's ``scanners.required`` names the repository's scanners)."""
    return f"image {image}/{tool}"


def category(tool: str, image: str) -> str:
    """The SARIF ``automationDetails.id`` of a tool's findings in one image."""
    return f"{category_base(tool)}image/{_SLUG.sub('-', image).strip('-') or 'image'}/"


def image_of(properties: Mapping[str, object] | None) -> str | None:
    value = (properties or {}).get("image")
    return str(value) if value else None


def finding_run_key(tool: str, properties: Mapping[str, object] | None) -> str:
    """The run a finding belongs to: its image's run of its tool, or its tool's."""
    image = image_of(properties)
    return run_key(tool, image) if image else tool
