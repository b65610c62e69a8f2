// wacht-mock's dashboard: renders /_mock/dashboard.json and polls it; every control goes through the control
// plane. Every write sends Content-Type: application/json (with "{}" when it has nothing to say), so a
// control plane that refuses other writes still takes them. Times shown are the mock's virtual clock's.
"use strict";

const POLL_MS = 1000;
const DATA_URL = "/_mock/dashboard.json";
const SVG = "http://www.w3.org/2000/svg";

const ui = {
  rendered: {},            // section name -> the JSON it was last rendered from
  revealed: new Set(),     // deployment ids whose backend secret is shown in full
  selected: null,          // the journal entry open in the details panel
  faultListing: null,      // true once GET /_mock/faults answers a listing (with ids), false if it does not
  operationsShown: false,
};

// DOM helpers: text always goes in as text, never as markup.

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

function tag(text, kind) {
  return h("span", { class: `tag ${kind || text}`, text });
}

function shortTime(ts) {
  return ts ? ts.replace("T", " ").replace(/\.\d+/, "").replace(/Z$/, " UTC") : "—";
}

function setStatus(text, isError) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

// The control plane.

async function errorText(response) {
  try {
    const body = await response.json();
    if (body && body.errors && body.errors[0]) return body.errors[0].message;
  } catch (e) { /* not JSON */ }
  return `HTTP ${response.status}`;
}

// A server started with --admin-token wants it on every /_mock/ call: the page is opened as /_mock/?token=...
const TOKEN = new URLSearchParams(location.search).get("token");

function withToken(headers) {
  return TOKEN ? { ...headers, "X-Wacht-Mock-Token": TOKEN } : headers;
}

async function write(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: withToken({ "Content-Type": "application/json", Accept: "application/json" }),
    body: typeof body === "string" ? body : JSON.stringify(body === undefined ? {} : body),
  });
  if (!response.ok) throw new Error(await errorText(response));
  return response;
}

async function act(label, run) {
  try {
    await run();
    setStatus(label);
  } catch (error) {
    setStatus(`${label.replace(/\.$/, "")} failed: ${error.message}`, true);
  }
  await refresh();
}

// Rendering: each section is rebuilt only when its data changed, so a click is never lost to a re-render.

function changed(section, data) {
  const text = JSON.stringify(data);
  if (ui.rendered[section] === text) return false;
  ui.rendered[section] = text;
  return true;
}

function renderClock(clock) {
  if (!changed("clock", clock)) return;
  document.getElementById("clock-now").textContent = shortTime(clock.now);
  document.getElementById("clock-now").dataset.now = clock.now;
  document.getElementById("clock-mode").textContent = clock.ticking ? "ticking" : "frozen";
}

function maskSecret(secret) {
  return secret.length > 12 ? `${secret.slice(0, 6)}${"•".repeat(10)}${secret.slice(-4)}` : "•".repeat(secret.length);
}

function secretControls(d) {
  const shown = ui.revealed.has(d.id);
  const copy = h("button", {
    type: "button", class: "small", id: `secret-copy-${d.id}`, "aria-label": `Copy the backend secret of deployment ${d.id}`,
    onclick: () => copySecret(d.secret),
  }, "Copy");
  const toggle = h("button", {
    type: "button", class: "small", "aria-pressed": shown ? "true" : "false",
    "aria-label": `${shown ? "Hide" : "Show"} the backend secret of deployment ${d.id}`,
    onclick: () => { shown ? ui.revealed.delete(d.id) : ui.revealed.add(d.id); ui.rendered.deployments = null; refresh(); },
  }, shown ? "Hide" : "Show");
  return h("div", { class: "secret" },
    h("span", { class: "muted" }, "Backend secret"),
    h("code", { id: `secret-${d.id}`, "data-masked": shown ? "false" : "true" }, shown ? d.secret : maskSecret(d.secret)),
    copy, toggle);
}

async function copySecret(secret) {
  try {
    await navigator.clipboard.writeText(secret);
    setStatus("Backend secret copied to the clipboard.");
  } catch (e) {
    setStatus("The browser refused the clipboard; use Show and copy it by hand.", true);
  }
}

function limitText(rule) {
  let text = `${rule.max_requests} / ${rule.duration} ${rule.unit}${rule.duration === 1 ? "" : "s"}`;
  if (rule.mode) text += ` (${rule.mode})`;
  if (rule.endpoints && rule.endpoints.length) text += ` on ${rule.endpoints.join(", ")}`;
  return text;
}

