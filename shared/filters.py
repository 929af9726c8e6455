"""A list's filters applied to its projection table, the same way for every list a service answers."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, Table

from shared.vocabulary import status_filter


def narrowed(query: Select[Any], table: Table, filters: Mapping[str, Any], statuses: type[StrEnum],
          exact: Iterable[str] = ("region",)) -> Select[Any]:
    """``query`` narrowed by ``status`` (one of ``statuses``), each ``exact`` column given, and
    ``regions`` (a consultant's: None means every region). An empty filter counts as absent."""
    status = status_filter(filters.get("status"), statuses)
    if status is not None:
        query = query.where(table.c.status == status)
    for key in exact:
        if filters.get(key):
            query = query.where(table.c[key] == filters[key])
    if filters.get("regions") is not None:
        query = query.where(table.c.region.in_(filters["regions"]))
    return query
