// The list of mass messages: a tab per channel, search by name, a Stats button per row.
import { api, currency, el, emptyState, errorBox, fmtDateTime, fmtInt, fmtMoney, fmtPct,
  readState, table, term, termLabel, writeState } from "./util.js";

const CHANNELS = ["email", "sms", "push"];
const CHANNEL_NAMES = { email: "email", sms: "SMS", push: "push" };
const main = document.getElementById("main");
const panel = document.getElementById("mailings-panel");
const search = document.getElementById("search");
const tabs = [...document.querySelectorAll('[role="tab"]')];
const state = readState(["channel", "search"]);
if (!CHANNELS.includes(state.channel)) state.channel = "email";
search.value = state.search;
let generation = 0;

function selectTab(channel, focus = false) {
  state.channel = channel;
  for (const tab of tabs) {
    const selected = tab.dataset.channel === channel;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  panel.setAttribute("aria-labelledby", `tab-${channel}`);
}

function statusChip(status) {
  return el("span", { class: `chip status-${status}` }, status);
}

/** A column of one of the API's figures, named by the glossary, with its tip. */
function figure(key, cell, suffix = "") {
  return { label: `${term(key)}${suffix}`, head: termLabel(key, suffix), num: true, cell,
    key: (m) => `mailings.${m.mailing_id}.${key}` };
}

function render(rows) {
  if (!rows.length) {
    panel.replaceChildren(state.search
      ? emptyState(`No ${CHANNEL_NAMES[state.channel]} mailings match “${state.search}”`)
      : emptyState(`No ${CHANNEL_NAMES[state.channel]} mailings yet`));
    return;
  }
  const sms = state.channel === "sms";
  const report = (m) => `/mailings/${encodeURIComponent(m.mailing_id)}`;
  panel.replaceChildren(table([
    { label: "Name", rowHeader: true, cell: (m) => el("span", { class: "name-cell" },
      el("a", { href: report(m) }, m.name), el("span", { class: "muted small" }, m.mailing_id)) },
    { label: "Status", cell: (m) => statusChip(m.status) },
    { label: "Sent at", cell: (m) => fmtDateTime(m.sent_at) },
    // the report's names (mailreport/glossary.py): sent and delivered are two figures
    figure("recipients", (m) => fmtInt(m.recipients)),
    figure("delivered", (m) => fmtInt(m.delivered)),
    figure("open_rate", (m) => (sms ? "n/a" : fmtPct(m.open_rate))),
    figure("click_rate", (m) => fmtPct(m.click_rate)),
    figure("revenue", (m) => fmtMoney(m.revenue), `, ${currency}`),
    { label: "Report", cell: (m) => el("a", { class: "btn btn-primary btn-small", href: report(m),
      "aria-label": `Stats of ${m.name}` }, "Stats") },
  ], rows, { className: "cards-on-phone", caption: `${rows.length} ${CHANNEL_NAMES[state.channel]} `
    + "mailings, newest first; rates are of delivered messages" }));
}

async function load() {
  const mine = ++generation;
  main.dataset.state = "loading";
  panel.classList.add("is-loading");
  try {
    const rows = await api("/api/v1/mailings", { channel: state.channel, search: state.search });
    if (mine !== generation) return;
    render(rows);
    main.dataset.state = "ready";
  } catch (err) {
    if (mine !== generation) return;
    panel.replaceChildren(errorBox(err));
    main.dataset.state = "error";
  } finally {
    if (mine === generation) panel.classList.remove("is-loading");
  }
}

for (const tab of tabs) {
  tab.addEventListener("click", () => {
    selectTab(tab.dataset.channel);
    writeState({ channel: state.channel === "email" ? "" : state.channel });
    load();
  });
  // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    selectTab(next.dataset.channel, true);
    writeState({ channel: state.channel === "email" ? "" : state.channel });
    load();
  });
}

let typing;
search.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    state.search = search.value.trim();
    writeState({ search: state.search });
    load();
  }, 250);
});
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typing);
  state.search = search.value.trim();
  writeState({ search: state.search });
  load();
});

selectTab(state.channel);
load();
