// The customers of one stage (or audience status) of a mailing: the segment's
// metrics against the whole good audience, the paged sortable list, and the
// "Export to file" dialog. Every figure comes from the JSON API. With a campaign
// (data-campaign-id), the distinct customers of one stage of the campaign funnel
// across its mailings: the same list, metrics of the campaign, the same exports.
import { periodControl, periodText } from "./period.js";
import { _, api, ApiError, currency, el, emptyState, fmtCompactMoney, fmtCurrency, fmtDateTime, fmtInt, fmtMoney,
  fmtNumber, fmtPct, fmtSigned, language, ngettext, problemBox, readState, term, termLabel,
  tileFigure, withParams, writeState } from "./util.js";

const STAGES = [
  ["sent", _("were sent it")], ["delivered", _("received it")], ["opened", _("opened it")],
  ["clicked", _("clicked a link")], ["ordered", _("ordered (attributed)")],
  ["spam", _("marked it as spam")], ["unsubscribed", _("unsubscribed")],
  ["bounced", _("bounced")],
];
const STATUSES = [
  ["good", _("good recipients")], ["address_issue", _("address issue")],
  ["unsubscribed_channel", _("unsubscribed from the channel")],
  ["unsubscribed_category", _("unsubscribed from the category")],
  ["blocked_by_policy", _("blocked by communication policy")],
  ["control_group", _("control group")], ["actual_recipients", _("actual recipients")],
];
// The export formats the window offers, as the API names them: "Excel (Russian)" is
// csv-excel-ru (UTF-8 with BOM, ";", decimal comma; docs/exports.md).
const API_FORMATS = ["csv", "xlsx", "csv-excel-ru"];
// the percent sign as the locale writes it after a number ("%" or " %")
const PERCENT = fmtPct(0, 0).replace("0", "");

/** A translated sentence with nodes in its {placeholders}: the nodes keep their
 * data-key, the words around them follow the language's order. */
function sentence(text, nodes) {
  return text.split(/(\{\w+\})/).filter(Boolean).map((part) => {
    const key = /^\{(\w+)\}$/.exec(part)?.[1];
    return key && key in nodes ? nodes[key] : part;
  });
}
const KEYS = ["stage", "status", "bounce_class", "reason", "from", "to", "include_machine",
  "group", "variant_id", "page", "page_size", "sort", "order"];
const FILTERS = ["stage", "status", "bounce_class", "reason", "from", "to", "include_machine",
  "group", "variant_id"];

const main = document.getElementById("main");
const root = document.getElementById("customers");
const mailingId = root.dataset.mailingId;
const campaignId = root.dataset.campaignId;
const base = campaignId ? `/api/v1/campaigns/${encodeURIComponent(campaignId)}`
  : `/api/v1/mailings/${encodeURIComponent(mailingId)}`;
// the stages the campaign funnel counts; no audience statuses, groups or variants
const CAMPAIGN_STAGES = ["sent", "delivered", "opened", "clicked", "ordered"];
const statusBox = document.getElementById("customers-status");
const metricsBody = document.querySelector("#segment-metrics .body");
const tableBody = document.querySelector("#customer-table .body");
const pager = document.getElementById("pager");
const segmentSelect = document.getElementById("segment");
const machine = document.getElementById("include-machine");
const state = readState(KEYS);
if (!state.stage && !state.status) state.stage = "sent";
let mailing = null;
let entities = null;
let generation = 0;

function set(patch) {
  Object.assign(state, patch);
  writeState(state);
}

function filters() {
  return Object.fromEntries(FILTERS.map((k) => [k, state[k]]));
}

function segmentLabel(list) {
  const pairs = list.stage ? STAGES : STATUSES;
  return (pairs.find(([k]) => k === (list.stage || list.status)) || [, list.stage || list.status])[1];
}

// -- the segment chooser -----------------------------------------------------------

