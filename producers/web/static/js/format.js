// Formatting of numbers, times, statuses and job results for display.

import { el } from "./dom.js";

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 });
const integerFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/**
 * Formats a number for reading: grouped digits, at most 6 decimals.
 * BigInt and decimal strings stay exact (Intl formats them digit for digit).
 * @param {number|bigint|string} v
 */
export function formatNumber(v) {
  if (typeof v === "bigint") return integerFormat.format(v);
  if (typeof v === "string") {
    return /^-?\d+$/.test(v) ? integerFormat.format(v) : v;
  }
  if (typeof v === "number" && Number.isFinite(v)) {
    // Round off the noise of floating point (2.0000000000000004 → 2).
    return numberFormat.format(Math.abs(v) < 1e15 ? Number(v.toPrecision(12)) : v);
  }
  return String(v);
}

/**
 * A parameter's name for reading: "profit_rate_windows" gives "Profit
 * rate windows".
 * @param {string} name
 */
export function humanize(name) {
  const s = String(name || "").replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Says how long ago t was: "just now", "12 s ago", "5 min ago", "3 h ago",
 * "2 d ago", then the date.
 * @param {Date} t
 * @param {number} [now] ms since the epoch
 */
export function ago(t, now = Date.now()) {
  const s = Math.floor((now - t.getTime()) / 1000);
  if (!Number.isFinite(s)) return "";
  if (s < 1) return "just now";
  if (s < 60) return `${integerFormat.format(s)} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${integerFormat.format(m)} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${integerFormat.format(h)} h ago`;
  const d = Math.floor(h / 24);
  if (d < 30) return `${integerFormat.format(d)} d ago`;
  return t.toLocaleDateString();
}

/**
 * A <time> showing how long ago iso was, kept fresh by refreshTimes.
 * @param {string} iso an RFC 3339 time
 */
export function timeAgo(iso) {
  const t = new Date(iso);
  if (!iso || Number.isNaN(t.getTime())) return el("span", { class: "muted", text: "–" });
  return el("time", { datetime: iso, title: t.toLocaleString(), "data-ago": "", text: ago(t) });
}

/** Updates the text of every timeAgo element under root. */
export function refreshTimes(root = document) {
  const now = Date.now();
  for (const node of root.querySelectorAll("time[data-ago]")) {
    const text = ago(new Date(node.dateTime), now);
    if (node.textContent !== text) node.textContent = text;
  }
}

/**
 * A status badge. Job states (queued, done, dead, cancelled) and solution
 * statuses (optimal, infeasible, time_limit…) each have their colour.
 * @param {string} status
 */
export function badge(status) {
  const s = String(status || "unknown");
  return el("span", { class: `badge badge-${s.replace(/[^a-z_]/g, "")}`, text: s.replace(/_/g, " ") });
}

/**
 * What a job's solution says, in one line: "3,600 at Doors = 2, Windows = 6".
 * @param {any} sol an object published on solutions
 */
export function solutionText(sol) {
  if (!sol || sol.objective === undefined || sol.objective === null) return "";
  const vars = Object.entries(sol.variables || {});
  const shown = vars.slice(0, 4).map(([k, v]) => `${k} = ${formatNumber(v)}`);
  if (vars.length > shown.length) shown.push(`${formatNumber(vars.length - shown.length)} more`);
  const at = shown.length ? ` at ${shown.join(", ")}` : "";
  return `${formatNumber(sol.objective)}${at}`;
}

/**
 * What a primality result says: "prime", or "= 3 × 11 × 17".
 * @param {any} r an object published on primes or non_primes
 */
export function primalityText(r) {
  if (r.prime === true) return "prime";
  const factors = (r.factors || []).map(formatNumber);
  if (r.factors_complete === false) {
    const found = factors.length ? `factors found ${factors.join(" × ")}` : "no factor found";
    return `composite, ${found}`;
  }
  return factors.length ? `= ${factors.join(" × ")}` : "not prime";
}

/**
 * A short label for a job: "number 97", "wyndor (profit_rate_windows =
 * 500)", "MPS model", "inline model".
 * @param {any} job a store.Job
 */
export function jobSubject(job) {
  const b = job.body || {};
  if (job.kind === "number") return b.number !== undefined ? `number ${formatNumber(b.number)}` : "number";
  if (typeof b.model === "string") {
    const p = Object.entries(b.params || {}).map(([k, v]) => `${k} = ${formatNumber(v)}`);
    return p.length ? `${b.model} (${p.join(", ")})` : b.model;
  }
  if (b.model) return "inline model";
  if (b.format) return `${String(b.format).toUpperCase()} model`;
  return job.kind === "lp" ? "LP" : job.kind || "";
}

/**
 * The result cell of a job: its solution or primality answer, its error,
 * or that it waits.
 * @param {any} job a store.Job
 */
export function resultNode(job) {
  const r = job.result;
  if (job.status === "queued") return el("span", { class: "muted", text: "waiting for a result…" });
  if (job.status === "dead" || (job.status === "cancelled" && !r)) {
    return el("span", { class: job.status === "dead" ? "error-text" : "muted", text: job.error || job.status });
  }
  if (!r) return el("span", { class: "muted", text: job.error || "" });
  if (job.kind === "number") return el("span", { text: primalityText(r) });
  const parts = [];
  if (r.status && r.status !== "optimal") parts.push(badge(r.status), " ");
  const text = solutionText(r);
  if (text) parts.push(el("span", { class: "objective", text }));
  else if (r.error) parts.push(el("span", { class: "error-text", text: r.error }));
  return el("span", {}, ...parts);
}
