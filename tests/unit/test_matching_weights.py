"""The ranking's weights are data with a version; a file that lacks or invents a weight is refused."""
from __future__ import annotations

import json

import pytest

from services.matching import weights
from shared import config

GOOD = {"version": "x-1", "weights": {
    "shared_language": 1, "danish_practice": 1, "need_strength": 1, "same_municipality": 1,
    "same_region": 1, "fairness_per_day": 0.5, "fairness_max_days": 10}}


def test_the_shipped_weights_have_a_version_and_rank_municipality_above_region() -> None:
    shipped = weights.parse(json.loads(weights.DEFAULT_FILE.read_text(encoding="utf-8")))

    assert shipped.version and shipped.same_municipality > shipped.same_region


def test_the_weights_file_can_be_replaced_by_the_environment(tmp_path, monkeypatch) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    monkeypatch.setenv(config.MATCHING_WEIGHTS_FILE, str(path))
    weights.current.cache_clear()
    try:
        assert weights.current().version == "x-1" and weights.current().fairness_max_days == 10
    finally:
        weights.current.cache_clear()


@pytest.mark.parametrize("change", [
    {"version": ""},
    {"weights": {k: v for k, v in GOOD["weights"].items() if k != "same_region"}},
    {"weights": {**GOOD["weights"], "distance": 1}},
])
def test_a_weights_file_without_version_or_with_missing_or_unknown_weights_is_refused(change) -> None:
    with pytest.raises(ValueError):
        weights.parse({**GOOD, **change})
