"""Read a policy file: YAML with line numbers, JSON Schema validation, one-line errors.

Why the detour through ``yaml.compose``: a policy mistake must point at the file, the
line and the key (``policy.yml:4: fial_on: unknown key (did you mean 'fail_on'?)``),
so every node's position is recorded before the document is turned into Python
values.  Dates are kept as text (our loader does not construct YAML timestamps) so a
bad date is reported with its line instead of escaping as a ``ValueError``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import yaml

from secscan.decide.policy.model import (
    DEFAULT_SLA,
    DEFAULT_SLA_WARNING_DAYS,
    LicensePolicy,
    Matcher,
    Override,
    Policy,
    SuppressionRule,
    UnauditedPolicy,
    tool_key,
)
from secscan.decide.policy.schema import policy_schema
from secscan.errors import PolicyError
from secscan.findings import Severity
from secscan.parse.yamlsafe import BoundedLoader
from secscan.safefile import read_bytes

PathKey = tuple[Any, ...]


class _Loader(BoundedLoader):
    """SafeLoader that leaves timestamps as strings (validated later, with a line), and
    refuses alias bombs and deep nesting (see secscan.parse.yamlsafe)."""


# the timestamp resolver only ever tags scalars
_Loader.add_constructor("tag:yaml.org,2002:timestamp",
                        lambda loader, node: loader.construct_scalar(cast(yaml.ScalarNode, node)))


@dataclass(slots=True)
class _Marks:
    """Line (1-based) of each value and of each mapping key, by path."""

    value: dict[PathKey, int]
    key: dict[PathKey, int]

    def line(self, path: PathKey, of_key: bool = False) -> int:
        path = tuple(path)
        while True:
            if of_key and path in self.key:
                return self.key[path]
            if path in self.value:
                return self.value[path]
            if not path:
                return 1
            path = path[:-1]


def _walk(node: yaml.Node, path: PathKey, marks: _Marks, source: str) -> None:
    marks.value[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "<complex key>"
                raise PolicyError(f"{source}:{line}: {_dotted(path + (shown,))}: a key must be plain text "
                                  f"(YAML reads {shown!r} as {key_node.tag.rsplit(':', 1)[-1]}; quote it)")
            key = key_node.value
            if key in seen:
                raise PolicyError(f"{source}:{line}: {_dotted(path + (key,))}: duplicate key "
                                  f"(first given on line {seen[key]})")
            seen[key] = line
            marks.key[path + (key,)] = line
            _walk(value_node, path + (key,), marks, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), marks, source)


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _yaml_problem(exc: yaml.YAMLError, source: str) -> PolicyError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return PolicyError(f"{source}:{line}: not valid YAML: {problem}")


def parse_yaml(text: str, source: str) -> tuple[Any, _Marks]:
    """The document and the line of each of its nodes; PolicyError on bad YAML."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters at once
        raise _yaml_problem(exc, source) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, _Marks({(): 1}, {})
        marks = _Marks({}, {})
        _walk(node, (), marks, source)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, source) from None
    except (ValueError, TypeError) as exc:  # a constructor refusing a scalar
        raise PolicyError(f"{source}:1: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, marks


# ---------------------------------------------------------------- schema errors

_PRIORITY = {"additionalProperties": 0, "type": 1, "enum": 2, "pattern": 3, "minimum": 3, "minLength": 3,
             "minItems": 3, "uniqueItems": 3, "required": 4, "anyOf": 5}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "text", list: "list",
            dict: "mapping"}.get(type(value), type(value).__name__)


def _schema_error_line(err: Any, marks: _Marks, source: str) -> tuple[int, int, str]:
    """(line, priority, message) for one jsonschema error."""
    path = tuple(err.absolute_path)
    where = _dotted(path)
    v = err.validator
    if v == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        extra = sorted(k for k in err.instance if k not in allowed)
        key = extra[0]
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (known keys: {', '.join(allowed)})"
        return marks.line(path + (key,), of_key=True), 0, f"{_dotted(path + (key,))}: unknown key{suggestion}"
    line = marks.line(path)
    if v == "type":
        want = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
        want = {"object": "a mapping", "array": "a list", "string": "text"}.get(want, want)
        return line, 1, f"{where}: expected {want}, got {_type_name(err.instance)} {err.instance!r}"
    if v == "enum" and path == ("version",):
        return line, 2, f"version: unsupported policy version {err.instance!r} (this secscan reads version 1)"
    if v == "enum":
        choices = [str(c) for c in err.validator_value]
        hint = difflib.get_close_matches(str(err.instance), choices, n=1, cutoff=0.6)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        return line, 2, f"{where}: {err.instance!r} is not one of {', '.join(choices)}{suggestion}"
    if v == "pattern" and path and path[-1] == "expires":
        return line, 3, f"{where}: bad date {err.instance!r} (expected YYYY-MM-DD, e.g. 2027-03-31)"
    if v == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        return line, 4, f"{where}: missing required key {missing[0]!r}"
    if v == "anyOf":
        names = [next(iter(s["required"])) for s in err.validator_value if "required" in s]
        return line, 5, f"{where}: says nothing about which findings it matches (give at least one of {', '.join(names)})"
    if v == "uniqueItems":
        return line, 3, f"{where}: repeated entries"
    if v == "minimum":
        return line, 3, f"{where}: must be at least {err.validator_value}, got {err.instance!r}"
    if v in ("minLength", "minItems"):
        return line, 3, f"{where}: must not be empty" + (" (a fingerprint needs 8+ characters)"
                                                           if path and path[-1] == "fingerprint" else "")
    return line, _PRIORITY.get(v, 6), f"{where}: {err.message}"