function fillSegments() {
  if (campaignId) {
    const opens = mailing.channels.some((c) => c !== "sms");
    segmentSelect.replaceChildren(el("optgroup", { label: _("Campaign funnel") },
      STAGES.filter(([k]) => CAMPAIGN_STAGES.includes(k) && (opens || k !== "opened"))
        .map(([value, label]) => el("option", { value: `stage:${value}`,
          selected: state.stage === value }, label))));
    return;
  }
  const sms = mailing.channel === "sms";
  const option = (kind, [value, label]) => el("option", { value: `${kind}:${value}`,
    selected: state[kind] === value }, label);
  segmentSelect.replaceChildren(
    el("optgroup", { label: _("Funnel") },
      STAGES.filter(([k]) => !(sms && k === "opened") && (k !== "spam"
        || mailing.channel === "email")).map((s) => option("stage", s))),
    el("optgroup", { label: _("Audience (whatever the period)") },
      STATUSES.map((s) => option("status", s))));
}

segmentSelect.addEventListener("change", () => {
  const [kind, value] = segmentSelect.value.split(":");
  set({ stage: kind === "stage" ? value : "", status: kind === "status" ? value : "", page: "",
    bounce_class: "", reason: "" });
  load();
});
machine.checked = state.include_machine === "true";
machine.addEventListener("change", () => {
  set({ include_machine: machine.checked ? "true" : "", page: "" });
  load();
});

// -- metrics -----------------------------------------------------------------------

function deviation(value, key) {
  if (value == null) return el("span", { class: "deviation", dataset: { key } }, "—");
  const tone = value > 0 ? "up" : value < 0 ? "down" : "flat";
  return el("span", { class: `deviation ${tone}`, dataset: { key } },
    _("{deviation} vs audience", { deviation: fmtSigned(value, PERCENT) }));
}

function metricTile(termKey, value, key, note, { title, money = false } = {}) {
  return el("div", { class: "tile" },
    el("span", { class: "tile-label" }, termLabel(termKey)),
    el("span", { class: money ? "tile-value tile-money" : "tile-value", dataset: { key }, title },
      value),
    note ? el("span", { class: "tile-note" }, note) : null);
}

/** The segment's tiles. A campaign's share is of its distinct audience, and it has
 * no good audience to deviate from (no deviation notes); a mailing's has both. */
function metricTiles(m, shareSentence, dev) {
  const money = (v) => fmtCurrency(v);
  // revenue in whole roubles (the exact sum on hover), averages with kopecks
  const whole = (v) => fmtCurrency(v, { whole: true });
  return el("div", { class: "tiles" },
    metricTile("list_customers", fmtInt(m.customers), "metrics.customers",
      el("span", {}, sentence(shareSentence, {
        share: el("span", { dataset: { key: "metrics.share_of_audience" } },
          fmtPct(m.share_of_audience)), audience: fmtInt(m.audience) }))),
    metricTile("purchases", fmtInt(m.orders), "metrics.orders"),
    metricTile("revenue", tileFigure(m.revenue, whole, fmtCompactMoney), "metrics.revenue", null,
      { title: money(m.revenue), money: true }),
    metricTile("list_aov", tileFigure(m.aov, money), "metrics.aov", dev("aov"),
      { money: true }),
    metricTile("list_revenue_per_customer", tileFigure(m.revenue_per_customer, money),
      "metrics.revenue_per_customer", dev("revenue_per_customer"), { money: true }),
    metricTile("list_purchases_per_customer", fmtNumber(m.orders_per_customer),
      "metrics.orders_per_customer", dev("orders_per_customer")));
}

function renderCampaignMetrics(list) {
  metricsBody.replaceChildren(
    metricTiles(list.metrics, _("{share} of {audience} in the campaign's audience"),
      () => null),
    el("p", { class: "muted small" }, [
      _("Each customer once, however many of the campaign's mailings they got; the "
        + "audience is every customer of its mailings' audiences, once."),
      state.from || state.to
        ? _("Purchases and revenue are those attributed to any of the campaign's mailings "
          + "in the period.")
        : _("Purchases and revenue are those attributed to any of the campaign's "
          + "mailings.")].join(" ")));
}

