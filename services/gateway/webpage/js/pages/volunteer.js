// One volunteer: facts, personal data, screening and training, their matches, erasure.
import * as api from "../api.js";
import { facts, fill, h, link, table } from "../dom.js";
import { label, t } from "../i18n.js";
import { day, number, today } from "../format.js";
import { field, formError, input, onSubmit, select, value } from "../forms.js";
import * as session from "../session.js";
import { codes, personal, recorded, show } from "./common.js";
import { erasure } from "./erasure.js";

const REFRESH_MS = 2000;

export function render(root, [volunteerId], ctx) {
  const path = `/volunteers/${encodeURIComponent(volunteerId)}`;
  const about = h("div", {}, h("p", { class: "muted" }, t("common.loading")));
  const screening = step(path, "screening", t("volunteer.screen"), [
    field("outcome", t("volunteer.outcome"), select([["approved", label("outcome", "approved")],
                                                     ["rejected", label("outcome", "rejected")]])),
    field("screened_on", t("volunteer.screened_on"), input({ type: "date", value: today() }))],
    (form) => ({ outcome: value(form, "outcome"), screened_on: value(form, "screened_on") }));
  const training = step(path, "training", t("volunteer.train"), [
    field("completed_on", t("volunteer.trained_on"), input({ type: "date", value: today() }))],
    (form) => ({ completed_on: value(form, "completed_on") }));
  const matches = h("div");
  root.append(h("h1", {}, t("volunteer.title")), about, screening, training,
    h("h2", {}, t("volunteer.matches")), matches);
  if (session.can.erase(ctx.who)) root.append(erasure(`${path}/erase`));
  let shown = null;

  async function load() {
    await show(about, async () => {
      const v = await api.get(path);
      screening.hidden = v.status !== "registered";
      training.hidden = v.status !== "approved";
      const seen = JSON.stringify(v);
      if (seen === shown) return undefined;
      shown = seen;
      const list = await api.all("/matches", { volunteer_id: volunteerId });
      fill(matches, table(t("volunteer.matches"), [t("match.title"), t("match.status"), t("match.matched_on")],
        list.map((m) => [link(day(m.matched_on), "match", m.match_id), label("match_status", m.status), day(m.matched_on)]),
        t("volunteer.no_matches")));
      return [h("section", { class: "card" }, facts([
        [t("volunteer.status"), label("volunteer_status", v.status)], [t("volunteer.region"), v.region],
        [t("volunteer.municipality"), v.municipality], [t("volunteer.gender"), label("gender", v.gender)],
        [t("volunteer.birth_year"), v.birth_year ?? "–"], [t("volunteer.languages"), codes("language", v.languages)],
        [t("volunteer.strengths"), codes("focus", v.strengths)],
        [t("volunteer.capacity"), number(v.capacity)], [t("volunteer.active_matches"), number(v.active_matches)],
      ])), personal(v)];
    });
  }
  load();
  ctx.every(REFRESH_MS, load);
}

function step(path, name, title, fields, body) {
  const done = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, hidden: true, "data-step": name },
    h("h2", {}, title), h("div", { class: "fields" }, fields), formError(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, title)), done);
  onSubmit(form, (key) => api.post(`${path}/${name}`, body(form), key), () => fill(done, recorded()));
  return form;
}
