"""The ranking's weights: data with a version, read in one place.

``LGV_MATCHING_WEIGHTS_FILE`` points at another JSON file of the same shape
(``{"version": ..., "weights": {...}}``), so tuning a weight is a deployment
change that every proposal records by version, not a release.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from shared import config

DEFAULT_FILE = Path(__file__).with_name("weights.json")


@dataclass(frozen=True)
class Weights:
    """Points per reason; the fairness points grow per day waited, up to a cap."""

    version: str
    shared_language: float
    danish_practice: float
    need_strength: float
    same_municipality: float
    same_region: float
    fairness_per_day: float
    fairness_max_days: int


def parse(data: dict[str, Any]) -> Weights:
    """Weights from the file's JSON; a missing or unknown weight is an error, not a zero."""
    names = {f.name for f in fields(Weights)} - {"version"}
    given = dict(data.get("weights") or {})
    if set(given) != names or not data.get("version"):
        raise ValueError(f"a weights file needs a version and exactly these weights: {sorted(names)}; "
                         f"missing {sorted(names - set(given))}, unknown {sorted(set(given) - names)}")
    values: dict[str, Any] = {name: float(value) for name, value in given.items()}
    values["fairness_max_days"] = int(given["fairness_max_days"])
    return Weights(version=str(data["version"]), **values)


@lru_cache(maxsize=1)
def current() -> Weights:
    """The weights in force: the file named by ``LGV_MATCHING_WEIGHTS_FILE``, or the default."""
    return parse(config.load_json(config.matching_weights_file(DEFAULT_FILE)))
