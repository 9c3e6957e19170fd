// The mailing report page: one request for the whole report, then one request per
// section when a control of that section changes (sort, search, group, time zone).
import { companyDate, periodControl, periodCoverage, periodText } from "./period.js";
import { hasDeliverability, renderDeliverability } from "./sections/deliverability.js";
import { devicesEmpty, renderDevices } from "./sections/devices.js";
import { renderEfficiency } from "./sections/efficiency.js";
import { renderGroups } from "./sections/groups.js";
import { renderHeadline } from "./sections/headline.js";
import { renderHeatmap } from "./sections/heatmap.js";
import { renderOpenHours } from "./sections/open_hours.js";
import { renderOrders } from "./sections/orders.js";
import { renderProductSales } from "./sections/product_sales.js";
import { regionsEmpty, renderRegions } from "./sections/regions.js";
import { renderSendTime } from "./sections/send_time.js";
import { renderVolume } from "./sections/volume.js";
import { _, ngettext, api, ApiError, el, emptyState, fmtDateTime, language, problemBox, readState,
  withParams, writeState } from "./util.js";

const KEYS = ["from", "to", "open_hours_zone", "sort", "search", "unit", "group", "variant_id",
  "activity", "advice"];
// keys of the page's own views, not API parameters
const VIEW_KEYS = new Set(["activity", "advice"]);
const ORDER = ["volume", "orders", "groups", "open_hours", "efficiency", "deliverability",
  "product_sales", "heatmap", "devices", "regions"];
// sections hidden where they have nothing to show (the others say so in words)
const NOTHING = { devices: devicesEmpty, regions: regionsEmpty };

const main = document.getElementById("main");
const root = document.getElementById("report");
const statusBox = document.getElementById("report-status");
const mailingId = root.dataset.mailingId;
// lists are customer data: without the permission the page links to none (the API
// would refuse them)
const canList = root.dataset.canList === "yes";
// a shared view (/shared/<token>, api/shares.py) reads the report through its link:
// read-only, its period fixed, no customer lists, no workbook
const shared = root.dataset.shared === "yes";
const base = root.dataset.apiBase || `/api/v1/mailings/${encodeURIComponent(mailingId)}`;
const state = readState(KEYS);
let mailing = null;
let groupsAvailable = false;
let variantComparison = null;
let generation = 0;
// the period of the report on the page, and the efficiency without a period when the
// period leaves out a stage that its shares are of (see periodDenominators)
let shownPeriod = null;
let efficiencyAllTime = null;
const sectionGeneration = {};

function apiParams() {
  return Object.fromEntries(Object.entries(state).filter(([key]) => !VIEW_KEYS.has(key)));
}

/** What the PDF of the page takes: its period and language. */
function pdfParams() {
  return { from: state.from, to: state.to, lang: language };
}

function set(patch) {
  Object.assign(state, patch);
  writeState(state);
}

function customersUrl(stage, extra = {}) {
  return withParams(`/mailings/${encodeURIComponent(mailingId)}/customers`,
    { stage, ...extra, from: state.from, to: state.to });
}

function productSalesOptions() {
  const options = [{ value: "", label: _("all attributed orders") }];
  if (groupsAvailable) {
    options.push({ value: "group:test", label: _("the test group") });
    if (mailing.control_share > 0) options.push({ value: "group:control", label: _("the control group") });
  }
  if (mailing.variants.length > 1) {
    for (const v of mailing.variants) {
      options.push({ value: `variant:${v}`, label: _("variant {name}", { name: v }) });
    }
  }
  return options;
}

/** Whether the mailing held customers back: without a control group, no figure of one. */
function hasControl(volume) {
  return mailing.control_share > 0 || volume.control_group > 0;
}

const RENDER = {
  volume: (body, data) => renderVolume(body, data, { control: hasControl(data) }),
  orders: (body, data) => renderOrders(body, data, state),
  groups: (body, data) => renderGroups(body, data, state, variantComparison),
  open_hours: (body, data) => renderOpenHours(body, data, state, {
    onZone: (zone) => { set({ open_hours_zone: zone === "recipient" ? "" : zone }); reload("open_hours"); },
  }),
  efficiency: (body, data) => renderEfficiency(body, data, state,
    { channel: mailing.channel, customersUrl: canList ? customersUrl : null,
      allTime: efficiencyAllTime,
      // a view of the same numbers: drawn again, not asked for again
      onView: (view) => {
        set({ activity: view === "daily" ? "" : view });
        renderSection("efficiency", data);
      } }),
  product_sales: (body, data) => renderProductSales(body, data, state, {
    onSort: (sort, unit = "") => {
      set({ sort: sort === "units" ? "" : sort, unit });
      reload("product_sales");
    },
    onSearch: (search) => { set({ search }); reload("product_sales"); },
    onSelect: (value) => {
      const [kind, id] = value ? value.split(":") : ["", ""];
      set({ group: kind === "group" ? id : "", variant_id: kind === "variant" ? id : "" });
      reload("product_sales");
    },
    selectOptions: productSalesOptions(),
  }),
  heatmap: (body, data) => renderHeatmap(body, data, { mailingId }),
  deliverability: (body, data) => renderDeliverability(body, data, { channel: mailing.channel,
    customersUrl: canList ? ({ stage, ...extra }) => customersUrl(stage, extra) : null }),
  devices: (body, data) => renderDevices(body, data, state),
  regions: (body, data) => renderRegions(body, data),
};

