// The cracktrader operator page: plain DOM, no framework, no network beyond this daemon.
// Everything shown comes from API v1; every value is written with textContent (never
// innerHTML), because event data is produced by strategy code.
"use strict";

const API = "/api/v1";
const TAIL_LIMIT = 300;
const state = {
  token: sessionStorage.getItem("cracktrader.token") || "",
  selected: null,
  stream: null,        // AbortController of the live event stream
  lastSequence: 0,
  eventCount: 0,
  timers: [],
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child == null ? "" : String(child)));
  }
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function headers(extra) {
  const h = { "X-Cracktrader-API-Version": "v1", ...(extra || {}) };
  if (state.token) h.Authorization = "Bearer " + state.token;
  return h;
}

async function api(path, options) {
  const opts = options || {};
  const response = await fetch(API + path, { ...opts, headers: headers(opts.headers) });
  let body = null;
  try { body = await response.json(); } catch (err) { body = null; }
  if (!response.ok) {
    const error = (body && body.error) || { code: "http_" + response.status, message: response.statusText };
    const failure = new Error(error.code + ": " + error.message);
    failure.status = response.status;
    throw failure;
  }
  return body;
}

// ---- runtimes ---------------------------------------------------------------------

async function refreshRuntimes() {
  let list;
  try {
    list = (await api("/runtimes")).runtimes;
    $("connection").textContent = "connected";
  } catch (err) {
    $("connection").textContent = err.message;
    return;
  }
  const counts = {};
  const body = $("runtimes");
  body.replaceChildren();
  for (const rt of list.slice().reverse()) {
    counts[rt.status] = (counts[rt.status] || 0) + 1;
    const row = el("tr", { class: "runtime" + (rt.runtime_id === state.selected ? " selected" : ""),
                           dataset: { runtimeId: rt.runtime_id, status: rt.status } },
      el("td", { class: "mono" }, rt.runtime_id),
      el("td", { class: "status-" + rt.status }, rt.status),
      el("td", {}, rt.spec.strategy),
      el("td", {}, rt.spec.mode),
      el("td", {}, rt.spec.backend),
      el("td", {}, rt.last_sequence),
      el("td", {}, rt.pnl ? rt.pnl.equity : "-"),
      el("td", { class: rt.kill_switch ? "kill-on" : "" }, rt.kill_switch ? "ENGAGED" : "off"));
    row.addEventListener("click", () => selectRuntime(rt.runtime_id));
    body.append(row);
    if (rt.runtime_id === state.selected) showStatus(rt);
  }
  if (!list.length) body.append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "no runtimes yet")));
  $("fleet-counts").textContent = Object.entries(counts).map(([k, v]) => v + " " + k).join(", ");
}

function showStatus(rt) {
  const badge = $("selected-status");
  badge.textContent = rt.status + (rt.kill_switch ? " · kill switch engaged" : "");
  badge.dataset.status = rt.status;
  badge.dataset.killSwitch = rt.kill_switch ? "on" : "off";
  const active = !rt.terminal;
  for (const button of document.querySelectorAll("#controls button")) button.disabled = !active;
}

async function startRuntime(event) {
  event.preventDefault();
  let params;
  try { params = JSON.parse($("start-params").value || "{}"); } catch (err) {
    $("start-result").textContent = "params: not JSON";
    return;
  }
  const bars = parseInt($("start-bars").value, 10);
  const spec = {
    strategy: $("start-strategy").value.trim(),
    symbols: $("start-symbols").value.split(",").map((s) => s.trim()).filter(Boolean),
    mode: $("start-mode").value,
    backend: $("start-backend").value,
    initial_cash: $("start-cash").value.trim(),
    params: params,
    pace_ms: parseInt($("start-pace").value, 10) || 0,
    data: { source: "synthetic", seed: parseInt($("start-seed").value, 10) || 0, bars: bars > 0 ? bars : null },
  };
  const exchange = $("start-exchange").value.trim();
  if (exchange) {  // a venue the daemon allows (--allow-exchange): paper, live or sandbox
    spec.data = { source: "exchange", exchange: exchange, max_bars: bars > 0 ? bars : null };
    delete spec.pace_ms;
  }
  try {
    const rt = await api("/runtimes", { method: "POST", body: JSON.stringify(spec),
                                        headers: { "Content-Type": "application/json" } });
    $("start-result").textContent = "started " + rt.runtime_id;
    await refreshRuntimes();
    selectRuntime(rt.runtime_id);
  } catch (err) {
    $("start-result").textContent = err.message;
  }
}

