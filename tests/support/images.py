"""Build small container images offline, byte for byte the same on every run.

Why: the tests must run the real trivy on a real image, and the machines that run them
have no Docker daemon and no registry.  An image is only files: this writes the two
on-disk forms trivy reads with ``trivy image --input``:

- a ``docker save`` archive (``manifest.json`` + config JSON + one tar per layer);
- an OCI image layout directory (``oci-layout``, ``index.json``, ``blobs/sha256/…``).

Each layer is a list of files (path → bytes) and deletions (written as the
``.wh.NAME`` whiteout files the image spec defines); the config carries ``history``
entries in the form BuildKit writes them (``RUN /bin/sh -c … # buildkit``), so a
finding's layer can be matched back to the Dockerfile instruction that made it.
Fixed mtimes and owners: the same layers give the same digests.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

EPOCH = 1767225600  # 2026-01-01T00:00:00Z: every file and layer has this mtime


@dataclass(frozen=True)
class Layer:
    """One layer: the files it adds, the paths it deletes, and the history line
    (``created_by``) the builder recorded for it."""

    created_by: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    deleted: Sequence[str] = ()


@dataclass(frozen=True)
class Image:
    layers: Sequence[Layer]
    # history entries that made no layer (ENV, USER, CMD …): (index among all history
    # entries, created_by)
    empty: Sequence[tuple[int, str]] = ()
    user: str = ""
    env: Sequence[str] = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)
    cmd: Sequence[str] = ("python3",)
    repo_tags: Sequence[str] = ()
    created: str = "2026-01-01T00:00:00Z"  # a rebuild changes it (and so the image digest)


def layer_tar(layer: Layer) -> bytes:
    """An uncompressed layer tar (directories first, sorted, fixed metadata)."""
    entries: dict[str, bytes | None] = {}
    for path, data in layer.files.items():
        entries[path.strip("/")] = data
    for path in layer.deleted:
        parent, _, name = path.strip("/").rpartition("/")
        entries[f"{parent}/.wh.{name}" if parent else f".wh.{name}"] = b""
    dirs = set()
    for path in entries:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in sorted(dirs):
            info = tarfile.TarInfo(d + "/")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, EPOCH
            tar.addfile(info)
        for path in sorted(entries):
            data = entries[path] or b""
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, EPOCH
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _config(image: Image, diff_ids: list[str]) -> bytes:
    history: list[dict[str, object]] = []
    empty = dict(image.empty)
    layers = iter(image.layers)
    total = len(image.layers) + len(image.empty)
    for i in range(total):
        if i in empty:
            history.append({"created": "2026-01-01T00:00:00Z", "created_by": empty[i], "empty_layer": True})
        else:
            history.append({"created": "2026-01-01T00:00:00Z", "created_by": next(layers).created_by})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": image.created,
        "config": {"User": image.user, "Env": list(image.env), "Cmd": list(image.cmd)},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    return json.dumps(config, sort_keys=True).encode()


def write_docker_archive(image: Image, dest: Path) -> Path:
    """A ``docker save`` tar at ``dest``."""
    tars = [layer_tar(layer) for layer in image.layers]
    diff_ids = [_sha(t) for t in tars]
    config = _config(image, diff_ids)
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_names = [f"{d.split(':', 1)[1]}/layer.tar" for d in diff_ids]
    manifest = [{"Config": config_name, "RepoTags": list(image.repo_tags) or None, "Layers": layer_names}]
    members: list[tuple[str, bytes]] = [(config_name, config)]
    members += list(zip(layer_names, tars))
    members.append(("manifest.json", json.dumps(manifest).encode()))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(dest, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, EPOCH
            tar.addfile(info, io.BytesIO(data))
    return dest


def write_oci_layout(image: Image, dest: Path, ref_name: str | None = None) -> Path:
    """An OCI image layout directory at ``dest`` (layers gzip-compressed, as registries
    serve them)."""
    blobs = dest / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def put(data: bytes) -> str:
        digest = _sha(data)
        (blobs / digest.split(":", 1)[1]).write_bytes(data)
        return digest

    tars = [layer_tar(layer) for layer in image.layers]
    diff_ids = [_sha(t) for t in tars]
    layer_descs = []
    for t in tars:
        gz = gzip.compress(t, mtime=0)
        layer_descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(gz),
                            "size": len(gz)})
    config = _config(image, diff_ids)
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config),
                   "size": len(config)},
        "layers": layer_descs,
    }, sort_keys=True).encode()
    desc: dict[str, object] = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(manifest),
                               "size": len(manifest)}
    if ref_name:
        desc["annotations"] = {"org.opencontainers.image.ref.name": ref_name}
    (dest / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (dest / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [desc]}, sort_keys=True))
    return dest


# --- the sample image of the tests ---------------------------------------------------

OS_RELEASE = b"""PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""

