// A line chart of y against x, drawn as inline SVG.

import { svg } from "./dom.js";
import { formatNumber } from "./format.js";

const pad = { left: 72, right: 20, top: 16, bottom: 48 };

/**
 * About n "nice" ticks (1, 2 or 5 times a power of ten) covering lo..hi.
 * @param {number} lo
 * @param {number} hi
 * @param {number} n
 */
export function ticks(lo, hi, n = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

/**
 * lo..hi of values, widened by a margin so that no point sits on an axis,
 * and so that a single value or a flat line still has room.
 */
function span(values) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const d = lo === hi ? Math.abs(lo) * 0.1 || 1 : (hi - lo) * 0.04;
  return [lo - d, hi + d];
}

/**
 * Draws points into the <svg> root, replacing what it held: axes with
 * ticks, labels, a line through the points in x order and one circle per
 * point (class "point", with a <title> giving its values). The drawing
 * takes the width the element has on the page (640 when it has none), so
 * its text keeps its size on a phone.
 * @param {SVGSVGElement} root
 * @param {{x: number, y: number, label?: string}[]} points
 * @param {{x: string, y: string, empty?: string}} labels
 */
export function drawChart(root, points, labels) {
  root.replaceChildren();
  const W = Math.max(280, Math.round(root.clientWidth || 640));
  const H = Math.round(Math.min(340, Math.max(220, W * 0.5)));
  root.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const pw = W - pad.left - pad.right;
  const ph = H - pad.top - pad.bottom;
  if (points.length === 0) {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "chart-empty", text: labels.empty || "No results yet" }));
    return;
  }
  const pts = [...points].sort((a, b) => a.x - b.x);
  const [x0, x1] = span(pts.map((p) => p.x));
  const [y0, y1] = span(pts.map((p) => p.y));
  const xt = ticks(x0, x1, W < 480 ? 4 : 6);
  const yt = ticks(y0, y1, H < 260 ? 4 : 5);
  // The y axis starts and ends on ticks so the grid frames the line.
  const ylo = Math.min(y0, yt[0]);
  const yhi = Math.max(y1, yt[yt.length - 1]);
  const sx = (v) => pad.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v) => pad.top + ph - ((v - ylo) / (yhi - ylo)) * ph;

  const grid = svg("g", { class: "chart-grid" });
  for (const v of yt) {
    const y = sy(v);
    grid.append(
      svg("line", { x1: pad.left, x2: pad.left + pw, y1: y, y2: y }),
      svg("text", { x: pad.left - 8, y: y + 4, "text-anchor": "end", class: "chart-tick", text: formatNumber(v) }),
    );
  }
  for (const v of xt) {
    const x = sx(v);
    grid.append(
      svg("line", { x1: x, x2: x, y1: pad.top + ph, y2: pad.top + ph + 5, class: "chart-tickmark" }),
      svg("text", { x, y: pad.top + ph + 20, "text-anchor": "middle", class: "chart-tick", text: formatNumber(v) }),
    );
  }
  const axes = svg("g", { class: "chart-axes" },
    svg("line", { x1: pad.left, x2: pad.left + pw, y1: pad.top + ph, y2: pad.top + ph }),
    svg("line", { x1: pad.left, x2: pad.left, y1: pad.top, y2: pad.top + ph }),
    svg("text", { x: pad.left + pw / 2, y: H - 6, "text-anchor": "middle", class: "chart-label", text: labels.x }),
    svg("text", { x: 14, y: pad.top + ph / 2, "text-anchor": "middle", class: "chart-label", transform: `rotate(-90 14 ${pad.top + ph / 2})`, text: labels.y }),
  );
  const line = svg("polyline", { class: "chart-line", points: pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ") });
  const dots = svg("g", { class: "chart-points" });
  for (const p of pts) {
    dots.append(svg("circle", { class: "point", cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 5, "data-x": p.x, "data-y": p.y },
      svg("title", { text: `${labels.x} ${formatNumber(p.x)}: ${labels.y} ${formatNumber(p.y)}${p.label ? ` (${p.label})` : ""}` })));
  }
  root.append(grid, axes, line, dots);
}