function renderMetrics(list) {
  if (campaignId) {
    renderCampaignMetrics(list);
    return;
  }
  const m = list.metrics;
  const a = m.good_audience;
  const money = (v) => fmtCurrency(v);
  metricsBody.replaceChildren(
    metricTiles(m, _("{share} of {audience} in the audience"),
      (k) => deviation(m.deviation[k], `metrics.deviation.${k}`)),
    el("p", { class: "muted small" }, [
      _("Deviations compare with the mailing's whole good audience: {customers}, "
        + "{revenue_per_customer_name} {revenue_per_customer}, {orders_per_customer_name} "
        + "{orders_per_customer}, {aov_name} {aov}.", {
        customers: ngettext("{n} customer", "{n} customers", a.customers),
        revenue_per_customer_name: term("list_revenue_per_customer").toLowerCase(),
        revenue_per_customer: money(a.revenue_per_customer),
        orders_per_customer_name: term("list_purchases_per_customer").toLowerCase(),
        orders_per_customer: fmtNumber(a.orders_per_customer),
        aov_name: term("list_aov").toLowerCase(), aov: money(a.aov) }),
      state.from || state.to
        ? _("Purchases and revenue are those attributed to this mailing in the period.")
        : _("Purchases and revenue are those attributed to this mailing.")].join(" ")));
}

// -- the table ---------------------------------------------------------------------

function sortHeader(label, key, num = false) {
  const active = state.sort === key || (!state.sort && key === "customer_id");
  const order = active ? (state.order || "asc") : null;
  const button = el("button", { type: "button", class: "sort", dataset: { sort: key } }, label,
    el("span", { class: "sort-mark", "aria-hidden": "true" },
      order === "asc" ? "▲" : order === "desc" ? "▼" : ""));
  button.addEventListener("click", () => {
    // numbers and times read best largest or latest first; names A to Z
    const first = num || key === "reached_at" ? "desc" : "asc";
    const next = active ? (order === "asc" ? "desc" : "asc") : first;
    set({ sort: key === "customer_id" ? "" : key, order: next === "asc" ? "" : next, page: "" });
    load();
  });
  return el("th", { scope: "col", class: num ? "num" : "",
    "aria-sort": order ? (order === "asc" ? "ascending" : "descending") : null }, button);
}

