"""Scan one container image: ``trivy image``, then the same dependency audit as the
project's for the image's Python packages, with every finding placed on the Dockerfile.

1. ``trivy image`` (``--input`` for an archive or an OCI layout) with the scanners the
   repository's trivy run gets — vuln only with a local database (``trivy.cache_dir``)
   or online, else the run says the image's packages were NOT checked for
   vulnerabilities — plus ``--image-config-scanners misconfig,secret`` (a root user,
   a secret in an ``ENV``) and the full package inventory (``--list-all-pkgs``).
2. The image's Python packages (trivy's inventory: ``Results[].Packages`` of the
   ``python-pkg`` results) are pinned into a requirements file and audited by
   pip-audit exactly as the project's are (``pip-audit.osv_url``), so a runner with
   an OSV mirror audits them without trivy's database.
3. Each finding points at the Dockerfile (:mod:`secscan.collect.images.dockerfile`): the line
   that added its layer, the ``FROM`` line for the base image; it keeps the image
   name, the path inside the image and the layer (diff id and the instruction text)
   in ``properties``; its fingerprint is made of the image *name*, the rule, the
   package and the path inside the image — no digest, no tag, no line number.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.collect.images import ImageKind, ImageSpec, run_key
from secscan.collect.images.dockerfile import (
    Dockerfile,
    LayerMap,
    Placement,
    find_dockerfile,
    history,
    map_layers,
    read_dockerfile,
)
from secscan.findings import Category, Finding, LicenseRecord, Location, Notification, RawReport

if TYPE_CHECKING:
    from secscan.collect.scan import ScannerRun

LICENSE_SCOPE_OS = "image-os"
LICENSE_SCOPE_PACKAGES = "image-packages"
_PYTHON_TYPES = frozenset({"python-pkg", "pip", "pipenv", "poetry", "uv", "conda-pkg"})


@dataclass
class _Inventory:
    """What trivy listed in the image, read before the parser consumes the report."""

    config: dict[str, Any] = field(default_factory=dict)
    repo_tags: list[str] = field(default_factory=list)
    os_name: str = ""
    os_packages: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # name → (version, layer)
    # (name, version) → (layer diff id, FilePath)
    python: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)
    other: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # name → (layer, FilePath)

    def layer_of(self, name: str, version: str | None = None) -> tuple[str | None, str | None]:
        from secscan.normalizer.fingerprint import normalize_package_name

        key = normalize_package_name(name)
        for (n, v), where in self.python.items():
            if normalize_package_name(n) == key and (version is None or v == version):
                return where
        if name in self.os_packages:
            return self.os_packages[name][1], "var/lib/dpkg/status" if self.os_name.startswith("debian") else None
        return self.other.get(name, (None, None))


def _inventory(doc: Any) -> _Inventory:
    inv = _Inventory()
    if not isinstance(doc, dict):
        return inv
    meta: dict[str, Any] = doc["Metadata"] if isinstance(doc.get("Metadata"), dict) else {}
    inv.config = meta["ImageConfig"] if isinstance(meta.get("ImageConfig"), dict) else {}
    inv.repo_tags = [str(t) for t in meta.get("RepoTags") or [] if t]
    osinfo: dict[str, Any] = meta["OS"] if isinstance(meta.get("OS"), dict) else {}
    inv.os_name = f"{osinfo.get('Family') or ''} {osinfo.get('Name') or ''}".strip()
    for result in doc.get("Results") or []:
        if not isinstance(result, dict):
            continue
        cls, kind = str(result.get("Class") or ""), str(result.get("Type") or "")
        for pkg in result.get("Packages") or []:
            if not isinstance(pkg, dict) or not pkg.get("Name"):
                continue
            layer = (pkg.get("Layer") or {}).get("DiffID") if isinstance(pkg.get("Layer"), dict) else None
            name, version = str(pkg["Name"]), str(pkg.get("Version") or "") or None
            if cls == "os-pkgs":
                inv.os_packages.setdefault(name, (version, layer))
            elif kind in _PYTHON_TYPES and version:
                inv.python.setdefault((name, version), (layer, pkg.get("FilePath")))
            else:
                inv.other.setdefault(name, (layer, pkg.get("FilePath")))
    return inv


def _site_dir(path: str | None) -> str | None:
    """``…/site-packages/requests-2.19.0.dist-info/METADATA`` → ``…/site-packages``: the
    place a package is installed in, without its version (a fingerprint part)."""
    if not path:
        return None
    parts = path.strip("/").split("/")
    for i, part in enumerate(parts):
        if part.endswith((".dist-info", ".egg-info")):
            return "/".join(parts[:i]) or None
    return "/".join(parts[:-1]) or None


# --- the trivy run ---------------------------------------------------------------------


def plan_trivy_image(spec: ImageSpec, ctx: Any, exe: list[str]) -> Any:
    """``trivy image`` for one image, with the offline flags of the repository's run."""
    from secscan.collect.runner import Plan
    from secscan.scanners import trivy

    chosen, notes = trivy.scanners(ctx)
    report = ctx.workdir / "trivy-image.json"
    cache = trivy._vuln_cache(ctx) or (ctx.workdir / "cache")
    argv = exe + ["image", "--scanners", ",".join(chosen), "--image-config-scanners", "misconfig,secret"]
    if ctx.offline:
        argv += list(trivy._OFFLINE_FLAGS)
    argv += ["--skip-version-check", "--disable-telemetry", "--no-progress", "--format", "json", "--list-all-pkgs",
             "--output", str(report), "--cache-dir", str(cache), "--timeout", f"{max(int(ctx.timeout), 1)}s"]
    # the repository's trivy.yaml and .trivyignore as for `trivy fs` (trivy runs from the target)
    settings, ignores, more_notes = trivy._repository_settings(ctx)
    argv += settings + ignores + ["--show-suppressed"]
    argv += ["--input", str(spec.path)] if spec.kind is not ImageKind.REFERENCE else [spec.ref]
    return Plan(argv=argv, report_path=report, report_format="json", notes=tuple(notes + more_notes))


