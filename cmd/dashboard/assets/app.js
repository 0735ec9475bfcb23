// deliverypipe dashboard: polls /api/summary and renders tiles, tables and
// inline SVG charts. Written by hand (no libraries) so the page loads with
// no external assets.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#9333ea", "#dc2626", "#0891b2", "#64748b"];
let refreshMs = 3000;

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
const fmtNum = (n, d) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const hhmm = (ms) => new Date(ms).toISOString().slice(11, 16);
const stamp = (ms) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function setKey(key, text) {
  for (const e of document.querySelectorAll(`[data-k="${key}"]`)) e.textContent = text;
}

// fillTable replaces a table body with rows of cells [text, key?]; an empty
// list shows one "n/a" row with the reason.
function fillTable(id, rows, emptyText) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren();
  if (rows.length === 0) {
    const cols = document.querySelectorAll(`#${id} thead th`).length;
    const td = el("td", { colspan: cols, class: "na", "data-k": `${id}.na` }, emptyText);
    body.append(el("tr", {}, undefined));
    body.lastChild.append(td);
    return;
  }
  for (const cells of rows) {
    const tr = el("tr");
    for (const [text, key] of cells) tr.append(el("td", key ? { "data-k": key } : {}, text));
    body.append(tr);
  }
}

// lineChart draws series [{name, color, points: [[x, y]]}] into container.
function lineChart(container, series, opts) {
  const W = container.clientWidth || 800, H = 220, L = 56, R = 24, T = 10, B = 42;
  const svg = el("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": opts.label });
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) {
    svg.append(el("svg:text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, opts.empty));
    container.replaceChildren(svg);
    return;
  }
  let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  if (x0 === x1) { x0 -= 60000; x1 += 60000; }
  const step = niceStep(Math.max(...pts.map((p) => p[1])) / 4);
  const y1 = step * Math.max(1, Math.ceil(Math.max(...pts.map((p) => p[1])) / step));
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => T + (1 - y / y1) * (H - T - B);
  for (let v = 0; v <= y1 + step / 2; v += step) {
    const y = sy(v);
    svg.append(el("svg:line", { x1: L, x2: W - R, y1: y, y2: y, class: v ? "grid" : "axis" }));
    svg.append(el("svg:text", { x: L - 6, y: y + 4, "text-anchor": "end" }, opts.yFormat(v)));
  }
  // X labels on the data's own window starts, thinned to fit.
  const xs = [...new Set(pts.map((p) => p[0]))].sort((a, b) => a - b);
  const every = Math.ceil(xs.length / Math.max(2, Math.floor((W - L - R) / 70)));
  for (let i = xs.length - 1; i >= 0; i -= every) {
    svg.append(el("svg:text", { x: sx(xs[i]), y: H - B + 16, "text-anchor": "middle" }, hhmm(xs[i])));
  }
  let lx = L;
  series.forEach((s) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
    if (opts.area) {
      const last = s.points[s.points.length - 1], first = s.points[0];
      svg.append(el("svg:path", { d: `${d}L${sx(last[0])},${sy(0)}L${sx(first[0])},${sy(0)}Z`, fill: s.color, "fill-opacity": 0.12, stroke: "none" }));
    }
    const path = el("svg:path", { d, fill: "none", stroke: s.color, "stroke-width": 2 });
    path.append(el("svg:title", {}, s.name));
    svg.append(path);
    for (const p of s.points) {
      const c = el("svg:circle", { cx: sx(p[0]), cy: sy(p[1]), r: 2.5, fill: s.color });
      c.append(el("svg:title", {}, `${s.name} ${stamp(p[0])}: ${opts.yFormat(p[1])}`));
      svg.append(c);
    }
    svg.append(el("svg:rect", { x: lx, y: H - 14, width: 10, height: 10, fill: s.color }));
    svg.append(el("svg:text", { x: lx + 14, y: H - 5 }, s.name));
    lx += 24 + s.name.length * 6.5;
  });
  container.replaceChildren(svg);
}

// niceStep rounds a grid step up to 1, 2 or 5 times a power of ten.
function niceStep(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5]) if (m * p >= v) return m * p;
  return 10 * p;
}

