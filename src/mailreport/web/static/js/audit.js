// The audit trail, for admins: newest first, a page at a time from the server
// (/api/v1/audit with limit and offset; its X-Total-Count says how many), filtered
// by a kind of action or one action, by who, and by a period of company dates. The
// filters and the page live in the URL, so a reload or a shared link shows the same.
import {
  _, DASH, api, apiPage, el, emptyState, errorBox, fmtDateTime, fmtDay, fmtInt, readState, table,
  withParams, writeState,
} from "./util.js";
import { periodControl } from "./period.js";

const PAGE = 50;
const main = document.getElementById("main");
const panel = document.getElementById("audit-panel");
const pager = document.getElementById("pager");
const filters = document.getElementById("audit-filters");
const actionSelect = document.getElementById("audit-action");
const actorInput = document.getElementById("audit-actor");

// each action in words (audit.ACTIONS), in the order of the kinds below
const ACTIONS = {
  signin: _("Signed in"), signin_failed: _("Sign-in failed"), signout: _("Signed out"),
  signout_everywhere: _("Signed out everywhere"), password_change: _("Changed own password"),
  user_create: _("Created a user"), user_disable: _("Disabled a user"),
  user_enable: _("Enabled a user"), user_reset_password: _("Reset a user's password"),
  user_grant: _("Changed a user's access"),
  token_create: _("Created a token"), token_revoke: _("Revoked a token"),
  customer_list: _("Opened a customer list"), hard_bounces: _("Opened the hard bounces"),
  export: _("Exported customer data"),
  customer_forget: _("Erased customers' personal data"),
  backup: _("Backed up the store"), restore: _("Restored the store from a backup"),
};
const KINDS = {
  sessions: ["signin", "signin_failed", "signout", "signout_everywhere", "password_change"],
  users: ["user_create", "user_disable", "user_enable", "user_reset_password", "user_grant"],
  tokens: ["token_create", "token_revoke"],
  customers: ["customer_list", "hard_bounces", "export", "customer_forget"],
  store: ["backup", "restore"],
};
const ROLES = { viewer: _("Viewer"), analyst: _("Analyst"), admin: _("Admin") };
// why a sign-in failed (accounts.authenticate), for the admins only
const WHY = {
  "unknown name": _("no such user"), "wrong password": _("wrong password"),
  locked: _("account locked"), disabled: _("account disabled"),
};
const METHODS = { password: _("with a password"), token: _("with a token") };
const STAGES = {
  sent: _("sent"), delivered: _("delivered"), opened: _("opened"), clicked: _("clicked"),
  ordered: _("ordered"), spam: _("spam"), unsubscribed: _("unsubscribed"),
};

const state = { action: "", actor: "", from: "", to: "", offset: "" };
Object.assign(state, readState(Object.keys(state)));

/** "user:maria" as a reader says it; a link for a mailing. */
function entityWords(entity) {
  if (entity === "store") return _("the store");
  if (entity === "customers") return _("customers");
  const [kind, ...rest] = entity.split(":");
  const id = rest.join(":");
  if (!id) return entity;
  if (kind === "user") return _("user {name}", { name: id });
  if (kind === "token") return _("token {id}", { id });
  if (kind === "channel") return _("channel {channel}", { channel: id === "all" ? _("all") : id });
  if (kind === "mailing") {
    return el("a", { href: `/mailings/${encodeURIComponent(id)}` }, _("mailing {id}", { id }));
  }
  if (kind === "campaign") {
    return el("a", { href: `/campaigns/${encodeURIComponent(id)}` },
      _("campaign {id}", { id }));
  }
  return entity;
}

/** The record's details as short phrases: stage, period, rows, format... */
function erasureWords(d) {
  // an erasure's details: the ids erased now and before, and how many were unknown
  const said = [_("erased: {ids}", { ids: (d.erased || []).join(", ") || DASH })];
  if ((d.already_erased || []).length) {
    said.push(_("erased before: {ids}", { ids: d.already_erased.join(", ") }));
  }
  if (d.unknown) said.push(_("unknown ids: {n}", { n: fmtInt(d.unknown) }));
  return said.join(", ");
}

function detailWords(r) {
  const d = r.details || {};
  if (r.action === "customer_forget") return erasureWords(d);
  const said = [];
  if (d.method) said.push(METHODS[d.method] || d.method);
  if (d.why) said.push(WHY[d.why] || d.why);
  if (d.locked) said.push(_("the account is now locked"));
  if (d.role) said.push(_("role: {role}", { role: ROLES[d.role] || d.role }));
  if (d.product_sales !== undefined) {
    said.push(d.product_sales ? _("with product sales") : _("without product sales"));
  }
  if (d.name) said.push(_("named “{name}”", { name: d.name }));
  if (d.stage) said.push(_("stage: {stage}", { stage: STAGES[d.stage] || d.stage }));
  if (d.status) said.push(_("audience status: {status}", { status: d.status }));
  if (d.bounce_class) said.push(_("bounce class: {value}", { value: d.bounce_class }));
  if (d.group) said.push(_("group: {group}", { group: d.group }));
  if (d.variant_id) said.push(_("variant {id}", { id: d.variant_id }));
  if (d.from || d.to) {
    said.push(_("period {from} – {to}", { from: d.from ? fmtDay(d.from) : "…",
      to: d.to ? fmtDay(d.to) : "…" }));
  }
  if (d.contents) said.push(_("contents: {what}", { what: d.contents.replaceAll("_", " ") }));
  if (d.format) said.push(_("format {format}", { format: String(d.format).toUpperCase() }));
  if (d.rows !== undefined) said.push(_("rows: {n}", { n: fmtInt(d.rows) }));
  if (d.total !== undefined) said.push(_("of {n}", { n: fmtInt(d.total) }));
  if (d.complete === false) said.push(_("not finished"));
  if (d.sessions !== undefined) said.push(_("sessions ended: {n}", { n: fmtInt(d.sessions) }));
  if (d.path) said.push(_("to {path}", { path: d.path }));
  if (d.source) said.push(_("from {path}", { path: d.source }));
  return said.join(", ");
}

