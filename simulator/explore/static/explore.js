// The live planning page: sends changes, polls the session's state, draws the answers.
// Every figure arrives already in words from the server (simulator.report.words); this
// script only places them. Text goes in with textContent, never as markup.
"use strict";

const page = { version: -1, selected: 0, state: null, pair: [] };

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json();
  return { ok: response.ok, data };
}

function knobInputs() {
  return [...document.querySelectorAll("#knob-form [data-baseline]")];
}

function changes() {
  const out = [];
  for (const input of knobInputs()) {
    if (input.value !== input.dataset.baseline) out.push(`${input.name}=${input.value}`);
  }
  for (const line of document.getElementById("free").value.split("\n")) {
    if (line.trim()) out.push(line.trim());
  }
  return out;
}

function markChanged() {
  for (const input of knobInputs()) {
    input.closest("label").classList.toggle("changed", input.value !== input.dataset.baseline);
  }
}

function showProblem(text) {
  const box = document.getElementById("problem");
  box.textContent = text || "";
  box.hidden = !text;
}

async function tryChanges(event) {
  event.preventDefault();
  showProblem("");
  const { ok, data } = await post("/api/try", { changes: changes() });
  if (!ok || data.refused) {
    showProblem(data.refused || data.error);
    return;
  }
  page.selected = data.id;
  page.version = -1;
  poll();
}

function table(caption, columns, rows, numeric, decorate) {
  const wrap = el("div", null, "table");
  const t = el("table");
  t.append(el("caption", caption));
  const head = el("tr");
  columns.forEach((c, i) => head.append(el("th", c, numeric[i] ? "num" : "")));
  const thead = el("thead");
  thead.append(head);
  const body = el("tbody");
  rows.forEach((row, k) => {
    const tr = el("tr");
    row.forEach((cell, i) => tr.append(el("td", cell, numeric[i] ? "num" : "")));
    if (decorate) decorate(tr, k);
    body.append(tr);
  });
  t.append(thead, body);
  wrap.append(t);
  return wrap;
}

