// Danish by default, English when chosen; the choice (not personal) is kept in localStorage.
const KEY = "lgv.lang";
export const LANGUAGES = ["da", "en"];
let table = {};
let current = "da";

export function language() { return current; }

export async function load(lang) {
  current = LANGUAGES.includes(lang) ? lang : "da";
  const response = await fetch(`/assets/strings/${current}.json`, { cache: "no-cache" });
  table = await response.json();
  document.documentElement.lang = current;
  localStorage.setItem(KEY, current);
}

export function chosen() { return localStorage.getItem(KEY) || "da"; }

/** The text for ``key``, with {name} placeholders filled in as text. */
export function t(key, vars = {}) {
  const text = key.split(".").reduce((node, part) => (node == null ? node : node[part]), table);
  if (typeof text !== "string") return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A code's label from a table of codes (``codes.gender.female``), or the code itself. */
export function label(group, code) {
  if (code === null || code === undefined || code === "") return "–";
  const text = t(`codes.${group}.${code}`);
  return text === `codes.${group}.${code}` ? String(code) : text;
}