function renderSchemes(schemes) {
  if (!schemes.length) return h("p", { class: "empty" }, "No rate-limit schemes.");
  return h("table", { class: "schemes" },
    h("thead", {}, h("tr", {}, h("th", {}, "Scheme"), h("th", {}, "Name"), h("th", {}, "Limits"))),
    h("tbody", {}, schemes.map((s) => h("tr", { "data-scheme": s.slug },
      h("td", {}, h("code", {}, s.slug)), h("td", {}, s.name),
      h("td", {}, s.rules.length ? s.rules.map((r) => h("div", {}, limitText(r))) : h("span", { class: "muted" }, "none"))))));
}

function renderKeys(app) {
  if (!app.keys.length) return h("p", { class: "empty" }, "No keys.");
  return h("table", { class: "keys" },
    h("thead", {}, h("tr", {}, ["Key", "Name", "State", "Expires", "Last used"].map((t) => h("th", {}, t)))),
    h("tbody", {}, app.keys.map((k) => h("tr", { "data-key-id": k.id, "data-key-name": k.name },
      h("td", {}, h("code", {}, `${k.key_prefix}…${k.key_suffix}`)),
      h("td", {}, k.name),
      h("td", {}, h("span", { class: `tag key-state ${k.state}`, title: k.revoked_reason || "" }, k.state)),
      h("td", { class: "mono" }, shortTime(k.expires_at)),
      h("td", { class: "mono" }, shortTime(k.last_used_at))))));
}

function chart(audit) {
  const c = audit.chart;
  const n = c.allowed.length;
  const totals = c.allowed.map((a, i) => a + c.blocked[i]);
  const top = Math.max(1, ...totals);
  const width = 240, height = 56, pad = 2, bar = (width - pad * 2) / n;
  const bars = [];
  for (let i = 0; i < n; i++) {
    const x = pad + i * bar;
    const ha = ((height - pad * 2) * c.allowed[i]) / top;
    const hb = ((height - pad * 2) * c.blocked[i]) / top;
    const title = svg("title", {});
    title.textContent = `${c.allowed[i]} allowed, ${c.blocked[i]} blocked`;
    const group = svg("g", {}, title);
    if (ha > 0) group.append(svg("rect", { class: "allowed", x, y: height - pad - ha, width: bar - 1, height: ha }));
    if (hb > 0) group.append(svg("rect", { class: "blocked", x, y: height - pad - ha - hb, width: bar - 1, height: hb }));
    bars.push(group);
  }
  return svg("svg", {
    class: "chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img",
    "aria-label": `Allowed and blocked decisions over the past ${c.span_hours} h`,
  }, ...bars);
}

function renderAudit(app) {
  const a = app.audit;
  const span = a.chart.span_hours;
  return h("div", { class: "audit" },
    h("div", { class: "counts" },
      h("span", { class: "allowed", "data-count": "allowed" }, `${a.allowed} allowed`),
      h("span", { class: "blocked", "data-count": "blocked" }, `${a.blocked} blocked`),
      h("span", { class: "muted" }, `past ${span % 24 === 0 ? `${span / 24} d` : `${span} h`}`)),
    chart(a),
    a.recent.length
      ? h("ul", { class: "decisions", "aria-label": "Recent decisions" }, a.recent.map((r) => h("li", {},
        h("span", { class: "mono muted", title: shortTime(r.timestamp) }, shortTime(r.timestamp).slice(11, 19)),
        tag(r.allowed ? "allowed" : "blocked"),
        h("span", {}, r.key_name), h("span", { class: "muted", title: r.blocked_by_rule || r.path }, r.blocked_by_rule || r.path))))
      : h("p", { class: "empty" }, "No gateway decisions yet."));
}

function renderApp(app) {
  return h("article", { class: "app", "data-app": app.app_slug },
    h("div", { class: "app-head" },
      h("h3", {}, app.name), h("code", {}, app.app_slug),
      app.deleted ? tag("deleted") : (app.is_active ? null : tag("inactive")),
      h("span", { class: "muted" }, `prefix ${app.key_prefix}`),
      app.rate_limit_scheme_slug ? h("span", { class: "muted" }, `scheme ${app.rate_limit_scheme_slug}`) : null),
    h("div", { class: "app-body" }, h("div", {}, renderKeys(app)), renderAudit(app)));
}

