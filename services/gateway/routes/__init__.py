"""The gateway's endpoints, one mixin per resource, combined in ``service.py``."""
from __future__ import annotations

from ..auth import CONSULTANT, Principal, check_region
from ..rpc import TimedServiceProxy


class Routes:
    """What every route mixin may use: the services' timed RPC proxies and scope checks.

    The checks ask a service for the object's region only for consultants; the
    other roles are not region-bound.
    """

    referrals: TimedServiceProxy
    matching: TimedServiceProxy
    followup: TimedServiceProxy

    def _check_referral_region(self, who: Principal, referral_id: str) -> None:
        if who.role == CONSULTANT:
            check_region(who, self.referrals.get_referral(referral_id, False).get("region"))

    def _check_volunteer_region(self, who: Principal, volunteer_id: str) -> None:
        if who.role == CONSULTANT:
            check_region(who, self.matching.get_volunteer(volunteer_id, False).get("region"))

    def _check_match_region(self, who: Principal, match_id: str) -> None:
        if who.role == CONSULTANT:
            check_region(who, self.followup.get_match(match_id).get("region"))
