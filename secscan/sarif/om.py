"""secscan's SARIF log ⇄ Microsoft's SARIF object model (``sarif-om``).

The writer builds plain dicts because that is fast; a library user who wants a typed
model gets ``sarif_om`` objects (attrs classes, ``SarifLog`` at the root) from
:func:`to_sarif_om`, and a dict that ``json.dumps`` writes as secscan would from
:func:`from_sarif_om`.  sarif-om's own serializer (``jschema_to_python.to_json``) is
not used: it deep-copies every object and took 12–14 s for 20,000 results
(docs/performance.md); this walk over the attrs fields does the same renaming in a
fraction of that.

The rules, chosen so that ``from_sarif_om(to_sarif_om(log)) == log`` byte for byte:

- JSON names and Python names map through each attrs field's ``schema_property_name``
  metadata; which class a nested object becomes comes from the SARIF 2.1.0 schema
  shipped in the package (``$ref`` of the property, of its ``items`` or of its
  ``additionalProperties``).
- A property bag's entries, and keys this sarif-om release (2.1.0-rtm.4) does not know
  (such as ``suppression.status``), are instance attributes named by their JSON key —
  the way sarif-om itself holds them (``jschema_to_python`` serializes ``__dict__``).
  Their values stay plain JSON.
- An object's attribute order is its keys' order in the log, so key order survives.
- Back to JSON, a field left at its default (``None``, ``-1``, ``"fail"``…) is left out,
  except ``level``, which secscan always writes (GitHub shows severity by it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from secscan.errors import SecscanError

if TYPE_CHECKING:  # pragma: no cover
    from sarif_om import SarifLog  # type: ignore[import-untyped]  # sarif-om ships no types

# Fields written even when equal to the model's default (see the module docstring).
ALWAYS_WRITTEN = frozenset({"level"})
INSTALL_HINT = "pip install 'secscan[om]'"


class Nesting(Enum):
    """How a property holds objects of a model class."""

    ONE = "one"  # an object
    LIST = "list"  # an array of objects
    MAP = "map"  # an object whose values are objects (originalUriBaseIds, messageStrings)


@dataclass(frozen=True)
class Field:
    json_name: str
    py_name: str
    default: Any  # attrs.NOTHING for a required field
    child: type | None = None  # the model class of nested objects, if any
    nesting: Nesting = Nesting.ONE

    @property
    def required(self) -> bool:
        import attr

        return self.default is attr.NOTHING

    def is_default(self, value: Any) -> bool:
        if value is None:
            return True
        return self.json_name not in ALWAYS_WRITTEN and not self.required and value == self.default


@dataclass(frozen=True)
class Shape:
    """One model class: its fields by JSON name and by Python name."""

    cls: type
    by_json: Mapping[str, Field]
    by_py: Mapping[str, Field]


def to_sarif_om(log: Mapping[str, Any]) -> SarifLog:
    """A SARIF log dict (as :func:`secscan.to_sarif` returns it) as a ``sarif_om.SarifLog``."""
    return _to_object(log, _model().root, "log")


def from_sarif_om(obj: Any) -> dict[str, Any]:
    """A ``sarif_om`` object (a ``SarifLog`` or any part of one) as a JSON-ready dict;
    ``json.dumps`` of ``from_sarif_om(to_sarif_om(log))`` is ``json.dumps(log)``."""
    value = _to_json(obj)
    if not isinstance(value, dict):
        raise TypeError(f"from_sarif_om: expected a sarif_om object, got {type(obj).__name__}")
    return value


def _to_object(data: Any, cls: type, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise TypeError(f"{where}: expected a JSON object for {cls.__name__}, got {type(data).__name__}")
    shape = _model().shapes[cls]
    ordered: dict[str, Any] = {}
    for key, value in data.items():
        field = shape.by_json.get(key)
        if field is None:  # a property-bag entry, or a key this sarif-om release lacks
            if key in shape.by_py:
                raise ValueError(f"{where}: key {key!r} would shadow the field {shape.by_py[key].json_name!r}")
            ordered[key] = _plain(value)
        else:
            ordered[field.py_name] = _nested(value, field, f"{where}.{key}")
    fields = {f.py_name: ordered[f.py_name] for f in shape.by_py.values() if f.py_name in ordered}
    try:
        obj = cls(**fields)
    except TypeError as err:
        missing = [f.json_name for f in shape.by_py.values() if f.required and f.py_name not in fields]
        raise ValueError(f"{where}: {cls.__name__} needs {', '.join(missing) or 'other keys'}") from err
    attributes = obj.__dict__
    rest = {name: value for name, value in attributes.items() if name not in ordered}
    attributes.clear()
    attributes.update(ordered)  # the log's key order first (extras included) …
    attributes.update(rest)  # … then the fields it left at their defaults
    return obj


def _nested(value: Any, field: Field, where: str) -> Any:
    child = field.child
    if child is None or value is None:
        return _plain(value)
    if field.nesting is Nesting.LIST:
        return [_to_object(item, child, f"{where}[{i}]") for i, item in enumerate(value)]
    if field.nesting is Nesting.MAP:
        return {key: _to_object(item, child, f"{where}.{key}") for key, item in value.items()}
    return _to_object(value, child, where)


def _plain(value: Any) -> Any:
    """A copy of a JSON value, so the model shares no list or dict with the log."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return _plain(list(value))  # a lazy list of the writer