function renderTable(list) {
  if (!list.total) {
    tableBody.replaceChildren(emptyState(_("No customers in this list"),
      state.from || state.to ? _("Try a wider period.") : ""));
    pager.replaceChildren();
    return;
  }
  const contact = list.contact_kind === "phone" ? _("Phone") : list.contact_kind === "email"
    ? "Email" : _("Email or phone");
  const reached = list.stage ? _("Reached") : _("Sent at");
  const head = el("tr", {}, sortHeader(_("Customer"), "customer_id"),
    sortHeader(contact, "contact"), sortHeader(reached, "reached_at"),
    sortHeader(term("purchases"), "orders", true),
    sortHeader(`${term("revenue")}, ${currency}`, "revenue", true));
  const rows = list.rows.map((r) => el("tr", { dataset: { customer: r.customer_id } },
    el("th", { scope: "row" }, r.customer_id),
    el("td", { "data-label": contact }, r.contact ?? "—", r.hard_bounce
      ? el("span", { class: "chip chip-hard-bounce", title: _("The latest bounce of this "
        + "address, of any mailing, was hard: leave it out of the next audience") },
      _("hard bounce"))
      : null),
    el("td", { "data-label": reached }, fmtDateTime(r.reached_at)),
    el("td", { class: "num", "data-label": term("purchases") }, fmtInt(r.orders)),
    el("td", { class: "num", "data-label": term("revenue") }, fmtMoney(r.revenue))));
  // on a phone the table is a list of cards without its header: sort from a menu
  const sorts = [["customer_id", "asc", _("{column}, A to Z", { column: _("Customer") })],
    ["revenue", "desc", _("{column}, highest", { column: term("revenue") })],
    ["orders", "desc", _("{column}, most", { column: term("purchases") })],
    ["reached_at", "desc", _("{column}, latest", { column: reached })],
    ["reached_at", "asc", _("{column}, earliest", { column: reached })],
    ["contact", "asc", _("{column}, A to Z", { column: contact })]];
  const current = `${list.sort}:${list.order}`;
  const phoneSort = el("label", { class: "phone-sort" }, _("Sort by"), " ",
    el("select", { onchange: (event) => {
      const [sort, order] = event.target.value.split(":");
      set({ sort: sort === "customer_id" ? "" : sort, order: order === "asc" ? "" : order,
        page: "" });
      load();
    } }, sorts.map(([sort, order, label]) => el("option", { value: `${sort}:${order}`,
      selected: current === `${sort}:${order}` }, label))));
  const first = (list.page - 1) * list.page_size + 1;
  const last = first + list.rows.length - 1;
  const note = list.contacts_masked ? [el("p", { class: "muted small" },
    _("Contacts are masked: seeing them needs the analyst role."))] : [];
  tableBody.replaceChildren(...note, phoneSort,
    el("div", { class: "table-wrap cards-on-phone" }, el("table", { class: "customer-list" },
      el("caption", { class: "visually-hidden" }, _("Customers {first} to {last} of {total}",
        { first: fmtInt(first), last: fmtInt(last), total: fmtInt(list.total) })),
      el("thead", {}, head), el("tbody", {}, rows))));
  const go = (page) => () => { set({ page: page > 1 ? String(page) : "" }); load(); };
  pager.replaceChildren(
    el("button", { type: "button", class: "btn btn-small", disabled: list.page <= 1,
      onclick: go(list.page - 1) }, "← ", _("Previous")),
    el("span", { class: "muted", dataset: { key: "pager" } },
      _("{first}–{last} of {total} · page {page} of {pages}", { first: fmtInt(first),
        last: fmtInt(last), total: fmtInt(list.total), page: fmtInt(list.page),
        pages: fmtInt(list.pages) })),
    el("button", { type: "button", class: "btn btn-small", disabled: list.page >= list.pages,
      onclick: go(list.page + 1) }, _("Next"), " →"));
}

function header(list) {
  const what = segmentLabel(list);
  const title = campaignId
    ? _("Campaign {campaign}: customers who {segment}", { campaign: mailing.name, segment: what })
    : _("{mailing}: customers who {segment}", { mailing: mailing.name, segment: what });
  document.title = `${title} · mailreport`;
  document.getElementById("customers-title").textContent = _("Customers: {segment}",
    { segment: what });
  // how many, in the plural form of the language: "1 customer", "21 покупатель"
  document.getElementById("table-h").textContent = ngettext("{n} customer", "{n} customers",
    list.total);
  document.getElementById("report-link").textContent = mailing.name;
  const channelChip = (channel) => el("span", { class: `chip chip-${channel}` },
    { sms: "SMS", email: "Email", push: "Push" }[channel] || channel);
  const chips = [
    ...(campaignId ? mailing.channels : [mailing.channel]).map(channelChip),
    el("span", { dataset: { key: "period" } }, list.period_applies_to_membership || campaignId
      ? periodText(list.period) : _("Audience status (orders: {period})",
        { period: periodText(list.period) })),
    list.group ? el("span", {}, _("Group: {group}", { group: list.group })) : null,
    list.variant_id ? el("span", {}, _("Variant {variant}", { variant: list.variant_id }))
      : null,
    list.bounce_class ? el("span", { dataset: { key: "bounce_class" } },
      _("Bounce class: {bounce_class}", { bounce_class: list.bounce_class })) : null,
    list.reason ? el("span", { dataset: { key: "reason" } },
      _("Reason: {reason}", { reason: list.reason })) : null,
  ];
  document.getElementById("customers-subtitle").replaceChildren(...chips.filter(Boolean));
}