# (package, version, source, licence of its copyright file)
DEB_PACKAGES = (
    ("bash", "5.2.15-2+b2", "bash", "GPL-3+"),
    ("libc6", "2.36-9+deb12u4", "glibc", "LGPL-2.1+"),
    ("coreutils", "9.1-1", "coreutils", "GPL-3+"),
    ("zlib1g", "1:1.2.13.dfsg-1", "zlib", "Zlib"),
)


def dpkg_status() -> bytes:
    blocks = []
    for name, version, source, _lic in DEB_PACKAGES:
        blocks.append(f"Package: {name}\nStatus: install ok installed\nPriority: required\nSection: base\n"
                      f"Installed-Size: 100\nMaintainer: Debian <debian@example.invalid>\nArchitecture: amd64\n"
                      f"Source: {source}\nVersion: {version}\nDescription: {name}\n")
    return "\n".join(blocks).encode()


def copyright_file(licence: str) -> bytes:
    return (f"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
            f"Files: *\nCopyright: someone\nLicense: {licence}\n").encode()


SITE_PACKAGES = "usr/local/lib/python3.11/site-packages"


def dist_info(name: str, version: str, licence: str = "Apache 2.0") -> dict[str, bytes]:
    meta = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {name}\n"
            f"License: {licence}\n").encode()
    base = f"{SITE_PACKAGES}/{name}-{version}.dist-info"
    return {f"{base}/METADATA": meta, f"{base}/RECORD": b"", f"{base}/INSTALLER": b"pip\n"}


def fake_token() -> str:
    """A GitHub personal access token shape, made at run time (no token in this file)."""
    return "ghp_" + "".join("ZQ8tRk2LmN4pXv7wYb3cHd9sFg6jKe5aTu1o"[i] for i in range(36))


def sample_image(*, requests_version: str = "2.19.0", repo_tags: Sequence[str] = ("app:1.0",),
                 extra: Mapping[str, bytes] | None = None, created: str = "2026-01-01T00:00:00Z") -> Image:
    """A Debian-like image: base OS files, then the app's dependencies, a secret added
    in one layer and deleted in the next, running as root.  The history is what
    BuildKit records for :data:`SAMPLE_DOCKERFILE`."""
    base = {"etc/os-release": OS_RELEASE, "etc/debian_version": b"12.5\n", "var/lib/dpkg/status": dpkg_status()}
    for name, _v, _s, lic in DEB_PACKAGES:
        base[f"usr/share/doc/{name}/copyright"] = copyright_file(lic)
    deps = dist_info("requests", requests_version)
    token_file = {"app/deploy.env": f"GITHUB_TOKEN={fake_token()}\n".encode()}
    app = {"app/main.py": b"print('hello')\n", **(extra or {})}
    layers = [
        Layer("/bin/sh -c #(nop) ADD file:5d3d8a1e2f0b4c6a7e9f1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6 in / ",
              base),
        Layer("RUN /bin/sh -c pip install --no-cache-dir requests==" + requests_version + " # buildkit", deps),
        Layer("COPY deploy.env /app/deploy.env # buildkit", token_file),
        Layer("RUN /bin/sh -c rm /app/deploy.env # buildkit", {}, deleted=("app/deploy.env",)),
        Layer("COPY app/ /app/ # buildkit", app),
    ]
    empty = [(1, '/bin/sh -c #(nop)  CMD ["bash"]'), (2, "WORKDIR /app"), (7, 'CMD ["python3", "/app/main.py"]')]
    return Image(layers=layers, empty=empty, repo_tags=repo_tags, cmd=("python3", "/app/main.py"), created=created)


SAMPLE_DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM debian:bookworm-slim

WORKDIR /app
RUN pip install --no-cache-dir requests==2.19.0
COPY deploy.env /app/deploy.env
RUN rm /app/deploy.env
COPY app/ /app/
CMD ["python3", "/app/main.py"]
"""