// sections hidden where they have nothing to show
const SHOWN = { deliverability: hasDeliverability };

function renderSection(name, data) {
  const node = document.getElementById(name);
  if (data == null || (SHOWN[name] && !SHOWN[name](data)) || NOTHING[name]?.(data)) {
    node.hidden = true;
    node.querySelector(".body").replaceChildren();
    return;
  }
  node.hidden = false;
  node.classList.remove("is-loading");
  RENDER[name](node.querySelector(".body"), data);
  node.dataset.state = "ready";
}

async function reload(name) {
  const node = document.getElementById(name);
  const mine = (sectionGeneration[name] = (sectionGeneration[name] || 0) + 1);
  node.dataset.state = "loading";
  node.classList.add("is-loading");
  try {
    const data = await api(`${base}/report/${name}`, apiParams());
    if (mine !== sectionGeneration[name]) return;
    renderSection(name, data);
  } catch (err) {
    if (mine !== sectionGeneration[name]) return;
    node.classList.remove("is-loading");
    node.querySelector(".body").prepend(problemBox(err));
    node.dataset.state = "error";
  }
}

const CHANNELS = { email: "Email", sms: "SMS", push: "Push" };
const STATUSES = { draft: _("Draft"), scheduled: _("Scheduled"), sending: _("Sending"),
  sent: _("Sent"), cancelled: _("Cancelled"), failed: _("Failed") };
const statusName = (status) => STATUSES[status] || status;

function header(report) {
  const m = report.mailing;
  document.title = `${m.name} · ${_("Mailing report")} · mailreport`;
  document.getElementById("report-title").textContent = m.name;
  const chips = [
    el("span", { class: `chip chip-${m.channel}` }, CHANNELS[m.channel] || m.channel),
    el("span", { class: `chip status-${m.status}` }, statusName(m.status)),
    m.sent_at ? el("span", {}, m.status === "sent" || m.status === "sending"
      ? _("Sent {when}", { when: fmtDateTime(m.sent_at) })
      : _("Sending starts {when}", { when: fmtDateTime(m.sent_at) })) : null,
    m.category ? el("span", {}, _("Category: {name}", { name: m.category })) : null,
    m.campaign_id ? el("a", { href: `/campaigns/${encodeURIComponent(m.campaign_id)}` },
      _("Campaign report")) : null,
    el("span", { class: "muted" }, _("ID {id}", { id: m.mailing_id })),
    el("span", { class: "muted", dataset: { key: "period" } }, periodText(report.period)),
    // the whole report as a workbook, for the period and choices on the page, in
    // the page's language; an
    // unsent mailing has no figures to take away
    shared || (m.status !== "sent" && m.status !== "sending") ? null : el("a", { id: "workbook-link", href: withParams(`${base}/report.xlsx`, { ...apiParams(), lang: language }),
      download: "", onclick: (e) => {  // the choices made since the header was drawn
        e.currentTarget.href = withParams(`${base}/report.xlsx`, { ...apiParams(), lang: language });
      } }, _("Excel workbook")),
    // the page as a PDF, drawn by the server's Chromium as this reader sees it
    shared || (m.status !== "sent" && m.status !== "sending") ? null : el("a", { id: "pdf-link",
      href: withParams(`${base}/report.pdf`, { ...pdfParams() }), download: "",
      onclick: (e) => { e.currentTarget.href = withParams(`${base}/report.pdf`, pdfParams()); } },
    _("PDF")),
  ];
  document.getElementById("report-subtitle").replaceChildren(...chips.filter(Boolean));
}

/** A report that cannot be shown, said in a sentence with the way back to the list; a
 * mailing that does not exist gets a heading of its own and no period to choose. */
function reportProblem(err) {
  if (!(err instanceof ApiError && err.status === 404)) return problemBox(err);
  document.title = `${_("Mailing not found")} · mailreport`;
  document.getElementById("report-title").textContent = _("Mailing not found");
  document.getElementById("report-subtitle").replaceChildren();
  document.getElementById("period-form").hidden = true;
  return problemBox(err, { heading: _("There is no mailing with the ID “{id}”.", { id: mailingId }),
    detail: _("It may have been deleted, or the link that led here is wrong.") });
}

/** A mailing not sent yet (a draft, a scheduled one) has nothing to report: one empty
 * state says so, in place of sections that would each say it again. */
function notSentYet(report) {
  return report.mailing.status !== "sent" && report.mailing.status !== "sending"
    && noEvents(report);
}

