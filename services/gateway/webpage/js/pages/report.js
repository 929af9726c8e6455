// The evaluation's report for a period and region: figures, four charts, CSV, as_of.
// A suppressed cell (the API sends "<5" in its place) is shown as suppressed, never as 0.
import * as api from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { bars } from "../charts.js";
import { countryName, day, isSuppressed, moment, number, percent, today } from "../format.js";
import { explain, field, formError, input, onSubmit, value } from "../forms.js";
import { AGE_BANDS } from "../codes.js";
import { regionControl, regionList } from "./common.js";


export function render(root, args, ctx) {
  const out = h("div", { "aria-live": "polite" });
  const known = h("span");
  const form = h("form", { class: "card", novalidate: true }, h("div", { class: "fields" },
      field("from", t("report.from"), input({ type: "date", value: `${today().slice(0, 4)}-01-01` })),
      field("to", t("report.to"), input({ type: "date", value: today() })),
      field("region", t("report.region"), regionControl(ctx.who, { blank: t("filters.all_regions") })),
      field("as_of", t("report.as_of"), input({ type: "datetime-local", step: 1 }), { hint: t("report.as_of_hint") }),
      field("suppress_below", t("report.suppress_below"), input({ type: "number", min: 0, inputmode: "numeric" }),
            { hint: t("report.suppress_below_hint") })),
    formError(), h("div", { class: "actions" },
      h("button", { type: "submit" }, t("report.show")),
      h("button", { type: "button", class: "secondary", onclick: () => csv(form) }, t("report.csv"))), known);
  onSubmit(form, () => api.get("/reports/summary", query(form)), (report) => {
    fill(known, regionList(Object.keys(report.by_region || {})));
    fill(out, summary(report));
  });
  root.append(h("h1", {}, t("report.title")), form, out);
  form.requestSubmit();
}

function query(form) {
  const asOf = value(form, "as_of");
  return { from: value(form, "from"), to: value(form, "to"), region: value(form, "region"),
           as_of: asOf ? new Date(asOf).toISOString() : "", suppress_below: value(form, "suppress_below") };
}

async function csv(form) {
  const general = form.querySelector('[data-error-for="_form"]');
  general.textContent = "";
  try {
    const blob = await api.download("/reports/summary", { ...query(form), format: "csv" }, "text/csv");
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: "rapport.csv" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    general.textContent = explain(error);
  }
}

function figure(name, value, digits = 0) {
  return h("div", { class: "figure", "data-figure": name }, h("div", {}, t(`report.${name}`)),
    h("div", { class: isSuppressed(value) ? "value suppressed" : "value" }, number(value, digits)));
}

function summary(r) {
  const people = r.participants || {};
  const six = r.six_month || {};
  const when = r.as_of ? t("report.as_of_then", { moment: moment(r.as_of) }) : t("report.as_of_now");
  return [
    h("p", { class: "notice", "data-as-of": r.as_of || "" },
      t("report.period", { from: day(r.period?.from), to: day(r.period?.to) }), " · ",
      r.region || t("filters.all_regions"), " · ", when,
      r.suppressed_below ? ` · ${t("report.suppression", { below: r.suppressed_below })}` : "",
      r.rounded_to > 1 ? ` · ${t("report.rounding", { base: r.rounded_to })}` : ""),
    h("div", { class: "figures" },
      figure("matches_established", r.matches_established), figure("matches_active", r.matches_active),
      figure("volunteers_recruited", r.volunteers_recruited), figure("participants_n", people.n),
      figure("six_month_eligible", six.eligible), figure("six_month_successful", six.successful)),
    h("div", { class: "charts" },
      bars(t("report.gender"), Object.entries(people.gender_pct || {})
        .map(([g, v]) => ({ label: t(`codes.gender.${g}`), value: v })), { id: "chart-gender" }),
      bars(t("report.countries"), (people.top_countries || []).slice(0, 5)
        .map((c) => ({ label: countryName(c.country), value: c.pct })), { id: "chart-countries" }),
      bars(t("report.ages"), AGE_BANDS.filter((b) => b in (people.age_band_pct || {}))
        .map((b) => ({ label: b, value: people.age_band_pct[b] })), { id: "chart-ages" }),
      bars(t("report.six_month"), [{ label: t("report.success_rate"), value: six.rate_pct }], { id: "chart-six-month" })),
    h("p", { class: "muted" }, t("report.arrived_2014", { pct: percent(people.arrived_2014_or_earlier_pct) })),
  ];
}