function whatCell(r) {
  const entity = r.entity ? entityWords(r.entity) : null;
  const details = detailWords(r);
  return el("span", { class: "audit-what" },
    el("span", { class: `audit-action audit-action-${r.action}`, dataset: { action: r.action } },
      ACTIONS[r.action] || r.action),
    entity ? el("span", { class: "audit-entity" }, entity) : null,
    details ? el("span", { class: "audit-details muted small" }, details) : null);
}

function whoCell(r) {
  // the actor as a link to their records alone, in the same period
  const only = r.actor ? el("a", { class: "audit-actor", title: _("Only the records of {who}",
    { who: r.actor }), href: withParams(window.location.pathname, { actor: r.actor,
    from: state.from, to: state.to }) }, r.actor) : DASH;
  return el("span", { class: "name-cell" }, only,
    r.role ? el("span", { class: "muted small" }, ROLES[r.role] || r.role) : null);
}

function apiParams(offset) {
  const [kind, name] = state.action.split(":");
  return { action: kind === "kind" ? KINDS[name] : state.action || undefined,
    actor: state.actor, from: state.from, to: state.to, limit: PAGE, offset };
}

// the API takes several actions as a repeated parameter
function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of [value].flat()) if (v != null && v !== "") search.append(key, v);
  }
  return `/api/v1/audit?${search}`;
}

async function load() {
  const offset = Math.max(0, Number(state.offset) || 0);
  main.dataset.state = "loading";
  panel.classList.add("is-loading");
  try {
    const { rows, total } = await apiPage(query(apiParams(offset)));
    panel.replaceChildren(rows.length ? table([
      { label: _("When"), cell: (r) => el("time", { datetime: `${r.at}Z` }, fmtDateTime(r.at)) },
      { label: _("Who"), cell: whoCell },
      { label: _("From where"), cell: (r) => el("span", { class: "audit-address" },
        r.address || DASH) },
      { label: _("What happened"), cell: whatCell },
    ], rows, { className: "cards-on-phone audit", terms: false })
      : emptyState(_("No records"), state.action || state.actor || state.from || state.to
        ? _("Nothing matches these filters.") : _("Nothing has been recorded yet.")));
    const first = offset + 1;
    const last = offset + rows.length;
    document.getElementById("page-where").textContent = _("{first}–{last} of {total}",
      { first: fmtInt(first), last: fmtInt(last), total: fmtInt(total) });
    document.getElementById("page-prev").disabled = offset === 0;
    document.getElementById("page-next").disabled = last >= total;
    pager.hidden = total <= PAGE && offset === 0;
    main.dataset.state = "ready";
  } catch (err) {
    panel.replaceChildren(errorBox(err));
    pager.hidden = true;
    main.dataset.state = "error";
  }
  panel.classList.remove("is-loading");
}

function turn(delta) {
  state.offset = String(Math.max(0, (Number(state.offset) || 0) + delta) || "");
  writeState(state, { push: true });
  load();
}

function fromFilters(event) {
  event?.preventDefault();
  state.action = actionSelect.value;
  state.actor = actorInput.value.trim();
  state.offset = "";
  writeState(state, { push: true });
  load();
}

async function fillActors() {
  try {
    const users = await api("/api/v1/users");
    document.getElementById("audit-actors").replaceChildren(
      ...users.map((u) => el("option", { value: `user:${u.name}` })));
  } catch {
    // the list only helps typing: the filter works without it
  }
}

function start() {
  document.getElementById("audit-actions").replaceChildren(...Object.entries(ACTIONS)
    .map(([value, words]) => el("option", { value }, words)));
  actionSelect.value = state.action;
  actorInput.value = state.actor;
  filters.addEventListener("submit", fromFilters);
  actionSelect.addEventListener("change", fromFilters);
  document.getElementById("audit-reset").addEventListener("click", () => {
    actionSelect.value = "";
    actorInput.value = "";
    fromFilters();
  });
  document.getElementById("page-prev").addEventListener("click", () => turn(-PAGE));
  document.getElementById("page-next").addEventListener("click", () => turn(PAGE));
  periodControl(state, () => { state.offset = ""; writeState(state); load(); });
  window.addEventListener("popstate", () => {
    Object.assign(state, readState(Object.keys(state)));
    actionSelect.value = state.action;
    actorInput.value = state.actor;
    load();
  });
  fillActors();
  load();
}

start();
