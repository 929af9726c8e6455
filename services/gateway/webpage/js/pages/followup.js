// Contacts due and overdue today: concerns first, then the most overdue (the API's order).
import * as api from "../api.js";
import { h, link, table } from "../dom.js";
import { label, t } from "../i18n.js";
import { day, number } from "../format.js";
import { shortId, show } from "./common.js";

const REFRESH_MS = 5000;

export function flags(m) {
  return [m.open_concern && h("span", { class: "flag concern" }, t("followup.concern")), " ",
          m.silent && h("span", { class: "flag silent" }, t("followup.silent")), " ",
          m.days_overdue > 0 && h("span", { class: "flag overdue" }, t("followup.overdue", { n: m.days_overdue }))];
}

export function render(root, args, ctx) {
  const list = h("div", { "aria-live": "polite" }, h("p", { class: "muted" }, t("common.loading")));
  root.append(h("h1", {}, t("followup.title")), list);
  let shown = null;
  async function load() {
    await show(list, async () => {
      const answer = await api.get("/check-ins/due");
      const seen = JSON.stringify(answer);
      if (seen === shown) return undefined;
      shown = seen;
      return [h("p", { class: "muted" }, t("followup.as_of", { date: day(answer.on) })),
        table(t("followup.caption", { n: answer.items.length }),
          [t("match.title"), t("followup.phase"), t("match.next_due"), { value: t("followup.days_overdue"), class: "num" },
           t("followup.flags"), t("match.last_contact"), t("match.region")],
          answer.items.map((m) => [link(`${shortId(m.match_id)} · ${day(m.matched_on)}`, "match", m.match_id),
            label("phase", m.next_checkin_phase), day(m.next_checkin_due),
            { value: number(m.days_overdue), class: "num" }, h("span", {}, flags(m)),
            day(m.last_contact_on), m.region]),
          t("followup.empty"))];
    });
  }
  load();
  ctx.every(REFRESH_MS, load);
}

