// The accounts, for admins: the list with each one's role, product-sales grant, state
// and last sign-in, and what an admin does to them (create, change access, reset the
// password, disable, enable), all through /api/v1/users. The API refuses what would
// leave no enabled admin; its reason is shown where the action was asked.
import {
  _, ApiError, DASH, api, apiPage, asSentence, el, emptyState, errorBox, fmtDateTime, ngettext,
  table,
} from "./util.js";

const main = document.getElementById("main");
const panel = document.getElementById("users-panel");
const notice = document.getElementById("user-notice");
const me = panel.dataset.me;
const form = document.getElementById("user-form");
const formError = document.getElementById("user-form-error");
const passwordError = document.getElementById("password-error");
const dialog = document.getElementById("access-dialog");
const accessForm = document.getElementById("access-form");
const accessError = document.getElementById("access-error");

const ROLES = { viewer: _("Viewer"), analyst: _("Analyst"), admin: _("Admin") };
const PASSWORD_MIN = Number(form.dataset.minLength);
const PASSWORD_MAX = Number(form.dataset.maxLength);

const userPath = (u, action) => `/api/v1/users/${encodeURIComponent(u.name)}/${action}`;

/** The first of the password rules (accounts.password_rule) a password breaks, in
 * the reader's words, or "". The API checks again; this says it before the request. */
function passwordProblem(name, password) {
  if (password.length < PASSWORD_MIN) {
    return _("A password has at least {n} characters.", { n: PASSWORD_MIN });
  }
  if (password.length > PASSWORD_MAX) {
    return _("A password has at most {n} characters.", { n: PASSWORD_MAX });
  }
  if (name && password.toLowerCase().includes(name.toLowerCase())) {
    return _("A password may not contain the account's name.");
  }
  const kinds = new Set([...password].map((c) => (/\p{L}/u.test(c) ? "letter"
    : /\p{Nd}/u.test(c) ? "digit" : /\s/.test(c) ? "space" : "symbol")));
  return kinds.size < 2
    ? _("A password mixes at least two kinds of character: letters, digits, symbols.") : "";
}

/** The account's state as chips: disabled, locked (until when), must change password;
 * else active. */
function stateCell(u) {
  const chips = [];
  const locked = u.locked_until && new Date(`${u.locked_until}Z`) > new Date();
  if (u.disabled) chips.push(["disabled", _("Disabled")]);
  if (locked) {
    chips.push(["locked", _("Locked until {time}", { time: fmtDateTime(u.locked_until) })]);
  }
  if (u.must_change_password) chips.push(["must-change", _("Must change password")]);
  if (!chips.length) chips.push(["active", _("Active")]);
  return el("span", { class: "user-states" }, chips.map(([key, text]) =>
    el("span", { class: `chip user-state user-state-${key}`, dataset: { state: key } }, text)));
}

function nameCell(u) {
  return el("span", { class: "user-name", title: _("Created {time}",
    { time: fmtDateTime(u.created_at) }) }, u.name,
    u.user_id === me ? el("span", { class: "chip you" }, _("you")) : null);
}

/** The one-time password, shown once, above the list, until the admin closes it. */
function showPassword(u, password, heading) {
  const value = el("code", { class: "one-time-password", dataset: { user: u.name } }, password);
  const copy = el("button", { type: "button", class: "btn btn-small" }, _("Copy"));
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(password);
      copy.textContent = _("Copied");
    } catch {
      window.getSelection().selectAllChildren(value);
    }
  });
  const close = el("button", { type: "button", class: "btn btn-small btn-quiet" }, _("Close"));
  close.addEventListener("click", () => notice.replaceChildren());
  notice.replaceChildren(el("div", { class: "alert alert-notice password-notice", role: "status" },
    el("strong", {}, heading),
    el("p", { class: "password-line" }, value, copy, close),
    el("p", { class: "detail" }, _("It is shown only now: give it to {name} in person or by "
      + "a safe channel. At the first sign-in they choose their own.", { name: u.name }))));
}

function refusal(heading, err) {
  return err instanceof ApiError && [409, 422].includes(err.status)
    ? el("div", { class: "alert alert-error", role: "alert" }, el("strong", {}, heading),
      el("p", { class: "detail" }, asSentence(err.detail)))
    : errorBox(err);
}

/** Run one action on an account, then show the list again; a refusal goes above it. */
async function act(u, action, { confirm: question, body, heading } = {}) {
  if (question && !window.confirm(question)) return null;
  notice.replaceChildren();
  try {
    const answer = await api(userPath(u, action), {}, { method: "POST", body });
    await load();
    return answer;
  } catch (err) {
    notice.replaceChildren(refusal(heading || _("The change was not made."), err));
    return null;
  }
}

async function resetPassword(u) {
  const answer = await act(u, "reset-password", {
    confirm: _("Reset the password of {name}? Their sessions end, and they sign in with a "
      + "one-time password that you give them.", { name: u.name }) });
  if (answer) {
    showPassword(answer, answer.password,
      _("The new one-time password of {name}", { name: answer.name }));
  }
}

let editing = null;

function openAccess(u) {
  editing = u;
  document.getElementById("access-who").textContent = u.name;
  accessForm.elements.role.value = u.role;
  accessForm.elements.product_sales.checked = u.product_sales;
  accessError.replaceChildren();
  dialog.showModal();
}

