// The campaign report page: the mailing report's questions over all mailings of a
// campaign. The API has no per-section endpoint for campaigns, so a control change
// asks for the whole report again and redraws only its own section.
import { periodControl, periodText } from "./period.js";
import { renderCampaignVolume } from "./sections/campaign_volume.js";
import { hasDeliverability, renderDeliverability } from "./sections/deliverability.js";
import { renderGroups } from "./sections/groups.js";
import { devicesEmpty, renderDevices } from "./sections/devices.js";
import { renderOpenHours } from "./sections/open_hours.js";
import { renderOrders } from "./sections/orders.js";
import { renderProductSales } from "./sections/product_sales.js";
import { regionsEmpty, renderRegions } from "./sections/regions.js";
import { wholeMoney } from "./sections/headline.js";
import { _, ngettext, api, currencySymbol, DASH, el, emptyState, errorBox, fmtCurrency, fmtDateTime, fmtInt, fmtMoney, fmtPct, language,
  readState, table, term, termLabel, tile, withCsv, withParams, writeState } from "./util.js";

const KEYS = ["from", "to", "open_hours_zone", "sort", "search", "unit"];
const ORDER = ["mailings", "volume", "orders", "groups", "open_hours", "deliverability",
  "product_sales", "devices", "regions"];
// sections hidden where they have nothing to show (the others say so in words)
const NOTHING = { devices: devicesEmpty, regions: regionsEmpty,
  deliverability: (d) => !hasDeliverability(d) };

const main = document.getElementById("main");
const root = document.getElementById("report");
const statusBox = document.getElementById("report-status");
const campaignId = root.dataset.campaignId;
// a shared view (/shared/<token>, api/shares.py) reads through its link: read only,
// its period fixed, no workbook or PDF
const shared = root.dataset.shared === "yes";
const url = shared ? `${root.dataset.apiBase}/report`
  : `/api/v1/campaigns/${encodeURIComponent(campaignId)}/report`;
const campaignBase = `/api/v1/campaigns/${encodeURIComponent(campaignId)}`;
// lists are customer data: without the permission (and in a shared view) the funnel's
// figures lead nowhere (the API would refuse them)
const canList = root.dataset.canList === "yes" && !shared;
const state = readState(KEYS);
let generation = 0;

function set(patch) {
  Object.assign(state, patch);
  writeState(state);
}

/** At a glance: what the campaign brought, each customer counted once. */
function renderCampaignHeadline(node, report) {
  const f = report.funnel;
  node.replaceChildren(el("div", { class: "tiles headline-tiles" },
    tile(termLabel("revenue"), wholeMoney(f.revenue), "headline.revenue"),
    tile(termLabel("buyers"), fmtInt(f.ordered), "headline.buyers",
      _("distinct customers with an attributed order")),
    tile(termLabel("conversion"), fmtPct(f.conversion), "headline.conversion",
      _("buyers / delivered, each customer once")),
    tile(termLabel("revenue_per_recipient"),
      f.revenue_per_recipient == null ? DASH : fmtCurrency(f.revenue_per_recipient),
      "headline.revenue_per_recipient", _("attributed revenue / distinct delivered"))));
  node.hidden = !report.mailings.length;
}

/** A funnel figure, leading to its customers (the same distinct customers) for those
 * who may see them. */
function customersLink(stage, text) {
  if (!canList) return text;
  return el("a", { class: "customers-link", dataset: { stage }, title: _("Show these customers"),
    href: withParams(`/campaigns/${encodeURIComponent(campaignId)}/customers`,
      { stage, from: state.from, to: state.to }) }, text);
}

function renderMailings(body, report) {
  if (!report.mailings.length) {
    body.replaceChildren(emptyState(_("This campaign has no mailings yet")));
    return;
  }
  // a shared view shares this report only: its mailings' names lead nowhere
  const mailingLink = (r) => (shared ? r.name
    : el("a", { href: `/mailings/${encodeURIComponent(r.mailing_id)}` }, r.name));
  // the glossary's terms: a campaign's ordered are its mailings' attributed buyers, its
  // orders their attributed receipts and orders together
  const termOf = (k) => ({ ordered: "buyers", orders: "purchases" }[k] || k);
  const count = (k) => ({ label: term(termOf(k)), head: termLabel(termOf(k)), num: true,
    key: (r) => `mailings.${r.mailing_id}.${k}`, cell: (r) => fmtInt(r[k]),
    foot: (t) => fmtInt(t[k]), footKey: `totals.${k}` });
  let columns;
  const mailingsTable = withCsv(table(columns = [
    { label: _("Mailing"), cell: mailingLink, rowHeader: true, foot: () => _("Sum of the mailings") },
    { label: _("Channel"), cell: (r) => el("span", { class: `chip chip-${r.channel}` },
      ({ email: "Email", sms: "SMS", push: "Push" })[r.channel] || r.channel) },
    { label: _("Sent at"), cell: (r) => fmtDateTime(r.sent_at) },
    count("sent"), count("delivered"), count("opened"), count("clicked"), count("ordered"),
    count("orders"),
    { label: `${term("revenue")}, ${currencySymbol}`, head: termLabel("revenue", `, ${currencySymbol}`),
      num: true, key: (r) => `mailings.${r.mailing_id}.revenue`,
      cell: (r) => fmtMoney(r.revenue), foot: (t) => fmtMoney(t.revenue),
      footKey: "totals.revenue" },
  ], report.mailings, { footer: report.totals, className: "cards-on-phone",
    caption: _("Customers at each stage, and the orders each mailing brought") }), "mailings", {
    columns, rows: report.mailings, values: ["name", "channel", "sent_at", "sent", "delivered",
      "opened", "clicked", "ordered", "orders", "revenue"].map((k) => (r) => r[k]) });
  // the same stages counting each customer once: the sum above counts a customer once
  // per mailing they got
  const f = report.funnel;
  const stages = ["sent", "delivered", "opened", "clicked", "ordered"];
  const distinctRow = { ...f };
  const distinct = table([
    { label: "", cell: () => termLabel("distinct_customers"), rowHeader: true },
    ...stages.map((k) => ({ label: term(termOf(k)), head: termLabel(termOf(k)), num: true,
      key: `funnel.${k}`, cell: (r) => (r[k] == null ? DASH : customersLink(k, fmtInt(r[k]))) })),
  ], [distinctRow], { className: "compact distinct-customers cards-on-phone", terms: false,
    caption: _("Each customer once, however many of the mailings they got") });
  body.replaceChildren(mailingsTable, distinct);
}

