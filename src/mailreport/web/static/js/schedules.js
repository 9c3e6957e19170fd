// The scheduled reports: the list (run one now, its deliveries, remove it) and, for
// a reader who may export, the form that adds one. Everything through the API.
import {
  _, ApiError, api, asSentence, el, emptyState, errorBox, fmtDateTime, language, ngettext,
  table,
} from "./util.js";

const main = document.getElementById("main");
const panel = document.getElementById("schedules-panel");
const canWrite = panel.dataset.canWrite === "true";
const form = document.getElementById("schedule-form");
const formError = document.getElementById("schedule-form-error");

// each its own phrase: Russian says "по понедельникам", not a capitalised day name
const EVERY_WEEK = {
  monday: _("Weekly, on Mondays"), tuesday: _("Weekly, on Tuesdays"),
  wednesday: _("Weekly, on Wednesdays"), thursday: _("Weekly, on Thursdays"),
  friday: _("Weekly, on Fridays"), saturday: _("Weekly, on Saturdays"),
  sunday: _("Weekly, on Sundays"),
};
const PERIODS = {
  since_sending: _("Since sending"), last_7_days: _("Last 7 days"),
  last_30_days: _("Last 30 days"), previous_week: _("Previous week"),
  previous_month: _("Previous month"),
};
const ATTACHMENTS = { pdf: _("PDF"), xlsx: _("Workbook") };
const OUTCOMES = {
  sent: _("Sent"), failed: _("Failed"), retrying: _("Failed, will retry"),
  gave_up: _("Failed, gave up"),
};

// names of the mailings and campaigns, for the list's links (filled by loadTargets)
const names = { mailing: new Map(), campaign: new Map() };

/** How often, in words: "Weekly, on Mondays". */
function cadenceWords(s) {
  if (s.cadence === "after_send") {
    return ngettext("Once, {n} day after sending", "Once, {n} days after sending", s.days_after);
  }
  if (s.cadence === "daily") return _("Daily");
  if (s.cadence === "weekly") return EVERY_WEEK[s.weekday];
  return _("Monthly, day {n}", { n: s.day_of_month });
}

function reportLink(s) {
  const href = (s.kind === "mailing" ? "/mailings/" : "/campaigns/")
    + encodeURIComponent(s.target_id);
  const name = names[s.kind].get(s.target_id);
  return el("span", { class: "name-cell" },
    el("a", { href }, name || s.target_id),
    el("span", { class: "muted small" },
      (s.kind === "mailing" ? _("Mailing") : _("Campaign")) + " " + s.target_id));
}

function deliveriesTable(rows) {
  if (!rows.length) return emptyState(_("Not sent yet"));
  return table([
    { label: _("When"), cell: (d) => fmtDateTime(d.finished_at || d.started_at) },
    { label: _("To"), cell: (d) => d.recipients.join(", ") },
    { label: _("Outcome"), cell: (d) => el("span", { class: "outcome", dataset:
      { outcome: d.outcome || "" } }, d.outcome ? OUTCOMES[d.outcome] : _("Running")) },
    { label: _("Error"), cell: (d) => d.error || "" },
  ], rows.slice(0, 10), { className: "cards-on-phone deliveries", terms: false });
}

async function showDeliveries(s, box, button) {
  if (!box.hidden) {
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
    return;
  }
  box.hidden = false;
  button.setAttribute("aria-expanded", "true");
  box.dataset.state = "loading";
  try {
    const rows = await api("/api/v1/schedules/" + encodeURIComponent(s.schedule_id)
      + "/deliveries");
    box.replaceChildren(el("h3", {}, _("Last deliveries")), deliveriesTable(rows));
  } catch (err) {
    box.replaceChildren(errorBox(err));
  }
  box.dataset.state = "ready";
}

async function runNow(s, box, button, deliveries) {
  button.disabled = true;
  try {
    await api("/api/v1/schedules/" + encodeURIComponent(s.schedule_id) + "/run", {},
      { method: "POST" });
    box.hidden = true;  // shown again, fresh
    await showDeliveries(s, box, deliveries);
  } catch (err) {
    box.hidden = false;
    box.replaceChildren(errorBox(err));
  }
  button.disabled = false;
}

async function remove(s) {
  if (!window.confirm(_("Remove this schedule? Its report will no longer be sent."))) return;
  try {
    await api("/api/v1/schedules/" + encodeURIComponent(s.schedule_id), {},
      { method: "DELETE" });
    await load();
  } catch (err) {
    panel.prepend(errorBox(err));
  }
}

/** The row's buttons; its deliveries go in `box`, a row of their own below it. */
function actions(s, box) {
  const deliveries = el("button", { type: "button", class: "btn btn-small",
    "aria-expanded": "false", "aria-controls": box.id }, _("Deliveries"));
  deliveries.addEventListener("click", () => showDeliveries(s, box, deliveries));
  const run = canWrite ? el("button", { type: "button", class: "btn btn-small btn-primary" },
    _("Run now")) : null;
  if (run) run.addEventListener("click", () => runNow(s, box, run, deliveries));
  const gone = canWrite ? el("button", { type: "button", class: "btn btn-small btn-quiet" },
    _("Remove")) : null;
  if (gone) gone.addEventListener("click", () => remove(s));
  return el("div", { class: "schedule-actions", dataset: { schedule: s.schedule_id } },
    run, deliveries, gone);
}

