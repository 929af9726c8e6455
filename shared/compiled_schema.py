"""A marshmallow schema compiled to plain Python for input it can vouch for; marshmallow for the rest.

Every event a consumer takes is validated, and marshmallow's generic machinery
(error stores, per-field closures, ``And`` of validators) costs more than the
checks themselves. ``loader(schema)`` and ``normaliser(schema)`` walk the same
schema objects once and return functions that answer exactly what
``schema.load`` (and ``schema.dump(schema.load(...))``) answers, or raise
``Unsure``: for anything invalid, unusual or not understood here, and the caller
then asks marshmallow, whose answer (the value or its field errors) is the one
given. So the schemas stay the one definition, and this module decides nothing:
it only recognises input that is plainly fine and runs the schema's own
validators and hooks on it. Fields of a class not handled here are run through
their own ``deserialize``/``_serialize``. A schema using what this module does
not model (load or dump processors, renamed keys, dump defaults) is not
compiled (None).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, missing
from marshmallow.decorators import POST_DUMP, POST_LOAD, PRE_DUMP, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.error_store import ErrorStore
from marshmallow.utils import get_fixed_timezone
from marshmallow.validate import Validator


class Unsure(Exception):
    """The compiled check cannot vouch for this input: ask marshmallow."""


Load = Callable[[Any, Any], Any]  # (value, the raw object holding it) -> loaded value
Dump = Callable[[Any, Any], Any]  # (loaded value, the object holding it) -> JSON value

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The spelling every envelope's moments have (``datetime.isoformat`` of an aware datetime):
# a narrower set than marshmallow's ISO 8601 pattern, so anything else is left to it.
_ISO_AWARE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                        r"(?:\.([0-9]{1,6}))?(Z|[+-][0-9]{2}:[0-9]{2})")


def loader(schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
    """``schema.load`` for input it vouches for (else ``Unsure``), or None if not compilable."""
    load = _schema_load(schema, schema.unknown)
    return None if load is None else _guarded(lambda data: load(data, None))


def dumper(schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
    """``schema.dump`` for a dict it vouches for (else ``Unsure``), or None if not compilable.

    A field named like a dict attribute (``items``) is compiled too: a dict lacking
    it is ``Unsure`` (marshmallow would dump the dict's method).
    """
    dump = _schema_dump(schema, keys_like_attributes=True)
    return None if dump is None else _guarded(lambda obj: dump(obj, None))


def normaliser(schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
    """``dict(schema.dump(schema.load(data)))`` for input it vouches for, or None if not compilable."""
    load, dump = _schema_load(schema, schema.unknown), _schema_dump(schema)
    if load is None or dump is None:
        return None
    return _guarded(lambda data: dump(load(data, None), None))


def _guarded(run: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def guarded(data: Any) -> dict[str, Any]:
        try:
            return run(data)
        except Unsure:
            raise
        except Exception as exc:  # a validator's ValidationError, a bad date, anything: marshmallow says
            raise Unsure() from exc
    return guarded


def _compilable(schema: Schema, keys_like_attributes: bool = False) -> bool:
    processors = any(schema._hooks[tag] for tag in (PRE_LOAD, POST_LOAD, PRE_DUMP, POST_DUMP))
    if schema.many or schema.partial or schema.ordered or processors:
        return False
    return all(f.data_key is None and f.attribute is None and f.dump_default is missing
               and (keys_like_attributes or not hasattr({}, name))  # a dict lacking it dumps its method
               and type(f).deserialize is fields.Field.deserialize
               and type(f).serialize is fields.Field.serialize for name, f in schema.fields.items())


def _schema_load(schema: Schema, unknown: str | None) -> Load | None:
    if not _compilable(schema) or (unknown or schema.unknown) not in (RAISE, EXCLUDE):
        return None
    specs = []
    for name, field in schema.load_fields.items():
        specs.append((name, _field_load(field, name), field.required, field.load_default,
                      field.allow_none))
    known = frozenset(schema.load_fields)
    raise_unknown = (unknown or schema.unknown) == RAISE
    hooked = bool(schema._hooks[VALIDATES] or schema._hooks[VALIDATES_SCHEMA])

    def load_schema(data: Any, _parent: Any) -> dict[str, Any]:
        if type(data) is not dict or (raise_unknown and not known.issuperset(data)):
            raise Unsure()
        out: dict[str, Any] = {}
        for name, load, required, default, allow_none in specs:
            value = data.get(name, missing)
            if value is missing:
                if required:
                    raise Unsure()
                if default is not missing:
                    out[name] = default() if callable(default) else default
            elif value is None:
                if not allow_none:
                    raise Unsure()
                out[name] = None
            else:
                out[name] = load(value, data)
        if hooked:
            _run_hooks(schema, out, data)
        return out
    return load_schema


def _run_hooks(schema: Schema, loaded: dict[str, Any], data: dict[str, Any]) -> None:
    """The schema's ``@validates`` and ``@validates_schema`` methods, as ``Schema.load`` runs them."""
    store = ErrorStore()
    schema._invoke_field_validators(error_store=store, data=loaded, many=False)
    for pass_many in (True, False):
        schema._invoke_schema_validators(error_store=store, pass_many=pass_many, data=loaded,
                                         original_data=data, many=False, partial=None)
    if store.errors:
        raise Unsure()


def _field_load(field: fields.Field, name: str) -> Load:
    native = _native_load(field)
    return native if native is not None else lambda value, data: field.deserialize(value, name, data)


def _native_load(field: Any) -> Load | None:
    """The field's parsing done here, with its validators; None for a field left to ``deserialize``."""
    kind = type(field)
    if kind is fields.Nested:
        nested = None if field.many or field.schema.many else _schema_load(field.schema, field.unknown)
        return None if nested is None else _validated(field, nested, dict)
    if kind is fields.List:
        inner = _item_load(field.inner)
        return _validated(field, lambda value, _data: [inner(item, value) for item in value], list)
    if kind is fields.String:
        return _validated(field, lambda value, _data: value, str)
    if kind is fields.Integer:
        return _validated(field, lambda value, _data: value, int)
    if kind is fields.Boolean and _plain_truth(field):
        return _validated(field, lambda value, _data: value, bool)
    if kind is fields.Date and field.format in (None, "iso"):
        return _validated(field, _iso_date, str)
    if kind is fields.AwareDateTime and field.format in (None, "iso") and field.default_timezone is None:
        return _validated(field, _iso_aware, str)
    if kind is fields.Dict and field.key_field is None and field.value_field is None:
        return _validated(field, lambda value, _data: dict(value), dict)
    return None


def _plain_truth(field: Any) -> bool:
    """The default truthy and falsy sets: true loads and dumps as true, false as false."""
    return field.truthy == fields.Boolean.truthy and field.falsy == fields.Boolean.falsy


def _item_load(inner: Any) -> Load:
    """A list item as ``List`` loads it: ``inner.deserialize(item)``."""
    native = _native_load(inner) if type(inner).deserialize is fields.Field.deserialize else None
    if native is None:
        return lambda value, _data: inner.deserialize(value)
    allow_none = inner.allow_none

    def item(value: Any, data: Any) -> Any:
        if value is None:
            if not allow_none:
                raise Unsure()
            return None
        return native(value, data)
    return item


def _iso_date(value: str, _data: Any) -> date:
    if not _ISO_DATE.fullmatch(value):
        raise Unsure()
    return date(int(value[:4]), int(value[5:7]), int(value[8:10]))


def _iso_aware(value: str, _data: Any) -> datetime:
    """What marshmallow's ``from_iso_datetime`` makes of it: the same fields and the same
    fixed-offset zone (named as marshmallow names it), built once per offset."""
    match = _ISO_AWARE.fullmatch(value)
    if match is None:
        raise Unsure()
    year, month, day, hour, minute, second, micro, zone = match.groups()
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                    int(micro.ljust(6, "0")) if micro else 0, _zone(zone))