// ---- one runtime: live events, views, control ---------------------------------------

function selectRuntime(runtimeId) {
  if (state.stream) state.stream.abort();
  state.selected = runtimeId;
  state.lastSequence = 0;
  state.eventCount = 0;
  $("selected-runtime").textContent = runtimeId;
  $("event-tail").replaceChildren();
  $("event-count").textContent = "0";
  for (const row of document.querySelectorAll("#runtimes tr.runtime")) {
    row.classList.toggle("selected", row.dataset.runtimeId === runtimeId);
  }
  followEvents(runtimeId);
  refreshViews();
}

function appendEvent(ev) {
  if (ev.sequence <= state.lastSequence) return;  // never show one twice
  state.lastSequence = ev.sequence;
  state.eventCount += 1;
  $("event-count").textContent = String(state.eventCount);
  const tail = $("event-tail");
  const line = el("li", { class: "family-" + ev.family, dataset: { sequence: ev.sequence, family: ev.family, name: ev.name } },
    String(ev.sequence).padStart(6, " ") + "  " + ev.family + "/" + ev.name + "  " + JSON.stringify(ev.data));
  tail.prepend(line);
  while (tail.childElementCount > TAIL_LIMIT) tail.lastElementChild.remove();
  if (ev.family === "lifecycle" || ev.family === "risk") refreshRuntimes();
}