def scan_image(spec: ImageSpec, root: Path, *, timeout: float = 600.0,
               options: Mapping[str, Mapping[str, Any]] | None = None, offline: bool = True,
               progress: Callable[[str, str], None] | None = None) -> list[ScannerRun]:
    """Scan ``spec``: the trivy run and, when the image has Python packages, the
    pip-audit run of them (two :class:`~secscan.collect.scan.ScannerRun`, never raising)."""
    from secscan.collect.scan import FAILED, ScannerRun

    options = options or {}
    key = run_key("trivy", spec.name)
    try:
        dockerfile = _dockerfile(spec, root)
    except Exception as exc:
        return [ScannerRun(tool=key, status=FAILED, required=True, reason=str(exc), image=spec.name)]
    if progress:
        progress(key, "start")
    trivy_run, inventory = _run_trivy(spec, root, dockerfile, timeout, dict(options.get("trivy", {})), offline)
    if progress:
        progress(key, trivy_run.line())
    runs = [trivy_run]
    if trivy_run.status == "ok" and inventory is not None:
        runs.append(_audit_python(spec, root, dockerfile, inventory, timeout, options, offline, progress))
    return runs


def _dockerfile(spec: ImageSpec, root: Path) -> Dockerfile | None:
    from secscan.normalizer.paths import relativize

    path = spec.dockerfile or find_dockerfile(root, spec.name)
    if path is None:
        return None
    rel = relativize(str(path.resolve()), str(root)) or path.name
    return read_dockerfile(path, rel)