function renderDeployments(deployments) {
  if (!changed("deployments", [deployments, [...ui.revealed]])) return;
  const root = document.getElementById("deployments");
  root.replaceChildren(...deployments.map((d) => h("section", { class: "deployment", "data-deployment": d.id },
    h("div", { class: "deployment-head" },
      h("h2", {}, `Deployment ${d.id}`), tag(d.plan, "plan"), secretControls(d)),
    h("h3", {}, "Rate-limit schemes"), renderSchemes(d.schemes),
    h("h3", {}, `Apps (${d.apps.length})`),
    d.apps.length ? h("div", { class: "apps" }, d.apps.map(renderApp)) : h("p", { class: "empty" }, "No apps."))));
}

function faultText(f) {
  if (f.text) return f.text;
  if (f.kind === "error" && f.status !== undefined) return `error ${f.status}`;
  if (f.kind === "latency" && f.latency_ms !== undefined) return `latency ${f.latency_ms}ms`;
  return f.kind;
}

function renderFaults(faults) {
  if (!changed("faults", faults)) return;
  const list = document.getElementById("faults");
  if (!faults.length) {
    list.replaceChildren(h("li", { class: "empty" }, "No active faults."));
    return;
  }
  list.replaceChildren(...faults.map((f) => {
    const what = `${faultText(f)} on ${f.operation || "every operation"}`;
    const left = f.remaining != null ? `${f.remaining} left` : (f.ratio != null ? `ratio ${f.ratio}` : "until removed");
    const remove = f.id !== undefined
      ? h("button", { type: "button", class: "small danger", "aria-label": `Remove fault ${what}`,
        onclick: () => act("Fault removed.", () => write("DELETE", `/_mock/faults/${encodeURIComponent(f.id)}`)) }, "Remove")
      : null;
    return h("li", { class: "fault", "data-fault-kind": f.kind },
      h("span", {}, h("strong", {}, faultText(f)), " on ", h("code", {}, f.operation || "every operation"),
        left ? h("span", { class: "muted" }, ` · ${left}`) : null),
      remove);
  }));
}

function renderOperations(operations) {
  if (ui.operationsShown) return;
  ui.operationsShown = true;
  document.getElementById("fault-operation").append(...operations.map((name) => h("option", { value: name }, name)));
}

function whyText(e) {
  if (e.fault) return `fault: ${e.fault}`;
  const denied = e.rules.filter((r) => r.outcome === "deny").map((r) => r.rule);
  if (denied.length) return denied.join(", ");
  return e.message || (e.rules.length ? `${e.rules.length} rules, none denied` : "");
}

function renderJournal(journal) {
  if (!changed("journal", journal)) return;
  document.getElementById("journal-count").textContent = `(${journal.total})`;
  const list = document.getElementById("journal");
  if (!journal.entries.length) {
    list.replaceChildren(h("li", { class: "empty" }, "No requests yet."));
    return;
  }
  list.replaceChildren(...journal.entries.map((e, i) => h("li", { "data-journal-index": journal.total - i },
    h("button", {
      type: "button", "aria-pressed": ui.selected && JSON.stringify(ui.selected) === JSON.stringify(e) ? "true" : "false",
      "aria-label": `${e.method} ${e.path} answered ${e.status}: show details`,
      onclick: () => showDetail(e),
    },
    h("span", { class: `status s${String(e.status)[0]}` }, e.status === 0 ? "drop" : e.status),
    h("span", { class: "mono" }, e.method),
    h("span", { class: "path mono" }, e.path),
    h("span", { class: "why" }, [e.operation, whyText(e)].filter(Boolean).join(" · "))))));
}

function showDetail(e) {
  ui.selected = e;
  ui.rendered.journal = null;
  const panel = document.getElementById("journal-detail");
  const rows = [["Method", e.method], ["Path", e.url || e.path], ["Status", e.status === 0 ? "connection dropped" : e.status],
    ["Operation", e.operation || "—"], ["Message", e.message || "—"], ["Fault", e.fault || "—"]];
  const headers = e.headers && Object.keys(e.headers).length
    ? Object.entries(e.headers).map(([name, value]) => `${name}: ${value}`).join("\n") : null;
  const bodies = [["Request headers", headers], ["Request body", e.request_body], ["Response body", e.response_body]]
    .filter(([, body]) => body !== undefined && body !== null)
    .map(([label, body]) => [h("h3", {}, label), h("pre", {}, typeof body === "string" ? body : JSON.stringify(body, null, 2))]);
  panel.replaceChildren(
    h("div", { class: "app-head" }, h("h3", {}, "Request"),
      h("button", { type: "button", class: "small", id: "journal-detail-close", onclick: closeDetail }, "Close")),
    h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", { "data-field": k.toLowerCase() }, String(v))])),
    h("h3", {}, `Rules (${e.rules.length})`),
    e.rules.length
      ? h("ul", { class: "rules" }, e.rules.map((r) => h("li", {}, h("code", { class: `rule ${r.outcome}` }, r.rule), h("span", { class: "outcome" }, r.outcome))))
      : h("p", { class: "empty" }, "No vendor rule fired."),
    ...(bodies.length ? bodies.flat() : [h("p", { class: "empty" }, "No headers or bodies were recorded.")]));
  panel.hidden = false;
  refresh();
}