def schema_errors(data: Any, marks: _Marks, source: str) -> list[str]:
    """Every schema violation as ``FILE:LINE: KEY: problem``, first line first."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(policy_schema())
    found = [_schema_error_line(e, marks, source) for e in validator.iter_errors(data)]
    found.sort(key=lambda t: (t[0], t[1], t[2]))
    return [f"{source}:{line}: {msg}" for line, _, msg in found]


# ---------------------------------------------------------------- building the Policy

def _date(text: str, path: PathKey, marks: _Marks, source: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PolicyError(f"{source}:{marks.line(path)}: {_dotted(path)}: bad date {text!r} ({exc})") from None


def _matcher(entry: dict[str, Any]) -> Matcher:
    def get(name: str) -> str | None:
        value = entry.get(name)
        return None if value is None else str(value)

    return Matcher(fingerprint=(get("fingerprint") or "").lower() or None, tool=get("tool"), rule=get("rule"),
                   path=get("path"), id=get("id"), package=get("package"), cwe=get("cwe"))


def build_policy(data: dict[str, Any], marks: _Marks, source: str) -> Policy:
    """A Policy from a schema-valid document (semantic checks that need a line here)."""
    sla = dict(DEFAULT_SLA)
    sla.update(data.get("sla") or {})
    sla_kev = sla.pop("kev", None)
    overrides = tuple(
        Override(_matcher(o), Severity[o["severity"].upper()], o.get("reason", ""), i)
        for i, o in enumerate(data.get("overrides") or []))
    suppressions = []
    for i, s in enumerate(data.get("suppressions") or []):
        expires = _date(s["expires"], ("suppressions", i, "expires"), marks, source)
        suppressions.append(SuppressionRule(_matcher(s), s["reason"], s["owner"], expires, i,
                                            s.get("dismiss_as", "won't fix")))
    scanners: dict[str, dict[str, Any]] = {}
    for k, v in (data.get("scanners") or {}).items():
        if k != "required":  # pip_audit and pip-audit are one scanner's options
            scanners.setdefault(tool_key(k), {}).update(v)
    lic = data.get("licenses")
    licenses = None
    if lic is not None:
        licenses = LicensePolicy(tuple(lic.get("allow") or ()), tuple(lic.get("deny") or ()),
                                 lic.get("unknown", "warn"), tuple(lic.get("scope") or ("project",)))
    return Policy(
        version=data["version"],
        mode=data.get("mode", "all"),
        enforce=data.get("enforce", True),
        fail_on=data.get("fail_on", "high"),
        unknown_as=data.get("unknown_as", "high"),
        max=dict(data.get("max") or {}),
        sla=sla,
        sla_warning_days=data.get("sla_warning_days", DEFAULT_SLA_WARNING_DAYS),
        required_scanners=tuple((data.get("scanners") or {}).get("required") or ()),
        scanners=scanners,
        overrides=overrides,
        suppressions=tuple(suppressions),
        exclude=tuple((data.get("paths") or {}).get("exclude") or ()),
        licenses=licenses,
        source=source,
        block_kev=bool((data.get("block") or {}).get("kev", False)),
        block_epss_above=(data.get("block") or {}).get("epss_above"),
        sla_kev=sla_kev,
        vex=_vex_sources(data, marks, source),
        unaudited=_unaudited(data.get("unaudited")),
    )


def _vex_sources(data: dict[str, Any], marks: _Marks, source: str) -> tuple[Any, ...]:
    """The policy's ``vex:`` entries; files are relative to the policy file."""
    from secscan.decide.prioritise.vex import VexSource

    entries = data.get("vex") or []
    if not entries:
        return ()
    base = Path(source).parent
    out = []
    for i, v in enumerate(entries):
        expires = _date(v["expires"], ("vex", i, "expires"), marks, source)
        path = v["file"] if Path(v["file"]).is_absolute() else str(base / v["file"])
        out.append(VexSource(v["file"], expires, v.get("owner", ""), i, path))
    return tuple(out)


def _unaudited(block: dict[str, Any] | None) -> UnauditedPolicy:
    if not block:
        return UnauditedPolicy()
    return UnauditedPolicy(accept=bool(block.get("accept", False)), packages=tuple(block.get("packages") or ()),
                           reason=str(block.get("reason", "")))


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy text and build the Policy; PolicyError (one line) otherwise."""
    data, marks = parse_yaml(text, source)
    if data is None:
        raise PolicyError(f"{source}:1: empty policy (at least 'version: 1' is required)")
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:1: a policy is a mapping of keys (version, fail_on, ...), "
                          f"got {_type_name(data)}")
    errors = schema_errors(data, marks, source)
    if errors:
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise PolicyError(errors[0] + more)
    return build_policy(data, marks, source)


SHIPPED = ("default", "strict", "audit-only")


def shipped_policy(name: str) -> Path | None:
    """The file of a policy shipped with secscan (``default``, ``strict``,
    ``audit-only``), so ``--policy strict`` works from any directory."""
    stem = name.removesuffix(".yml")
    if stem not in SHIPPED or "/" in name:
        return None
    from importlib import resources

    # one name per joinpath: Python 3.10's Traversable takes one
    candidate = Path(str(resources.files("secscan").joinpath("data").joinpath("policies").joinpath(f"{stem}.yml")))
    return candidate if candidate.is_file() else None


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file (or name a shipped one: ``strict``)."""
    p = Path(path)
    if not p.exists():
        p = shipped_policy(str(path)) or p
    try:
        text = read_bytes(p).decode("utf-8-sig")
    except FileNotFoundError:
        hint = f" (shipped policies: {', '.join(SHIPPED)})"
        raise PolicyError(f"{path}: no such policy file{hint}") from None
    except IsADirectoryError:
        raise PolicyError(f"{path}: is a directory, not a policy file") from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_policy(text, str(p))
