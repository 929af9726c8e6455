"""A marshmallow schema compiled to plain Python for input it can vouch for; marshmallow for the rest.

Every event a consumer takes is validated, and marshmallow's generic machinery
(error stores, per-field closures, ``And`` of validators) costs more than the
checks themselves. ``loader(schema)`` and ``normaliser(schema)`` write the same
schema objects out once as Python source (a function per schema, each field's
checks in line) and return functions that answer exactly what
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

from marshmallow import EXCLUDE, RAISE, Schema, fields, missing, validate
from marshmallow.decorators import POST_DUMP, POST_LOAD, PRE_DUMP, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import get_fixed_timezone
from marshmallow.validate import Validator


class Unsure(Exception):
    """The compiled check cannot vouch for this input: ask marshmallow."""


Dump = Callable[[Any, Any], Any]  # (loaded value, the object holding it) -> JSON value

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The spelling every envelope's moments have (``datetime.isoformat`` of an aware datetime):
# a narrower set than marshmallow's ISO 8601 pattern, so anything else is left to it.
_ISO_AWARE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                        r"(?:\.([0-9]{1,6}))?(Z|[+-][0-9]{2}:[0-9]{2})")


def loader(schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
    """``schema.load`` for input it vouches for (else ``Unsure``), or None if not compilable."""
    load = _Source(dumping=False).function(schema)
    return None if load is None else _guarded(load)


def dumper(schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
    """``schema.dump`` for a dict it vouches for (else ``Unsure``), or None if not compilable.

    A field named like a dict attribute (``items``) is compiled too: a dict lacking
    it is ``Unsure`` (marshmallow would dump the dict's method).
    """
    dump = _schema_dump(schema, keys_like_attributes=True)
    return None if dump is None else _guarded(lambda obj: dump(obj, None))


def normaliser(schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
    """``dict(schema.dump(schema.load(data)))`` for input it vouches for, or None if not compilable.

    Loaded and dumped in one pass: each field's dumped value is made beside its loaded one.
    """
    normalise = _Source(dumping=True).function(schema)
    return None if normalise is None else _guarded(normalise)


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
               and "." not in name  # marshmallow loads "a.b" into {"a": {"b": ...}}
               and f._CHECK_ATTRIBUTE  # a Function or Method field dumps even when its key is absent
               and type(f).deserialize is fields.Field.deserialize
               and type(f).serialize is fields.Field.serialize for name, f in schema.fields.items())


class _Source:
    """A schema's load (and, ``dumping``, its dump beside it) written out as Python source.

    One function per schema object (a nested schema has its own), each field's type check,
    parsing and validators in line, as ``Schema.load`` runs them: the ``Length`` validator
    written out, any other called as ``Field._validate`` calls it. A field of a class not
    modelled here is loaded by its own ``deserialize`` and dumped by its ``_serialize``
    (after the whole object is loaded: it is given that object, as ``Schema.dump`` gives it).
    """

    def __init__(self, dumping: bool) -> None:
        self.dumping = dumping
        self.open: set[type] = set()  # the schemas being written now
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"Unsure": Unsure, "missing": missing,
                                      "_iso_date": _iso_date, "_iso_aware": _iso_aware}

    def function(self, schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
        top = self.schema(schema, schema.unknown)
        if top is None:
            return None
        exec(compile("\n".join(self.lines), f"<compiled {type(schema).__name__}>", "exec"), self.names)
        run = self.names[top]
        return (lambda data: run(data)[1]) if self.dumping else run

    def ref(self, value: Any) -> str:
        name = f"_{len(self.names)}"
        self.names[name] = value
        return name

    def schema(self, schema: Schema, unknown: str | None) -> str | None:
        """The name of the function loading (and dumping) ``schema``, or None if not compilable."""
        unknown = unknown or schema.unknown
        if not _compilable(schema) or unknown not in (RAISE, EXCLUDE) or type(schema) in self.open:
            return None  # (a schema nested in itself is left to marshmallow)
        self.open.add(type(schema))
        try:
            return self._schema(schema, unknown)
        finally:
            self.open.discard(type(schema))

    def _schema(self, schema: Schema, unknown: str) -> str | None:
        hooks = self.hooks(schema)
        if hooks is None:
            return None
        # A hook may change what was loaded, and marshmallow dumps what it left: a schema with
        # hooks is dumped after them, as a whole, instead of field by field beside its loading.
        dump_after = _schema_dump(schema) if self.dumping and hooks else None
        if self.dumping and hooks and dump_after is None:
            return None
        code = ["    if type(data) is not dict:", "        raise Unsure()"]
        if unknown == RAISE:
            code += [f"    if not {self.ref(frozenset(schema.load_fields))}.issuperset(data):",
                     "        raise Unsure()"]
        code += ["    loaded = {}", *(["    out = {}"] if self.dumping and dump_after is None else [])]
        later: list[tuple[str, fields.Field]] = []  # dumped once the whole object is loaded
        for name, field in schema.load_fields.items():
            dumped = self.dumping and dump_after is None and name in schema.dump_fields
            lines = self.field(name, field, dumped, later)
            if lines is None:
                return None
            code += lines
        for name, field in later:
            code += [f"    if {name!r} in out:",
                     f"        out[{name!r}] = {self.ref(_field_dump(field, name))}(out[{name!r}], loaded)"]
        code += hooks
        if dump_after is not None:
            code.append(f"    out = {self.ref(dump_after)}(loaded, None)")
        code.append("    return loaded, out" if self.dumping else "    return loaded")
        function = self.ref(None)
        self.lines += [f"def {function}(data):", *code]
        return function

    def hooks(self, schema: Schema) -> list[str] | None:
        """The schema's ``@validates`` and ``@validates_schema`` methods, called as ``Schema.load``
        calls them (in its order; anything they would store as an error raises here instead), or
        None for a hook of a field the schema lacks (which marshmallow reports)."""
        code = []
        for attr, _many, options in schema._hooks[VALIDATES]:
            name = options["field_name"]
            if name not in schema.fields:
                if name in schema.declared_fields:
                    continue  # excluded: marshmallow skips it
                return None
            # A hook that answers ``missing`` has marshmallow drop the field: that is left to it.
            code += [f"    if {name!r} in loaded and {self.ref(getattr(schema, attr))}(loaded[{name!r}]) is missing:",
                     "        raise Unsure()"]
        for pass_many in (True, False):
            for attr, many, options in schema._hooks[VALIDATES_SCHEMA]:
                if many == pass_many:
                    original = "data, " if options.get("pass_original", False) else ""
                    code.append(f"    {self.ref(getattr(schema, attr))}(loaded, {original}partial=None, many=False)")
        return code

    def field(self, name: str, field: fields.Field, dumped: bool,
              later: list[tuple[str, fields.Field]]) -> list[str] | None:
        key = repr(name)
        value = self.value(name, field, "        ")
        if value is None:
            return None
        code, native = value
        if dumped and not native:  # out holds the loaded value until ``later`` dumps it
            later.append((name, field))
        out = (lambda made: [f"        out[{key}] = {made}"]) if dumped else (lambda made: [])
        return [f"    v = data.get({key}, missing)", "    if v is missing:",
                *self.absent(name, field, out if native else lambda _made: out("lv")),
                "    elif v is None:",
                *(["        raise Unsure()"] if not field.allow_none else
                  [f"        loaded[{key}] = None", *out("None")]),
                "    else:", *code, f"        loaded[{key}] = lv", *out("dv" if native else "lv")]

    def absent(self, name: str, field: fields.Field, out: Callable[[str], list[str]]) -> list[str]:
        if field.required:
            return ["        raise Unsure()"]
        default = field.load_default
        if default is missing:
            return ["        pass"]
        made = f"{self.ref(default)}()" if callable(default) else self.ref(default)
        return [f"        lv = loaded[{name!r}] = {made}", *out(f"{self.ref(_field_dump(field, name))}(lv, loaded)")]

    def value(self, name: str, field: Any, at: str) -> tuple[list[str], bool] | None:
        """Lines setting ``lv`` (and ``dv``, if ``native``) from ``v``, and whether the dump was modelled."""
        kind = type(field)
        plain = _plain_type(field)
        if plain is not None:
            native = not (kind is fields.Integer and field.as_string)
            return [*self.typed("v", plain, at), f"{at}lv = dv = v", *self.checks(field, "lv", at)], native
        if kind is fields.Date and field.format in (None, "iso"):
            return [*self.typed("v", "str", at), f"{at}lv = _iso_date(v)", *self.checks(field, "lv", at),
                    *self.dumps(f"{at}dv = lv.isoformat()")], True
        if kind is fields.AwareDateTime and field.format in (None, "iso") and field.default_timezone is None:
            return [*self.typed("v", "str", at), f"{at}lv = _iso_aware(v)", *self.checks(field, "lv", at)], False
        if kind is fields.Dict and field.key_field is None and field.value_field is None:
            return [*self.typed("v", "dict", at), f"{at}lv = dict(v)", *self.checks(field, "lv", at),
                    *self.dumps(f"{at}dv = dict(lv)")], True
        if kind is fields.List:
            items = self.items(field.inner, at)
            if items is not None:
                return [*self.typed("v", "list", at), *items, *self.checks(field, "lv", at)], True
        if kind is fields.Nested and not field.many and not field.schema.many:
            nested = self.schema(field.schema, field.unknown)
            if nested is not None:
                run = f"lv, dv = {nested}(v)" if self.dumping else f"lv = {nested}(v)"
                return [*self.typed("v", "dict", at), f"{at}{run}", *self.checks(field, "lv", at)], True
        load = self.ref(lambda value, data: field.deserialize(value, name, data))
        return [f"{at}lv = {load}(v, data)"], False

    def items(self, inner: Any, at: str) -> list[str] | None:
        """A list's items as ``List`` loads them, for items of a plain type (each dumps as itself)."""
        plain = _plain_type(inner)
        if plain is None or (plain == "int" and inner.as_string):  # those dump as strings
            return None
        deeper = at + "    "
        none = [f"{deeper}    lv.append(None)", f"{deeper}    continue"] if inner.allow_none else \
            [f"{deeper}    raise Unsure()"]
        return [f"{at}lv = dv = []", f"{at}for x in v:", f"{deeper}if x is None:", *none,
                *self.typed("x", plain, deeper), *self.checks(inner, "x", deeper), f"{deeper}lv.append(x)"]

    def dumps(self, line: str) -> list[str]:
        return [line] if self.dumping else []

    @staticmethod
    def typed(var: str, kind: str, at: str) -> list[str]:
        return [f"{at}if type({var}) is not {kind}:", f"{at}    raise Unsure()"]

    def checks(self, field: fields.Field, var: str, at: str) -> list[str]:
        """The field's validators on ``var``, as ``Field._validate`` runs them (a ``Length`` in line)."""
        code = []
        for validator in field.validators:
            if type(validator) is validate.Length:
                code += [f"{at}n = len({var})", *self.length(validator, at)]
            elif isinstance(validator, Validator):
                code.append(f"{at}{self.ref(validator)}({var})")
            else:  # a plain function refuses by raising, or by returning False
                code += [f"{at}if {self.ref(validator)}({var}) is False:", f"{at}    raise Unsure()"]
        return code

    @staticmethod
    def length(rule: validate.Length, at: str) -> list[str]:
        if rule.equal is not None:
            refused = f"n != {rule.equal!r}"
        else:
            bounds = ([f"n < {rule.min!r}"] if rule.min is not None else []) + \
                     ([f"n > {rule.max!r}"] if rule.max is not None else [])
            if not bounds:
                return []
            refused = " or ".join(bounds)
        return [f"{at}if {refused}:", f"{at}    raise Unsure()"]


_PLAIN: dict[type, str] = {fields.String: "str", fields.Integer: "int", fields.Boolean: "bool"}


def _plain_type(field: Any) -> str | None:
    """The JSON type a field of exactly String, Integer or (default truth) Boolean loads as itself."""
    kind = type(field)
    return None if kind is fields.Boolean and not _plain_truth(field) else _PLAIN.get(kind)


def _plain_truth(field: Any) -> bool:
    """The default truthy and falsy sets: true loads and dumps as true, false as false."""
    return field.truthy == fields.Boolean.truthy and field.falsy == fields.Boolean.falsy


def _iso_date(value: str) -> date:
    if not _ISO_DATE.fullmatch(value):
        raise Unsure()
    return date(int(value[:4]), int(value[5:7]), int(value[8:10]))


def _iso_aware(value: str) -> datetime:
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