function split(text) {
  const at = text.indexOf(" (");
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

function count(n) {
  return n.toLocaleString("en-US");
}

function statusText(c, state) {
  const target = count(state.replications);
  if (c.state === "queued") return `#${c.id} ${c.label}: waiting for the run before it`;
  if (c.state === "running") {
    if (!c.replications) return `#${c.id} ${c.label}: running the first ${count(c.computing)} replications…`;
    return `#${c.id} ${c.label}: answer from ${count(c.replications)} replications; refining to ` +
      `${count(c.computing)} (${Math.round(100 * c.progress)}% done)…`;
  }
  if (c.state === "done") return `#${c.id} ${c.label}: ${count(c.replications)} of ${target} replications` +
    (c.seconds.length ? `, answered in ${c.seconds[c.seconds.length - 1].toFixed(1)} s` : "");
  if (c.state === "cancelled") return `#${c.id} ${c.label}: cancelled` +
    (c.replications ? ` (the answer from ${count(c.replications)} replications stays)` : "");
  return `#${c.id} ${c.label}: ${c.error}`;
}

function drawCards(view) {
  const cards = document.getElementById("cards");
  cards.replaceChildren();
  view.headline.forEach(([label, text], i) => {
    const card = el("div", null, "card");
    const [value, interval] = split(text);
    card.append(el("div", label, "label"), el("div", value, "value"), el("div", interval, "interval"));
    if (view.baseline) card.append(el("div", `baseline: ${view.baseline[i][1]}`, "interval"));
    cards.append(card);
  });
}

function drawTables(view) {
  const tables = document.getElementById("tables");
  tables.replaceChildren();
  if (view.differences) {
    const rows = view.differences.map((d) => [d.name, d.a, d.b, d.difference, d.differing]);
    tables.append(table(
      `Paired difference against the baseline (${count(view.replications)} replications, common random numbers)`,
      ["quantity", "this configuration", "baseline", "difference (interval)", "replications differing"],
      rows, [false, true, true, true, true],
      (tr, k) => {
        const d = view.differences[k];
        tr.dataset.quantity = d.quantity;
        tr.dataset.value = String(d.value);
        tr.dataset.low = String(d.low);
        tr.dataset.high = String(d.high);
      },
    ));
  }
  tables.append(table("Delivery per episode",
    ["episode", "deadline", "delivery P50", "delivery P90", "P90 vs deadline", "P(miss) (interval)"],
    view.episodes, [false, true, true, true, true, true]));
  tables.append(table("Cost by category (mean per season)", ["category", "mean (interval)"],
    view.cost, [false, true]));
  tables.append(table("Utilisation", ["pool or team", "busy share of available hours", "busy share of paid hours"],
    view.utilisation, [false, true, true]));
  if (view.waits.length) {
    tables.append(table("Queues: waits over the season",
      ["pool or team", "tasks started", "mean wait", "waited at the end"],
      view.waits, [false, true, true, true]));
  }
}

function drawAnswer(state) {
  const c = state.configurations[page.selected];
  if (!c) return;
  const status = document.getElementById("status");
  status.textContent = statusText(c, state);
  status.className = `status ${c.state}`;
  status.dataset.state = c.state;
  status.dataset.id = String(c.id);
  status.dataset.replications = String(c.replications);
  document.getElementById("cancel").hidden = !(c.state === "running" || c.state === "queued");
  document.getElementById("save").hidden = !(c.state === "done" && c.id > 0);
  const saved = document.getElementById("saved");
  saved.hidden = !c.saved.length;
  saved.textContent = c.saved.length ? `Saved: ${c.saved.join(", ")}` : "";
  const sentence = document.getElementById("sentence");
  const view = c.view;
  sentence.hidden = !(view && view.sentence);
  sentence.textContent = (view && view.sentence) || (c.note || "");
  if (c.note) { sentence.hidden = false; sentence.textContent = c.note; }
  if (!view) {
    document.getElementById("cards").replaceChildren();
    document.getElementById("tables").replaceChildren();
    return;
  }
  drawCards(view);
  drawTables(view);
}

function showSeason(box, c, what) {
  const shown = Boolean(c && c.season);
  box.hidden = !shown;
  if (!shown) return;
  const img = box.querySelector("img");
  const source = `/api/season/${c.id}`;
  if (img.getAttribute("src") !== source) img.setAttribute("src", source);
  img.alt = `${what}: busy and waiting per day for ${c.season.join(", ")}`;
  box.dataset.id = String(c.id);
  box.dataset.resources = c.season.join("|");
  box.querySelector("figcaption").textContent =
    `${what} (#${c.id} ${c.label}, ${count(c.replications)} replications): ${c.season.join(", ")}`;
}

function drawSeason(state) {
  const c = state.configurations[page.selected];
  const baseline = state.configurations[0];
  const status = document.getElementById("season-status");
  status.textContent = !c || c.season ? "" : c.season_note ||
    (c.state === "running" || c.state === "queued" ? "Drawn when the full answer is in…" :
      "No figure: this configuration has no full answer.");
  showSeason(document.getElementById("season-this"), c, c && c.id === 0 ? "Baseline" : "This configuration");
  showSeason(document.getElementById("season-baseline"), c && c.id !== 0 ? baseline : null, "Baseline");
}

function headlineOf(c, k) {
  return c.view ? split(c.view.headline[k][1])[0] : "–";
}

function drawHistory(state) {
  const body = document.querySelector("#history-table tbody");
  body.replaceChildren();
  for (const c of state.configurations) {
    const tr = el("tr");
    if (c.id === page.selected) tr.className = "selected";
    const pick = el("button", String(c.id));
    pick.type = "button";
    pick.addEventListener("click", () => { page.selected = c.id; draw(); });
    const first = el("td");
    first.append(pick);
    const tick = el("input");
    tick.type = "checkbox";
    tick.checked = page.pair.includes(c.id);
    tick.addEventListener("change", () => {
      page.pair = page.pair.filter((id) => id !== c.id);
      if (tick.checked) page.pair = [...page.pair, c.id].slice(-2);
      draw();
    });
    const last = el("td");
    last.append(tick);
    tr.append(first, el("td", c.changes.length ? c.changes.join(", ") : "baseline"), el("td", c.state),
      el("td", String(c.replications), "num"), el("td", headlineOf(c, 0), "num"),
      el("td", headlineOf(c, 1), "num"), last);
    body.append(tr);
  }
  drawPair(state);
}

function drawPair(state) {
  const box = document.getElementById("side-by-side");
  box.replaceChildren();
  const [a, b] = page.pair.map((id) => state.configurations[id]);
  if (!a || !b || !a.view || !b.view) return;
  const rows = a.view.headline.map((h, k) => [h[0], h[1], b.view.headline[k][1]]);
  const last = (row) => row[row.length - 1];
  a.view.episodes.forEach((ep, k) => rows.push([`P(miss) of ${ep[0]}`, last(ep), last(b.view.episodes[k])]));
  box.append(table(`Side by side: #${a.id} and #${b.id}`,
    ["", `#${a.id} ${a.label}`, `#${b.id} ${b.label}`], rows, [false, true, true]));
}

function draw() {
  if (!page.state) return;
  drawAnswer(page.state);
  drawSeason(page.state);
  drawHistory(page.state);
}

async function poll() {
  let busy = true;
  try {
    const response = await fetch(`/api/state?since=${page.version}`);
    const state = await response.json();
    if (!state.unchanged) {
      page.version = state.version;
      page.state = state;
      draw();
    }
    busy = page.state.configurations.some((c) => c.state === "running" || c.state === "queued");
  } catch (error) {
    document.getElementById("status").textContent = "The session has stopped.";
    return;
  }
  clearTimeout(page.timer);
  page.timer = setTimeout(poll, busy ? 200 : 1500);
}

function placeTimeline() {
  for (const bar of document.querySelectorAll(".timeline .bar")) {
    bar.style.left = `${bar.dataset.from}%`;
    bar.style.width = `${Math.max(0.5, bar.dataset.to - bar.dataset.from)}%`;
  }
}

function reset() {
  for (const input of knobInputs()) input.value = input.dataset.baseline;
  document.getElementById("free").value = "";
  markChanged();
  showProblem("");
  page.selected = 0;
  draw();
}

async function cancel() {
  await post(`/api/cancel/${page.selected}`);
  poll();
}

async function save() {
  const saved = document.getElementById("saved");
  saved.hidden = false;
  saved.textContent = "Saving: running the configuration for its results folder and report…";
  const { ok, data } = await post(`/api/save/${page.selected}`);
  if (!ok) { saved.textContent = data.error; return; }
  page.version = -1;
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  placeTimeline();
  document.getElementById("knob-form").addEventListener("submit", tryChanges);
  document.getElementById("knob-form").addEventListener("input", markChanged);
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("cancel").addEventListener("click", cancel);
  document.getElementById("save").addEventListener("click", save);
  poll();
});
