"""An environment built from the project's pins, for the licence inventory.

When the project's own environment is not there (a CI checkout before ``pip install``,
a repository scanned from outside), its licences can still be listed from what it pins:
the pinned packages are installed **as wheels only, without their dependencies and
without byte-compiling** (``pip install --no-deps --only-binary :all: --no-compile``)
into a fresh virtual environment made without pip.  Installing a wheel runs none of
its code; an sdist (which would run its build) is never used.  pip-licenses then reads
that environment like any other: it holds exactly the project's pins, never secscan or
its scanners.

Pins come from :mod:`secscan.collect.requirements` (every dependency file the
vulnerability audit reads).  A package pinned at two versions is installed once, at
the first version in sorted order (a licence rarely changes between versions; the other
versions are named in the note).  A pin that cannot be installed (no wheel, not on the
index) is tried alone, so one bad pin does not empty the inventory, and is returned
with pip's reason: the adapter lists it with an ``UNKNOWN`` licence, so the licence
policy's ``unknown`` rule sees it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Pin:
    name: str
    version: str
    manifest: str

    def line(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass
class PinsEnv:
    """What was built: the interpreter of the environment and what is (not) in it."""

    python: Path
    installed: list[Pin] = field(default_factory=list)
    failed: list[tuple[Pin, str]] = field(default_factory=list)  # (pin, pip's reason)
    other_versions: list[Pin] = field(default_factory=list)  # same package, a second version


def project_pins(target: Path, options: object = None) -> list[Pin]:
    """Every ``name==version`` the project's dependency files pin."""
    from secscan.collect.requirements import read_dependencies
    from secscan.scanners.pip_audit import requirement_files

    files = [f for f in requirement_files(target, options) if f.is_file()]
    if not files:
        return []
    deps = read_dependencies(files, target)
    return [Pin(name, version, manifest) for (name, version), manifest in sorted(deps.pinned.items())]


_IGNORED = "Ignored the following"
_FROM_VERSIONS = re.compile(r"\s*\(from versions: [^)]*\)")
_NEEDS_PYTHON = "Ignored the following versions that require a different python version:"


def _pip_error(stderr: str, version: str | None = None) -> str:
    """pip's reason for a failed install: its first ``ERROR:`` line that is not one of
    the informational "Ignored the following (yanked) versions" lines (django==6.1 on
    Python 3.11 said "Ignored the following yanked versions: 4.2.12, 5.0.5", while the
    cause was its Requires-Python), without the list of every version on the index; and
    when the pinned ``version`` was ignored for its Requires-Python, that, with the
    Python the inventory environment runs."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln.removeprefix("ERROR:").strip() for ln in lines if ln.startswith("ERROR:")]
    main = next((e for e in errors if not e.startswith(_IGNORED)), errors[0] if errors else "")
    reason = _FROM_VERSIONS.sub("", main) or (lines[-1] if lines else "pip failed")
    needs = next((e.removeprefix(_NEEDS_PYTHON) for e in errors if e.startswith(_NEEDS_PYTHON)), "")
    for entry in needs.split(";") if version else ():
        ignored, _, spec = entry.strip().partition(" Requires-Python ")
        if ignored == version and spec:
            here = f"{sys.version_info.major}.{sys.version_info.minor}"
            reason = f"{reason}: {version} requires Python {spec.strip()}, the environment built runs Python {here}"
            break
    return reason[:300]


def build(pins: list[Pin], workdir: Path, index_url: str, timeout: float) -> PinsEnv:
    """Install ``pins`` (wheels only, no dependencies, no code run) into a new virtual
    environment under ``workdir``; OSError or subprocess failures of the venv itself
    propagate (the run then fails: the inventory was not built)."""
    from secscan.collect.network import redact
    from secscan.normalizer.fingerprint import normalize_package_name as norm

    venv = workdir / "pins-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True,
                   timeout=timeout, stdin=subprocess.DEVNULL)
    python = next((venv / rel for rel in ("bin/python", "Scripts/python.exe") if (venv / rel).exists()),
                  venv / "bin" / "python")
    env = PinsEnv(python=python)
    chosen: dict[str, Pin] = {}
    for pin in pins:
        if norm(pin.name) in chosen:
            env.other_versions.append(pin)
        else:
            chosen[norm(pin.name)] = pin
    wanted = list(chosen.values())

    def install(group: list[Pin]) -> tuple[bool, str]:
        argv = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--only-binary",
                ":all:", "--no-compile", "--no-input", "--disable-pip-version-check", "--quiet",
                "--index-url", index_url, *[p.line() for p in group]]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                                  check=False)
        except subprocess.TimeoutExpired:
            return False, f"pip install timed out after {timeout:g}s"
        version = group[0].version if len(group) == 1 else None
        return done.returncode == 0, redact(_pip_error(done.stderr.decode("utf-8", "replace"), version))

    if wanted:
        ok, _ = install(wanted)
        if ok:
            env.installed = wanted
        else:  # one at a time: a pin without a wheel does not empty the inventory
            for pin in wanted:
                ok, why = install([pin])
                if ok:
                    env.installed.append(pin)
                else:
                    env.failed.append((pin, why))
    return env
