// The page: forms that submit work to the job API, and live views of the
// jobs, a sweep's chart, the counts of primes and the dead letters, fed by
// the API's event stream (/api/events).

import { APIError, get, parseJSON, post, query, setToken } from "./api.js";
import { drawChart } from "./chart.js";
import { byId, el, throttle } from "./dom.js";
import { FieldError, clearErrors, handleSubmit, numberValue } from "./forms.js";
import { badge, formatNumber, humanize, jobSubject, refreshTimes, resultNode, timeAgo } from "./format.js";

/** Rows the jobs table shows at most, newest first. */
const maxRows = 100;
/** Jobs kept in memory beyond which the oldest finished ones are dropped. */
const maxJobs = 5000;
/** Jobs of a sweep loaded for its chart. */
const sweepPage = 1000;

/** Every job the page knows, by id. */
const jobs = new Map();
/** Functions called with a job each time it changes, by job id. */
const watchers = new Map();

const state = {
  models: [],
  streamLive: false,
  /** The sweep charted: {id, model, param, count}. */
  sweep: null,
  /** The number range followed: {id, count}. */
  range: null,
  /** The id of the last event of the stream, to resume from. */
  lastEventId: "",
  /** Results counted on the dead-letter topics at the last count. */
  deadTotal: undefined,
};

// ---- jobs ----

/**
 * Records a job (from an event, a list or an answer) unless the page holds
 * a newer version of it, and tells whoever watches it.
 * @param {any} job a store.Job
 */
function upsert(job) {
  if (!job || typeof job.id !== "string") return;
  const old = jobs.get(job.id);
  if (old && Number(old.seq) > Number(job.seq)) return;
  jobs.set(job.id, job);
  for (const fn of watchers.get(job.id) || []) fn(job);
  if (state.sweep && job.sweep === state.sweep.id) {
    scheduleChart();
    sweepProgress.schedule();
  }
  if (state.range && job.sweep === state.range.id) rangeProgress.schedule();
  if (job.status === "dead") scheduleDead();
  scheduleCounts();
  scheduleTable();
}

/** Calls fn with the job now (when known) and at each of its changes. */
function watch(id, fn) {
  if (!watchers.has(id)) watchers.set(id, new Set());
  watchers.get(id).add(fn);
  const job = jobs.get(id);
  if (job) fn(job);
}

function prune() {
  if (jobs.size <= maxJobs) return;
  const finished = [...jobs.values()]
    .filter((j) => j.status !== "queued" && !watchers.has(j.id) && !(state.sweep && j.sweep === state.sweep.id))
    .sort(newestFirst)
    .reverse();
  for (const j of finished.slice(0, jobs.size - maxJobs)) jobs.delete(j.id);
}

const collator = new Intl.Collator(undefined, { numeric: true });

function newestFirst(a, b) {
  const ta = Date.parse(a.submitted_at) || 0;
  const tb = Date.parse(b.submitted_at) || 0;
  return tb - ta || collator.compare(b.id, a.id);
}

async function cancelJob(id) {
  const notice = byId("jobs-notice");
  try {
    upsert(await post(`/api/jobs/${encodeURIComponent(id)}/cancel`));
    notice.textContent = `Job ${id} cancelled.`;
  } catch (err) {
    if (err instanceof APIError && (err.status === 401 || err.status === 403)) askToken();
    notice.textContent = `Job ${id} could not be cancelled: ${err.message}`;
  }
}

function cancelButton(job) {
  return el("button", {
    type: "button",
    class: "secondary small",
    "aria-label": `Cancel job ${job.id}`,
    onclick: (ev) => {
      ev.currentTarget.disabled = true;
      cancelJob(job.id);
    },
    text: "Cancel",
  });
}

// ---- the jobs table ----

const rows = new Map();

