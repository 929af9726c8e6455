"""/api/v1/volunteers: register, screen, train, list, read."""
from __future__ import annotations

from typing import Any

from shared.commands import EraseSubject, RegisterVolunteer, ScreenVolunteer, TrainVolunteer

from .. import answers, arguments
from ..auth import OPERATE, STAFF, check_region, check_visible, scoped
from ..endpoints import Call, route
from . import Routes


class VolunteerRoutes(Routes):
    @route("POST", "/api/v1/volunteers", "Register a volunteer",
           roles=STAFF, body=RegisterVolunteer, answer=answers.VolunteerId, status=202)
    def register_volunteer(self, call: Call) -> Any:
        check_region(call.principal, call.body["region"])
        return self.matching.register_volunteer(call.body, call.principal.actor)

    @route("POST", "/api/v1/volunteers/<volunteer_id>/screening", "Record screening",
           roles=STAFF, body=ScreenVolunteer, answer=answers.VolunteerId, status=202, errors=(422,))
    def screen_volunteer(self, call: Call, volunteer_id: str) -> Any:
        self._check_volunteer_region(call.principal, volunteer_id)
        return self.matching.screen_volunteer(volunteer_id, call.body, call.principal.actor)

    @route("POST", "/api/v1/volunteers/<volunteer_id>/training", "Record training",
           roles=STAFF, body=TrainVolunteer, answer=answers.VolunteerId, status=202)
    def train_volunteer(self, call: Call, volunteer_id: str) -> Any:
        self._check_volunteer_region(call.principal, volunteer_id)
        return self.matching.train_volunteer(volunteer_id, call.body, call.principal.actor)

    @route("POST", "/api/v1/volunteers/<volunteer_id>/erase",
           "Erase a volunteer's identifying data: their keys are destroyed, the statistics stay",
           roles=OPERATE, body=EraseSubject, answer=answers.Erased, status=202)
    def erase_volunteer(self, call: Call, volunteer_id: str) -> Any:
        return self.matching.erase_volunteer(volunteer_id, call.body, call.principal.actor)

    @route("GET", "/api/v1/volunteers", "List volunteers",
           roles=STAFF, query=arguments.VolunteerFilters, answer=answers.VolunteerPage)
    def list_volunteers(self, call: Call) -> Any:
        return self.matching.list_volunteers(scoped(call.principal, arguments.filters(call.query)), call.query["limit"],
                                             call.query.get("cursor"))

    @route("GET", "/api/v1/volunteers/<volunteer_id>", "One volunteer", roles=STAFF, answer=answers.Volunteer)
    def get_volunteer(self, call: Call, volunteer_id: str) -> Any:
        self._check_volunteer_region(call.principal, volunteer_id)  # before a disclosure is logged
        volunteer = self.matching.get_volunteer(volunteer_id, *call.principal.personal_read)
        check_visible(call.principal, volunteer.get("region"), f"no volunteer {volunteer_id}")
        return volunteer
