// The list of mass messages: a tab per channel, filters, search by name, columns
// sorted by the server, pages of 50, and a Stats button per row. The state lives in
// the URL (every key is the API's parameter), so the back button goes back.
import { axisTooltip, categoryAxis, chartBox, draw, lineSeries, numbers, tooltipHtml,
  valueAxis } from "./charts.js";
import { dateInput } from "./date_input.js";
import { _, api, apiPage, currency, el, emptyState, errorBox, fmtDateTime, fmtDay, fmtInt,
  fmtMoney, fmtPct, ngettext, readState, table, term, termLabel, writeState } from "./util.js";

const CHANNELS = ["email", "sms", "push"];
// a channel's name inside a sentence ("10 email mailings")
const CHANNEL_NAMES = { email: _("email"), sms: "SMS", push: _("push") };
const STATUS_NAMES = { sent: _("Sent"), sending: _("Sending"), scheduled: _("Scheduled"),
  draft: _("Draft"), cancelled: _("Cancelled") };
const PER_PAGE = 50;  // unless the URL says otherwise (limit)
const FILTERS = ["status", "sent_from", "sent_to", "campaign_id", "category"];
const KEYS = ["channel", "search", ...FILTERS, "sort", "order", "offset", "limit", "trend"];
// The figures a trend can show, and how each is written.
const TRENDS = [["open_rate", fmtPct], ["click_rate", fmtPct], ["conversion", fmtPct],
  ["revenue", fmtMoney], ["revenue_per_recipient", fmtMoney], ["recipients", fmtInt],
  ["delivered", fmtInt]];
// The sort keys of the API, named as the columns are (the glossary's names).
const SORTS = [["sent_at", () => _("Sent at")], ["name", () => _("Name")],
  ["recipients", () => term("recipients")], ["delivered", () => term("delivered")],
  ["open_rate", () => term("open_rate")], ["click_rate", () => term("click_rate")],
  ["conversion", () => term("conversion")], ["revenue", () => term("revenue")],
  ["revenue_per_recipient", () => term("revenue_per_recipient")]];
const main = document.getElementById("main");
const panel = document.getElementById("mailings-panel");
const search = document.getElementById("search");
const tabs = [...document.querySelectorAll('[role="tab"]')];
const filters = document.getElementById("filters");
const sortSelect = document.getElementById("f-sort");
const orderSelect = document.getElementById("f-order");
const pager = document.getElementById("pager");
const trendSelect = document.getElementById("trend-figure");
const trendBody = document.getElementById("trend-body");
const trendSection = document.getElementById("trend");
let state;
let generation = 0;
// mailings ticked for comparison, kept across tabs, filters and pages: id -> name
const picked = new Map();
const COMPARE_MIN = 2;
const COMPARE_MAX = 4;
const compareButton = document.getElementById("compare-btn");
const compareHint = document.getElementById("compare-hint");
let trendGeneration = 0;
// the date filters, written as the page's language writes a day (date_input.js)
const DATES = Object.fromEntries(["sent_from", "sent_to"].map((key) => [key,
  dateInput(filters.elements[key], (iso) => {
    state[key] = iso;
    state.offset = 0;
    changed();
  })]));

for (const [key, name] of SORTS) sortSelect.append(el("option", { value: key }, name()));
for (const [key] of TRENDS) trendSelect.append(el("option", { value: key }, term(key)));

/** The URL's state, with the defaults filled in (the URL leaves them out). */
function fromUrl() {
  const s = readState(KEYS);
  if (!CHANNELS.includes(s.channel)) s.channel = "email";
  if (!SORTS.some(([key]) => key === s.sort)) s.sort = "sent_at";
  if (!["asc", "desc"].includes(s.order)) s.order = "desc";
  s.offset = Math.max(0, Number.parseInt(s.offset, 10) || 0);
  s.limit = Math.min(500, Math.max(1, Number.parseInt(s.limit, 10) || PER_PAGE));
  if (!TRENDS.some(([key]) => key === s.trend)) s.trend = "open_rate";
  return s;
}

/** The state into the URL, defaults left out; a new history entry unless `replace`. */
function save(replace = false) {
  writeState({
    channel: state.channel === "email" ? "" : state.channel, search: state.search,
    ...Object.fromEntries(FILTERS.map((k) => [k, state[k]])),
    sort: state.sort === "sent_at" ? "" : state.sort,
    order: state.order === "desc" ? "" : state.order,
    offset: state.offset ? String(state.offset) : "",
    limit: state.limit === PER_PAGE ? "" : String(state.limit),
    trend: state.trend === "open_rate" ? "" : state.trend,
  }, { push: !replace });
}