/** The strip at the top; none where nothing happened (the empty state says so). */
function headline(report) {
  const node = document.getElementById("headline");
  if (noEvents(report)) {
    node.hidden = true;
    node.replaceChildren();
  } else {
    renderHeadline(node, report);
  }
}

function noEvents(report) {
  const s = report.efficiency.stages;
  return !s.sent && !s.delivered && !s.opened && !s.clicked && !report.orders.receipts
    && !report.orders.orders;
}

/** A period can leave out the send day: then sent and delivered are 0 in it while later
 * stages are not, and their shares have no denominator in the period. The report
 * without a period gives the all-time figures the page shows instead (labelled so). */
async function periodDenominators(report) {
  const s = report.efficiency?.stages;
  if (!s || (!state.from && !state.to)) return null;
  // ordered after a click counts orders in the period of clicks that may precede it
  const funnel = [s.sent, s.delivered, s.opened, s.clicked, s.ordered_after_click]
    .filter((n) => n != null);
  const needed = funnel.some((n, i) => n === 0 && funnel.slice(i + 1).some(Boolean))
    || (s.delivered === 0 && (s.ordered || report.efficiency.spam
      || report.efficiency.unsubscribed));
  return needed ? api(`${base}/report/efficiency`, {}) : null;
}

/** The server refused a period the form let through: keep the report on the page and
 * its period, and say why in a sentence. Without a report yet, the error is all. */
function keepShownReport(err) {
  // an ended session is no fault of the period: its error offers the way back in
  if (!shownPeriod || (err instanceof ApiError && err.status === 401)) return false;
  const asked = periodText({ from: state.from, to: state.to });
  const allTime = _("all time");
  period.restore(shownPeriod);
  const reason = err instanceof ApiError && err.detail ? ` (${err.detail})` : "";
  statusBox.replaceChildren(el("div", { class: "alert alert-error", role: "alert" },
    el("strong", {}, _("The period {period} could not be shown{reason}.", { period: asked, reason })),
    el("p", {}, _("The report below is still for {period}; choose another period above.",
      { period: shownPeriod.from || shownPeriod.to ? periodText(shownPeriod) : allTime }))));
  main.dataset.state = "ready";
  return true;
}

function coverageNote(report) {
  const text = periodCoverage(report.period, mailing.sent_at ? companyDate(mailing.sent_at) : "");
  return text ? el("p", { class: "period-note", dataset: { key: "period.coverage" } }, text)
    : null;
}

/** The send-time advice under the open-hour chart: email mailings that were sent. Its
 * history is of the channel, not of the period on the page: drawn once per load. */
function sendTime() {
  const node = document.getElementById("send-time");
  // the advice draws on every mailing of the channel: not part of a shared view
  if (shared || mailing.channel !== "email" || !mailing.sent_at
    || document.getElementById("open_hours").hidden) {
    node.replaceChildren();
    return;
  }
  renderSendTime(node, mailing, { by: state.advice === "region" ? "region" : "zone",
    onBy: (by) => { set({ advice: by === "zone" ? "" : by }); sendTime(); } });
}

async function load() {
  const mine = ++generation;
  main.dataset.state = "loading";
  root.classList.add("is-loading");
  try {
    const report = await api(`${base}/report`, apiParams());
    const allTime = await periodDenominators(report);
    if (mine !== generation) return;
    efficiencyAllTime = allTime;
    mailing = report.mailing;
    groupsAvailable = report.groups != null;
    variantComparison = report.variant_comparison;
    header(report);
    headline(report);
    statusBox.replaceChildren();
    if (notSentYet(report)) {
      statusBox.append(emptyState(_("No events yet"), mailing.status === "draft"
        ? _("This mailing is a draft: its figures appear once it is sent.")
        : _("This mailing is {status}: its figures appear once it is sent.",
          { status: statusName(mailing.status).toLowerCase() })));
      for (const name of ORDER) renderSection(name, null);
      document.getElementById("period-form").hidden = true;
      main.dataset.state = "ready";
      return;
    }
    statusBox.replaceChildren(...[coverageNote(report)].filter(Boolean));
    if (noEvents(report)) {
      statusBox.append(emptyState(state.from || state.to ? _("No events in this period")
        : _("No events yet"), mailing.status === "sent" || mailing.status === "sending"
        ? _("Figures appear as the sending providers report deliveries, opens and clicks.")
        : _("This mailing is {status}: its figures appear once it is sent.",
          { status: statusName(mailing.status).toLowerCase() })));
    }
    for (const name of ORDER) renderSection(name, report[name]);
    sendTime();
    shownPeriod = { from: state.from, to: state.to };
    period.anchor(mailing.sent_at ? companyDate(mailing.sent_at) : "");
    main.dataset.state = "ready";
  } catch (err) {
    if (mine !== generation) return;
    if (keepShownReport(err)) return;
    statusBox.replaceChildren(reportProblem(err));
    for (const name of [...ORDER, "headline"]) document.getElementById(name).hidden = true;
    main.dataset.state = "error";
  } finally {
    if (mine === generation) root.classList.remove("is-loading");
  }
}

const period = periodControl(state, load);
load();