function deliveriesBox(s) {
  return el("div", { class: "deliveries-box", id: "deliveries-" + s.schedule_id, hidden: true });
}

/** Below each schedule's row, a row across the table for its deliveries. */
function withDeliveryRows(wrap, rows, boxes, columns) {
  const trs = wrap.querySelectorAll("tbody > tr");
  rows.forEach((s, i) => {
    trs[i].after(el("tr", { class: "deliveries-row", dataset: { schedule: s.schedule_id } },
      el("td", { colspan: columns, class: "deliveries-cell" }, boxes.get(s.schedule_id))));
  });
  return wrap;
}

async function load() {
  try {
    const rows = await api("/api/v1/schedules");
    const boxes = new Map(rows.map((s) => [s.schedule_id, deliveriesBox(s)]));
    const columns = [
      { label: _("Report"), rowHeader: true, cell: reportLink },
      { label: _("Cadence"), cell: cadenceWords },
      { label: _("Local time"), cell: (s) => s.at },
      { label: _("Period"), cell: (s) => PERIODS[s.period] },
      { label: _("Recipients"), cell: (s) => s.recipients.join(", ") },
      { label: _("Attachments"), cell: (s) => s.attachments.map((a) => ATTACHMENTS[a])
        .join(", ") },
      { label: _("Language"), cell: (s) => s.language.toUpperCase() },
      { label: _("Enabled"), cell: (s) => (s.enabled ? _("Yes") : _("No")) },
      { label: _("Next run"), cell: (s) => el("span", { class: "next-run" },
        s.next_due_at ? fmtDateTime(s.next_due_at) : _("Not planned")) },
      { label: _("Actions"), cell: (s) => actions(s, boxes.get(s.schedule_id)) },
    ];
    panel.replaceChildren(rows.length ? withDeliveryRows(table(columns, rows, {
      className: "cards-on-phone schedules", terms: false,
      caption: ngettext("{n} schedule", "{n} schedules", rows.length) }), rows, boxes,
    columns.length)
      : emptyState(_("No scheduled reports yet"), canWrite
        ? _("Add one below: its report is sent by email at the time you choose.") : ""));
    main.dataset.state = "ready";
  } catch (err) {
    panel.replaceChildren(errorBox(err));
    main.dataset.state = "error";
  }
}

// -- the form ---------------------------------------------------------------------

let targets = { mailing: [], campaign: [] };

async function loadTargets() {
  const [mailings, campaigns] = await Promise.all([
    api("/api/v1/mailings", { status: "sent", limit: 500 }),
    api("/api/v1/campaigns"),
  ]);
  targets = {
    mailing: mailings.map((m) => [m.mailing_id, m.name]),
    campaign: campaigns.map((c) => [c.campaign_id, c.name]),
  };
  for (const [kind, list] of Object.entries(targets)) {
    for (const [id, name] of list) names[kind].set(id, name);
  }
}

function fillTargets() {
  const kind = form.elements.kind.value;
  form.elements.target_id.replaceChildren(...targets[kind].map(([id, name]) =>
    el("option", { value: id }, id + " · " + name)));
  // after sending counts from a mailing's sending: not for a campaign
  const afterSend = form.elements.cadence.querySelector("option[value='after_send']");
  afterSend.disabled = kind === "campaign";
  if (afterSend.disabled && form.elements.cadence.value === "after_send") {
    form.elements.cadence.value = "weekly";
  }
  showDayField();
}

function showDayField() {
  const cadence = form.elements.cadence.value;
  for (const label of form.querySelectorAll("label[data-for]")) {
    label.hidden = label.dataset.for !== cadence;
  }
}

function formBody() {
  const f = form.elements;
  const body = {
    kind: f.kind.value, target_id: f.target_id.value, cadence: f.cadence.value,
    at: f.at.value.trim(), period: f.period.value, language: f.language.value,
    recipients: f.recipients.value.split(",").map((a) => a.trim()).filter(Boolean),
    attachments: ["pdf", "xlsx"].filter((a) => f[a].checked),
  };
  if (body.cadence === "after_send") body.days_after = Number(f.days_after.value);
  if (body.cadence === "weekly") body.weekday = f.weekday.value;
  if (body.cadence === "monthly") body.day_of_month = Number(f.day_of_month.value);
  return body;
}

async function submit(event) {
  event.preventDefault();
  formError.replaceChildren();
  const button = form.querySelector("button[type='submit']");
  button.disabled = true;
  try {
    await api("/api/v1/schedules", {}, { method: "POST", body: formBody() });
    form.elements.recipients.value = "";
    await load();
  } catch (err) {
    // the API's reason (problem+json detail) beside the form, which keeps what was typed
    formError.replaceChildren(err instanceof ApiError && err.status === 422
      ? el("div", { class: "alert alert-error", role: "alert" },
        el("strong", {}, _("The schedule was not added.")),
        el("p", { class: "detail" }, asSentence(err.detail)))
      : errorBox(err));
  }
  button.disabled = false;
}

async function start() {
  if (form) {
    form.elements.language.value = form.elements.language.value || language;
    form.elements.kind.addEventListener("change", fillTargets);
    form.elements.cadence.addEventListener("change", showDayField);
    form.addEventListener("submit", submit);
  }
  try {
    await loadTargets();
  } catch (err) {
    if (form) formError.replaceChildren(errorBox(err));
  }
  if (form) fillTargets();
  await load();
}

start();
