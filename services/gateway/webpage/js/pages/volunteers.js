// Volunteers: register one, and the pool with status, capacity and active matches.
import * as api from "../api.js";
import { fill, h, link, table } from "../dom.js";
import { label, t } from "../i18n.js";
import { number } from "../format.js";
import { checkboxes, checked, field, formError, input, onSubmit, select, value } from "../forms.js";
import { FOCUS_AREAS, GENDERS } from "../codes.js";
import { codes, recorded, regionControl, regionList, shortId, show } from "./common.js";

const REFRESH_MS = 3000;

export function render(root, args, ctx) {
  const pool = h("div", { "aria-live": "polite" }, h("p", { class: "muted" }, t("common.loading")));
  const known = h("span");
  root.append(h("h1", {}, t("volunteers.title")), registration(ctx), known,
    h("h2", {}, t("volunteers.pool")), pool);
  let shown = null;
  async function load() {
    await show(pool, async () => {
      const items = await api.all("/volunteers");
      fill(known, regionList(items.map((v) => v.region)));
      const seen = JSON.stringify(items);
      if (seen === shown) return undefined;
      shown = seen;
      return table(t("volunteers.caption", { n: items.length }),
        [t("volunteers.id"), t("volunteer.status"), t("volunteer.region"), t("volunteer.municipality"),
         t("volunteer.gender"), t("volunteer.languages"), t("volunteer.strengths"),
         { value: t("volunteer.capacity"), class: "num" }, { value: t("volunteer.active_matches"), class: "num" }],
        items.map((v) => [link(shortId(v.volunteer_id), "volunteer", v.volunteer_id), label("volunteer_status", v.status),
          v.region, v.municipality, label("gender", v.gender), codes("language", v.languages),
          codes("focus", v.strengths), { value: number(v.capacity), class: "num" },
          { value: number(v.active_matches), class: "num" }]),
        t("volunteers.empty"));
    });
  }
  load();
  ctx.every(REFRESH_MS, load);
}

function registration(ctx) {
  const done = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true }, h("h2", {}, t("volunteers.register")),
    h("div", { class: "fields" },
      field("gender", t("volunteer.gender"), select(GENDERS.map((g) => [g, label("gender", g)]), { blank: "" })),
      field("birth_year", t("volunteer.birth_year"), input({ type: "number", inputmode: "numeric", min: 1900 })),
      field("languages", t("volunteer.languages"), input({ autocomplete: "off" }), { hint: t("volunteers.languages_hint") }),
      field("municipality", t("volunteer.municipality"), input()),
      field("region", t("volunteer.region"), regionControl(ctx.who)),
      field("capacity", t("volunteer.capacity"), input({ type: "number", min: 1, max: 10, value: 1 })),
      checkboxes("strengths", t("volunteer.strengths"), FOCUS_AREAS.map((f) => [f, label("focus", f)])),
      field("personal.name", t("personal.name"), input({ autocomplete: "off" })),
      field("personal.phone", t("personal.phone"), input({ type: "tel", autocomplete: "off" })),
      field("personal.email", t("personal.email"), input({ type: "email", autocomplete: "off" }))),
    formError(), h("div", { class: "actions" }, h("button", { type: "submit" }, t("volunteers.register_button"))), done);
  onSubmit(form, (key) => {
    const personal = Object.fromEntries(["name", "phone", "email"]
      .map((k) => [k, value(form, `personal.${k}`)]).filter(([, v]) => v));
    const year = value(form, "birth_year");
    const capacity = value(form, "capacity");
    return api.post("/volunteers", {
      gender: value(form, "gender"), birth_year: year === "" ? null : Number(year),
      languages: value(form, "languages").split(/[\s,]+/).filter(Boolean).map((l) => l.toLowerCase()),
      municipality: value(form, "municipality"), region: value(form, "region"), strengths: checked(form, "strengths"),
      capacity: capacity === "" ? null : Number(capacity), personal,
    }, key);
  }, (answer) => {
    form.reset();
    fill(done, recorded(t("volunteers.registered")), link(t("volunteers.open_new"), "volunteer", answer.volunteer_id));
  });
  return form;
}
