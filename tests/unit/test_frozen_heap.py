"""Every service freezes what it holds from its start, so full cycle collections walk only what came since."""
from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from services.followup.service import FollowupService
from services.gateway.service import GatewayService
from services.matching.service import MatchingService
from services.referrals.service import ReferralsService
from shared.runtime.heap import FrozenHeap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_starting_freezes_the_objects_made_so_far(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0
    FrozenHeap().start()
    assert gc.get_freeze_count() > 10_000  # the modules, classes and schemas imported so far


@pytest.mark.parametrize("service", [GatewayService, ReferralsService, MatchingService, FollowupService])
def test_every_service_freezes_its_heap_at_start(service: type) -> None:
    assert any(isinstance(value, FrozenHeap) for value in vars(service).values())