async function load() {
  const mine = ++generation;
  main.dataset.state = "loading";
  root.classList.add("is-loading");
  try {
    mailing = mailing || (campaignId ? null : await api(base));
    const list = await api(`${base}/customers`, state);
    if (mine !== generation) return;
    // a campaign's list names the campaign and its channels itself
    if (campaignId) mailing = { name: list.campaign_name, channels: list.channels };
    fillSegments();
    header(list);
    statusBox.replaceChildren();
    renderMetrics(list);
    renderTable(list);
    main.dataset.state = "ready";
  } catch (err) {
    if (mine !== generation) return;
    statusBox.replaceChildren(problemBox(err));
    main.dataset.state = "error";
  } finally {
    if (mine === generation) root.classList.remove("is-loading");
  }
}

// -- the export dialog -------------------------------------------------------------

const dialog = document.getElementById("export-dialog");
const entitySelect = document.getElementById("export-entity");
const fieldBox = document.getElementById("export-fields");
const download = document.getElementById("export-download");
const exportError = document.getElementById("export-error");

function chosenFields() {
  return [...fieldBox.querySelectorAll("input:checked")].map((i) => i.value);
}

function fillFields(which = "default") {
  const entity = entities.find((e) => e.name === entitySelect.value);
  fieldBox.replaceChildren(...entity.fields.map((f) => el("label", { class: "check", title: f.help },
    el("input", { type: "checkbox", name: "fields", value: f.name,
      checked: which === "all" || entity.default_fields.includes(f.name) }), f.name)));
  updateLink();
}

function updateLink() {
  const fields = chosenFields();
  const chosen = document.querySelector("#export-form input[name=format]:checked").value;
  const headers = document.querySelector("#export-form input[name=headers]:checked").value;
  exportError.hidden = fields.length > 0;
  exportError.textContent = fields.length ? "" : _("Choose at least one field.");
  download.setAttribute("aria-disabled", String(!fields.length));
  download.dataset.format = chosen;
  // column titles for people in the page's language, or the field names for scripts
  download.href = withParams(`${base}/export`, { ...filters(), entity: entitySelect.value,
    format: API_FORMATS.includes(chosen) ? chosen : "csv", fields: fields.join(","),
    headers: headers === "human" ? "human" : "", lang: headers === "human" ? language : "" });
}

async function setUpExport() {
  try {
    entities = await api("/api/v1/exports/entities");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 403 || err.status === 401)) return;
    throw err;
  }
  entitySelect.replaceChildren(...entities.map((e) => el("option", { value: e.name, title: e.help },
    e.name.replace("_", " "))));
  const open = document.getElementById("export-open");
  open.hidden = false;
  open.addEventListener("click", () => {
    document.getElementById("export-what").textContent = _("Customers who {segment} · {period}",
      { segment: segmentLabel(state), period: periodText({ from: state.from, to: state.to }) });
    fillFields();
    dialog.showModal();
  });
  entitySelect.addEventListener("change", () => fillFields());
  document.getElementById("export-form").addEventListener("change", updateLink);
  document.getElementById("fields-all").addEventListener("click", () => fillFields("all"));
  document.getElementById("fields-default").addEventListener("click", () => fillFields());
  document.getElementById("export-cancel").addEventListener("click", () => dialog.close());
  download.addEventListener("click", (event) => {
    if (!chosenFields().length) {
      event.preventDefault();
      return;
    }
    // the browser downloads the file itself (with the session cookie); close the dialog
    setTimeout(() => dialog.close(), 0);
  });
}

periodControl(state, () => { set({ page: "" }); load(); });
// one request at a time: the list first, then what the export dialog offers
// (no export offered for a mailing that could not be read: it may not exist)
load().then(() => (mailing ? setUpExport() : null))
  .catch((err) => statusBox.append(problemBox(err)));