function jobRow(job) {
  const tr = el("tr", { "data-id": job.id, "data-status": job.status },
    el("td", { "data-label": "Job" },
      el("button", { type: "button", class: "link job-id", title: "Show the whole job", onclick: () => showJob(job.id), text: job.id }),
      el("span", { class: "subject", text: jobSubject(job) })),
    el("td", { "data-label": "Status" }, badge(job.status)),
    el("td", { "data-label": "Result", class: "result-cell" }, resultNode(job)),
    el("td", { "data-label": "Submitted" }, timeAgo(job.submitted_at)),
    el("td", { class: "actions" }, job.status === "queued" ? cancelButton(job) : null),
  );
  tr.dataset.seq = String(job.seq);
  return tr;
}

function renderTable() {
  prune();
  const status = byId("filter-status").value;
  const kind = byId("filter-kind").value;
  const shown = [...jobs.values()]
    .filter((j) => (!status || j.status === status) && (!kind || j.kind === kind))
    .sort(newestFirst);
  const body = byId("jobs-body");
  const keep = new Set();
  let at = body.firstElementChild;
  for (const job of shown.slice(0, maxRows)) {
    keep.add(job.id);
    let tr = rows.get(job.id);
    if (!tr || tr.dataset.seq !== String(job.seq)) {
      const fresh = jobRow(job);
      if (tr) {
        if (at === tr) at = fresh;
        tr.replaceWith(fresh);
      }
      tr = fresh;
      rows.set(job.id, tr);
    }
    // Move a row only when it is out of place, so that focus stays put.
    if (tr === at) at = at.nextElementSibling;
    else body.insertBefore(tr, at);
  }
  for (const [id, tr] of rows) {
    if (!keep.has(id)) {
      tr.remove();
      rows.delete(id);
    }
  }
  const more = shown.length - Math.min(shown.length, maxRows);
  byId("jobs-empty").hidden = shown.length > 0;
  byId("jobs-empty").textContent = status || kind ? "No job matches the filter." : "No jobs yet. Submit one above.";
  byId("jobs-more").textContent = more > 0 ? `Showing the newest ${formatNumber(maxRows)} of ${formatNumber(shown.length)} jobs.` : "";
}

const scheduleTable = throttle(renderTable, 150);

async function loadJobs(params = {}) {
  const list = await get(`/api/jobs${query({ limit: 200, ...params })}`);
  for (const job of (list && list.jobs) || []) upsert(job);
}

async function showJob(id) {
  const dialog = byId("job-dialog");
  byId("job-dialog-title").textContent = `Job ${id}`;
  const pre = byId("job-dialog-body");
  pre.textContent = stringify(jobs.get(id) || {});
  if (!dialog.open) dialog.showModal();
  try {
    const job = await get(`/api/jobs/${encodeURIComponent(id)}`);
    upsert(job);
    pre.textContent = stringify(job);
  } catch (err) {
    pre.textContent = `${pre.textContent}\n\n(${err.message})`;
  }
}

/** JSON text of v, with BigInt written as the exact integer it holds. */
function stringify(v) {
  return JSON.stringify(v, (k, x) => (typeof x === "bigint" ? (JSON.rawJSON ? JSON.rawJSON(x.toString()) : x.toString()) : x), 2);
}

// ---- a watched job's result card ----

/**
 * Shows job in box: its id and status, then its objective and variables
 * once solved, or its error.
 * @param {HTMLElement} box
 * @param {any} job
 */
