// Mailings side by side: two to four mailings' figures in one table, their funnels in
// one chart and their open-hour profiles as lines on another, all from one request to
// /api/v1/compare over the same period. The choice (ids) and the period live in the
// URL, so a reload or a shared link shows the same comparison.
import { categoryAxis, chartBox, draw, numbers, tooltipHtml, valueAxis } from "./charts.js";
import { periodControl, periodText } from "./period.js";
import { _, api, currencySymbol, DASH, el, emptyState, fmtDateTime, fmtInt, fmtMoney, fmtPct,
  language, ngettext, problemBox, readState, table, term, termLabel, writeState } from "./util.js";

const main = document.getElementById("main");
const root = document.getElementById("report");
const statusBox = document.getElementById("report-status");
const state = readState(["ids", "from", "to"]);
const CHANNELS = { email: "Email", sms: "SMS", push: "Push" };
const HOURS = Array.from({ length: 24 }, (_unused, h) => `${String(h).padStart(2, "0")}:00`);
const STAGES = ["sent", "delivered", "opened", "clicked", "ordered"];
// the glossary's name of a stage: a mailing's ordered are its attributed buyers
const STAGE_TERMS = { ordered: "buyers" };
let generation = 0;

/** The ids in the URL: "M01,M02" (duplicates and blanks dropped, order kept). */
function chosenIds() {
  return [...new Set(state.ids.split(",").map((id) => id.trim()).filter(Boolean))];
}

const reportUrl = (m) => `/mailings/${encodeURIComponent(m.mailing_id)}`;
const share = (part, whole) => (part == null || !whole ? null : (100 * part) / whole);

/** The figures of the table, one row each: [key, label (text or node), value of a
 * compared mailing as shown]. */
function figures() {
  const money = (v) => (v == null ? DASH : fmtMoney(v));
  const count = (k) => [k, termLabel(STAGE_TERMS[k] || k), (c) => fmtInt(c.stages[k])];
  return [
    ["channel", _("Channel"), (c) => el("span", { class: `chip chip-${c.mailing.channel}` },
      CHANNELS[c.mailing.channel] || c.mailing.channel)],
    ["sent_at", _("Sent at"), (c) => (c.mailing.sent_at ? fmtDateTime(c.mailing.sent_at) : DASH)],
    ...STAGES.map(count),
    ["delivered_share", _("Delivered, % of sent"), (c) => fmtPct(c.transitions.delivered)],
    ["open_rate", termLabel("open_rate"),
      (c) => (c.stages.opened == null ? _("n/a") : fmtPct(c.transitions.opened))],
    // of delivered, as the glossary defines it (the transition is of opened)
    ["click_rate", termLabel("click_rate"),
      (c) => fmtPct(share(c.stages.clicked, c.stages.delivered))],
    ["conversion", termLabel("conversion"), (c) => fmtPct(c.transitions.conversion)],
    ["revenue", termLabel("revenue", `, ${currencySymbol}`), (c) => money(c.revenue)],
    ["revenue_per_recipient", termLabel("revenue_per_recipient", `, ${currencySymbol}`),
      (c) => money(c.revenue_per_recipient)],
  ];
}

function renderFigures(body, compared) {
  const rows = figures().map(([key, label, cell]) => ({ key, label, cell }));
  const columns = [
    { label: _("Figure"), rowHeader: true, cell: (r) => r.label },
    ...compared.map((c) => ({
      label: c.mailing.name, num: true,
      head: el("span", { class: "compared-head" },
        el("a", { href: reportUrl(c.mailing), dataset: { key: `compare.${c.mailing.mailing_id}.name` } },
          c.mailing.name),
        " ", el("span", { class: "muted small" }, c.mailing.mailing_id)),
      key: (r) => `compare.${c.mailing.mailing_id}.${r.key}`,
      cell: (r) => r.cell(c),
    })),
  ];
  // the caption outside the table: on a phone the table scrolls sideways, a caption in it
  // would be cut
  body.replaceChildren(el("p", { class: "caption" }, _("Rates of delivered messages; "
    + "conversion: attributed buyers of delivered")),
  table(columns, rows, { className: "compact sticky-first compare-table" }));
}