def _run_trivy(spec: ImageSpec, root: Path, dockerfile: Dockerfile | None, timeout: float,
               options: dict[str, Any], offline: bool) -> tuple[Any, _Inventory | None]:
    from secscan.collect.runner import RunContext
    from secscan.collect.scan import FAILED, MISSING, OK, ScannerRun, _execute, _now, _redact_argv
    from secscan.errors import ReportError
    from secscan.scanners import trivy

    key = run_key("trivy", spec.name)
    result = ScannerRun(tool=key, status=FAILED, required=True, image=spec.name)
    options = {k: v for k, v in options.items() if k not in ("enabled", "timeout")}  # the orchestrator's
    with tempfile.TemporaryDirectory(prefix="secscan-trivy-image-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o700)
        ctx = RunContext(target=root, workdir=workdir, timeout=timeout, options=options, env=dict(os.environ),
                         offline=offline)
        exe = trivy.executable(ctx)
        if not exe:
            result.status, result.reason = MISSING, "trivy is not installed (see docs/scanners.md)"
            return result, None
        result.version = trivy.version(ctx, exe)
        plan = plan_trivy_image(spec, ctx, exe)
        result.command_line = _redact_argv(plan.argv)
        t0 = time.monotonic()
        outcome = _execute(plan, ctx)
        result.seconds = time.monotonic() - t0
        result.started, result.ended, result.exit_code = outcome.started or _now(), outcome.ended, outcome.returncode
        if outcome.timed_out:
            result.reason = f"timed out after {timeout:g}s (raise --timeout)"
            return result, None
        problem = trivy.check(ctx, plan, outcome)
        if problem:
            result.reason = f"image {spec.ref}: {problem}"
            return result, None
        raw = RawReport(outcome.report or b"", f"<trivy image {spec.name}>", tool="trivy", format="json")
        try:
            parsed, inventory = read_image_report(raw, spec, dockerfile)
        except ReportError as exc:
            result.reason = f"unreadable report: {exc.problem}"
            return result, None
    parsed.tool_version = parsed.tool_version or result.version
    parsed.notifications.extend(Notification(level="note", message=n) for n in plan.notes)
    if "vuln" not in plan.argv[plan.argv.index("--scanners") + 1].split(","):
        counts = []
        if inventory.os_packages:
            counts.append(f"{len(inventory.os_packages)} OS packages ({inventory.os_name or 'unknown OS'})")
        if inventory.other:
            counts.append(f"{len(inventory.other)} other packages")
        if counts:
            what = " and ".join(counts)
            # one entry per package, as for the project's unaudited requirements
            for name, (version, _layer) in sorted(inventory.os_packages.items()):
                parsed.not_audited.append(f"{name} {version or ''} (image {spec.name}: OS package, no trivy "
                                          "vulnerability database)".replace("  ", " "))
            for name in sorted(inventory.other):
                parsed.not_audited.append(f"{name} (image {spec.name}: no trivy vulnerability database)")
            parsed.notifications.append(Notification(
                level="warning", rule_id="not-audited",
                message=f"image {spec.name}: {what} were NOT checked for vulnerabilities: trivy has no "
                        "vulnerability database (set the trivy option cache_dir, or allow network access)"))
    if dockerfile is None:
        parsed.notifications.append(Notification(
            level="note", message=f"image {spec.name}: no Dockerfile to place its findings on "
                                  "(name it with --dockerfile); they point at the repository root"))
    result.report = parsed
    result.status = OK
    return result, inventory


def read_image_report(raw: RawReport, spec: ImageSpec, dockerfile: Dockerfile | None) -> tuple[Any, _Inventory]:
    """A ``trivy image --format json`` report → its findings placed on ``dockerfile``
    (pure but for reading the archive's whiteouts; see :func:`place_findings`)."""
    from secscan.scanners import trivy

    inventory = _inventory(raw.document())  # before parse(), which consumes the document
    from secscan.parse.values import check_report

    parsed = check_report(trivy.parse(raw, "json"))  # the boundary checks of every report
    layers = map_layers(history(inventory.config), dockerfile)
    parsed.findings = _mark_deleted(place_findings(parsed.findings, spec, layers, inventory), spec, inventory)
    versioned = {(r.package, r.license) for r in parsed.licenses if r.version}
    parsed.licenses = [_scoped(rec, inventory, dockerfile) for rec in parsed.licenses
                       if rec.version or (rec.package, rec.license) not in versioned]
    return parsed, inventory


def _scoped(rec: LicenseRecord, inventory: _Inventory, dockerfile: Dockerfile | None) -> LicenseRecord:
    """An image's licence record: OS package or not (``licenses.scope``), shown on the
    Dockerfile rather than at a path inside the image."""
    scope = LICENSE_SCOPE_OS if rec.package in inventory.os_packages else LICENSE_SCOPE_PACKAGES
    return replace(rec, scope=scope, path=dockerfile.path if dockerfile else None)


# --- placing findings on the Dockerfile --------------------------------------------------


def _path_in_image(f: Finding, inventory: _Inventory) -> str | None:
    props = f.properties or {}
    if f.category is Category.SECRET:
        return str(props.get("target") or "").lstrip("/") or None
    if f.package is not None:
        pkg_path = props.get("pkg_path")
        if pkg_path:
            return str(pkg_path)
        return inventory.layer_of(f.package.name, f.package.version)[1]
    return None


def _layer(f: Finding, inventory: _Inventory) -> str | None:
    layer = (f.properties or {}).get("layer")
    if layer:
        return str(layer)
    if f.package is not None:
        return inventory.layer_of(f.package.name, f.package.version)[0]
    return None


def place_findings(findings: list[Finding], spec: ImageSpec, layers: LayerMap,
                   inventory: _Inventory) -> list[Finding]:
    """Image findings on the Dockerfile, with the image, path and layer in properties
    and a fingerprint of what does not change on a rebuild of the same contents."""
    from secscan.normalizer.fingerprint import FINGERPRINT_KEY, digest, normalize_package_name
    from secscan.normalizer.redact import scrub

    out: list[Finding] = []
    occurrences: dict[tuple[str, ...], int] = defaultdict(int)
    df = layers.dockerfile
    for f in findings:
        props: dict[str, object] = {k: v for k, v in (f.properties or {}).items() if k != "target"}
        props["image"] = spec.name
        props["image_ref"] = scrub(spec.ref) or spec.ref
        inner = _path_in_image(f, inventory)
        if inner:
            props["path_in_image"] = inner
        diff_id = _layer(f, inventory)
        if f.category is Category.MISCONFIG and not diff_id:
            ins, placement, created_by = layers.config_line(f.rule_id), Placement.IMAGE_CONFIG, None
        else:
            ins, placement, created_by = layers.place(diff_id)
        if diff_id:
            props["layer"] = diff_id
        if created_by:
            props["layer_created_by"] = scrub(created_by) or ""
        props["placement"] = placement.value
        if f.category is Category.LICENSE:
            in_os = (f.package is not None and f.package.name in inventory.os_packages) or \
                str((f.properties or {}).get("target") or "") == "OS Packages"
            props["license_scope"] = LICENSE_SCOPE_OS if in_os else LICENSE_SCOPE_PACKAGES
        location = None
        if df is not None and ins is not None:
            snippet = None if f.category is Category.SECRET else scrub(ins.content)
            location = Location(path=df.path, start_line=ins.start_line, end_line=ins.end_line, snippet=snippet)
        package = f.package
        if package is not None:
            package = replace(package, manifest=df.path if df is not None else None)
        name = normalize_package_name(f.package.name) if f.package else ""
        if f.category is Category.DEPENDENCY:
            where = "os" if f.package and f.package.name in inventory.os_packages else (_site_dir(inner) or "")
            base: tuple[str, ...] = ("image-dep", f.tool, spec.name, name, f.rule_id, where)
        elif f.category is Category.SECRET:
            base = ("image-secret", f.tool, spec.name, f.rule_id, inner or "", f.secret_digest or "")
        elif f.category is Category.LICENSE:
            base = ("image-license", f.tool, spec.name, f.rule_id, name)
        else:
            base = ("image-code", f.tool, spec.name, f.rule_id, inner or "", name)
        n = occurrences[base]
        occurrences[base] += 1
        out.append(replace(f, location=location, package=package, properties=props,
                           fingerprint=digest(FINGERPRINT_KEY, *base, n)))
    return out


def _mark_deleted(findings: list[Finding], spec: ImageSpec, inventory: _Inventory) -> list[Finding]:
    """A secret whose file a later layer deleted is still in the image: say which layer
    deleted it, so nobody reads the alert as "already removed"."""
    from secscan.collect.images.layers import deleted_by, deletions
    from secscan.normalizer.redact import scrub

    secrets = [f for f in findings if f.category is Category.SECRET and f.properties.get("path_in_image")]
    if not secrets:
        return findings
    removed = deletions(spec)
    if not removed:
        return findings
    diff_ids = [str(d) for d in (inventory.config.get("rootfs") or {}).get("diff_ids") or []]
    made_by = {e.diff_id: e.created_by for e in history(inventory.config) if e.diff_id}
    out, wanted = [], {id(f) for f in secrets}
    for f in findings:
        if id(f) in wanted:
            layer = str(f.properties.get("layer") or "")
            added = diff_ids.index(layer) if layer in diff_ids else None
            gone = deleted_by(str(f.properties["path_in_image"]), added, removed)
            if gone is not None and gone < len(diff_ids):
                props = dict(f.properties)
                props["deleted_in_layer"] = diff_ids[gone]
                props["deleted_by"] = scrub(made_by.get(diff_ids[gone], "")) or ""
                f = replace(f, properties=props, message=f"{f.message}; deleted by a later layer "
                            f"({props['deleted_by'] or diff_ids[gone]}) but still in the image's layer that added it")
        out.append(f)
    return out


# --- the image's Python packages through the project's audit ------------------------------


def _audit_python(spec: ImageSpec, root: Path, dockerfile: Dockerfile | None, inventory: _Inventory,
                  timeout: float, options: Mapping[str, Mapping[str, Any]], offline: bool,
                  progress: Callable[[str, str], None] | None) -> Any:
    from secscan.collect.scan import SKIPPED, ScannerRun, run_scanner
    from secscan.normalizer.advisories import enrich_from_options

    key = run_key("pip-audit", spec.name)
    if not inventory.python:
        return ScannerRun(tool=key, status=SKIPPED, reason=f"image {spec.name} has no Python packages",
                          image=spec.name)
    if progress:
        progress(key, "start")
    opts = {k: v for k, v in dict(options.get("pip-audit", {})).items()
            if k not in ("requirements", "enabled", "timeout")}
    with tempfile.TemporaryDirectory(prefix="secscan-image-python-") as tmp:
        reqs = Path(tmp) / "requirements.txt"
        reqs.write_text("".join(f"{n}=={v}\n" for n, v in sorted(inventory.python)), encoding="utf-8")
        run = run_scanner("pip-audit", Path(tmp), timeout=timeout, options=opts, required=False, offline=offline)
    run.tool, run.image = key, spec.name
    if run.status == SKIPPED:
        run.reason = f"{len(inventory.python)} Python packages of image {spec.name} NOT audited: {run.reason}"
    if run.report is not None:
        found = enrich_from_options(run.report.findings, options, {"pip-audit": run})
        layers = map_layers(history(inventory.config), dockerfile)
        run.report.findings = place_findings(found, spec, layers, inventory)
    if progress:
        progress(key, run.line())
    return run


def image_runs_info(info: Any, run: Any) -> None:
    """What the SARIF run of an image's scanner says besides the repository's: the real
    driver name and its category (see :func:`secscan.collect.images.category`)."""
    from secscan.collect.images import category
    from secscan.emit.sarif_writer import tool_info

    tool = run.tool.rsplit("/", 1)[-1]
    info.driver_name, info.information_uri = tool_info(tool)
    info.image, info.category = run.image, category(tool, run.image)

