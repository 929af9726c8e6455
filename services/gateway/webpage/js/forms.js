// Labelled fields with an error slot each, and one way to send a form: the button is
// disabled while the write is in flight, the same Idempotency-Key is used until the
// gateway has answered, and each error the API names is shown next to its field.
import { ApiError, newKey } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

let serial = 0;

function errorSlot(name, id) {
  return h("p", { class: "error", id: `${id}-error`, "data-error-for": name, "aria-live": "polite" });
}

/** A control with its label and error slot; ``name`` is the API's field name. */
export function field(name, text, control, { wide = false, hint = null } = {}) {
  const id = `f${++serial}`;
  control.id = id;
  control.name = name;
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: wide ? "field wide" : "field" },
    h("label", { for: id }, text), control, hint && h("p", { class: "muted" }, hint), errorSlot(name, id));
}

export function input(props = {}) { return h("input", { type: "text", ...props }); }

/** A select of [value, label] pairs; "" first when ``blank`` is given. */
export function select(options, { selected = null, blank = null, ...props } = {}) {
  const items = blank === null ? options : [["", blank], ...options];
  return h("select", props, items.map(([value, text]) =>
    h("option", { value, selected: String(value) === String(selected ?? "") }, text)));
}

/** A group of checkboxes for a list field, e.g. ``needs`` or ``activities``. */
export function checkboxes(name, legend, options, checked = []) {
  const id = `f${++serial}`;
  return h("fieldset", { class: "field wide", "aria-describedby": `${id}-error`, "data-field": name },
    h("legend", {}, legend),
    options.map(([value, text]) => h("label", {},
      h("input", { type: "checkbox", name, value, checked: checked.includes(value) }), " ", text)),
    errorSlot(name, id));
}

export function checked(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

export function value(form, name) {
  const control = form.elements.namedItem(name);
  return control ? String(control.value).trim() : "";
}

export function formError() {
  return h("p", { class: "error", "data-error-for": "_form", role: "alert" });
}

function clear(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
}

function slotFor(form, name) {
  for (let key = name; key; key = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : "") {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
    if (slot) return slot;
  }
  return form.querySelector('[data-error-for="_form"]');
}

/** What to say about an API error: a plain sentence per status, then the API's message. */
export function explain(error) {
  if (!(error instanceof ApiError)) return t("errors.network");
  const lead = t(`errors.${error.status}`);
  return lead.startsWith("errors.") ? error.message : `${lead} ${error.message}`;
}

/** Show an error on the form: each named field's messages beside it, the rest on top. */
export function showError(form, error) {
  const general = form.querySelector('[data-error-for="_form"]');
  const fields = error instanceof ApiError ? error.fields : {};
  let placed = false;
  for (const [name, messages] of Object.entries(fields)) {
    const slot = slotFor(form, name);
    if (!slot || slot === general) continue;
    slot.textContent = messages.join(" ");
    const control = form.elements.namedItem(name);
    if (control && control.setAttribute) control.setAttribute("aria-invalid", "true");
    placed = true;
  }
  if (general) general.textContent = placed && error.status === 400 ? t("errors.see_fields") : explain(error);
}

/** A local check that failed before anything was sent: the message beside ``name``. */
export function fieldError(form, name, message) {
  const slot = slotFor(form, name);
  slot.textContent = message;
  const control = form.elements.namedItem(name);
  if (control && control.setAttribute) control.setAttribute("aria-invalid", "true");
  control?.focus?.();
}

/** On submit: ``send(key, form)`` once at a time; ``done(answer)`` on success. */
export function onSubmit(form, send, done = () => {}) {
  let key = newKey();
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const buttons = [...form.querySelectorAll("button[type=submit]")];
    buttons.forEach((b) => { b.disabled = true; });
    clear(form);
    try {
      const answer = await send(key, form);
      key = newKey();
      if (answer !== false) await done(answer);
    } catch (error) {
      if (error instanceof ApiError) key = newKey(); // answered: the next try is a new write
      showError(form, error);
    } finally {
      busy = false;
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return form;
}