/** The controls show the state. */
function showState() {
  for (const tab of tabs) {
    const selected = tab.dataset.channel === state.channel;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  panel.setAttribute("aria-labelledby", `tab-${state.channel}`);
  search.value = state.search;
  for (const key of FILTERS) {
    if (DATES[key]) DATES[key].set(state[key]);
    else filters.elements[key].value = state[key];
  }
  sortSelect.value = state.sort;
  orderSelect.value = state.order;
  trendSelect.value = state.trend;
}

function selectTab(channel, focus = false) {
  state.channel = channel;
  state.offset = 0;
  showState();
  if (focus) tabs.find((t) => t.dataset.channel === channel).focus();
}

function statusChip(status) {
  return el("span", { class: `chip status-${status}` }, STATUS_NAMES[status] || status);
}

/** A header that sorts the list by its column: the first click sorts highest (or
 * newest) first, the next one flips the order. */
function sortHead(sortKey, content, label = content) {
  const active = state.sort === sortKey;
  return el("button", {
    type: "button", class: "sort-btn", dataset: { sort: sortKey },
    "aria-label": !active ? _("Sort by {column}", { column: label })
      : state.order === "desc" ? _("Sort by {column}, highest first", { column: label })
        : _("Sort by {column}, lowest first", { column: label }),
    onclick: () => {
      state.order = active && state.order === "desc" ? "asc" : "desc";
      state.sort = sortKey;
      state.offset = 0;
      changed();
    },
  }, content);
}

function ariaSort(sortKey) {
  if (state.sort !== sortKey) return "none";
  return state.order === "desc" ? "descending" : "ascending";
}

/** A column of one of the API's figures, named by the glossary, with its tip; sorted
 * by the server when it has a sort key. */
function figure(key, cell, suffix = "", sortKey = key) {
  const labelled = termLabel(key, suffix);
  let head = labelled;
  if (sortKey && labelled instanceof Node) {
    // the name sorts; the glossary's tip button stays beside it (no button in a button)
    const name = labelled.querySelector(".term-name");
    const button = sortHead(sortKey, "", `${term(key)}${suffix}`);
    name.replaceWith(button);
    button.append(name);
  } else if (sortKey) head = sortHead(sortKey, labelled);
  return { label: `${term(key)}${suffix}`, head, num: true, cell,
    ariaSort: sortKey ? ariaSort(sortKey) : undefined,
    key: (m) => `mailings.${m.mailing_id}.${key}` };
}

function filtered() {
  return Boolean(state.search || FILTERS.some((k) => state[k]));
}

/** The list's caption: how many, how sorted, what the figures are. */
function caption(total, channel, sortName) {
  const count = ngettext("{n} {channel} mailing", "{n} {channel} mailings", total, { channel });
  const sort = sortName.toLowerCase();
  return state.order === "desc"
    ? _("{count}, by {sort}, highest or newest first; figures of all time, rates of "
      + "delivered messages", { count, sort })
    : _("{count}, by {sort}, lowest or oldest first; figures of all time, rates of "
      + "delivered messages", { count, sort });
}

function render(rows, total) {
  const channel = CHANNEL_NAMES[state.channel];
  if (!rows.length) {
    pager.hidden = true;
    if (total && state.offset) {  // past the end (an old link): offer the first page
      panel.replaceChildren(emptyState(_("No {channel} mailings on this page", { channel }),
        ngettext("There is {n}.", "There are {n}.", total)), el("button", { type: "button",
        class: "btn btn-small", onclick: () => { state.offset = 0; changed(); } },
      _("First page")));
      return;
    }
    panel.replaceChildren(state.search
      ? emptyState(_("No {channel} mailings match “{search}”", { channel, search: state.search }))
      : emptyState(filtered() ? _("No {channel} mailings match these filters", { channel })
        : _("No {channel} mailings yet", { channel })));
    return;
  }
  const sms = state.channel === "sms";
  const report = (m) => `/mailings/${encodeURIComponent(m.mailing_id)}`;
  const sortName = SORTS.find(([key]) => key === state.sort)[1]();
  panel.replaceChildren(table([
    { label: _("Name"), rowHeader: true, head: sortHead("name", _("Name")),
      ariaSort: ariaSort("name"),
      cell: (m) => el("span", { class: "name-cell" }, pickBox(m),
        el("a", { href: report(m) }, m.name), el("span", { class: "muted small" }, m.mailing_id)) },
    { label: _("Status"), cell: (m) => statusChip(m.status) },
    { label: _("Sent at"), head: sortHead("sent_at", _("Sent at")), ariaSort: ariaSort("sent_at"),
      cell: (m) => fmtDateTime(m.sent_at) },
    // the report's names (mailreport/glossary.py): sent and delivered are two figures
    figure("recipients", (m) => fmtInt(m.recipients)),
    figure("delivered", (m) => fmtInt(m.delivered)),
    figure("open_rate", (m) => (sms ? _("n/a") : fmtPct(m.open_rate)), "", sms ? null : "open_rate"),
    figure("click_rate", (m) => fmtPct(m.click_rate)),
    figure("conversion", (m) => fmtPct(m.conversion)),
    figure("revenue", (m) => fmtMoney(m.revenue), `, ${currency}`),
    figure("revenue_per_recipient", (m) => fmtMoney(m.revenue_per_recipient), `, ${currency}`),
    { label: _("Report"), cell: (m) => el("a", { class: "btn btn-primary btn-small",
      href: report(m), "aria-label": _("Stats of {name}", { name: m.name }) }, _("Stats")) },
  ], rows, { className: "cards-on-phone mailing-list", caption: caption(total, channel,
    sortName) }));
  const first = state.offset + 1;
  const last = state.offset + rows.length;
  document.getElementById("page-where").textContent = _("{first}–{last} of {total}",
    { first: fmtInt(first), last: fmtInt(last), total: fmtInt(total) });
  document.getElementById("page-prev").disabled = state.offset === 0;
  document.getElementById("page-next").disabled = last >= total;
  pager.hidden = total <= state.limit && state.offset === 0;
}

/** The "Compare (n)" button: enabled for 2 to 4 ticked mailings, with a hint why not. */
function showPicked() {
  const n = picked.size;
  compareButton.textContent = _("Compare ({n})", { n: fmtInt(n) });
  compareButton.disabled = n < COMPARE_MIN || n > COMPARE_MAX;
  compareHint.textContent = n > COMPARE_MAX
    ? _("Compare at most {max} mailings: untick {n}.", { max: COMPARE_MAX, n: n - COMPARE_MAX })
    : n < COMPARE_MIN ? _("Tick 2 to 4 sent mailings to compare them.") : "";
}

/** A mailing's tick box: only sent (or sending) mailings have figures to compare. */
function pickBox(m) {
  const sent = m.status === "sent" || m.status === "sending";
  return el("label", { class: "pick" }, el("input", { type: "checkbox",
    dataset: { pick: m.mailing_id }, checked: picked.has(m.mailing_id), disabled: !sent,
    "aria-label": _("Compare {name}", { name: m.name }),
    onchange: (e) => {
      if (e.target.checked) picked.set(m.mailing_id, m.name);
      else picked.delete(m.mailing_id);
      showPicked();
    } }));
}

compareButton.addEventListener("click", () => {
  if (picked.size < COMPARE_MIN || picked.size > COMPARE_MAX) return;
  window.location.href = `/compare?ids=${[...picked.keys()].map(encodeURIComponent).join(",")}`;
});

async function load() {
  const mine = ++generation;
  main.dataset.state = "loading";
  panel.classList.add("is-loading");
  try {
    const params = { channel: state.channel, search: state.search, sort: state.sort,
      order: state.order, limit: state.limit, offset: state.offset || "" };
    for (const key of FILTERS) params[key] = state[key];
    loadTrend();
    const { rows, total } = await apiPage("/api/v1/mailings", params);
    if (mine !== generation) return;
    render(rows, total);
    main.dataset.state = "ready";
  } catch (err) {
    if (mine !== generation) return;
    pager.hidden = true;
    panel.replaceChildren(errorBox(err));
    main.dataset.state = "error";
  } finally {
    if (mine === generation) panel.classList.remove("is-loading");
  }
}

/** The trend of one figure across the mailings the filters keep (the list's page and
 * sort aside), oldest first, from /api/v1/mailing-trend. */
async function loadTrend() {
  const mine = ++trendGeneration;
  trendSection.dataset.state = "loading";
  const params = { channel: state.channel, search: state.search, figure: state.trend };
  for (const key of FILTERS) params[key] = state[key];
  try {
    const trend = await api("/api/v1/mailing-trend", params);
    if (mine !== trendGeneration) return;
    renderTrend(trend);
    trendSection.dataset.state = "ready";
  } catch (err) {
    if (mine !== trendGeneration) return;
    trendBody.replaceChildren(errorBox(err));
    trendSection.dataset.state = "error";
  }
}

function renderTrend(trend) {
  const format = TRENDS.find(([key]) => key === trend.figure)[1];
  const name = term(trend.figure);
  const points = trend.points;
  if (!points.some((p) => p.value != null)) {
    trendBody.replaceChildren(emptyState(_("No {figure} to show for these mailings",
      { figure: name.toLowerCase() })));
    return;
  }
  const days = points.map((p) => fmtDay(p.sent_at.slice(0, 10), true));
  const chart = chartBox(ngettext("Line chart of {figure} by mailing, oldest first, {n} mailing",
    "Line chart of {figure} by mailing, oldest first, {n} mailings", points.length,
    { figure: name.toLowerCase() }), { height: 260 });
  const note = trend.truncated ? el("p", { class: "note" },
    ngettext("The latest {shown} of {n} mailing.", "The latest {shown} of {n} mailings.",
      trend.total, { shown: fmtInt(points.length) })) : null;
  trendBody.replaceChildren(...[chart, note].filter(Boolean), numbers(
    _("{figure} by mailing as a table", { figure: name }), [
      { label: _("Mailing"), rowHeader: true, cell: (p) => p.name },
      { label: _("Sent at"), cell: (p) => fmtDateTime(p.sent_at) },
      { label: name, num: true, cell: (p) => format(p.value),
        key: (p) => `trend.${p.mailing_id}` },
    ], points));
  const money = trend.figure.startsWith("revenue");
  draw(chart, {
    grid: { left: 56, right: 24, top: 32, bottom: 32 },
    tooltip: axisTooltip((i) => tooltipHtml(points[i].name,
      [[fmtDateTime(points[i].sent_at), format(points[i].value)]])),
    xAxis: categoryAxis(days),
    yAxis: valueAxis({ name: money ? `${name}, ${currency}` : name, minInterval: 0,
      nameTextStyle: { align: "left" } }),
    series: [lineSeries(name, points.map((p) => (p.value == null ? null : Number(p.value))),
      { connectNulls: false })],
  });
}

/** A control changed the state: a new history entry, and the list again. */
function changed({ replace = false } = {}) {
  showState();
  save(replace);
  load();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => {
    selectTab(tab.dataset.channel);
    changed();
  });
  // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    selectTab(next.dataset.channel, true);
    changed();
  });
}

