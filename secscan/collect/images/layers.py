"""Which files a later layer of an image deleted: a secret ``rm``-ed in the next layer
is gone from the final filesystem but not from the image.

trivy reports a secret with the layer that added it, and says nothing about a later
deletion; a reader of the alert would think "we removed it". The image spec marks a
deletion with a whiteout file (``dir/.wh.NAME``, or ``dir/.wh..wh..opq`` for "everything
under dir"), so listing the member names of an archive's or OCI layout's layers tells,
for each path, the index of the layer that deleted it.  Only names are read (a streamed
pass over each layer tar); a layer that cannot be read (zstd, damaged) is skipped — this
only adds a fact to a finding, it never decides one.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from secscan.collect.images import ImageKind, ImageSpec

_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"


def _names(fileobj: IO[bytes]) -> Iterator[str]:
    with tarfile.open(fileobj=fileobj, mode="r|*") as tar:
        for member in tar:
            yield member.name


def _archive_layers(path: Path) -> Iterator[list[str]]:
    with tarfile.open(path, mode="r:*") as outer:
        manifest_member = outer.extractfile("manifest.json")
        if manifest_member is None:
            return
        manifest = json.loads(manifest_member.read())
        for layer in (manifest[0].get("Layers") or []) if manifest else []:
            member = outer.extractfile(str(layer))
            yield list(_names(member)) if member is not None else []


def _layout_layers(path: Path) -> Iterator[list[str]]:
    def blob(digest: str) -> Path:
        algo, _, hexd = digest.partition(":")
        return path / "blobs" / algo / hexd

    doc = json.loads((path / "index.json").read_text(encoding="utf-8"))
    for _ in range(4):  # an index may point at an index (multi-platform)
        manifests = doc.get("manifests") or []
        if not manifests:
            return
        doc = json.loads(blob(str(manifests[0]["digest"])).read_text(encoding="utf-8"))
        if "layers" in doc:
            break
    for layer in doc.get("layers") or []:
        with open(blob(str(layer["digest"])), "rb") as fh:
            yield list(_names(fh))


def deletions(spec: ImageSpec) -> dict[str, int]:
    """path inside the image (no leading ``/``) → index of the layer that deleted it (a
    deleted directory as ``dir/``); {} for a reference or an unreadable image."""
    if spec.path is None or spec.kind is ImageKind.REFERENCE:
        return {}
    layers = _archive_layers if spec.kind is ImageKind.ARCHIVE else _layout_layers
    out: dict[str, int] = {}
    try:
        for index, names in enumerate(layers(spec.path)):
            for name in names:
                parent, _, base = name.strip("/").lstrip("./").rpartition("/")
                if base == _OPAQUE:
                    out.setdefault(f"{parent}/", index)
                elif base.startswith(_WHITEOUT):
                    target = f"{parent}/{base[len(_WHITEOUT):]}" if parent else base[len(_WHITEOUT):]
                    out.setdefault(target, index)
                    out.setdefault(target + "/", index)
    except (OSError, tarfile.TarError, ValueError, KeyError, IndexError, TypeError):
        return out
    return out


def deleted_by(path: str, added: int | None, removed: dict[str, int]) -> int | None:
    """The index of a layer after ``added`` that deleted ``path`` (or a directory above it)."""
    path = path.strip("/")
    candidates = [path] + [path[: i + 1] for i, c in enumerate(path) if c == "/"]
    hits = [removed[c] for c in candidates if c in removed and (added is None or removed[c] > added)]
    return min(hits) if hits else None
