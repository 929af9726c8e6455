"""The projections' JSON text is json.dumps's, character for character."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import json_text

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20)


@given(values)
def test_the_text_is_that_of_json_dumps_with_sorted_keys_and_no_ascii_escapes(value):
    assert json_text.dumps(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)


def test_a_sealed_value_and_danish_text_are_stored_as_written():
    value = {"municipality": "København", "languages": ["da", "ar"], "note": 'say "hej"\n'}
    assert json_text.dumps(value) == ('{"languages": ["da", "ar"], "municipality": "København", '
                                      '"note": "say \\"hej\\"\\n"}')
    assert json_text.dumps("lgv-sealed:1:abc") == '"lgv-sealed:1:abc"'


def test_what_json_cannot_hold_fails_as_json_dumps_fails():
    with pytest.raises(TypeError):
        json_text.dumps({"when": object()})
    with pytest.raises(TypeError):
        json_text.dumps({1.5j: 1})  # a key json.dumps refuses
