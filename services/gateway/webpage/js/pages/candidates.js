// Candidates for a waiting referral, ranked with their reasons; choose one and match.
// A choice other than the first needs a reason; a concurrent match (409) is said plainly.
import * as api from "../api.js";
import { h, table } from "../dom.js";
import { label, t } from "../i18n.js";
import { number, today } from "../format.js";
import { field, fieldError, formError, input, onSubmit, select, value } from "../forms.js";
import { MATCH_REASONS } from "../codes.js";
import { codes, shortId, show } from "./common.js";

export function render(root, [referralId], ctx) {
  const box = h("div", {}, h("p", { class: "muted" }, t("common.loading")));
  const again = h("button", { type: "button", class: "secondary", onclick: () => load() }, t("candidates.again"));
  root.append(h("h1", {}, t("candidates.title")), h("div", { class: "actions" },
    h("a", { href: `#/referral/${encodeURIComponent(referralId)}` }, t("candidates.back")), again), box);

  // Each load asks for a new ranking, which the service records as a proposal.
  async function load() {
    await show(box, async () => {
      const answer = await api.get(`/referrals/${encodeURIComponent(referralId)}/candidates`);
      return [excluded(answer.excluded || {}), answer.items.length
        ? chooser(referralId, answer, ctx) : h("p", { class: "notice" }, t("candidates.none"))];
    });
  }
  load();
}

function excluded(counts) {
  const parts = Object.entries(counts).filter(([, n]) => n).map(([why, n]) => `${label("excluded", why)}: ${n}`);
  return h("p", { class: "muted" }, parts.length ? `${t("candidates.excluded")} ${parts.join(" · ")}` : "");
}

function chooser(referralId, answer, ctx) {
  const radios = answer.items.map((c, i) => h("input", {
    type: "radio", name: "volunteer_id", value: c.volunteer_id, checked: i === 0,
    "aria-label": t("candidates.choose_n", { rank: c.rank }), "data-rank": c.rank,
  }));
  const reason = h("textarea", { rows: 2 });
  const form = h("form", { class: "card", novalidate: true },
    table(t("candidates.caption", { n: answer.items.length }),
      [t("candidates.choose"), { value: t("candidates.rank"), class: "num" }, { value: t("candidates.score"), class: "num" },
       t("candidates.reasons"), t("candidates.volunteer"), t("volunteer.municipality"), t("volunteer.languages"),
       { value: t("volunteer.capacity"), class: "num" }],
      answer.items.map((c, i) => [
        radios[i], { value: number(c.rank), class: "num" }, { value: number(c.score, 1), class: "num" },
        h("ul", { class: "reasons" }, (c.reasons || []).map((r) => h("li", {}, r))),
        shortId(c.volunteer_id), c.municipality ?? "–", codes("language", c.languages),
        { value: `${number(c.active_matches)} / ${number(c.capacity)}`, class: "num" },
      ]), ""),
    h("p", { class: "error", "data-error-for": "volunteer_id" }),
    h("div", { class: "fields" },
      field("matched_on", t("match.matched_on"), input({ type: "date", value: today(), required: true })),
      field("reason_code", t("candidates.reason_code"),
            select(MATCH_REASONS.map((r) => [r, label("match_reason", r)]), { blank: "" }), { hint: t("candidates.reason_hint") }),
      field("reason", t("candidates.reason"), reason, { wide: true, hint: t("candidates.reason_private") })),
    formError(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("candidates.match"))));
  onSubmit(form, async (key) => {
    const chosen = radios.find((r) => r.checked);
    if (!chosen) { fieldError(form, "volunteer_id", t("candidates.choose_one")); return false; }
    const why = value(form, "reason");
    const code = value(form, "reason_code");
    if (Number(chosen.dataset.rank) !== 1 && !why && !code) {
      fieldError(form, "reason_code", t("candidates.reason_required"));
      return false;
    }
    return api.post("/matches", { referral_id: referralId, volunteer_id: chosen.value, proposal_id: answer.proposal_id,
                                  matched_on: value(form, "matched_on"), reason_code: code || null,
                                  reason: why || null }, key);
  }, (made) => ctx.go("match", made.match_id));
  return form;
}

