"""The consultant's web page in a real browser (Debian's Chromium) over the real system.

The four services run as OS processes on the real RabbitMQ; referrals arrive over the bus;
everything else a consultant does here goes through the page, which knows only the API.
Each page is photographed under tests/output/screenshots/.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.support import events as ev
from tests.support.api import Api
from tests.support.browser import PHONE, Browser
from tests.support.cli import lgv
from tests.support.waiting import wait_for

XSS = "<img src=x onerror=alert(1)>"
MATCHED_ON = (date.today() - timedelta(days=30)).isoformat()  # so the first contact is overdue today


@pytest.fixture
def browser() -> Iterator[Browser]:
    running = Browser()
    try:
        yield running
    finally:
        running.close()


def sign_in_link(system, *args: str) -> str:
    link = lgv(system.env, "token", "issue", *args, "--link").strip()
    assert link.startswith(f"{system.gateway}/#token="), link
    return link


def test_a_consultant_does_a_days_work_and_a_coordinator_sees_the_report(system, intake, browser):
    page = browser.page()
    signs_in_with_a_link(page, system)
    plain_ref = sees_referrals_arrive_from_the_bus(page, browser, intake)
    registers_screens_and_trains_a_volunteer(page, browser)
    matches_from_the_candidates(page, browser, system, plain_ref)
    records_a_check_in_and_closes(page, browser)

    api = Api(system.gateway)
    [match] = api.ok("/api/v1/matches")["items"]  # the double click made one match
    assert match["checkins"] == 1 and match["close_reason"] == "goals_reached"
    wait_for(lambda: api.ok(f"/api/v1/referrals/{match['referral_id']}")["status"] == "closed", what="closed")

    reads_the_report_suppressed_and_in_english(page, browser)
    coordinator = browser.page()
    coordinator.goto(sign_in_link(system, "--role", "coordinator", "--name", "Birgit"))
    sees_the_reports_charts(coordinator, browser)
    reads_the_audit_trail_and_access_log_then_erases(coordinator, browser, system, match["referral_id"])
    sees_the_waiting_list_on_a_phone(browser, system)
    is_signed_out_when_the_token_is_revoked(browser, system)

    assert browser.dialogs == []  # the markup never ran
    personal = ("Test Person", "Test%20Person", "Test+Person", "Vera", "00000000")
    assert not [url for url in browser.urls if any(p in url for p in personal)]
    assert not [e for e in browser.console_errors if "Content Security Policy" in e], browser.console_errors
    assert len(browser.writes) >= 10 and all(key for _, key in browser.writes), browser.writes


def signs_in_with_a_link(page, system):
    page.goto(sign_in_link(system, "--role", "consultant", "--region", "hovedstaden", "--name", "Karin"))
    expect(page.locator("[data-who]")).to_contain_text("Karin")
    expect(page.locator("[data-who]")).to_contain_text("konsulent · hovedstaden")
    assert "token" not in page.url and page.evaluate("document.cookie") == ""
    expect(page.get_by_role("heading", name="Venteliste")).to_be_visible()
    page.keyboard.press("Tab")  # the keyboard's way in: skip link, then the first filter
    expect(page.locator(".skip")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Region")).to_be_focused()
    expect(page.get_by_text("Ingen venter lige nu.")).to_be_visible()


def sees_referrals_arrive_from_the_bus(page, browser, intake) -> str:
    # A referral (and one whose municipality is markup) arrive over the bus while the list is open.
    plain = ev.referral_submitted(referred_on="2023-01-15")
    hostile = ev.referral_submitted(participant=ev.participant(municipality=XSS), referred_on="2023-03-01")
    intake.publish(plain)
    intake.publish(hostile)
    plain_ref, hostile_ref = plain["payload"]["external_ref"], hostile["payload"]["external_ref"]
    rows = page.locator("[data-view=waiting] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(plain_ref)  # longest waiting first
    expect(rows.nth(1)).to_contain_text(XSS)  # the markup as text, literally
    expect(page.locator("[data-view=waiting] img")).to_have_count(0)
    browser.shot(page, "01-waiting-list")
    page.get_by_role("link", name=hostile_ref).click()
    expect(page.locator("dl.facts").nth(1)).to_contain_text(XSS)
    expect(page.get_by_text("Test Person")).to_be_visible()  # the consultant sees personal data
    browser.shot(page, "02-referral-markup-shown-as-text")
    page.go_back()
    return plain_ref


def registers_screens_and_trains_a_volunteer(page, browser):
    # A volunteer is registered, screened and trained on the page.
    page.get_by_role("link", name="Frivillige").click()
    register = page.locator("form", has=page.get_by_role("heading", name="Registrér en frivillig"))
    register.get_by_role("button", name="Registrér").click()  # nothing filled in: the API names the fields
    expect(register.locator('[data-error-for="gender"]')).not_to_be_empty()
    expect(register.locator('[data-error-for="municipality"]')).not_to_be_empty()
    register.get_by_label("Køn").select_option("female")
    register.get_by_label("Fødselsår").fill("1980")
    register.get_by_label("Sprog", exact=True).fill("da, ar")
    register.get_by_label("Kommune").fill("København")
    register.get_by_label("Region").select_option("hovedstaden")
    register.get_by_label("Netværk").check()
    register.get_by_label("Navn").fill("Vera Frivillig")
    register.get_by_role("button", name="Registrér").click()
    expect(register).to_contain_text("Den frivillige er registreret.")
    expect(page.locator("[data-view=volunteers] tbody tr")).to_have_count(1)
    browser.shot(page, "03-volunteers")
    register.get_by_role("link", name="Åbn den frivillige").click()
    page.locator("[data-step=screening]").get_by_role("button").click()
    page.locator("[data-step=training]").get_by_role("button").click()
    expect(page.locator("dl.facts").first).to_contain_text("Ledig")
    expect(page.get_by_text("Vera Frivillig")).to_be_visible()
    browser.shot(page, "04-volunteer")


def matches_from_the_candidates(page, browser, system, plain_ref):
    # Candidates for the plain referral; match the first with a date a month ago.
    page.get_by_role("link", name="Venteliste").click()
    page.get_by_role("link", name=plain_ref).click()
    page.get_by_role("link", name="Find en frivillig").click()
    candidates = page.locator("[data-view=candidates] tbody tr")
    expect(candidates).to_have_count(1)
    expect(candidates.first).to_contain_text("speaks Arabic")
    browser.shot(page, "05-candidates")
    colleague = browser.page()  # a second consultant has the same candidates open
    colleague.goto(sign_in_link(system, "--role", "consultant", "--region", "hovedstaden", "--name", "Jens"))
    colleague.goto(page.url)
    expect(colleague.locator("[data-view=candidates] tbody tr")).to_have_count(1)
    page.get_by_label("Matchet").fill(MATCHED_ON)
    page.get_by_role("button", name="Match").dblclick()  # a double click matches once
    expect(page.get_by_role("heading", name="Match", exact=True)).to_be_visible()
    expect(page.locator("[data-view=match] dl.facts")).to_contain_text("Aktivt")
    browser.shot(page, "06-match")
    colleague.get_by_role("button", name="Match").click()
    expect(colleague.locator('[data-error-for="_form"]')).to_contain_text("Nogen kom dig i forkøbet")
    browser.shot(colleague, "06b-candidates-conflict")


def records_a_check_in_and_closes(page, browser):
    # Today's contacts: the first contact is overdue; record a check-in with a concern, then close.
    page.get_by_role("link", name="Opfølgning").click()
    due = page.locator("[data-view=followup] tbody tr")
    expect(due).to_have_count(1)
    expect(due.first).to_contain_text("dage over")
    browser.shot(page, "07-contacts-due")
    due.first.get_by_role("link").click()
    checkin = page.locator("[data-form=checkin]")
    checkin.get_by_label("Kontakt", exact=True).select_option("phone_participant")
    checkin.get_by_label("Bekymring").check()
    checkin.get_by_role("button", name="Registrér opfølgning").click()
    expect(checkin).to_contain_text("Opfølgningen er registreret.")
    expect(page.locator("[data-view=match] dl.facts")).to_contain_text("Bekymring")
    close = page.locator("[data-form=close]")
    close.get_by_role("button", name="Afslut").click()  # no initiator, no reason: said beside each
    expect(close.locator('[data-error-for="initiator"]')).not_to_be_empty()
    expect(close.locator('[data-error-for="reason"]')).not_to_be_empty()
    browser.shot(page, "08-match-checkin-and-close-errors")
    close.get_by_label("Hvem afsluttede").select_option("mutual")
    close.get_by_label("Årsag").select_option("goals_reached")
    close.get_by_role("button", name="Afslut").click()
    expect(page.locator("[data-view=match] dl.facts")).to_contain_text("Målene nået")
    browser.shot(page, "09-match-closed")


def reads_the_report_suppressed_and_in_english(page, browser):
    # The consultant's report suppresses small cells; the page says so instead of showing 0.
    page.get_by_role("link", name="Rapport").click()
    page.get_by_label("Fra").fill("2020-01-01")
    page.get_by_label("Skjul tal under").fill("5")
    page.get_by_role("button", name="Vis rapport").click()
    expect(page.locator("[data-figure=matches_established]")).to_contain_text("skjult (<5)")
    expect(page.locator("#chart-gender")).to_contain_text("skjult (<5)")
    browser.shot(page, "10-report-suppressed")

    # English on request; dates stay Danish.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Evaluation report")).to_be_visible()
    expect(page.locator("[data-as-of]")).to_contain_text(f"Period 01.01.{date.today().year}–{date.today():%d.%m.%Y}")
    browser.shot(page, "11-report-english")
    page.get_by_role("button", name="Dansk").click()
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def sees_the_reports_charts(boss, browser):
    # Unsuppressed for a coordinator: the figures, four charts, the CSV, and the report as of a moment.
    boss.get_by_role("link", name="Rapport").click()
    boss.get_by_label("Fra").fill("2020-01-01")
    boss.get_by_role("button", name="Vis rapport").click()
    expect(boss.locator("[data-figure=matches_established] .value")).to_have_text("1")
    for chart in ("chart-gender", "chart-countries", "chart-ages", "chart-six-month"):
        expect(boss.locator(f"#{chart} rect.bar")).not_to_have_count(0)
    expect(boss.locator("#chart-gender")).to_contain_text("100,0 %")
    expect(boss.locator("#chart-countries")).to_contain_text("Syrien")
    with boss.expect_download() as download:
        boss.get_by_role("button", name="Hent CSV").click()
    assert download.value.path().read_text().startswith("scope,figure,key,value")
    browser.shot(boss, "12-report-charts")
    boss.get_by_label("Som systemet svarede den").fill("2020-01-01T00:00:00")  # before anything was recorded
    boss.get_by_role("button", name="Vis rapport").click()
    expect(boss.locator("[data-as-of]")).to_contain_text("som systemet svarede 01.01.2020")
    expect(boss.locator("[data-figure=matches_established] .value")).to_have_text("0")
    browser.shot(boss, "12b-report-as-of")


def reads_the_audit_trail_and_access_log_then_erases(boss, browser, system, referral_id):
    # The subject's audit trail and who was shown her personal data; then the erasure, confirmed.
    boss.goto(f"{system.gateway}/#/audit/{referral_id}")
    trail = boss.locator("[data-view=audit] tbody tr")
    expect(trail.first).to_be_visible()
    expect(boss.locator("[data-view=audit] table").first).to_contain_text("Henvisning modtaget")
    expect(boss.locator("[data-view=audit] table").first).to_contain_text("Matchet")
    accesses = boss.locator("[data-view=audit] .table-wrap").nth(1)  # who was shown her personal data
    expect(accesses).to_contain_text("Karin")
    expect(accesses).to_contain_text("konsulent")
    browser.shot(boss, "13-audit-trail-and-access-log")
    boss.goto(f"{system.gateway}/#/referral/{referral_id}")
    boss.get_by_role("button", name="Slet personoplysninger …").click()
    boss.get_by_role("button", name="Ja, slet for altid").click()  # no reason yet: refused on the page
    expect(boss.locator('[data-erasure] [data-error-for="reason"]')).to_have_text("Skriv en begrundelse.")
    browser.shot(boss, "14-erasure-confirmation")
    boss.get_by_label("Begrundelse for sletningen").fill("the participant asked for it")
    boss.get_by_role("button", name="Ja, slet for altid").click()
    expect(boss.locator("[data-erasure]")).to_contain_text("Sletningen er registreret.")
    expect(boss.get_by_text("Personoplysningerne er slettet.")).to_be_visible()
    expect(boss.get_by_text("Test Person")).to_have_count(0)
    browser.shot(boss, "14b-erased")


def sees_the_waiting_list_on_a_phone(browser, system):
    # On a phone the waiting list is still there, one column of navigation above it.
    phone = browser.page(PHONE)
    phone.goto(sign_in_link(system, "--role", "consultant", "--region", "hovedstaden", "--name", "Karin"))
    expect(phone.locator("[data-view=waiting] tbody tr")).to_have_count(1)
    browser.shot(phone, "15-waiting-list-phone")


def is_signed_out_when_the_token_is_revoked(browser, system):
    # A revoked token brings back the sign-in screen, with a plain message, at the next refresh.
    revoked = browser.page()
    revoked.goto(sign_in_link(system, "--role", "consultant", "--region", "hovedstaden", "--name", "Rita"))
    expect(revoked.locator("[data-view=waiting] tbody tr")).to_have_count(1)
    [listed] = [line for line in lgv(system.env, "token", "list").splitlines() if "  Rita  " in line]
    lgv(system.env, "token", "revoke", listed.split()[0])
    expect(revoked.get_by_role("alert")).to_contain_text("Dit login er udløbet eller trukket tilbage")
    expect(revoked.get_by_role("heading", name="Log ind")).to_be_visible()
    assert revoked.evaluate("sessionStorage.length") == 0
    browser.shot(revoked, "16-signed-out-revoked-token")
