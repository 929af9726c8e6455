// The sign-in screen: a sign-in link opens the page signed in; a pasted link or token also works.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { field, formError, input } from "../forms.js";
import * as session from "../session.js";

export function render(root, message, signedIn) {
  const token = input({ type: "password", autocomplete: "off", spellcheck: "false" });
  const form = h("form", { class: "card signin", novalidate: true },
    h("h1", {}, t("signin.title")),
    message && h("p", { class: "notice bad", role: "alert" }, message),
    h("p", {}, t("signin.how")),
    field("token", t("signin.paste"), token, { wide: true }),
    formError(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("signin.sign_in"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (session.signInWith(token.value)) signedIn();
    else form.querySelector('[data-error-for="token"]').textContent = t("signin.not_a_token");
  });
  root.append(form);
}
