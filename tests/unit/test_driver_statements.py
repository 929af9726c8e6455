"""The shorter bind processors of ``shared.driver_statements`` write what SQLAlchemy's own write, value for value."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.dialects import postgresql, sqlite

from shared.db import UtcDateTime
from shared.driver_statements import shorter

SQLITE = sqlite.dialect()
offsets = st.one_of(st.just(timezone.utc), st.none(),
                    st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m))))
moments = st.builds(lambda d, tz: d.replace(tzinfo=tz),
                    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)), offsets)


def _written(process, value):
    try:
        return process(value)
    except Exception as error:  # the same refusal counts as the same answer
        return type(error)


@given(moments)
def test_a_moment_is_written_as_sqlalchemy_writes_it(value):
    general = UtcDateTime()._cached_bind_processor(SQLITE)
    assert _written(shorter(UtcDateTime(), SQLITE, general), value) == _written(general, value)


@given(st.one_of(st.dates(), moments, st.none()))
def test_a_date_is_written_as_sqlalchemy_writes_it(value):
    general = Date()._cached_bind_processor(SQLITE)
    assert _written(shorter(Date(), SQLITE, general), value) == _written(general, value)


def test_moments_and_dates_on_sqlite_take_the_shorter_way():
    for type_ in (UtcDateTime(), Date()):
        general = type_._cached_bind_processor(SQLITE)
        assert shorter(type_, SQLITE, general) is not general


def test_other_types_formats_and_backends_keep_their_own_processor():
    for type_ in (Integer(), String(), DateTime(), sqlite.DATE(storage_format="%(day)02d/%(month)02d/%(year)04d")):
        general = type_._cached_bind_processor(SQLITE)
        assert shorter(type_, SQLITE, general) is general
    for dialect in (postgresql.dialect(), sqlite.dialect(native_datetime=True)):
        general = UtcDateTime()._cached_bind_processor(dialect)
        assert shorter(UtcDateTime(), dialect, general) is general
