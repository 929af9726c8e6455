// One match: where it stands, record a check-in, close it with initiator and reason.
import * as api from "../api.js";
import { facts, fill, h, link } from "../dom.js";
import { label, t } from "../i18n.js";
import { day, number, today } from "../format.js";
import { checkboxes, checked, field, formError, onSubmit, select, value, input } from "../forms.js";
import { CLOSE_INITIATORS, CLOSE_REASONS, CONTACT_KINDS, FOCUS_AREAS } from "../codes.js";
import { recorded, show } from "./common.js";
import { flags } from "./followup.js";

const REFRESH_MS = 2000;

export function render(root, [matchId], ctx) {
  const path = `/matches/${encodeURIComponent(matchId)}`;
  const about = h("div", {}, h("p", { class: "muted" }, t("match.waiting")));
  const checkin = checkinForm(path);
  const close = closeForm(path);
  root.append(h("h1", {}, t("match.title")), about, checkin, close);
  let shown = null;
  async function load() {
    try {
      const m = await api.get(path);
      checkin.hidden = close.hidden = m.status !== "active";
      const seen = JSON.stringify(m);
      if (seen === shown) return;
      shown = seen;
      fill(about, h("div", { class: "actions" }, link(t("match.referral"), "referral", m.referral_id),
                                                  link(t("match.volunteer"), "volunteer", m.volunteer_id)),
        h("section", { class: "card" }, facts([
          [t("match.status"), label("match_status", m.status)], [t("match.matched_on"), day(m.matched_on)],
          [t("match.next_due"), `${day(m.next_checkin_due)} (${label("phase", m.next_checkin_phase)})`],
          [t("match.checkins"), number(m.checkins)], [t("followup.flags"), h("span", {}, flags(m))],
          [t("match.last_contact"), m.last_contact ? `${day(m.last_contact.occurred_on)} · ${label("contact", m.last_contact.contact)}` : "–"],
          [t("match.six_month_mark"), day(m.six_month_mark)],
          [t("match.closed_on"), day(m.closed_on)],
          [t("match.close_reason"), m.closed_on ? `${label("close_reason", m.close_reason)} (${label("initiator", m.close_initiator)})` : "–"],
        ])));
    } catch (error) {
      if (error.status !== 404 || shown) show(about, () => { throw error; });
      // 404 right after matching: followup has not heard of it yet; the next refresh will.
    }
  }
  load();
  ctx.every(REFRESH_MS, load);
}

function checkinForm(path) {
  const done = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, hidden: true, "data-form": "checkin" },
    h("h2", {}, t("checkin.title")), h("div", { class: "fields" },
      field("occurred_on", t("checkin.occurred_on"), input({ type: "date", value: today() })),
      field("contact", t("checkin.contact"), select(CONTACT_KINDS.map((c) => [c, label("contact", c)]))),
      field("wellbeing", t("checkin.wellbeing"), select([1, 2, 3, 4, 5].map((n) => [n, String(n)]), { blank: t("checkin.not_judged") })),
      checkboxes("activities", t("checkin.activities"), FOCUS_AREAS.map((f) => [f, label("focus", f)])),
      h("div", { class: "field wide" }, h("label", {}, h("input", { type: "checkbox", name: "concern" }), " ", t("checkin.concern"))),
      field("note", t("checkin.note"), h("textarea", { rows: 3 }), { wide: true })),
    formError(), h("div", { class: "actions" }, h("button", { type: "submit" }, t("checkin.record"))), done);
  onSubmit(form, (key) => {
    const wellbeing = value(form, "wellbeing");
    const body = { occurred_on: value(form, "occurred_on"), contact: value(form, "contact"),
                   activities: checked(form, "activities"), concern: form.elements.namedItem("concern").checked,
                   wellbeing: wellbeing ? Number(wellbeing) : null };
    if (value(form, "note")) body.note = value(form, "note");
    return api.post(`${path}/check-ins`, body, key);
  }, () => { form.reset(); fill(done, recorded(t("checkin.recorded"))); });
  return form;
}

function closeForm(path) {
  const form = h("form", { class: "card", novalidate: true, hidden: true, "data-form": "close" },
    h("h2", {}, t("close.title")), h("div", { class: "fields" },
      field("closed_on", t("close.closed_on"), input({ type: "date", value: today() })),
      field("initiator", t("close.initiator"), select(CLOSE_INITIATORS.map((i) => [i, label("initiator", i)]), { blank: "" })),
      field("reason", t("close.reason"), select(CLOSE_REASONS.map((r) => [r, label("close_reason", r)]), { blank: "" })),
      field("note", t("close.note"), h("textarea", { rows: 2 }), { wide: true })),
    formError(), h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, t("close.close"))));
  onSubmit(form, (key) => {
    const body = { closed_on: value(form, "closed_on"), initiator: value(form, "initiator"), reason: value(form, "reason") };
    if (value(form, "note")) body.note = value(form, "note");
    return api.post(`${path}/close`, body, key);
  }, () => form.replaceWith(recorded(t("close.recorded"))));
  return form;
}