function render(s) {
  const wins = s.windows || [];
  const minutes = (w) => (w.end - w.start) / 60000;
  const last = wins.length ? wins[wins.length - 1] : null;
  const h = s.health;

  setKey("health.last_window", last ? `${hhmm(h.last_window_start)}–${hhmm(h.last_window_end)}` : "n/a");
  document.getElementById("last-window-note").textContent = last
    ? `${stamp(h.last_window_start)} UTC · pane ${h.last_pane} ${h.last_timing}` : "no event-type KPIs yet";
  setKey("latest.rate.order_created", last ? fmtNum((last.counts.order_created || 0) / minutes(last), 1) : "n/a");
  setKey("hour.gmv", s.hour.has_gmv ? fmtNum(s.hour.gmv, 2) : "n/a");
  document.getElementById("hour-note").textContent = s.hour.has_gmv
    ? `${s.hour.windows} windows, ${stamp(s.hour.from)}–${hhmm(s.hour.to)} UTC` : "no restaurant KPIs yet";
  setKey("dlq.records", h.dead_letters ? fmtInt(h.dead_letters.records) : "n/a");
  setKey("dlq.objects", h.dead_letters ? fmtInt(h.dead_letters.objects) : "n/a");
  const shards = h.shards || [];
  setKey("health.max_lag", shards.length ? `${fmtNum(Math.max(...shards.map((x) => x.lag_ms)) / 1000, 1)} s` : "n/a");

  lineChart(document.getElementById("chart-events"),
    s.event_types.map((t, i) => ({ name: t, color: COLORS[i % COLORS.length],
      points: wins.filter((w) => t in w.counts).map((w) => [w.start, w.counts[t] / minutes(w)]) })),
    { label: "orders per minute by event type", empty: "no event-type KPIs yet", yFormat: (v) => fmtNum(v, v < 10 ? 1 : 0) });
  lineChart(document.getElementById("chart-gmv"),
    [{ name: "GMV", color: COLORS[1], points: (s.gmv_windows || []).map((g) => [g.start, g.gmv]) }],
    { label: "GMV per window", empty: "n/a: no restaurant KPIs in the table", area: true, yFormat: (v) => fmtNum(v, 0) });

  fillTable("latest-counts", last ? s.event_types.map((t) => [[t],
    [fmtInt(last.counts[t] || 0), `latest.${t}`], [fmtNum((last.counts[t] || 0) / minutes(last), 1), `latest.rate.${t}`]]) : [],
    "n/a: no event-type KPIs yet");
  fillTable("zones", (s.zones || []).map((z) => [[z.id],
    [fmtInt(z.deliveries), `zone.${z.id}.deliveries`], [fmtNum(z.p50_min, 1), `zone.${z.id}.p50`], [fmtNum(z.p90_min, 1), `zone.${z.id}.p90`]]),
    s.hour.has_gmv ? "no deliveries in the last hour yet" : "n/a: no zone KPIs in the table");
  fillTable("slowest", (s.slowest_restaurants || []).map((r, i) => [[r.id, `slowest.${i}.id`],
    [fmtInt(r.deliveries), `slowest.${i}.deliveries`], [fmtNum(r.mean_min, 1), `slowest.${i}.mean`], [fmtNum(r.p90_min, 1), `slowest.${i}.p90`]]),
    s.hour.has_gmv ? "no deliveries in the last hour yet" : "n/a: no restaurant KPIs in the table");
  fillTable("shards", shards.map((x) => [[`${x.stream}/${x.shard_id}`], [x.sequence], [`${fmtNum(x.lag_ms / 1000, 1)} s`, `lag.${x.shard_id}`]]),
    s.errors && s.errors.checkpoints ? `n/a: ${s.errors.checkpoints}` : "n/a: no checkpoint table");
  const st = s.order_status || {};
  fillTable("order-status", Object.keys(st).sort().map((k) => [[k], [fmtInt(st[k]), `status.${k}`]]),
    s.errors && s.errors.order_status ? `n/a: ${s.errors.order_status}` : "n/a: no order status table");

  const errs = Object.entries(s.errors || {}).map(([k, v]) => `${k}: ${v}`);
  const status = document.getElementById("status");
  status.className = errs.length ? "status error" : "status";
  status.textContent = `${s.kpi_table} · updated ${new Date(s.generated_ms).toISOString().slice(11, 19)} UTC` +
    (errs.length ? ` · ${errs.join("; ")}` : "");
  document.body.dataset.generated = String(s.generated_ms);
}

async function tick() {
  try {
    const resp = await fetch("api/summary", { cache: "no-store" });
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.error || resp.statusText);
    refreshMs = body.refresh_ms || refreshMs;
    render(body);
  } catch (e) {
    const status = document.getElementById("status");
    status.className = "status error";
    status.textContent = `cannot load /api/summary: ${e.message}; retrying`;
  }
  setTimeout(tick, refreshMs);
}

tick();
