"""``secscan run`` settings from ``secscan.yml`` or ``pyproject.toml [tool.secscan]``.

Command-line options win over the file.  Unknown keys are errors naming the file and
suggesting the key that was probably meant — a typo must not silently turn a scanner
off.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.errors import ConfigError

_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")
MAX_TIMEOUT = 86_400.0  # a day: the longest a scanner may be given


def env_flag(name: str, env: Mapping[str, str] | None = None) -> bool | None:
    """An on/off environment variable: True, False, or None when unset or empty.  Any
    other word is an error naming it: ``SECSCAN_OFFLINE=ture`` must not be read as
    "not set" and let the run go online."""
    import os

    value = (os.environ if env is None else env).get(name)
    if value is None or not value.strip():
        return None
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ConfigError(f"${name}={value[:40]!r}: not one of {', '.join(_TRUE_WORDS + _FALSE_WORDS)}")


def check_timeout(value: object, where: str = "timeout") -> float:
    """Seconds a scanner may take: a finite number above 0, at most a day."""
    import math

    try:
        seconds = float(value) if not isinstance(value, bool) else math.nan  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT:
        raise ConfigError(f"{where} {value!r}: not a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    return seconds


def check_jobs(value: object, where: str = "jobs") -> int | None:
    """How many scanners run at once: None (one per core) or a whole number from 1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where} {value!r}: not a whole number of at least 1")
    return value

KEYS: dict[str, type | tuple[type, ...]] = {
    "scanners": list,
    "skip": list,
    "required": list,
    "timeout": (int, float),
    "jobs": int,
    "sarif": str,
    "format": str,
    "policy": str,
    "baseline": str,
    "offline": bool,
    "options": dict,
    "images": list,
}


@dataclass
class RunConfig:
    scanners: list[str] | None = None
    skip: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    timeout: float = 600.0
    jobs: int | None = None
    sarif: str | None = None
    format: str | None = None
    policy: str | None = None
    baseline: str | None = None
    offline: bool | None = None  # None: probe the network (see secscan.collect.network)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str | None = None  # the file it came from
    # container images to scan too: "REF" or {ref, name, dockerfile} (secscan.collect.images)
    images: list[Any] = field(default_factory=list)


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from secscan.safefile import read_bytes

    try:
        return tomllib.loads(read_bytes(path).decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read TOML: {exc}") from None


def _load_yaml(path: Path) -> Any:
    import yaml

    try:
        from secscan.parse.yamlsafe import safe_load
        from secscan.safefile import read_bytes

        return safe_load(read_bytes(path).decode("utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None


def find_config(target: Path, explicit: str | Path | None = None) -> tuple[Path | None, Mapping[str, Any]]:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            from secscan.safefile import blocking_kind

            kind = blocking_kind(path) or ("a directory" if path.is_dir() else None)
            raise ConfigError(f"{path}: is {kind}, not a config file" if kind else f"{path}: config file not found")
        if path.suffix == ".toml":
            return path, (_load_toml(path).get("tool") or {}).get("secscan") or {}
        return path, _load_yaml(path)
    for name in ("secscan.yml", "secscan.yaml", ".secscan.yml"):
        path = target / name
        if path.is_file():
            return path, _load_yaml(path)
    pyproject = target / "pyproject.toml"
    if pyproject.is_file():
        section = (_load_toml(pyproject).get("tool") or {}).get("secscan")
        if section is not None:
            return pyproject, section
    return None, {}


def load_config(target: str | Path, explicit: str | Path | None = None) -> RunConfig:
    path, data = find_config(Path(target), explicit)
    cfg = RunConfig(source=str(path) if path else None)
    if not data:
        return cfg
    where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: secscan settings must be a mapping of keys")
    for key, value in data.items():
        norm = str(key).replace("-", "_")
        if norm not in KEYS:
            hint = difflib.get_close_matches(norm, list(KEYS), n=1)
            raise ConfigError(f"{where}: unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                              + f"; known: {', '.join(KEYS)}")
        expected = KEYS[norm]
        if isinstance(value, bool) and expected is not bool:
            raise ConfigError(f"{where}: {key} must be {_name(expected)}, not a boolean")
        if not isinstance(value, expected):
            raise ConfigError(f"{where}: {key} must be {_name(expected)}, not {type(value).__name__}")
        if norm == "options" and isinstance(value, dict):  # checked above: narrows for the type checker
            for tool, opts in value.items():
                if not isinstance(opts, dict):
                    raise ConfigError(f"{where}: options.{tool} must be a mapping")
            value = {str(t): dict(o) for t, o in value.items()}
        setattr(cfg, norm, value)
    return cfg


def _name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return "a number"
    return {list: "a list", dict: "a mapping", str: "a string", int: "an integer", bool: "true or false"}[expected]


def parse_option(text: str) -> tuple[str, str, Any]:
    """``TOOL.KEY=VALUE`` (``pip-audit.osv_url=http://…``) → (tool, key, value)."""
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise ConfigError(f"--option {text!r}: expected TOOL.KEY=VALUE, e.g. pip-audit.osv_url=http://127.0.0.1:8080")
    left, value = text.split("=", 1)
    tool, key = left.split(".", 1)
    parsed: Any = value
    if value.lower() in ("true", "false"):
        parsed = value.lower() == "true"
    elif value.isdigit():
        parsed = int(value)
    return tool.strip(), key.strip(), parsed
