"""Frozen records keyed by a form's labels: declared as dataclasses, filled from loaded YAML with
every problem collected (not only the first), and described as JSON Schema.

A record subclasses `Record`; each field says which spec key fills it with `key("名称")`. The
field's type comes from its annotation: str, int, Decimal, bool, Any, Literal, other records,
`X | None`, `list[X]`, `dict[K, V]`, unions (a member is chosen by the value's shape — mapping,
list or scalar — or by `Choose`), and `Annotated[T, Before(f), After(g), Bounds(…), Schema({…})]`
to convert, check and describe. A record's `__post_init__` may raise `ValueError` to refuse a
combination of fields.

Why not pydantic: perfgen is a command run once per edit, and pydantic's import and model
building cost more than the rest of a build's start-up together. What a spec needs is this small.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, dataclass_transform

REQUIRED: Any = dataclasses.MISSING
INVALID: Any = object()  # what a converter returns after recording a problem


@dataclass(frozen=True)
class Before:
    """Convert the value as written before it is checked against the type (ValueError refuses it)."""

    convert: Callable[[Any], Any]


@dataclass(frozen=True)
class After:
    """Check or adjust the value once it has its type (ValueError refuses it)."""

    convert: Callable[[Any], Any]


@dataclass(frozen=True)
class Bounds:
    ge: Any = None
    le: Any = None


@dataclass(frozen=True, eq=False)
class Schema:
    """The JSON Schema of the annotated type, replacing the one derived from it."""

    schema: dict[str, Any]


@dataclass(frozen=True)
class Choose:
    """For a union: which member a value is checked against (so a mistake is reported against
    the one shape the user meant, not against every member)."""

    member: Callable[[Any], Any]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (a path of keys and list indexes), what kind, and a
    plain message; `input` is the offending value."""

    loc: tuple[str | int, ...]
    kind: str
    message: str
    input: Any = None


class Invalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def key(*keys: str, default: Any = REQUIRED, factory: Callable[[], Any] | None = None, description: str = "") -> Any:
    """A field filled from the first of `keys` present in the mapping."""
    metadata = {"keys": keys, "description": description}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def internal(default: Any = None) -> Any:
    """A field no spec key fills (set by the program, e.g. with `dataclasses.replace`)."""
    return dataclasses.field(default=default, compare=False, repr=False, metadata={"keys": ()})


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(key, internal))
class Record:
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True, kw_only=True)(cls)


@dataclass(frozen=True)
class FieldInfo:
    name: str
    keys: tuple[str, ...]
    annotation: Any
    description: str
    default: Any
    factory: Any

    @property
    def required(self) -> bool:
        return self.default is REQUIRED and self.factory is dataclasses.MISSING

    def default_value(self) -> Any:
        return self.default if self.factory is dataclasses.MISSING else self.factory()


_FIELDS: dict[type, tuple[FieldInfo, ...]] = {}


def fields(record: type) -> tuple[FieldInfo, ...]:
    """The fields a spec fills in `record`, in declaration order, with resolved annotations."""
    if record not in _FIELDS:
        hints = typing.get_type_hints(record, include_extras=True)
        _FIELDS[record] = tuple(
            FieldInfo(f.name, f.metadata["keys"], hints[f.name], f.metadata["description"], f.default, f.default_factory)
            for f in dataclasses.fields(record)
            if f.metadata.get("keys")
        )
    return _FIELDS[record]


def keys_of(record: type) -> list[str]:
    """Every key a mapping for `record` may hold."""
    return [name for field in fields(record) for name in field.keys]


def is_record(target: Any) -> bool:
    return isinstance(target, type) and issubclass(target, Record)


def options_of(target: Any) -> list[Any]:
    """What a value of annotation `target` may be: Annotated stripped, unions flattened."""
    origin = typing.get_origin(target)
    if origin is Annotated:
        return options_of(typing.get_args(target)[0])
    if origin in (Union, types.UnionType):
        return [option for arg in typing.get_args(target) for option in options_of(arg)]
    return [] if target is None or target is type(None) else [target]


# ---------------------------------------------------------------------------------------------
# Validation: one converter per annotation, built once; each returns the converted value or
# INVALID after appending its problems.

Converter = Callable[[Any, tuple, list[Problem]], Any]
_CONVERTERS: dict[int, tuple[Any, Converter]] = {}


def validate(record: type, data: Any) -> Any:
    """`data` as an instance of `record`; raise `Invalid` listing every problem."""
    problems: list[Problem] = []
    value = converter(record)(data, (), problems)
    if problems:
        raise Invalid(problems)
    return value


