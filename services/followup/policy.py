"""The contact cadence policies, read in one place: ``policies.json`` or ``LGV_FOLLOWUP_POLICY_FILE``.

A new cadence is a new version in that file (a deployment change, not a release);
``parse`` refuses a file whose versions repeat, are not in ``effective_from`` order,
or miss a field, so a bad policy fails the calls that need it rather than misjudging.
"""
from __future__ import annotations

from dataclasses import fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.followup.cadence import Policy
from shared import config

_DEFAULT = Path(__file__).with_name("policies.json")
_PERIODS = tuple(f.name for f in fields(Policy) if f.name not in ("version", "effective_from"))


@lru_cache(maxsize=1)
def load() -> tuple[Policy, ...]:
    """The policy versions in force over time, oldest first."""
    path = config.followup_policy_file(_DEFAULT)
    return parse(config.load_json(path), str(path))


def parse(data: dict[str, Any], where: str = "policies") -> tuple[Policy, ...]:
    """Policy versions from the file's JSON; ValueError says what is wrong."""
    versions = data.get("versions") if isinstance(data, dict) else None
    if not versions:
        raise ValueError(f"{where}: needs a non-empty list 'versions'")
    policies = tuple(_policy(entry, f"{where}: version {i + 1}") for i, entry in enumerate(versions))
    names = [p.version for p in policies]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: version names must be unique, got {names}")
    starts = [p.effective_from for p in policies]
    if starts != sorted(set(starts)):
        raise ValueError(f"{where}: effective_from must strictly increase from version to version")
    return policies


def _policy(entry: dict[str, Any], where: str) -> Policy:
    missing = [name for name in ("version", "effective_from", *_PERIODS) if name not in entry]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    for name in _PERIODS:
        value, least = entry[name], 0 if name == "first_month_min_contacts" else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"{where}: {name} must be a whole number >= {least}, got {value!r}")
    return Policy(version=str(entry["version"]),
                  effective_from=date.fromisoformat(entry["effective_from"]),
                  **{name: entry[name] for name in _PERIODS})
