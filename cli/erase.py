"""``lgv erase referral|volunteer ID --reason …``: erase a data subject, as the API's coordinator would."""
from __future__ import annotations

import getpass

import click

from cli.services import open_database
from shared import commands, validation
from shared.contracts import ERASURE_REASONS
from shared.errors import LgvError
from shared.masterkey import WrongMasterKey

OWNERS = {"referral": "referrals", "volunteer": "matching"}


@click.command("erase")
@click.argument("kind", type=click.Choice(tuple(OWNERS)))
@click.argument("subject_id")
@click.option("--reason", required=True, help="Why (kept sealed, never published).")
@click.option("--reason-code", type=click.Choice(ERASURE_REASONS), default="data_subject_request",
              show_default=True)
@click.option("--by", default=getpass.getuser, show_default="your login",
              help="The coordinator who decided the erasure (the event's actor).")
def erase(kind: str, subject_id: str, reason: str, reason_code: str, by: str) -> None:
    """Record subject_erased and destroy the subject's keys; every service follows from the bus."""
    from services.matching.handlers import erase_volunteer
    from services.matching.repository import SqlMatching
    from services.referrals.handlers import erase_referral
    from services.referrals.repository import SqlReferrals
    from shared.stored_work import work

    command = validation.command(commands.EraseSubject, {"reason": reason, "reason_code": reason_code},
                                 "erasure")
    actor = {"kind": "consultant", "id": by, "role": "coordinator"}
    try:
        db = open_database(OWNERS[kind])
        if kind == "referral":
            with work(db, SqlReferrals, actor=actor) as referrals:
                erase_referral(referrals, subject_id, command)
        else:
            with work(db, SqlMatching, actor=actor) as matching:
                erase_volunteer(matching, subject_id, command)
    except (LgvError, WrongMasterKey) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{kind} {subject_id} erased; its keys are destroyed here, and in the other services "
               "as soon as they take the subject_erased event from the bus")
