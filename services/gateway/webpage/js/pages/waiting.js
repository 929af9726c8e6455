// The waiting list: longest waiting first (the API's order), refreshed while it is open.
import * as api from "../api.js";
import { fill, h, link, table } from "../dom.js";
import { label, t } from "../i18n.js";
import { day, number } from "../format.js";
import { field, input } from "../forms.js";
import { codes, regionControl, regionList, show } from "./common.js";

const REFRESH_MS = 3000;

export function render(root, args, ctx) {
  const region = regionControl(ctx.who, { blank: t("filters.all_regions") });
  const site = input({ list: "known-sites", autocomplete: "off" });
  const sites = h("datalist", { id: "known-sites" });
  const regions = h("span");
  const form = h("form", { class: "card", role: "search" },
    h("div", { class: "fields" },
      field("region", t("filters.region"), region), field("referring_site", t("filters.site"), site)),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("filters.apply"))), sites, regions);
  const list = h("div", { "aria-live": "polite" }, h("p", { class: "muted" }, t("common.loading")));
  let shown = null;

  async function load() {
    const query = { status: "waiting", region: region.value.trim(), referring_site: site.value.trim() };
    await show(list, async () => {
      const items = await api.all("/referrals", query);
      fill(sites, [...new Set(items.map((r) => r.referring_site))].sort().map((v) => h("option", { value: v })));
      fill(regions, regionList(items.map((r) => r.region)));
      const seen = JSON.stringify(items);
      if (seen === shown) return undefined; // unchanged: keep the table (and the focus in it)
      shown = seen;
      return rows(items);
    });
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); shown = null; load(); });
  root.append(h("h1", {}, t("waiting.title")), form, list);
  load();
  ctx.every(REFRESH_MS, load);
}

function rows(items) {
  return table(t("waiting.caption", { n: items.length }),
    [t("referral.external_ref"), { value: t("waiting.days"), class: "num" }, t("referral.referred_on"),
     t("referral.needs"), t("referral.site"), t("referral.region"), t("participant.municipality"),
     t("participant.gender"), t("participant.languages")],
    items.map((r) => [
      link(r.external_ref, "referral", r.referral_id),
      { value: number(r.days_waiting), class: "num" },
      day(r.referred_on), codes("focus", r.needs), r.referring_site, r.region,
      r.participant?.municipality ?? "–", label("gender", r.participant?.gender),
      codes("language", r.participant?.languages),
    ]), t("waiting.empty"));
}