// Server-Sent Events read with fetch (EventSource cannot send the bearer header).
async function followEvents(runtimeId) {
  const controller = new AbortController();
  state.stream = controller;
  $("stream-state").textContent = "live";
  while (!controller.signal.aborted) {
    try {
      const response = await fetch(API + "/runtimes/" + runtimeId + "/events/stream?after=" + state.lastSequence,
                                    { headers: headers(), signal: controller.signal });
      if (!response.ok) throw new Error("stream: HTTP " + response.status);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let kind = "message", data = "";
          for (const line of frame.split("\n")) {
            if (line.startsWith("event: ")) kind = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (kind === "runtime_event") appendEvent(JSON.parse(data));
          else if (kind === "end") {
            $("stream-state").textContent = "ended (" + JSON.parse(data).status + ")";
            refreshRuntimes();
            refreshViews();
            return;
          }
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      $("stream-state").textContent = "reconnecting: " + err.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

async function refreshViews() {
  const id = state.selected;
  if (!id) return;
  try {
    const [pnl, positions, orders, curve] = await Promise.all([
      api("/runtimes/" + id + "/read-models/pnl"),
      api("/runtimes/" + id + "/read-models/positions"),
      api("/runtimes/" + id + "/read-models/orders"),
      api("/runtimes/" + id + "/read-models/equity_curve?max_points=300"),
    ]);
    if (id !== state.selected) return;
    $("pnl").textContent = pnl.equity == null ? "" :
      "equity " + pnl.equity + " · cash " + pnl.cash + " · realized " + pnl.realized_pnl + " · fees " + pnl.fees;
    const posBody = $("positions");
    posBody.replaceChildren(...positions.positions.map((p) =>
      el("tr", {}, el("td", {}, p.instrument), el("td", {}, p.size), el("td", {}, p.avg_price), el("td", {}, p.realized_pnl))));
    const ordBody = $("orders");
    ordBody.replaceChildren(...orders.orders.slice(-20).reverse().map((o) =>
      el("tr", { dataset: { orderId: o.order_id, state: o.state } },
        el("td", { class: "mono" }, o.order_id), el("td", {}, o.side), el("td", {}, o.order_type), el("td", {}, o.qty),
        el("td", {}, o.state), el("td", {}, o.filled_qty), el("td", {}, o.avg_fill_price || ""))));
    drawEquity(curve.points);
  } catch (err) {
    $("pnl").textContent = err.message;
  }
}

function drawEquity(points) {
  const chart = $("equity-chart");
  chart.replaceChildren();
  chart.dataset.points = String(points.length);
  if (points.length < 2) {
    chart.append(Object.assign(svg("text", { x: 20, y: 100, fill: "#6b7385" }), { textContent: "no equity points yet" }));
    return;
  }
  // Decimals are strings in the API; floats are fine for drawing only.
  const ys = points.map((p) => parseFloat(p.equity));
  const lo = Math.min(...ys), hi = Math.max(...ys), span = hi - lo || 1;
  const W = 600, H = 200, pad = 24;
  const coords = ys.map((y, i) => [pad + (i * (W - 2 * pad)) / (ys.length - 1), H - pad - ((y - lo) * (H - 2 * pad)) / span]);
  chart.append(svg("polyline", { points: coords.map((c) => c[0].toFixed(1) + "," + c[1].toFixed(1)).join(" "),
                                 fill: "none", stroke: "#2457c5", "stroke-width": 1.5, id: "equity-line" }));
  const label = (x, y, text) => { const t = svg("text", { x, y, fill: "#6b7385", "font-size": 11 }); t.textContent = text; return t; };
  chart.append(label(4, 14, "max " + hi.toFixed(2)), label(4, H - 6, "min " + lo.toFixed(2)),
               label(W - 150, 14, "last " + points[points.length - 1].equity));
}

async function sendControl(command) {
  const id = state.selected;
  if (!id) return;
  if (command === "kill_switch" && !window.confirm("Engage the kill switch of " + id + "? New orders will be refused and working orders cancelled.")) return;
  const commandId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9.:-]/g, "");
  try {
    const response = await api("/runtimes/" + id + "/control", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ command, command_id: commandId, reason: "operator page" }),
    });
    const result = $("control-result");
    result.textContent = command + ": " + response.status + (response.code ? " (" + response.code + ")" : "");
    result.dataset.command = command;
    result.dataset.status = response.status;
  } catch (err) {
    $("control-result").textContent = command + ": " + err.message;
  }
  refreshRuntimes();
}

// ---- reports ----------------------------------------------------------------------

async function refreshReports() {
  let list;
  try { list = (await api("/reports")).reports; } catch (err) { return; }
  const body = $("reports");
  body.replaceChildren(...list.map((r) => {
    const row = el("tr", { class: "report", dataset: { reportId: r.report_id, kind: r.kind } },
      el("td", { class: "mono" }, r.report_id), el("td", {}, r.kind), el("td", {}, r.title),
      el("td", {}, new Date(r.created_at).toISOString()));
    row.addEventListener("click", () => showReport(r.report_id));
    return row;
  }));
}

// Pretty-prints a JSON value as lines, each tagged with the JSON Pointer it shows.
function jsonLines(value, pointer, indent, key, out, last) {
  const pad = "  ".repeat(indent) + (key == null ? "" : JSON.stringify(key) + ": ");
  const comma = last ? "" : ",";
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    if (!entries.length) { out.push([pad + open + close + comma, pointer]); return out; }
    out.push([pad + open, pointer]);
    entries.forEach(([k, v], i) => {
      const escaped = String(k).replace(/~/g, "~0").replace(/\//g, "~1");
      jsonLines(v, pointer + "/" + escaped, indent + 1, Array.isArray(value) ? null : k, out, i === entries.length - 1);
    });
    out.push(["  ".repeat(indent) + close + comma, pointer]);
  } else {
    out.push([pad + JSON.stringify(value) + comma, pointer]);
  }
  return out;
}

