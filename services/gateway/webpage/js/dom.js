// Building the page: every value goes in as text (a Text node or textContent), never as HTML.
const SVG = "http://www.w3.org/2000/svg";

function put(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key === "className" ? "class" : key, value === true ? "" : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An HTML element: h("td", {class: "num"}, value, ...). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  put(el, props);
  return append(el, children);
}

/** An SVG element, the same way. */
export function s(tag, props = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  put(el, props);
  return append(el, children);
}

/** Replace everything inside ``el``. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A link to one of the page's own views (``#/referral/<id>``), ids encoded. */
export function link(text, ...parts) {
  return h("a", { href: "#/" + parts.map(encodeURIComponent).join("/") }, text);
}

/** A table from header labels and rows of cells (strings, nodes or {value, class}). */
export function table(caption, headers, rows, empty) {
  if (!rows.length) return h("p", { class: "notice" }, empty);
  const plain = (c) => c && typeof c === "object" && !(c instanceof Node) && !Array.isArray(c);
  const names = headers.map((c) => String(plain(c) ? c.value : c));
  // data-label: on a phone each row is a card and each cell says what it is (style.css).
  const cell = (tag, c, i) => h(tag, { class: plain(c) ? c.class : null, scope: tag === "th" ? "col" : null,
                                       "data-label": tag === "td" ? names[i] : null }, plain(c) ? c.value : c);
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((c, i) => cell("th", c, i)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => cell("td", c, i)))))));
}

/** A definition list of [label, value] pairs. */
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.flatMap(([dt, dd]) => [h("dt", {}, dt), h("dd", {}, dd)]));
}