def _to_json(value: Any) -> Any:
    shape = _shape_of(type(value))
    if shape is not None:
        out: dict[str, Any] = {}
        for name, item in value.__dict__.items():
            field = shape.by_py.get(name)
            if field is None:
                out[name] = _to_json(item)
            elif not field.is_default(item):
                out[field.json_name] = _to_json(item)
        return out
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    return value


def _shape_of(cls: type) -> Shape | None:
    if not hasattr(cls, "__attrs_attrs__"):
        return None
    model = _model()
    return model.shapes.get(cls) or _shape(cls, {})


@dataclass(frozen=True)
class _Model:
    root: type
    shapes: Mapping[type, Shape]


@lru_cache(maxsize=1)
def _model() -> _Model:
    """Every sarif_om class with the nesting the shipped SARIF schema gives its fields."""
    try:
        import sarif_om
    except ImportError as err:
        raise SecscanError(f"the SARIF object model needs sarif-om: {INSTALL_HINT}") from err
    from importlib import resources

    schema = json.loads(resources.files("secscan").joinpath("data/sarif-schema-2.1.0.json").read_text("utf-8"))
    definitions: dict[str, Any] = schema["definitions"]

    def class_of(definition: str) -> type:
        cls: type = getattr(sarif_om, definition[0].upper() + definition[1:])
        return cls

    shapes = {sarif_om.SarifLog: _shape(sarif_om.SarifLog, _children(schema, class_of))}
    for name, definition in definitions.items():
        cls = class_of(name)
        shapes[cls] = _shape(cls, _children(definition, class_of))
    return _Model(sarif_om.SarifLog, shapes)


def _children(definition: Mapping[str, Any], class_of: Any) -> dict[str, tuple[type, Nesting]]:
    out: dict[str, tuple[type, Nesting]] = {}
    for key, prop in definition.get("properties", {}).items():
        values = prop.get("additionalProperties")
        if "$ref" in prop:
            out[key] = (class_of(_target(prop["$ref"])), Nesting.ONE)
        elif "$ref" in prop.get("items", {}):
            out[key] = (class_of(_target(prop["items"]["$ref"])), Nesting.LIST)
        elif isinstance(values, dict) and "$ref" in values:
            out[key] = (class_of(_target(values["$ref"])), Nesting.MAP)
    return out


def _target(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _shape(cls: type, children: Mapping[str, tuple[type, Nesting]]) -> Shape:
    import attr

    fields = []
    for a in attr.fields(cls):
        json_name = a.metadata.get("schema_property_name", a.name)
        default = a.default.factory() if isinstance(a.default, attr.Factory) else a.default  # type: ignore[arg-type]
        child, nesting = children.get(json_name, (None, Nesting.ONE))
        fields.append(Field(json_name, a.name, default, child, nesting))
    return Shape(cls, {f.json_name: f for f in fields}, {f.py_name: f for f in fields})