function jsonBlock(text, paths) {
  let value;
  try { value = text == null ? null : JSON.parse(text); } catch (err) { value = text; }
  const block = el("pre", {});
  if (value === null) { block.append(el("div", { class: "json-line" }, "(no output: the backend raised)")); return block; }
  const lines = jsonLines(value, "", 0, null, [], true);
  // A differing path missing from this side (an element only the other side has) is
  // shown on its nearest existing ancestor, e.g. the empty list it is missing from.
  const present = new Set(lines.map(([, pointer]) => pointer));
  const anchors = new Set(paths.map((p) => {
    let q = p;
    while (q !== "" && !present.has(q)) q = q.slice(0, q.lastIndexOf("/"));
    return q;
  }).filter((q) => q !== ""));
  for (const [line, pointer] of lines) {
    const differs = anchors.has(pointer) || paths.some((p) => p !== "" && (pointer === p || pointer.startsWith(p + "/")));
    block.append(el("div", { class: "json-line" + (differs ? " differs" : ""), dataset: { pointer } }, line));
  }
  return block;
}

function divergenceView(report) {
  const [a, b] = report.backends;
  const [outA, outB] = report.outputs;
  return el("div", { class: "divergence", dataset: { signature: report.signature } },
    el("dl", { class: "facts" },
      el("dt", {}, "target"), el("dd", {}, report.target + " (" + report.kind + ")"),
      el("dt", {}, "signature"), el("dd", { class: "mono" }, report.signature),
      el("dt", {}, "step"), el("dd", {}, report.step_index + " (seed " + report.seed + ")"),
      el("dt", {}, "differing"), el("dd", { class: "mono" }, report.paths.join(", ") || "/"),
      el("dt", {}, "input"), el("dd", { class: "mono" }, report.input),
      el("dt", {}, "replay"), el("dd", { class: "mono" }, report.replay_command)),
    el("div", { class: "side-by-side" },
      el("div", { class: "side side-a", dataset: { backend: a } }, el("h4", {}, a), jsonBlock(outA, report.paths)),
      el("div", { class: "side side-b", dataset: { backend: b } }, el("h4", {}, b), jsonBlock(outB, report.paths))));
}

async function showReport(reportId) {
  const view = $("report-view");
  let report;
  try { report = await api("/reports/" + reportId); } catch (err) { view.textContent = err.message; return; }
  view.replaceChildren(el("h3", { dataset: { reportId } }, report.title + " "), el("span", { class: "muted" }, report.kind));
  const doc = report.document;
  if (report.kind === "divergence_report") {
    view.append(divergenceView(doc));
  } else if (report.kind === "parity_summary") {
    view.append(el("dl", { class: "facts" },
      el("dt", {}, "cases"), el("dd", {}, doc.cases), el("dt", {}, "steps"), el("dd", {}, doc.steps),
      el("dt", {}, "seed"), el("dd", {}, doc.seed), el("dt", {}, "divergences"), el("dd", {}, doc.divergences.length)));
    if (doc.per_target) {
      view.append(el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "target"), el("th", {}, "cases"),
        el("th", {}, "steps"), el("th", {}, "divergences"))),
        el("tbody", {}, ...Object.entries(doc.per_target).map(([t, s]) =>
          el("tr", {}, el("td", {}, t), el("td", {}, s.cases), el("td", {}, s.steps), el("td", {}, s.divergences))))));
    }
    for (const divergence of doc.divergences) view.append(divergenceView(divergence));
  } else {
    view.append(el("pre", {}, JSON.stringify(doc, null, 2)));
  }
}

// ---- start-up ---------------------------------------------------------------------

function connect(event) {
  if (event) event.preventDefault();
  state.token = $("token").value.trim();
  sessionStorage.setItem("cracktrader.token", state.token);
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [setInterval(refreshRuntimes, 2000), setInterval(refreshViews, 2000), setInterval(refreshReports, 5000)];
  refreshRuntimes();
  refreshReports();
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = state.token;
  $("token-form").addEventListener("submit", connect);
  $("start-form").addEventListener("submit", startRuntime);
  for (const button of document.querySelectorAll("#controls button")) {
    button.addEventListener("click", () => sendControl(button.dataset.command));
  }
  if (state.token) connect();
});