function renderResult(box, job) {
  const r = job.result;
  const solStatus = job.status === "done" && r && r.status ? r.status : job.status;
  const head = el("div", { class: "result-head" },
    el("span", { class: "result-id", text: job.id }),
    badge(solStatus),
    job.status === "queued" ? cancelButton(job) : null);
  const body = [];
  if (job.status === "queued") {
    body.push(el("p", { class: "muted", text: "Queued; the result appears here as soon as a stage publishes it." }));
  } else if (r && r.objective !== undefined && r.objective !== null) {
    const vars = Object.entries(r.variables || {});
    body.push(el("p", { class: "objective-line" },
      el("span", { class: "objective-label", text: "Objective " }),
      el("strong", { class: "objective-big", text: formatNumber(r.objective) })));
    if (vars.length) {
      body.push(el("dl", { class: "vars" }, ...vars.slice(0, 12).flatMap(([k, v]) => [
        el("div", {}, el("dt", { text: k }), el("dd", { text: formatNumber(v) })),
      ])));
      if (vars.length > 12) body.push(el("p", { class: "muted", text: `and ${formatNumber(vars.length - 12)} more variables (open the job for all)` }));
    }
    const facts = [];
    if (r.iterations !== undefined) facts.push(`${formatNumber(r.iterations)} iterations`);
    if (r.solve_time_ms !== undefined) facts.push(`solved in ${formatNumber(r.solve_time_ms)} ms`);
    if (facts.length) body.push(el("p", { class: "muted", text: facts.join(" · ") }));
  } else {
    const why = (r && r.error) || job.error || (r && r.status ? `The solver answered ${String(r.status).replace(/_/g, " ")}.` : "");
    if (why) body.push(el("p", { class: job.status === "dead" ? "error-text" : "muted", text: why }));
  }
  box.replaceChildren(head, ...body);
}

/** Follows the job in box from now on. */
function follow(box, id) {
  box.dataset.job = id;
  if (!jobs.has(id)) {
    upsert({ id, status: "queued", seq: -1, submitted_at: new Date().toISOString(), kind: "lp" });
  }
  watch(id, (job) => {
    if (box.dataset.job === id) renderResult(box, job);
  });
}

// ---- models ----

async function loadModels() {
  try {
    state.models = (await get("/api/models")) || [];
  } catch (err) {
    for (const id of ["solve-form", "sweep-form"]) {
      byId(id).querySelector(".form-error").textContent = `The models could not be loaded: ${err.message}`;
    }
    return;
  }
  for (const id of ["solve-model", "sweep-model"]) {
    byId(id).replaceChildren(...state.models.map((m) => el("option", { value: m.name, text: m.name })));
  }
  renderParams();
  renderSweepParams();
  restoreSweep();
}

function model(name) {
  return state.models.find((m) => m.name === name) || { name, params: [] };
}

function renderParams() {
  const m = model(byId("solve-model").value);
  byId("solve-model-hint").textContent = m.description || "";
  byId("solve-params").replaceChildren(...(m.params || []).map((p) => {
    const id = `solve-param-${p.name}`;
    return el("div", { class: "field" },
      el("label", { for: id, text: humanize(p.name) }),
      el("input", {
        id, name: p.name, type: "number", inputmode: "decimal", step: "any",
        value: p.default ?? "", min: p.min, max: p.max, "data-field": `params.${p.name}`, "data-param": p.name,
        "aria-describedby": `${id}-error ${id}-hint`,
      }),
      p.doc ? el("p", { class: "hint", id: `${id}-hint`, text: p.doc }) : null,
      el("p", { class: "field-error", id: `${id}-error` }));
  }));
}

function renderSweepParams() {
  const m = model(byId("sweep-model").value);
  const select = byId("sweep-param");
  select.replaceChildren(...(m.params || []).map((p) => el("option", { value: p.name, text: humanize(p.name) })));
  setSweepFields();
}

/** Points the sweep's range inputs at the chosen parameter's JSON path. */
function setSweepFields() {
  const p = byId("sweep-param").value;
  for (const input of byId("sweep-form").querySelectorAll("[data-sub]")) {
    input.dataset.field = `params.${p}.${input.dataset.sub}`;
  }
}

// ---- the forms ----

function setupSolve() {
  const form = byId("solve-form");
  byId("solve-model").addEventListener("change", () => {
    clearErrors(form);
    renderParams();
  });
  handleSubmit(form, async () => {
    const body = { model: byId("solve-model").value, params: {} };
    for (const input of form.querySelectorAll("[data-param]")) {
      const v = numberValue(input);
      if (v !== undefined) body.params[input.dataset.param] = v;
    }
    const id = byId("solve-id").value.trim();
    if (id) body.id = id;
    const limit = numberValue(byId("solve-time-limit"));
    if (limit !== undefined) body.time_limit_ms = limit;
    const res = await post("/api/jobs", body);
    follow(byId("solve-result"), res.id);
  }, askToken);
}

