// The list of mass messages: a tab per channel, search by name, a Stats button per row.
import { api, currency, el, emptyState, errorBox, fmtDateTime, fmtInt, fmtMoney, fmtPct,
  readState, table, writeState } from "./util.js";

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
    { label: "Sent", cell: (m) => fmtDateTime(m.sent_at) },
    { label: "Recipients", num: true, key: (m) => `mailings.${m.mailing_id}.recipients`,
      cell: (m) => fmtInt(m.recipients) },
    { label: "Open rate", num: true, key: (m) => `mailings.${m.mailing_id}.open_rate`,
      cell: (m) => (sms ? "n/a" : fmtPct(m.open_rate)) },
    { label: "Click rate", num: true, key: (m) => `mailings.${m.mailing_id}.click_rate`,
      cell: (m) => fmtPct(m.click_rate) },
    { label: `Revenue, ${currency}`, num: true, key: (m) => `mailings.${m.mailing_id}.revenue`,
      cell: (m) => fmtMoney(m.revenue) },
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
