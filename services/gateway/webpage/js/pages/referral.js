// One referral: the participant, personal data when the role may see it, its status history,
// and for coordinators the erasure of its personal data (with a confirmation step).
import * as api from "../api.js";
import { facts, h, link } from "../dom.js";
import { label, t } from "../i18n.js";
import { countryName, day, moment, number } from "../format.js";
import * as session from "../session.js";
import { codes, personal, show } from "./common.js";
import { erasure } from "./erasure.js";
import { history } from "./history.js";

const REFRESH_MS = 2000;

export function render(root, [referralId], ctx) {
  const path = `/referrals/${encodeURIComponent(referralId)}`;
  const body = h("div", {}, h("p", { class: "muted" }, t("common.loading")));
  let shownPersonal = null;
  // After an erasure: show the personal data as erased once the service says so.
  async function erased() {
    const r = await api.get(path);
    if (r.erased && shownPersonal && !("erased" in shownPersonal.dataset)) {
      const now = personal(r);
      shownPersonal.replaceWith(now);
      shownPersonal = now;
    }
  }
  root.append(h("h1", {}, t("referral.title")), body);
  show(body, async () => {
    const r = await api.get(path);
    const matches = await api.all("/matches", { referral_id: referralId });
    return [
      h("div", { class: "actions" },
        r.status === "waiting" && session.can.work(ctx.who)
          && h("a", { class: "button", href: `#/candidates/${encodeURIComponent(referralId)}` }, t("candidates.open")),
        matches.map((m) => link(t("match.open", { date: day(m.matched_on) }), "match", m.match_id)),
        session.can.audit(ctx.who) && link(t("audit.open"), "audit", referralId)),
      h("section", { class: "card" }, h("h2", {}, t("referral.facts")), facts([
        [t("referral.external_ref"), r.external_ref],
        [t("referral.status"), label("referral_status", r.status)],
        [t("referral.site"), r.referring_site], [t("referral.region"), r.region],
        [t("referral.referred_on"), day(r.referred_on)], [t("referral.received_at"), moment(r.received_at)],
        [t("waiting.days"), number(r.days_waiting)], [t("referral.needs"), codes("focus", r.needs)],
        [t("referral.preference"), label("preference", r.preferences?.volunteer_gender)],
        [t("referral.interpreter"), r.interpreter_needed ? t("common.yes") : t("common.no")],
      ])),
      participant(r.participant || {}),
      shownPersonal = personal(r),
      h("section", { class: "card" }, h("h2", {}, t("referral.history")),
        await history(ctx.who, referralId, r, matches)),
      session.can.erase(ctx.who) && !r.erased && erasure(`${path}/erase`, () => ctx.every(REFRESH_MS, erased)),
    ];
  });
}

function participant(p) {
  return h("section", { class: "card" }, h("h2", {}, t("participant.title")), facts([
    [t("participant.gender"), label("gender", p.gender)], [t("participant.birth_year"), p.birth_year ?? "–"],
    [t("participant.country"), countryName(p.country_of_birth)], [t("participant.arrival_year"), p.arrival_year ?? "–"],
    [t("participant.danish_level"), label("danish_level", p.danish_level)],
    [t("participant.languages"), codes("language", p.languages)],
    [t("participant.municipality"), p.municipality ?? "–"],
  ]));
}
