"""The gateway's endpoints, one mixin per resource, combined in ``service.py``.

Each endpoint is declared once with ``endpoints.route`` (see there how to add one).
"""
from __future__ import annotations

from ..auth import CONSULTANT, Principal, check_visible
from ..rpc import TimedServiceProxy


class Routes:
    """What every route mixin may use: the services' timed RPC proxies and scope checks.

    The checks ask a service for the object's region only for consultants (the other
    roles are not region-bound); one outside the token's regions is answered as absent,
    with the very message the service gives for a missing one.
    """

    referrals: TimedServiceProxy
    matching: TimedServiceProxy
    followup: TimedServiceProxy

    def _check_referral_region(self, who: Principal, referral_id: str) -> None:
        if who.role == CONSULTANT:
            region = self.referrals.get_referral(referral_id, False).get("region")
            check_visible(who, region, f"no referral {referral_id}")

    def _check_volunteer_region(self, who: Principal, volunteer_id: str) -> None:
        if who.role == CONSULTANT:
            region = self.matching.get_volunteer(volunteer_id, False).get("region")
            check_visible(who, region, f"no volunteer {volunteer_id}")

    def _check_match_region(self, who: Principal, match_id: str) -> None:
        if who.role == CONSULTANT:
            check_visible(who, self.followup.get_match(match_id).get("region"), f"no match {match_id}")
