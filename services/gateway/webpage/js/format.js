// Dates are shown as Danish dates (15.01.2023) whatever the language; numbers per language.
import { language, t } from "./i18n.js";

const DAY = new Intl.DateTimeFormat("da-DK", { day: "2-digit", month: "2-digit", year: "numeric" });
const MOMENT = new Intl.DateTimeFormat("da-DK", {
  day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
});

/** ``2023-01-15`` as ``15.01.2023`` (a calendar day: no time zone shift). */
export function day(iso) {
  if (!iso) return "–";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso).slice(0, 10));
  return m ? DAY.format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : String(iso);
}

/** An ISO timestamp as a Danish date and time, in the browser's time zone. */
export function moment(iso) {
  if (!iso) return "–";
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? String(iso) : MOMENT.format(when);
}

/** Today as ``YYYY-MM-DD`` in the browser's time zone. */
export function today(offsetDays = 0) {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
}

/** Whether a report cell was suppressed: the API sends a string such as ``"<5"`` instead. */
export function isSuppressed(value) { return typeof value === "string" && value.startsWith("<"); }

export function number(value, digits = 0) {
  if (value === null || value === undefined) return "–";
  if (isSuppressed(value)) return t("report.suppressed", { below: value.slice(1) });
  const locale = language() === "da" ? "da-DK" : "en-GB";
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(Number(value));
}

export function percent(value) {
  return isSuppressed(value) || value === null || value === undefined ? number(value) : `${number(value, 1)} %`;
}

function display(type, code) {
  if (!code) return "–";
  try {
    return new Intl.DisplayNames([language()], { type }).of(String(code)) || String(code);
  } catch {
    return String(code);
  }
}

/** ``ar`` as "arabisk" / "Arabic". */
export function languageName(code) { return display("language", code); }

/** ``SY`` as "Syrien" / "Syria". */
export function countryName(code) { return display("region", code); }