function closeDetail() {
  ui.selected = null;
  ui.rendered.journal = null;
  document.getElementById("journal-detail").hidden = true;
  refresh();
}

function render(data) {
  renderClock(data.clock);
  renderDeployments(data.deployments);
  renderJournal(data.journal);
  renderOperations(data.operations);
  if (!ui.faultListing) renderFaults(data.faults);
}

// Polling.

let pending = null;

async function refreshFaultListing() {
  if (ui.faultListing === false) return;
  try {
    const response = await fetch("/_mock/faults", { headers: withToken({ Accept: "application/json" }) });
    const body = response.ok ? await response.json() : null;
    if (body && Array.isArray(body.faults)) {
      ui.faultListing = true;
      renderFaults(body.faults);
    } else {
      ui.faultListing = false;
    }
  } catch (e) {
    ui.faultListing = false;
  }
}

async function refresh() {
  if (pending) return pending;
  pending = (async () => {
    try {
      const response = await fetch(DATA_URL, { headers: withToken({ Accept: "application/json" }), cache: "no-store" });
      if (!response.ok) throw new Error(await errorText(response));
      render(await response.json());
      await refreshFaultListing();
      document.body.classList.remove("offline");
    } catch (error) {
      setStatus(`Cannot reach the mock: ${error.message}`, true);
      document.body.classList.add("offline");
    } finally {
      pending = null;
    }
  })();
  return pending;
}

// Controls.

function faultFromForm() {
  const value = (id) => document.getElementById(id).value.trim();
  const fault = { kind: value("fault-kind") };
  if (value("fault-operation")) fault.operation = value("fault-operation");
  if (fault.kind === "error") fault.status = Number(value("fault-status"));
  if (fault.kind === "latency") fault.latency_ms = Number(value("fault-latency"));
  if (value("fault-ratio") !== "") fault.ratio = Number(value("fault-ratio"));
  else fault.count = Number(value("fault-count"));
  return fault;
}

async function downloadSnapshot() {
  const response = await fetch("/_mock/state", { headers: withToken({ Accept: "application/json" }) });
  if (response.status === 404 || response.status === 405) throw new Error("this mock does not serve snapshots");
  if (!response.ok) throw new Error(await errorText(response));
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: "wacht-mock-state.json", class: "visually-hidden" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function uploadSnapshot(input) {
  const file = input.files && input.files[0];
  if (!file) return;
  const text = await file.text();
  input.value = "";
  try {
    JSON.parse(text);
  } catch (e) {
    throw new Error(`${file.name} is not a JSON snapshot`);
  }
  await write("PUT", "/_mock/state", text);
}

function wire() {
  for (const button of document.querySelectorAll("[data-advance-ms]")) {
    button.addEventListener("click", () => act(`Clock advanced ${button.textContent}.`,
      () => write("POST", "/_mock/clock", { advance_ms: Number(button.dataset.advanceMs) })));
  }
  document.getElementById("clock-set-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("clock-set").value.trim();
    act(`Clock set to ${value}.`, () => write("POST", "/_mock/clock", { set: value }));
  });
  document.getElementById("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("Fault added.", () => write("POST", "/_mock/faults", faultFromForm()));
  });
  document.getElementById("faults-clear").addEventListener("click",
    () => act("Every fault removed.", () => write("DELETE", "/_mock/faults")));
  document.getElementById("reset").addEventListener("click",
    () => act("Reset to the seed.", () => write("POST", "/_mock/reset")));
  document.getElementById("download-snapshot").addEventListener("click",
    () => act("Snapshot downloaded.", downloadSnapshot));
  const upload = document.getElementById("upload-snapshot");
  upload.addEventListener("change", () => act("Snapshot loaded.", () => uploadSnapshot(upload)));
}

function start() {
  wire();
  const initial = document.getElementById("initial-data");
  try {
    render(JSON.parse(initial.textContent));
  } catch (e) { /* the first poll renders it */ }
  refresh();
  setInterval(refresh, POLL_MS);
}

start();