function renderFunnel(body, compared) {
  const labels = STAGES.map((k) => term(STAGE_TERMS[k] || k));
  const chart = chartBox(ngettext("Bar chart of the funnel of {n} mailing, stage by stage. The "
    + "numbers are in the table above.", "Bar chart of the funnels of {n} mailings, stage by "
    + "stage. The numbers are in the table above.", compared.length), { height: 80 + STAGES.length * (compared.length * 16 + 20) });
  body.replaceChildren(chart);
  // bars across: the stages' names stay readable on a phone
  draw(chart, {
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" },
      formatter: (items) => tooltipHtml(labels[items[0].dataIndex], items.map((i) =>
        [i.seriesName, i.value == null ? DASH : fmtInt(i.value), i.color])) },
    yAxis: categoryAxis(labels, { boundaryGap: true, inverse: true }),
    xAxis: valueAxis({ splitNumber: 4, axisLabel: { hideOverlap: true } }),
    series: compared.map((c) => ({ type: "bar", name: c.mailing.name, barMaxWidth: 14,
      data: STAGES.map((k) => c.stages[k]) })),
  });
}

function renderOpenHours(body, compared) {
  const shown = compared.filter((c) => c.open_hours && c.open_hours.openers);
  if (!shown.length) {
    body.replaceChildren(emptyState(_("No opens to compare"),
      _("Open hours are counted for email mailings only.")));
    return;
  }
  const chart = chartBox(_("Line chart of the share of openers by hour of day, in each "
    + "recipient's local time, one line per email mailing. The numbers are in the table below."),
  { height: 300 });
  const left = compared.length - shown.length;
  body.replaceChildren(
    el("p", { class: "caption" }, _("Share of openers by the hour of their first open, in "
      + "each recipient's local time")),
    chart,
    left ? el("p", { class: "note" }, ngettext("{n} mailing has no opens to show (SMS and "
      + "push have none).", "{n} mailings have no opens to show (SMS and push have none).", left))
      : null,
    numbers(_("Share of openers by hour as a table"), [
      { label: _("Hour"), rowHeader: true, cell: (h) => HOURS[h] },
      ...shown.map((c) => ({ label: c.mailing.name, num: true,
        key: (h) => `compare.${c.mailing.mailing_id}.open_hours.${h}`,
        cell: (h) => fmtPct(c.open_hours.percent[h]) })),
    ], HOURS.map((_unused, h) => h)));
  draw(chart, {
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "axis", confine: true, formatter: (items) => tooltipHtml(
      HOURS[items[0].dataIndex], items.map((i) => [i.seriesName, fmtPct(i.value), i.color])) },
    xAxis: categoryAxis(HOURS),
    yAxis: valueAxis({ minInterval: 0, axisLabel: { formatter: (v) => fmtPct(v, 0) } }),
    series: shown.map((c) => ({ type: "line", name: c.mailing.name, symbolSize: 5,
      data: c.open_hours.percent.map(Number) })),
  });
}

function show(name, render, compared) {
  const node = document.getElementById(name);
  node.hidden = false;
  render(node.querySelector(".body"), compared);
  node.dataset.state = "ready";
}

function hideAll() {
  for (const id of ["figures", "funnel", "open_hours"]) document.getElementById(id).hidden = true;
}

async function load() {
  const mine = ++generation;
  const ids = chosenIds();
  main.dataset.state = "loading";
  if (ids.length < 2 || ids.length > 4) {
    hideAll();
    statusBox.replaceChildren(emptyState(_("Choose 2 to 4 mailings to compare"),
      _("Tick them in the list of mass messages, then press “Compare”.")),
    el("p", {}, el("a", { class: "btn btn-primary btn-small", href: "/" },
      _("Back to mass messages"))));
    main.dataset.state = "ready";
    return;
  }
  root.classList.add("is-loading");
  try {
    const params = new URLSearchParams();
    for (const id of ids) params.append("mailing_id", id);
    if (state.from) params.set("from", state.from);
    if (state.to) params.set("to", state.to);
    const result = await api(`/api/v1/compare?${params}`);
    if (mine !== generation) return;
    const compared = result.mailings;
    document.title = _("Mailings compared") + " · mailreport";
    document.getElementById("report-subtitle").replaceChildren(
      el("span", {}, ngettext("{n} mailing", "{n} mailings", compared.length)),
      el("span", { class: "muted", dataset: { key: "period" } }, periodText(result.period)),
      el("a", { id: "pdf-link", download: "", href: `/api/v1/compare/report.pdf?${params}&`
        + new URLSearchParams({ lang: language }) }, _("PDF")));
    statusBox.replaceChildren();
    show("figures", renderFigures, compared);
    show("funnel", renderFunnel, compared);
    show("open_hours", renderOpenHours, compared);
    main.dataset.state = "ready";
  } catch (err) {
    if (mine !== generation) return;
    hideAll();
    statusBox.replaceChildren(problemBox(err));
    main.dataset.state = "error";
  } finally {
    if (mine === generation) root.classList.remove("is-loading");
  }
}

// the ids stay as the URL gave them; the period control writes from and to beside them
writeState(state);
periodControl(state, load);
load();