def converter(annotation: Any) -> Converter:
    cached = _CONVERTERS.get(id(annotation))
    if cached is None or cached[0] is not annotation:
        cached = (annotation, _build(annotation))
        _CONVERTERS[id(annotation)] = cached
    return cached[1]


def _build(annotation: Any) -> Converter:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _annotated(args[0], annotation.__metadata__)
    if origin in (Union, types.UnionType):
        return _union(args)
    if origin is Literal:
        return _literal(args)
    if origin is list:
        return _list(args[0])
    if origin is dict:
        return _dict(*args)
    if is_record(annotation):
        return _record(annotation)
    return SCALARS[annotation]


def _problem(problems: list[Problem], loc: tuple, kind: str, value: Any, message: str | None = None) -> Any:
    problems.append(Problem(loc, kind, message or MESSAGES[kind], value))
    return INVALID


MESSAGES = {
    "missing": "Field required",
    "extra_forbidden": "Extra inputs are not permitted",
    "string_type": "Input should be a valid string",
    "int_type": "Input should be a valid integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "decimal_type": "Input should be a valid decimal",
    "bool_type": "Input should be a valid boolean",
    "list_type": "Input should be a valid list",
    "dict_type": "Input should be a valid dictionary",
    "model_type": "Input should be a valid dictionary or instance of the model",
    "literal_error": "Input should be one of the allowed values",
    "same_field": "Another key already gives this field",
    "greater_than_equal": "Input is too small",
    "less_than_equal": "Input is too large",
}


def _text(value: Any, loc: tuple, problems: list[Problem]) -> Any:
    return value if isinstance(value, str) else _problem(problems, loc, "string_type", value)


INT_DIGITS = 18  # beyond any count a form holds; int() of 1e999999999 would take minutes