async function saveAccess(event) {
  event.preventDefault();
  const u = editing;
  const role = accessForm.elements.role.value;
  const productSales = accessForm.elements.product_sales.checked;
  if (role === u.role && productSales === u.product_sales) {
    dialog.close();
    return;
  }
  if (u.role === "admin" && role !== "admin" && !window.confirm(u.user_id === me
    ? _("Take the admin role from yourself? You will lose access to this page.")
    : _("Take the admin role from {name}?", { name: u.name }))) return;
  try {
    await api(userPath(u, "grant"), {}, { method: "POST",
      body: { role: role === u.role ? null : role, product_sales: productSales } });
    dialog.close();
    await load();
  } catch (err) {
    accessError.replaceChildren(refusal(_("The access was not changed."), err));
  }
}

function actions(u) {
  const access = el("button", { type: "button", class: "btn btn-small", dataset:
    { action: "access" } }, _("Change access"));
  access.addEventListener("click", () => openAccess(u));
  const reset = el("button", { type: "button", class: "btn btn-small", dataset:
    { action: "reset" } }, _("Reset password"));
  reset.addEventListener("click", () => resetPassword(u));
  const toggle = u.disabled
    ? el("button", { type: "button", class: "btn btn-small", dataset: { action: "enable" } },
      _("Enable"))
    : el("button", { type: "button", class: "btn btn-small btn-danger",
      dataset: { action: "disable" } }, _("Disable"));
  toggle.addEventListener("click", () => (u.disabled
    ? act(u, "enable")
    : act(u, "disable", { confirm: _("Disable {name}? Their sessions end at once and they "
      + "cannot sign in until an admin enables the account.", { name: u.name }) })));
  return el("div", { class: "user-actions", dataset: { user: u.name } }, access, reset, toggle);
}

/** The latest sign-in of each account, from the audit trail (as long as it keeps
 * records: the audit_days setting): actor "user:<name>" -> time. */
async function lastSignIns(users) {
  const latest = new Map();
  const { rows, total } = await apiPage("/api/v1/audit", { action: "signin", limit: 10000 });
  for (const r of rows) if (!latest.has(r.actor)) latest.set(r.actor, r.at);
  if (total > rows.length) {  // a long trail: ask for those not met in its newest part
    await Promise.all(users.filter((u) => !latest.has(`user:${u.name}`)).map(async (u) => {
      const [row] = await api("/api/v1/audit", { action: "signin", actor: `user:${u.name}`,
        limit: 1 });
      if (row) latest.set(row.actor, row.at);
    }));
  }
  return latest;
}

async function load() {
  try {
    const users = await api("/api/v1/users");
    const signIns = await lastSignIns(users).catch(() => new Map());
    const columns = [
      { label: _("User"), rowHeader: true, cell: nameCell },
      { label: _("Role"), cell: (u) => el("span", { dataset: { role: u.role } }, ROLES[u.role]) },
      { label: _("Product sales"), cell: (u) => (u.product_sales ? _("Yes") : _("No")) },
      { label: _("State"), cell: stateCell },
      { label: _("Last sign-in"), cell: (u) => {
        const at = signIns.get(`user:${u.name}`);
        return at ? fmtDateTime(at) : el("span", { class: "muted", title:
          _("No sign-in in the audit trail") }, DASH);
      } },
      { label: _("Actions"), cell: actions },
    ];
    panel.replaceChildren(users.length ? table(columns, users, {
      className: "cards-on-phone users", terms: false,
      caption: ngettext("{n} user", "{n} users", users.length) })
      : emptyState(_("No users yet"), _("Create the first one below.")));
    for (const [i, u] of users.entries()) {
      panel.querySelectorAll("tbody tr")[i].dataset.user = u.name;
    }
    main.dataset.state = "ready";
  } catch (err) {
    panel.replaceChildren(errorBox(err));
    main.dataset.state = "error";
  }
}

// -- the form ---------------------------------------------------------------------

function typed() {
  return form.elements.password_kind.value === "typed";
}

function showPasswordField() {
  form.querySelector(".password-field").hidden = !typed();
  sayPassword("");
}

function sayPassword(text) {
  passwordError.textContent = text;
  passwordError.hidden = !text;
  form.elements.password.setAttribute("aria-invalid", String(Boolean(text)));
}

async function submit(event) {
  event.preventDefault();
  formError.replaceChildren();
  const f = form.elements;
  const name = f.name.value.trim();
  if (!name) {
    formError.replaceChildren(el("div", { class: "alert alert-error", role: "alert" },
      el("strong", {}, _("Write the user's sign-in name."))));
    f.name.focus();
    return;
  }
  const body = { name, role: f.role.value, product_sales: f.product_sales.checked };
  if (typed()) {
    const problem = passwordProblem(name, f.password.value);
    if (problem) {
      sayPassword(problem);
      f.password.focus();
      return;
    }
    body.password = f.password.value;
  }
  const button = form.querySelector("button[type='submit']");
  button.disabled = true;
  try {
    const created = await api("/api/v1/users", {}, { method: "POST", body });
    form.reset();
    showPasswordField();
    if (created.password) {
      showPassword(created, created.password,
        _("{name} is created. Their one-time password:", { name: created.name }));
    } else {
      notice.replaceChildren(el("div", { class: "alert alert-notice", role: "status" },
        el("strong", {}, _("{name} is created.", { name: created.name })),
        el("p", { class: "detail" }, _("They sign in with the password you chose, then "
          + "choose their own."))));
    }
    await load();
  } catch (err) {
    formError.replaceChildren(refusal(_("The user was not created."), err));
  }
  button.disabled = false;
}

function start() {
  for (const radio of form.elements.password_kind) radio.addEventListener("change", showPasswordField);
  form.elements.password.addEventListener("input", () => sayPassword(""));
  form.addEventListener("submit", submit);
  accessForm.addEventListener("submit", saveAccess);
  document.getElementById("access-cancel").addEventListener("click", () => dialog.close());
  load();
}

start();