function setupSweep() {
  const form = byId("sweep-form");
  byId("sweep-model").addEventListener("change", () => {
    clearErrors(form);
    renderSweepParams();
  });
  byId("sweep-param").addEventListener("change", setSweepFields);
  handleSubmit(form, async () => {
    const model = byId("sweep-model").value;
    const param = byId("sweep-param").value;
    if (!param) throw new FieldError(byId("sweep-param"), "This model has no parameter to sweep.");
    const range = {};
    for (const input of form.querySelectorAll("[data-sub]")) {
      const v = numberValue(input);
      if (v === undefined) throw new FieldError(input, "Enter a number.");
      range[input.dataset.sub] = v;
    }
    const res = await post("/api/sweeps", { model, params: { [param]: range } });
    startSweep({ id: res.sweep, model, param, count: res.count });
    for (const id of res.ids || []) {
      if (!jobs.has(id)) upsert({ id, sweep: res.sweep, kind: "lp", status: "queued", seq: -1, submitted_at: new Date().toISOString(), body: { model, params: {} } });
    }
  }, askToken);
}

function setupUpload() {
  const form = byId("upload-form");
  handleSubmit(form, async () => {
    const input = byId("upload-file");
    const file = input.files && input.files[0];
    if (!file) throw new FieldError(input, "Choose an .lp or .mps file.");
    const data = new FormData();
    data.append("file", file, file.name);
    const format = byId("upload-format").value;
    if (format) data.append("format", format);
    const limit = numberValue(byId("upload-time-limit"));
    if (limit !== undefined) data.append("time_limit_ms", String(limit));
    const id = byId("upload-id").value.trim();
    if (id) data.append("id", id);
    const res = await post("/api/jobs", data);
    follow(byId("upload-result"), res.id);
  }, askToken);
}

function setupNumbers() {
  const form = byId("numbers-form");
  handleSubmit(form, async () => {
    const bounds = {};
    for (const name of ["from", "to"]) {
      const input = byId(`numbers-${name}`);
      const v = input.value.trim().replace(/[\s,_]/g, "");
      if (!/^\d+$/.test(v)) throw new FieldError(input, "Enter a whole number, 0 or more.");
      bounds[name] = v;
    }
    const res = await post("/api/sweeps", { numbers: bounds });
    state.range = { id: res.sweep, count: res.count };
    rangeProgress.render();
    rangeProgress.schedule();
  }, askToken);
}

function setupToken() {
  const form = byId("token-form");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    setToken(byId("token").value.trim());
    byId("token-error").textContent = "";
    byId("token-box").open = false;
  });
}

/** Opens the token box, saying why: the API refused a request (the
 * refused form shows the API's own words). */
function askToken() {
  const box = byId("token-box");
  box.open = true;
  byId("token-error").textContent = "The server wants its API token to take work. Enter it here; this browser keeps it.";
  byId("token").focus();
}

// ---- the sweep and its chart ----

function startSweep(sweep) {
  state.sweep = sweep;
  history.replaceState(null, "", `#${query({ sweep: sweep.id, param: sweep.param }).slice(1)}`);
  renderChart();
  sweepProgress.render();
  byId("sweep-links").replaceChildren(
    "Results: ",
    el("a", { href: `/api/sweeps/${encodeURIComponent(sweep.id)}/results.csv`, download: "", text: "CSV" }),
    " · ",
    el("a", { href: `/api/sweeps/${encodeURIComponent(sweep.id)}/results.json`, text: "JSON" }));
  loadJobs({ sweep: sweep.id, limit: sweepPage }).catch((err) => {
    byId("sweep-progress").textContent = `The sweep's jobs could not be loaded: ${err.message}`;
  });
  sweepProgress.schedule();
}