let typing;
function searched(replace) {
  clearTimeout(typing);
  state.search = search.value.trim();
  state.offset = 0;
  changed({ replace });
}
// typing replaces the entry (one per word would bury the back button); Enter adds one
search.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => searched(true), 250);
});
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  searched(false);
});

filters.addEventListener("change", (event) => {
  const { name, value } = event.target;
  if (!KEYS.includes(name)) return;
  state[name] = value.trim();
  state.offset = 0;
  changed();
});
filters.addEventListener("submit", (event) => event.preventDefault());
trendSelect.addEventListener("change", () => {
  state.trend = trendSelect.value;
  save();
  loadTrend();
});
document.getElementById("f-clear").addEventListener("click", () => {
  for (const key of FILTERS) state[key] = "";
  state.offset = 0;
  changed();
});
document.getElementById("page-prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - state.limit);
  changed();
});
document.getElementById("page-next").addEventListener("click", () => {
  state.offset += state.limit;
  changed();
});
window.addEventListener("popstate", () => {
  state = fromUrl();
  showState();
  load();
});

async function campaigns() {
  try {
    const select = document.getElementById("f-campaign");
    for (const c of await api("/api/v1/campaigns")) {
      select.append(el("option", { value: c.campaign_id }, c.name));
    }
    select.value = state.campaign_id;
  } catch {
    // the list works without the campaign names; a campaign in the URL still filters
  }
}

state = fromUrl();
showState();
showPicked();
campaigns();
load();
