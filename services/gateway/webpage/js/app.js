// The page's shell: sign-in, the header (who, language, sign out), navigation and routing.
// Views live under pages/, one file each; the address holds only view names and ids.
import * as api from "./api.js";
import { fill, h } from "./dom.js";
import * as i18n from "./i18n.js";
import { label, t } from "./i18n.js";
import * as session from "./session.js";
import * as signin from "./pages/signin.js";
import * as waiting from "./pages/waiting.js";
import * as referral from "./pages/referral.js";
import * as candidates from "./pages/candidates.js";
import * as volunteers from "./pages/volunteers.js";
import * as volunteer from "./pages/volunteer.js";
import * as followup from "./pages/followup.js";
import * as match from "./pages/match.js";
import * as report from "./pages/report.js";
import * as audit from "./pages/audit.js";

const VIEWS = { waiting, referral, candidates, volunteers, volunteer, followup, match, report, audit };
const NAV = [
  ["waiting", session.can.work], ["volunteers", session.can.work], ["followup", session.can.work],
  ["report", session.can.report], ["audit", session.can.audit],
];
const main = document.getElementById("main");
let timers = [];

function stopTimers() {
  timers.forEach(clearInterval);
  timers = [];
}

/** What a view may use besides its container: periodic refresh, navigation, the signed-in user. */
function context(who) {
  return {
    who,
    every(ms, run) { timers.push(setInterval(run, ms)); },
    go(...parts) { location.hash = "#/" + parts.map(encodeURIComponent).join("/"); },
  };
}

function header(who, view) {
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("nav.label"));
  fill(nav, who ? NAV.filter(([, may]) => may(who)).map(([name]) =>
    h("a", { href: `#/${name}`, "aria-current": view === name ? "page" : null }, t(`nav.${name}`))) : []);
  const other = i18n.language() === "da" ? "en" : "da";
  const switcher = h("button", { type: "button", class: "secondary", lang: other,
                                  onclick: async () => { await i18n.load(other); render(); } },
    t("language.switch"));
  const out = who && h("button", { type: "button", class: "secondary", onclick: () => signOut(null) },
    t("signin.sign_out"));
  const regions = who && who.regions.length ? who.regions.join(", ") : null;
  fill(document.getElementById("who"),
    who && h("span", { "data-who": "" }, h("strong", {}, who.name), " · ", label("role", who.role),
      regions && ` · ${regions}`),
    switcher, out);
  document.querySelector(".skip").textContent = t("nav.skip");
  document.title = t("title");
}

function signOut(message) {
  session.signOut();
  location.hash = "";
  render(message);
}

function defaultView(who) { return session.can.work(who) ? "waiting" : "report"; }

/** Show the view the address names, or the sign-in screen. */
function render(message = null) {
  stopTimers();
  let who = session.current();
  if (who && session.expired(who)) {
    session.signOut();
    who = null;
    message = t("signin.expired");
  }
  const [name, ...args] = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const view = who ? (VIEWS[name] ? name : defaultView(who)) : null;
  header(who, view);
  const container = h("div", { "data-view": view || "signin" });
  fill(main, container);
  if (!who) return signin.render(container, message, () => render());
  VIEWS[view].render(container, args, context(who));
}

session.takeFromAddress(); // first, before anything waits: the token leaves the address bar at once
api.whenUnauthorized(() => signOut(t("signin.expired")));
await i18n.load(i18n.chosen());
window.addEventListener("hashchange", () => { render(); main.focus(); });
// The skip link moves the focus, not the address (the address names views).
document.querySelector(".skip").addEventListener("click", (event) => { event.preventDefault(); main.focus(); });
render();