/** Brings back the sweep named in the address (#sweep=…&param=…). */
function restoreSweep() {
  const h = new URLSearchParams(location.hash.slice(1));
  const id = h.get("sweep");
  if (!id || state.sweep) return;
  startSweep({ id, param: h.get("param") || "", model: "", count: 0 });
}

function sweepPoints() {
  const s = state.sweep;
  const points = [];
  for (const job of jobs.values()) {
    if (job.sweep !== s.id || job.status !== "done" || !job.result) continue;
    const r = job.result;
    const x = (r.params && r.params[s.param]) ?? (job.body && job.body.params && job.body.params[s.param]);
    if (x === undefined || r.objective === undefined || r.objective === null) continue;
    points.push({ x: Number(x), y: Number(r.objective), label: job.id });
  }
  return points;
}

function renderChart() {
  const s = state.sweep;
  const root = byId("sweep-chart");
  if (!s) {
    drawChart(root, [], { x: "", y: "", empty: "No sweep yet" });
    return;
  }
  const points = sweepPoints();
  const param = humanize(s.param) || "Parameter";
  drawChart(root, points, { x: param, y: "Objective", empty: "Waiting for the first results…" });
  byId("sweep-chart-caption").textContent = `Objective against ${param.toLowerCase()} in sweep ${s.id}: ${formatNumber(points.length)} points`;
}

const scheduleChart = throttle(renderChart, 200);

