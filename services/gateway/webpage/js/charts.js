// Horizontal bar charts drawn as SVG by hand: no library, every label a text node.
import { s, h } from "./dom.js";
import { t } from "./i18n.js";
import { isSuppressed, percent } from "./format.js";

const ROW = 30;
const LABEL = 120;
const WIDTH = 420;
const VALUE = 90;

/** A chart of percentages: rows of {label, value}; a suppressed value is drawn as such. */
export function bars(title, rows, { max = 100, id } = {}) {
  const track = WIDTH - LABEL - VALUE;
  const height = Math.max(rows.length, 1) * ROW + 6;
  const captionId = `${id}-caption`;
  const svg = s("svg", { class: "bars", viewBox: `0 0 ${WIDTH} ${height}`, role: "img",
                         "aria-labelledby": captionId, "data-chart": id });
  rows.forEach(({ label, value }, i) => {
    const y = i * ROW + 4;
    const hidden = isSuppressed(value);
    const share = hidden || value === null ? 0 : Math.max(0, Math.min(1, Number(value) / max));
    svg.append(
      s("text", { x: 0, y: y + 17 }, label),
      s("rect", { class: "track", x: LABEL, y, width: track, height: ROW - 8 }),
      s("rect", { class: hidden ? "bar suppressed" : "bar", x: LABEL, y,
                  width: hidden ? track : Math.round(share * track), height: ROW - 8 }),
      s("text", { x: LABEL + track + 6, y: y + 17, class: hidden ? "suppressed" : null }, percent(value)),
    );
  });
  if (!rows.length) svg.append(s("text", { x: 0, y: 20 }, t("report.no_data")));
  return h("figure", { class: "chart", id },
    h("figcaption", { id: captionId }, title), svg);
}
