// Erasure of a subject's personal data (coordinators): a button, then a confirmation step
// with the reason, then the write. Nothing is erased before the second, explicit click.
import * as api from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { field, formError, onSubmit, value, fieldError } from "../forms.js";
import { recorded } from "./common.js";

/** ``done()`` runs once the gateway has accepted the erasure. */
export function erasure(path, done = () => {}) {
  const section = h("section", { class: "card", "data-erasure": "" }, h("h2", {}, t("erase.title")));
  const start = h("button", { type: "button", class: "danger" }, t("erase.start"));
  section.append(h("p", {}, t("erase.explain")), start);
  start.addEventListener("click", () => {
    const form = h("form", { class: "card confirm", novalidate: true },
      h("p", { role: "alert" }, h("strong", {}, t("erase.confirm_question"))),
      field("reason", t("erase.reason"), h("textarea", { rows: 2, required: true }), { wide: true }),
      formError(),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "danger" }, t("erase.confirm")),
        h("button", { type: "button", class: "secondary", onclick: () => section.replaceWith(erasure(path, done)) },
          t("common.cancel"))));
    onSubmit(form, async (key) => {
      if (!value(form, "reason")) { fieldError(form, "reason", t("erase.reason_required")); return false; }
      return api.post(path, { reason: value(form, "reason") }, key);
    }, () => { fill(section, h("h2", {}, t("erase.title")), recorded(t("erase.done"))); done(); });
    start.replaceWith(form);
    form.querySelector("textarea").focus();
  });
  return section;
}