/** Summarises a sweep's by_status: "7 of 10 finished: 7 done". */
function progressText(count, byStatus) {
  const b = byStatus || {};
  const finished = ["done", "dead", "cancelled"].reduce((n, k) => n + Number(b[k] || 0), 0);
  const parts = ["done", "dead", "cancelled"].filter((k) => Number(b[k] || 0) > 0).map((k) => `${formatNumber(b[k])} ${k}`);
  return `${formatNumber(finished)} of ${formatNumber(count)} finished${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

/**
 * Follows the progress of the sweep current() returns in the element out:
 * "Sweep s-1: 7 of 10 finished: 7 done." render shows what the page
 * knows (or info, the API's summary); schedule asks the API, at most
 * every 400 ms.
 * @param {string} out
 * @param {string} label
 * @param {() => ({id: string, count: number}|null)} current
 */
function tracker(out, label, current) {
  const render = (info) => {
    const s = current();
    if (!s) return;
    if (info && info.count !== undefined) s.count = Number(info.count);
    const by = info ? info.by_status : countStatuses(s.id);
    byId(out).textContent = `${label} ${s.id}: ${progressText(s.count, by)}.`;
  };
  const schedule = throttle(async () => {
    const s = current();
    if (!s) return;
    try {
      render(await get(`/api/sweeps/${encodeURIComponent(s.id)}`));
    } catch {
      render();
    }
  }, 400);
  return { render, schedule };
}

function countStatuses(sweep) {
  const by = {};
  for (const j of jobs.values()) if (j.sweep === sweep) by[j.status] = (by[j.status] || 0) + 1;
  return by;
}

const sweepProgress = tracker("sweep-progress", "Sweep", () => state.sweep);
const rangeProgress = tracker("numbers-progress", "Range", () => state.range);

// ---- counts ----

async function refreshCounts() {
  let c;
  try {
    c = await get("/api/counts");
  } catch {
    return;
  }
  const topics = (c && c.topics) || {};
  // Dead letters of messages that are no job of the page's (published
  // with curl, say) change no job: a new total of the dead-letter topics
  // says there are some to show.
  const dead = Object.entries(topics).reduce((n, [k, v]) => (k.endsWith("_dead") ? n + Number(v) : n), 0);
  if (dead !== state.deadTotal) {
    if (state.deadTotal !== undefined) scheduleDead();
    state.deadTotal = dead;
  }
  byId("count-primes").textContent = formatNumber(topics.primes ?? 0);
  byId("count-non-primes").textContent = formatNumber(topics.non_primes ?? 0);
  const js = (c && c.jobs) || {};
  const out = byId("job-counts");
  const parts = ["queued", "done", "dead", "cancelled"].filter((k) => js[k]);
  out.replaceChildren(...parts.flatMap((k) => [badge(k), el("span", { class: "count", text: formatNumber(js[k]) })]));
}

const scheduleCounts = throttle(refreshCounts, 300);

// ---- dead letters ----

async function refreshDead() {
  let list;
  try {
    list = (await get("/api/dead?limit=20")) || [];
  } catch (err) {
    byId("dead-empty").hidden = false;
    byId("dead-empty").textContent = `The dead letters could not be loaded: ${err.message}`;
    return;
  }
  byId("dead-empty").hidden = list.length > 0;
  byId("dead-empty").textContent = "No dead letters.";
  byId("dead-list").replaceChildren(...list.map((d) => el("li", { class: "dead" },
    el("div", { class: "dead-head" },
      el("code", { class: "topic", text: d.topic }),
      d.input_id ? el("span", { class: "muted mono", title: "input id", text: d.input_id }) : null,
      timeAgo(d.time)),
    el("p", { class: "error-text", text: d.error }),
    el("details", {}, el("summary", { text: "Message" }), el("pre", { class: "json", text: stringify(d.body) })))));
}

const scheduleDead = throttle(refreshDead, 1000);

// ---- the event stream ----

function setStream(text, cls) {
  const out = byId("stream-state");
  out.textContent = text;
  out.className = `badge ${cls}`;
}

function connect() {
  // A stream the server closed is opened again from the last event seen
  // (the browser resends Last-Event-ID by itself only while it retries).
  const es = new EventSource(`/api/events${query({ last_event_id: state.lastEventId })}`);
  let reload = true;
  es.addEventListener("open", () => {
    state.streamLive = true;
    setStream("live", "badge-done");
    if (reload) {
      reload = false;
      loadAll();
    }
  });
  es.addEventListener("error", () => {
    state.streamLive = false;
    if (es.readyState === EventSource.CLOSED) {
      // The server refused the stream; try a new one, and reload what
      // was missed, in a while.
      setStream("offline", "badge-dead");
      es.close();
      setTimeout(connect, 5000);
    } else {
      setStream("reconnecting…", "badge-queued");
    }
  });
  es.addEventListener("job", (ev) => {
    if (ev.lastEventId) state.lastEventId = ev.lastEventId;
    try {
      upsert(parseJSON(ev.data));
    } catch {
      // An event the page cannot read is skipped; the next list load
      // brings the job.
    }
  });
}

function loadAll() {
  const status = byId("filter-status").value;
  const kind = byId("filter-kind").value;
  loadJobs({ status, kind }).then(() => {
    byId("jobs-notice").textContent = "";
  }, (err) => {
    byId("jobs-notice").textContent = `The jobs could not be loaded: ${err.message}`;
  });
  refreshCounts();
  refreshDead();
}

/** Asks the API for the followed jobs still queued (when the stream is down). */
async function pollWatched() {
  if (state.streamLive) return;
  for (const id of watchers.keys()) {
    const job = jobs.get(id);
    if (job && job.status !== "queued") continue;
    try {
      upsert(await get(`/api/jobs/${encodeURIComponent(id)}`));
    } catch {
      // Shown as still queued; the next poll tries again.
    }
  }
}

function main() {
  setupToken();
  setupSolve();
  setupSweep();
  setupUpload();
  setupNumbers();
  for (const id of ["filter-status", "filter-kind"]) {
    byId(id).addEventListener("change", () => {
      renderTable();
      loadAll();
    });
  }
  byId("job-dialog").addEventListener("click", (ev) => {
    if (ev.target === ev.currentTarget) ev.currentTarget.close();
  });
  renderChart();
  loadModels();
  loadAll();
  connect();
  window.addEventListener("resize", scheduleChart);
  setInterval(() => refreshTimes(), 1000);
  setInterval(() => {
    refreshCounts();
    pollWatched();
  }, 5000);
}

main();
