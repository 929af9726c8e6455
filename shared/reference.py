"""Reference data (regions, referring sites, focus areas): data, not code.

``LGV_REFERENCE_FILE`` points at another JSON file of the same shape, so a new
region or site is a deployment change, not a release.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

_DEFAULT = Path(__file__).with_name("reference_data.json")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    path = Path(os.environ.get("LGV_REFERENCE_FILE", _DEFAULT))
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def regions() -> tuple[str, ...]:
    return tuple(_data()["regions"])


def site_codes() -> tuple[str, ...]:
    return tuple(_data()["sites"])


def region_of_site(site: str) -> str:
    return str(_data()["sites"][site]["region"])


def focus_areas() -> tuple[str, ...]:
    return tuple(_data()["focus_areas"])
