// What several views share: the region control, short ids, loading with a visible error.
import { facts, fill, h } from "../dom.js";
import { label, t } from "../i18n.js";
import { explain, input, select } from "../forms.js";
import { languageName } from "../format.js";

/** A region chooser: a consultant picks one of the token's regions, others type one
 * (``regionList`` offers the ones seen so far). */
export function regionControl(who, { blank = null } = {}) {
  if (who.role === "consultant") return select(who.regions.map((r) => [r, r]), { blank });
  return input({ list: "known-regions", autocomplete: "off" });
}

export function regionList(known) {
  return h("datalist", { id: "known-regions" }, [...new Set(known)].sort().map((r) => h("option", { value: r })));
}

export function shortId(id) { return id ? String(id).slice(0, 8) : "–"; }

export function codes(group, values) {
  const name = group === "language" ? languageName : (code) => label(group, code);
  return (values || []).map(name).join(", ") || "–";
}

/** Run ``load`` and show its answer in ``box``; an API error is shown there instead. */
export async function show(box, load) {
  try {
    const content = await load();
    if (content !== undefined) fill(box, content);
    return true;
  } catch (error) {
    fill(box, h("p", { class: "notice bad", role: "alert" }, explain(error)));
    return false;
  }
}

/** A notice that something was recorded; the projection follows moments later. */
export function recorded(text) { return h("p", { class: "notice ok", role: "status" }, text || t("common.recorded")); }

/** Personal data: only in a single read, only for roles that may see it; gone after erasure. */
export function personal(subject) {
  const p = subject.personal;
  return h("section", { class: "card", "data-erased": subject.erased ? "" : null },
    h("h2", {}, t("personal.title")),
    subject.erased ? h("p", { class: "notice" }, t("personal.erased"))
      : !p ? h("p", { class: "muted" }, t("personal.hidden"))
        : facts([[t("personal.name"), p.name || "–"], [t("personal.phone"), p.phone || "–"],
                 [t("personal.email"), p.email || "–"], [t("personal.notes"), p.notes || "–"]]));
}