def _integer(value: Any, loc: tuple, problems: list[Problem]) -> Any:
    if isinstance(value, bool):
        return _problem(problems, loc, "int_type", value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        if value.adjusted() >= INT_DIGITS:
            return _problem(problems, loc, "less_than_equal", value, f"Input should be less than 1e{INT_DIGITS}")
        return int(value) if value == value.to_integral_value() else _problem(problems, loc, "int_from_float", value)
    return _problem(problems, loc, "int_type", value)


def _decimal(value: Any, loc: tuple, problems: list[Problem]) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return _problem(problems, loc, "decimal_type", value)
    return Decimal(value)


def _boolean(value: Any, loc: tuple, problems: list[Problem]) -> Any:
    return value if isinstance(value, bool) else _problem(problems, loc, "bool_type", value)


def _anything(value: Any, loc: tuple, problems: list[Problem]) -> Any:
    return value


SCALARS: dict[Any, Converter] = {str: _text, int: _integer, Decimal: _decimal, bool: _boolean, Any: _anything}


def _annotated(inner: Any, metadata: tuple) -> Converter:
    chooser = next((m for m in metadata if isinstance(m, Choose)), None)
    convert = _chosen(chooser) if chooser else converter(inner)
    befores = [m.convert for m in metadata if isinstance(m, Before)]
    afters = [m.convert for m in metadata if isinstance(m, After)]
    bounds = [m for m in metadata if isinstance(m, Bounds)]

    def run(value: Any, loc: tuple, problems: list[Problem]) -> Any:
        try:
            for before in befores:
                value = before(value)
        except ValueError as exc:
            return _problem(problems, loc, "value_error", value, str(exc))
        value = convert(value, loc, problems)
        if value is INVALID:
            return INVALID
        for bound in bounds:
            if bound.ge is not None and value < bound.ge:
                return _problem(problems, loc, "greater_than_equal", value, f"Input should be greater than or equal to {bound.ge}")
            if bound.le is not None and value > bound.le:
                return _problem(problems, loc, "less_than_equal", value, f"Input should be less than or equal to {bound.le}")
        try:
            for after in afters:
                value = after(value)
        except ValueError as exc:
            return _problem(problems, loc, "value_error", value, str(exc))
        return value

    return run


def _shape(annotation: Any) -> str:
    """'mapping', 'list' or 'scalar': what a YAML value of this annotation looks like."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin is dict or is_record(annotation):
        return "mapping"
    return "list" if origin is list else "scalar"


def _value_shape(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"


def _chosen(chooser: Choose) -> Converter:
    def run(value: Any, loc: tuple, problems: list[Problem]) -> Any:
        return converter(chooser.member(value))(value, loc, problems)

    return run


def _union(members: tuple) -> Converter:
    optional = type(None) in members
    members = tuple(m for m in members if m is not type(None))

    def run(value: Any, loc: tuple, problems: list[Problem]) -> Any:
        if value is None and optional:
            return None
        candidates = [m for m in members if _shape(m) == _value_shape(value)] or list(members[:1])
        for candidate in candidates[:-1]:  # the first that accepts it, else the last one's problems
            trial: list[Problem] = []
            converted = converter(candidate)(value, loc, trial)
            if not trial:
                return converted
        return converter(candidates[-1])(value, loc, problems)

    return run


def _literal(allowed: tuple) -> Converter:
    message = "Input should be " + " or ".join(repr(a) for a in allowed)

    def run(value: Any, loc: tuple, problems: list[Problem]) -> Any:
        return value if value in allowed and not isinstance(value, bool) else _problem(problems, loc, "literal_error", value, message)

    return run


def _list(item: Any) -> Converter:
    def run(value: Any, loc: tuple, problems: list[Problem]) -> Any:
        if not isinstance(value, list):
            return _problem(problems, loc, "list_type", value)
        convert = converter(item)
        items = [convert(v, (*loc, i), problems) for i, v in enumerate(value)]
        return INVALID if INVALID in items else items

    return run


def _dict(key_type: Any, value_type: Any) -> Converter:
    def run(value: Any, loc: tuple, problems: list[Problem]) -> Any:
        if not isinstance(value, dict):
            return _problem(problems, loc, "dict_type", value)
        convert_key, convert_value = converter(key_type), converter(value_type)
        out, valid = {}, True
        for k, v in value.items():
            name = convert_key(k, (*loc, k, "[key]"), problems)
            converted = convert_value(v, (*loc, k), problems)
            valid = valid and name is not INVALID and converted is not INVALID
            out[name if name is not INVALID else k] = converted
        return out if valid else INVALID

    return run


def _record(record: type) -> Converter:
    def run(value: Any, loc: tuple, problems: list[Problem]) -> Any:
        if not isinstance(value, dict):
            return _problem(problems, loc, "model_type", value)
        known = fields(record)
        accepted = {name for field in known for name in field.keys}
        before = len(problems)
        for extra in (k for k in value if k not in accepted):
            _problem(problems, (*loc, extra), "extra_forbidden", ("", [name for field in known for name in field.keys[:1]]))
        filled = {}
        for field in known:
            present = [k for k in field.keys if k in value]
            for other in present[1:]:  # e.g. 财政拨款 and 财政资金 both written: which one is meant?
                _problem(problems, (*loc, other), "same_field", present[0])
            if not present:
                if field.required:
                    _problem(problems, (*loc, field.keys[0]), "missing", value)
                continue
            written = present[0]
            filled[field.name] = converter(field.annotation)(value[written], (*loc, written), problems)
        if len(problems) > before:
            return INVALID
        try:
            return record(**filled)
        except ValueError as exc:
            return _problem(problems, loc, "value_error", value, str(exc))

    return run


# ---------------------------------------------------------------------------------------------
# JSON Schema (draft 2020-12)


def json_schema(record: type) -> dict[str, Any]:
    """The schema of a mapping for `record`, its records in `$defs`, keys as written in a spec."""
    definitions: dict[str, Any] = {}
    root = _record_schema(record, definitions)
    return {**root, "$defs": dict(sorted(definitions.items()))}


def _record_schema(record: type, definitions: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required = []
    for field in fields(record):
        schema = {"title": field.keys[0], **_schema(field.annotation, definitions)}
        if field.description:
            schema["description"] = field.description
        if field.required:
            required.append(field.keys[0])
        else:
            schema["default"] = _json_default(field.default_value())
        properties.update({name: schema for name in field.keys})
    schema = {"type": "object", "title": record.__name__, "properties": properties, "additionalProperties": False}
    return {**schema, "required": required} if required else schema


def _json_default(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def _schema(annotation: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        given = next((m.schema for m in annotation.__metadata__ if isinstance(m, Schema)), None)
        if given is not None:
            return dict(given)
        schema = _schema(args[0], definitions)
        for bound in (m for m in annotation.__metadata__ if isinstance(m, Bounds)):
            schema.update({k: v for k, v in (("minimum", bound.ge), ("maximum", bound.le)) if v is not None})
        return schema
    if origin in (Union, types.UnionType):
        return {"anyOf": [_schema(arg, definitions) for arg in args]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": _schema(args[0], definitions)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(args[1], definitions)}
    if is_record(annotation):
        if annotation.__name__ not in definitions:
            definitions[annotation.__name__] = {}  # a placeholder first: records may nest themselves
            definitions[annotation.__name__] = _record_schema(annotation, definitions)
        return {"$ref": f"#/$defs/{annotation.__name__}"}
    return dict(SCALAR_SCHEMAS[annotation])


SCALAR_SCHEMAS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    Decimal: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    None: {"type": "null"},
    Any: {},
}
