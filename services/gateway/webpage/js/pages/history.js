// A referral's status history: from the audit trail for roles that may read it, otherwise
// from what the referral and its matches say (received, matched, closed, withdrawn).
import * as api from "../api.js";
import { table } from "../dom.js";
import { label, t } from "../i18n.js";
import { day, moment } from "../format.js";
import * as session from "../session.js";

export async function trail(subjectId) {
  const items = [];
  let cursor = null;
  do {
    const answer = await api.get(`/audit/subjects/${encodeURIComponent(subjectId)}`, { cursor });
    items.push(...answer.items);
    cursor = answer.next_cursor;
  } while (cursor);
  return items;
}

export async function history(who, referralId, referral, matches) {
  if (session.can.audit(who)) {
    const items = await trail(referralId);
    return table(t("referral.history_caption"),
      [t("audit.recorded_at"), t("audit.event"), t("audit.occurred_at"), t("audit.actor")],
      items.map((e) => [moment(e.recorded_at), label("event", e.event_type), moment(e.occurred_at),
                        e.actor ? `${e.actor.id ?? "–"} (${label("role", e.actor.role || e.actor.kind)})` : "–"]),
      t("audit.empty"));
  }
  const steps = [[moment(referral.received_at), label("event", "referral_received")]];
  for (const m of matches) {
    steps.push([day(m.matched_on), label("event", "matched")]);
    if (m.closed_on) steps.push([day(m.closed_on), `${label("event", "closed")}: ${label("close_reason", m.close_reason)}`]);
  }
  if (referral.status === "withdrawn") steps.push([day(referral.closed_on), label("event", "referral_withdrawn")]);
  return table(t("referral.history_caption"), [t("history.when"), t("history.what")], steps, t("audit.empty"));
}