/** The pooled groups (reports/campaign_groups.py): the mailing page's table and tests,
 * and the customers the pooling leaves out, with the rule that does. */
function renderCampaignGroups(body, report) {
  const { rows, left_out: leftOut } = report.groups;
  renderGroups(body, rows, {});
  body.prepend(el("p", { class: "note groups-rule", dataset: { key: "groups.rule" } },
    _("Each customer once across the campaign's mailings: in a control group of some "
      + "mailing and never in a test group, control; never in a control group, test. Orders "
      + "in the mailings' group windows, each order once; the period does not apply.")),
  el("p", { class: "note groups-left-out", dataset: { key: "groups.left_out" } },
    leftOut ? ngettext("{n} customer was in a control group of one mailing and a test group "
      + "of another: left out of both groups.", "{n} customers were in a control group of one "
      + "mailing and a test group of another: left out of both groups.", leftOut)
      : _("No customer was in a control group of one mailing and a test group of another.")));
}

const RENDER = {
  mailings: (body, report) => renderMailings(body, report),
  volume: (body, report) => renderCampaignVolume(body, report.volume),
  groups: (body, report) => renderCampaignGroups(body, report),
  // a campaign's lists of customers are not offered: no links
  deliverability: (body, report) => renderDeliverability(body, report.deliverability,
    { channel: report.deliverability.domains ? "email" : null }),
  orders: (body, report) => renderOrders(body, report.orders, state),
  product_sales: (body, report) => renderProductSales(body, report.product_sales, state, {
    onSort: (sort, unit = "") => {
      set({ sort: sort === "units" ? "" : sort, unit });
      reload("product_sales");
    },
    onSearch: (search) => { set({ search }); reload("product_sales"); },
  }),
  open_hours: (body, report) => renderOpenHours(body, report.open_hours, state, {
    onZone: (zone) => { set({ open_hours_zone: zone === "recipient" ? "" : zone }); reload("open_hours"); },
  }),
  devices: (body, report) => renderDevices(body, report.devices, state),
  regions: (body, report) => renderRegions(body, report.regions),
};

function renderSection(name, report) {
  const node = document.getElementById(name);
  const data = name === "mailings" ? report.mailings : report[name];
  node.classList.remove("is-loading");
  if (data == null || NOTHING[name]?.(data)) {
    node.hidden = true;
    return;
  }
  node.hidden = false;
  RENDER[name](node.querySelector(".body"), report);
  node.dataset.state = "ready";
}

async function fetchReport() {
  return api(url, state);
}

async function reload(name) {
  const node = document.getElementById(name);
  const mine = ++generation;
  node.dataset.state = "loading";
  node.classList.add("is-loading");
  try {
    const report = await fetchReport();
    if (mine === generation) renderSection(name, report);
  } catch (err) {
    if (mine !== generation) return;
    node.classList.remove("is-loading");
    node.querySelector(".body").prepend(errorBox(err));
    node.dataset.state = "error";
  }
}

async function load() {
  const mine = ++generation;
  main.dataset.state = "loading";
  root.classList.add("is-loading");
  try {
    const report = await fetchReport();
    if (mine !== generation) return;
    document.title = `${report.campaign.name} · ${_("Campaign report")} · mailreport`;
    document.getElementById("report-title").textContent = report.campaign.name;
    document.getElementById("report-subtitle").replaceChildren(
      el("span", {}, ngettext("{n} mailing", "{n} mailings", report.campaign.mailings)),
      el("span", { class: "muted" }, _("ID {id}", { id: report.campaign.campaign_id })),
      el("span", { class: "muted", dataset: { key: "period" } }, periodText(report.period)),
      shared ? null : el("a", { id: "workbook-link", download: "", href: withParams(
        `${campaignBase}/report.xlsx`, { ...state, lang: language }) }, _("Excel workbook")),
      shared ? null : el("a", { id: "pdf-link", download: "", href: withParams(
        `${campaignBase}/report.pdf`, { from: state.from, to: state.to, lang: language }) },
      _("PDF")));
    statusBox.replaceChildren();
    renderCampaignHeadline(document.getElementById("headline"), report);
    const t = report.totals;
    if (report.mailings.length && !t.sent && !t.delivered && !t.orders) {
      statusBox.append(emptyState(state.from || state.to ? _("No events in this period")
        : _("No events yet")));
    }
    for (const name of ORDER) renderSection(name, report);
    main.dataset.state = "ready";
  } catch (err) {
    if (mine !== generation) return;
    statusBox.replaceChildren(errorBox(err));
    for (const name of ORDER) document.getElementById(name).hidden = true;
    main.dataset.state = "error";
  } finally {
    if (mine === generation) root.classList.remove("is-loading");
  }
}

periodControl(state, load);
load();
