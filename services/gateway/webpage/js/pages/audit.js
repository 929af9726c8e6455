// For coordinators and auditors: a subject's audit trail and the access log.
import * as api from "../api.js";
import { fill, h, link, table } from "../dom.js";
import { label, t } from "../i18n.js";
import { moment } from "../format.js";
import { field, formError, input, onSubmit, value } from "../forms.js";
import { trail } from "./history.js";

export function render(root, [subjectId], ctx) {
  const events = h("div", { "aria-live": "polite" });
  const subject = h("form", { class: "card", role: "search", novalidate: true }, h("h2", {}, t("audit.trail")),
    h("div", { class: "fields" }, field("subject_id", t("audit.subject_id"), input({ value: subjectId || "", autocomplete: "off" }),
                                        { wide: true })),
    formError(), h("div", { class: "actions" }, h("button", { type: "submit" }, t("audit.show"))));
  onSubmit(subject, () => trail(value(subject, "subject_id")), (items) => fill(events, trailTable(items)));

  const accesses = h("div", { "aria-live": "polite" });
  const access = h("form", { class: "card", role: "search", novalidate: true }, h("h2", {}, t("access.title")),
    h("div", { class: "fields" },
      field("subject_id", t("audit.subject_id"), input({ value: subjectId || "", autocomplete: "off" })),
      field("actor", t("access.actor"), input({ autocomplete: "off" })),
      field("from", t("report.from"), input({ type: "date" })), field("to", t("report.to"), input({ type: "date" }))),
    formError(), h("div", { class: "actions" }, h("button", { type: "submit" }, t("access.show"))));
  onSubmit(access, () => api.all("/audit/access", { subject_id: value(access, "subject_id"), actor: value(access, "actor"),
                                                     from: value(access, "from"), to: value(access, "to") }),
    (items) => fill(accesses, accessTable(items)));

  root.append(h("h1", {}, t("audit.title")), subject, events, access, accesses);
  if (subjectId) {
    subject.requestSubmit();
    access.requestSubmit();
  }
}

function trailTable(items) {
  return table(t("audit.caption", { n: items.length }),
    [t("audit.recorded_at"), t("audit.event"), t("audit.occurred_at"), t("audit.source"), t("audit.actor"), t("audit.payload")],
    items.map((e) => [moment(e.recorded_at), label("event", e.event_type), moment(e.occurred_at), e.source ?? "–",
      e.actor ? `${e.actor.id ?? "–"} (${label("role", e.actor.role || e.actor.kind)})` : "–",
      h("details", {}, h("summary", {}, t("audit.details")),
        h("pre", { class: "payload" }, JSON.stringify(e.payload ?? null, null, 2)))]),
    t("audit.empty"));
}

function accessTable(items) {
  return table(t("access.caption", { n: items.length }),
    [t("access.at"), t("audit.actor"), t("access.role"), t("audit.subject_id"), t("access.kind"), t("access.fields")],
    items.map((a) => [moment(a.at), a.actor?.id ?? "–", label("role", a.actor?.role),
      a.subject_id ? link(a.subject_id, "audit", a.subject_id) : "–", a.kind ?? "–", (a.fields || []).join(", ")]),
    t("access.empty"));
}
