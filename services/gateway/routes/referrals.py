"""/api/v1/referrals: submit, list, read, withdraw, candidates."""
from __future__ import annotations

from typing import Any

from shared import reference
from shared.commands import EraseSubject, WithdrawReferral
from shared.contracts import ReferralSubmittedV1

from .. import answers, arguments
from ..auth import INTAKE, OPERATE, STAFF, check_region, check_visible, scoped
from ..endpoints import Call, route
from . import Routes


class ReferralRoutes(Routes):
    @route("POST", "/api/v1/referrals", "Submit a referral (the `referral_submitted` payload)",
           roles=INTAKE, body=ReferralSubmittedV1, answer=answers.ReferralId, status=202)
    def submit_referral(self, call: Call) -> Any:
        check_region(call.principal, reference.region_of_site(call.body["referring_site"]))
        return self.referrals.submit_referral(call.body, call.principal.actor)

    @route("GET", "/api/v1/referrals", "List referrals, waiting ones longest-waiting first",
           roles=STAFF, query=arguments.ReferralFilters, answer=answers.ReferralPage)
    def list_referrals(self, call: Call) -> Any:
        return self.referrals.list_referrals(scoped(call.principal, arguments.filters(call.query)), call.query["limit"],
                                             call.query.get("cursor"))

    @route("GET", "/api/v1/referrals/<referral_id>", "One referral", roles=STAFF, answer=answers.Referral)
    def get_referral(self, call: Call, referral_id: str) -> Any:
        self._check_referral_region(call.principal, referral_id)  # before a disclosure is logged
        referral = self.referrals.get_referral(referral_id, *call.principal.personal_read)
        check_visible(call.principal, referral.get("region"), f"no referral {referral_id}")
        return referral

    @route("POST", "/api/v1/referrals/<referral_id>/withdraw", "Withdraw a referral",
           roles=STAFF, body=WithdrawReferral, answer=answers.ReferralId, status=202)
    def withdraw_referral(self, call: Call, referral_id: str) -> Any:
        self._check_referral_region(call.principal, referral_id)
        return self.referrals.withdraw_referral(referral_id, call.body, call.principal.actor)

    @route("POST", "/api/v1/referrals/<referral_id>/erase",
           "Erase a participant's identifying data: their keys are destroyed, the statistics stay",
           roles=OPERATE, body=EraseSubject, answer=answers.Erased, status=202)
    def erase_referral(self, call: Call, referral_id: str) -> Any:
        return self.referrals.erase_referral(referral_id, call.body, call.principal.actor)

    @route("GET", "/api/v1/referrals/<referral_id>/candidates",
           "Ranked volunteers for a waiting referral, explained; recorded as a proposal",
           roles=STAFF, query=arguments.CandidateQuestion, answer=answers.Candidates, errors=(422,))
    def list_candidates(self, call: Call, referral_id: str) -> Any:
        # Staff only, as it records a proposal (an auditor only reads).
        self._check_referral_region(call.principal, referral_id)
        return self.matching.candidates(referral_id, call.query["limit"], call.query["on"],
                                        call.principal.actor)