_ZONES: dict[str, timezone] = {"Z": timezone.utc}


def _zone(spelled: str) -> timezone:
    found = _ZONES.get(spelled)
    if found is None:
        minutes = 60 * int(spelled[1:3]) + int(spelled[4:6])
        found = _ZONES[spelled] = get_fixed_timezone(-minutes if spelled[0] == "-" else minutes)
    return found


def _validated(field: fields.Field, parse: Load, kind: type) -> Load:
    """``parse`` for values of exactly ``kind``, then the field's validators as ``Field._validate`` runs them."""
    validators = [(v, not isinstance(v, Validator)) for v in field.validators]

    def load(value: Any, data: Any) -> Any:
        if type(value) is not kind:
            raise Unsure()
        loaded = parse(value, data)
        for validator, plain in validators:
            if validator(loaded) is False and plain:
                raise Unsure()
        return loaded
    return load


def _schema_dump(schema: Schema, keys_like_attributes: bool = False) -> Dump | None:
    if not _compilable(schema, keys_like_attributes):
        return None
    specs = [(name, _field_dump(field, name, keys_like_attributes), hasattr({}, name))
             for name, field in schema.dump_fields.items()]

    def dump_schema(obj: Any, _parent: Any) -> dict[str, Any]:
        if type(obj) is not dict:
            raise Unsure()
        out = {}
        for name, dump, like_attribute in specs:
            value = obj.get(name, missing)
            if value is not missing:
                out[name] = dump(value, obj)
            elif like_attribute:
                raise Unsure()
        return out
    return dump_schema


def _field_dump(field: fields.Field, name: str, keys_like_attributes: bool = False) -> Dump:
    """``field._serialize`` (what ``serialize`` calls for a present value), done here where it is plain."""
    generic: Dump = lambda value, obj: field._serialize(value, name, obj)  # noqa: E731
    native = _native_dump(field, name, keys_like_attributes)
    if native is None:
        return generic
    kind, dump = native
    # None dumps as None in each of these classes' own _serialize.
    return lambda value, obj: dump(value, obj) if type(value) is kind else \
        None if value is None else generic(value, obj)


def _native_dump(field: Any, name: str, keys_like_attributes: bool) -> tuple[type, Dump] | None:
    kind = type(field)
    if kind is fields.Nested:
        nested = None if field.many or field.schema.many else _schema_dump(field.schema, keys_like_attributes)
        return None if nested is None else (dict, nested)
    if kind is fields.List:
        inner = _field_dump(field.inner, name, keys_like_attributes)
        return list, lambda value, obj: [inner(item, obj) for item in value]
    if kind is fields.String:
        return str, lambda value, _obj: value
    if kind is fields.Integer and not field.as_string:
        return int, lambda value, _obj: value
    if kind is fields.Boolean and _plain_truth(field):
        return bool, lambda value, _obj: value
    if kind is fields.Date and field.format in (None, "iso"):
        return date, lambda value, _obj: value.isoformat()
    if kind is fields.Dict and field.key_field is None and field.value_field is None:
        return dict, lambda value, _obj: dict(value)
    return None
