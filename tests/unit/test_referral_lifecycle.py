"""The referral status machine both projections follow (shared/referral_lifecycle.py)."""
from __future__ import annotations

import pytest

from shared import referral_lifecycle
from shared.vocabulary import ReferralStatus


def test_only_a_waiting_referral_can_be_withdrawn() -> None:
    assert [s for s in ReferralStatus if referral_lifecycle.may_withdraw(s)] == [ReferralStatus.WAITING]


@pytest.mark.parametrize(("allowed", "status"), [(True, ReferralStatus.WAITING), (False, ReferralStatus.CLOSED)])
def test_a_closure_sends_the_referral_back_to_waiting_only_when_it_allows_a_rematch(
        allowed: bool, status: ReferralStatus) -> None:
    assert referral_lifecycle.after_closure({"reason": "other", "rematch_allowed": allowed}) == status

