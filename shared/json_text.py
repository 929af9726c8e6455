"""JSON values as the projections store them: ``json.dumps(value, ensure_ascii=False, sort_keys=True)``.

Each call of ``json.dumps`` (or of a ``JSONEncoder``'s ``encode``) builds its C
encoder again; a replay stores a few such values for every event, so the
encoder here is built once. The text is the same as ``json.dumps`` gives, key
for key and character for character. Values come from JSON and hold no cycles,
so there is no circular-reference check (a cycle fails with RecursionError
instead of ValueError).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _json_encoder
from typing import Any

import orjson

_SLOW = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _not_serialisable(value: Any) -> Any:
    return _SLOW.default(value)  # raises TypeError, as json.dumps does


def _built() -> Callable[[Any], str]:
    make = getattr(_json_encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator on this interpreter
        return _SLOW.encode
    chunks = make(None, _not_serialisable, _json_encoder.encode_basestring, None, ": ", ", ", True, False, True)
    quoted = _json_encoder.encode_basestring

    def dumps(value: Any) -> str:
        return quoted(value) if isinstance(value, str) else "".join(chunks(value, 0))

    return dumps


dumps: Callable[[Any], str] = _built()


# orjson's options for text that must be what ``json.dumps(..., sort_keys=True)`` would give:
# keys sorted, and dates, dataclasses and subclasses of str, int, dict and list refused
# (``orjson.JSONEncodeError``), for the standard library to write or refuse as it does.
ORJSON_SORTED_PLAIN = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                       | orjson.OPT_PASSTHROUGH_SUBCLASS)
