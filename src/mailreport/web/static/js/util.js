// Shared by every page: the API client, number formats, page state in the URL,
// and a tiny DOM builder (no framework, no build step).

// Numbers, money and dates in the reader's language, from CLDR (i18n.js).
export {
  _, ngettext, language, languages, DASH, fmtInt, fmtNumber, fmtMoney, fmtCurrency, fmtPct,
  fmtCompactMoney,
  fmtSigned, fmtP, fmtCompact, fmtDay, fmtLongDay, currencySymbol, currencyCode,
} from "./i18n.js";
import { _, fmtCompact, fmtDateTime as inZone } from "./i18n.js";

export const currency = document.body.dataset.currency || "";
export const companyTimezone = document.body.dataset.companyTimezone || "UTC";

/** Timestamps without an offset are UTC (DESIGN.md); shown in the company's zone. */
export function fmtDateTime(iso) {
  return inZone(iso, companyTimezone);
}

/** Build an element: el("a", {href: "/", class: "btn"}, "text", child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

export function withParams(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value != null && value !== "") url.searchParams.set(key, value);
  }
  return url.pathname + url.search;
}

// The session's CSRF token (api/csrf.py): a write that the session cookie
// authenticates is refused without it.
const csrfToken = document.querySelector("meta[name='csrf-token']")?.content || "";

/** Call the API (GET unless `method` says otherwise; `body` is sent as JSON); a
 * problem+json answer becomes an ApiError with its detail. */
export async function api(path, params = {}, options = {}) {
  return (await apiResponse(path, params, options)).json();
}

/** A page of a list and the X-Total-Count header's total: {rows, total}. */
export async function apiPage(path, params = {}) {
  const response = await apiResponse(path, params);
  return { rows: await response.json(), total: Number(response.headers.get("X-Total-Count")) };
}

async function apiResponse(path, params = {}, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(withParams(path, params), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, _("Network error"),
      _("The server could not be reached ({error}).", { error: err.message }));
  }
  if (!response.ok) {
    let title = response.statusText;
    let detail = "";
    try {
      const body = await response.json();
      title = body.title || title;
      detail = body.detail || "";
    } catch {
      detail = await response.text().catch(() => "");
    }
    throw new ApiError(response.status, title, detail);
  }
  return response;
}

/** The page's query-string state: every key is also an API parameter. */
export function readState(keys) {
  const params = new URLSearchParams(window.location.search);
  const state = {};
  for (const key of keys) state[key] = params.get(key) || "";
  return state;
}

/** Write state into the query string; `push`: as a new history entry, so that the
 * back button returns to the state before (the page listens for popstate). */
export function writeState(state, { push = false } = {}) {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(state)) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  const next = url.pathname + url.search + url.hash;
  if (push && next !== window.location.pathname + window.location.search + window.location.hash) {
    history.pushState(null, "", next);
  } else {
    history.replaceState(null, "", next);
  }
}

export function errorBox(err) {
  const title = err instanceof ApiError
    ? (err.status ? _("{title} ({status})", { title: err.title || _("Error"), status: err.status })
      : err.title || _("Error"))
    : _("Something went wrong");
  const detail = err instanceof ApiError ? err.detail : String(err.message || err);
  // A session that ended while the page was open: offer the way back in.
  const signIn = err instanceof ApiError && err.status === 401 ? el("p", {},
    el("a", { class: "btn btn-primary btn-small", href: withParams("/signin",
      { next: window.location.pathname + window.location.search }) }, _("Sign in"))) : null;
  return el("div", { class: "alert alert-error", role: "alert" },
    el("strong", {}, title), detail ? el("p", { class: "detail" }, detail) : null, signIn);
}

// What a failed request means to a reader, by its status; the API's detail follows.
const PROBLEM_HEADINGS = {
  0: _("The server could not be reached."),
  400: _("The request could not be read."),
  401: _("Your session has ended: sign in again."),
  403: _("You do not have access to this."),
  404: _("This does not exist."),
  422: _("These settings cannot be shown."),
  429: _("Too many requests: wait a moment, then try again."),
  503: _("The server is busy: try again in a moment."),
};

/** "from 2026-08-05 is after to 2026-08-01" as a sentence: capital, full stop. */
export function asSentence(text) {
  const t = String(text || "").trim();
  if (!t) return "";
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?:]$/.test(s) ? s : `${s}.`;
}

/** An error as a reader's sentence and a way back (the mailing list, unless `back`
 * names another [href, label]); `heading` replaces the sentence said by status. */
export function problemBox(err, { heading = "", detail = null,
  back = ["/", _("Back to mass messages")] } = {}) {
  const status = err instanceof ApiError ? err.status : null;
  const said = heading || PROBLEM_HEADINGS[status]
    || (status >= 500 ? _("The server failed to answer.") : _("Something went wrong."));
  const why = detail ?? (err instanceof ApiError ? err.detail : String(err?.message || err));
  const signIn = status === 401 ? el("a", { class: "btn btn-primary btn-small",
    href: withParams("/signin", { next: window.location.pathname + window.location.search }) },
  _("Sign in")) : null;
  return el("div", { class: "alert alert-error", role: "alert", dataset: { status: status ?? "" } },
    el("strong", {}, said), why ? el("p", { class: "detail" }, asSentence(why)) : null,
    el("p", { class: "way-back" }, signIn, el("a", { href: back[0] }, back[1])));
}

export function emptyState(text, hint = "") {
  return el("div", { class: "empty" }, el("p", { class: "empty-title" }, text),
    hint ? el("p", { class: "empty-hint" }, hint) : null);
}


/** A tile's figure: from a million up abbreviated ("11.3 M") so that it fits its tile,
 * with the exact value, as `format` writes it, on hover and for screen readers, and on
 * a click or tap (a touch screen has no hover). */
export function tileFigure(v, format, compact = fmtCompact) {
  const exact = format(v);
  const n = Number(v);
  if (v == null || Math.abs(n) < 1e6) return exact;
  return exactOnTap(el("abbr", { class: "figure", title: exact, "aria-label": exact,
    dataset: { exact } }, compact(n)), exact);
}

/** A button around an abbreviated figure that adds its exact value in a line below it,
 * and takes it away again. Added, not hidden: until asked for, the tile's text is the
 * figure alone. */
function exactOnTap(figure, exact) {
  const box = el("span", { class: "figure-box" });
  const button = el("button", { type: "button", class: "figure-toggle", "aria-expanded": "false",
    onclick: () => {
      const shown = box.querySelector(".figure-exact");
      if (shown) shown.remove();
      else box.append(el("span", { class: "figure-exact", role: "status" }, exact));
      button.setAttribute("aria-expanded", String(!shown));
    } }, figure);
  box.append(button);
  return box;
}

/** A figure with a label: the big numbers at the top of a section. */
export function tile(label, value, key, note = "") {
  return el("div", { class: "tile" },
    el("span", { class: "tile-label" }, label),
    el("span", { class: "tile-value", dataset: key ? { key } : undefined }, value),
    note ? el("span", { class: "tile-note" }, note) : null);
}

/** A table; columns are {label, key?, num?, cell(row) -> text|Node, head?: Node}. */
export function table(columns, rows, { caption, footer, className = "", terms = true } = {}) {
  const head = el("tr", {}, columns.map((c) =>
    el("th", { scope: "col", class: c.num ? "num" : "", "aria-sort": c.ariaSort },
      c.head || c.label)));
  const body = rows.map((row) => el("tr", {}, columns.map((c, i) => {
    const value = c.cell(row);
    const attrs = { class: c.num ? "num" : "", "data-label": c.label };
    if (c.key) attrs.dataset = { key: typeof c.key === "function" ? c.key(row) : c.key };
    return i === 0 && c.rowHeader ? el("th", { scope: "row", ...attrs }, value)
      : el("td", attrs, value);
  })));
  const foot = footer ? el("tfoot", {}, el("tr", {}, columns.map((c, i) => {
    const value = c.foot ? c.foot(footer) : "";
    const attrs = { class: c.num ? "num" : "", "data-label": c.label };
    if (c.footKey) attrs.dataset = { key: c.footKey };
    return i === 0 ? el("th", { scope: "row", ...attrs }, value) : el("td", attrs, value);
  }))) : null;
  return el("div", { class: `table-wrap ${className}` },
    el("table", {}, caption ? el("caption", {}, caption) : null,
      el("thead", {}, head), el("tbody", {}, body), foot),
    terms && /\b(cards-on-phone|group-cards)\b/.test(className) ? cardTerms(columnTerms(columns))
      : null);
}

/** The glossary terms of columns whose header is a term's label. */
export function columnTerms(columns) {
  return columns.map((c) => (c.head instanceof Element ? c.head.dataset.term : null));
}

/** On a phone a table of cards hides its header and so the "?" of its terms: the
 * terms' definitions then sit under the cards, one tap away (CSS shows them only
 * on a phone). Several tables of the same columns share one (table's `terms: false`). */
export function cardTerms(keys) {
  const known = [...new Set(keys.filter((k) => k && GLOSSARY[k]))];
  if (!known.length) return null;
  return el("details", { class: "card-terms" },
    el("summary", {}, _("What these figures mean")),
    el("dl", {}, known.flatMap((k) => [el("dt", {}, term(k)),
      el("dd", {}, GLOSSARY[k].description)])));
}

/** A period note for empty states: "yet" without a period, "in this period" with one. */
export function when(state) {
  return state.from || state.to ? _("in this period") : _("yet");
}

// -- a section's table as a CSV file ------------------------------------------------
// The rules of the server's exports (exports/formats.py): RFC 4180, UTF-8 (with a BOM,
// so that spreadsheet programs read it as UTF-8), a header row, and a text cell that
// a spreadsheet would run as a formula written inert with a leading apostrophe.

const FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"];
// a plain number as the API writes one (money "1234.50", a count, a percentage)
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
// a cell RFC 4180 quotes (a regular expression after "=": Babel's string extractor
// reads a regular expression's quote as a string's start after "return")
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: numbers as JavaScript writes them (no grouping, a dot), money as the
 * API's string, text made inert and quoted where RFC 4180 asks for it. */
export function csvCell(v) {
  if (v == null) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  let text = String(v);
  if (!PLAIN_NUMBER.test(text) && FORMULA_STARTS.includes(text[0])) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV text of rows: a header of `titles`, then each row's `values` (functions). */
export function csvText(titles, values, rows) {
  const line = (cells) => cells.map(csvCell).join(",");
  return [line(titles), ...rows.map((row) => line(values.map((f) => f(row))))]
    .map((l) => `${l}\r\n`).join("");
}

export function csvBlob(titles, values, rows) {
  return new Blob([`\uFEFF${csvText(titles, values, rows)}`], { type: "text/csv;charset=utf-8" });
}

/** "M08-orders-2026-07-01_2026-07-07.csv": the mailing (or campaign), the section and
 * the period in the page's URL when one is chosen. */
export function csvFileName(section, part = "") {
  const subject = document.getElementById("report")?.dataset;
  const params = new URLSearchParams(window.location.search);
  const [from, to] = [params.get("from") || "", params.get("to") || ""];
  const period = from && to ? `${from}_${to}` : from ? `from-${from}` : to ? `to-${to}` : "";
  const slug = (s) => s.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "");
  return `${[subject?.mailingId || subject?.campaignId || "report", section, part, period]
    .filter(Boolean).map(slug).join("-")}.csv`;
}

/** A table (or any node) with a "Download CSV" button under it. `columns`: the
 * table's columns (their labels are the header) or titles; `values`: one function
 * per column giving the API's value of a row; `part`: which table of the section. */
export function withCsv(node, section, { columns, values, rows, part = "" }) {
  const titles = columns.map((c) => (typeof c === "string" ? c : c.label));
  const heading = document.getElementById(`${section}-h`)?.textContent || section;
  const button = el("button", { type: "button", class: "btn btn-small csv-download",
    dataset: { csv: part ? `${section}.${part}` : section },
    "aria-label": part ? _("Download CSV: {table}, {part}", { table: heading,
      part: part.replaceAll("-", " ") }) : _("Download CSV: {table}", { table: heading }),
    onclick: () => {
      const link = el("a", { href: URL.createObjectURL(csvBlob(titles, values, rows)),
        download: csvFileName(section, part) });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } }, _("Download CSV"));
  return el("div", { class: "with-csv" }, node, el("div", { class: "csv-bar" }, button));
}

// -- the glossary (mailreport/glossary.py, in base.html's JSON script tag) ---------

const GLOSSARY = JSON.parse(document.getElementById("glossary")?.textContent || "{}");

/** A figure's name as the glossary gives it: the same word on every page. */
export function term(key) {
  return GLOSSARY[key]?.name ?? key;
}

/** A hidden element per term holding its description, for aria-describedby. */
function definitionId(key) {
  const id = `term-def-${key}`;
  if (!document.getElementById(id)) {
    let box = document.getElementById("term-defs");
    if (!box) {
      box = el("div", { id: "term-defs", hidden: true });
      document.body.append(box);
    }
    box.append(el("span", { id }, GLOSSARY[key]?.description ?? ""));
  }
  return id;
}

/** A figure's label: the glossary's name (with `suffix`, e.g. ", EUR"), its definition
 * on hover (title), and a "?" button that shows it on hover, focus or tap and gives it
 * to screen readers as the button's description. The "?" is drawn by CSS, so the
 * label's text is the name alone. */
export function termLabel(key, suffix = "") {
  const description = GLOSSARY[key]?.description;
  if (!description) return `${term(key)}${suffix}`;
  return el("span", { class: "term", dataset: { term: key } },
    el("span", { class: "term-name", title: description }, `${term(key)}${suffix}`),
    el("button", { type: "button", class: "term-tip-btn", "aria-label": _("What is {term}?", { term: term(key) }),
      "aria-describedby": definitionId(key), "aria-expanded": "false",
      dataset: { term: key } }));
}

// One floating tip for the whole page, placed below its button: a tip inside a
// table's scrolling box would be clipped by it.
function termTip() {
  let tip = document.getElementById("term-tip");
  if (!tip) {
    tip = el("div", { id: "term-tip", class: "term-tip", role: "tooltip", "aria-hidden": "true",
      hidden: true });
    document.body.append(tip);
  }
  return tip;
}

function showTip(button) {
  const tip = termTip();
  tip.textContent = GLOSSARY[button.dataset.term]?.description ?? "";
  tip.dataset.term = button.dataset.term;
  tip.hidden = false;
  const box = button.getBoundingClientRect();
  const width = Math.min(320, window.innerWidth - 16);
  tip.style.width = `${width}px`;
  // in page coordinates, so that the tip stays by its button as the page scrolls
  tip.style.left = `${window.scrollX + Math.max(8, Math.min(box.left,
    window.innerWidth - width - 8))}px`;
  tip.style.top = `${window.scrollY + box.bottom + 6}px`;
}

function hideTip(button) {
  const tip = document.getElementById("term-tip");
  if (button) button.setAttribute("aria-expanded", "false");
  if (tip && (!button || tip.dataset.term === button.dataset.term)) tip.hidden = true;
}

function tipButton(event) {
  return event.target instanceof Element ? event.target.closest(".term-tip-btn") : null;
}

// hover and focus show the tip; a tap or click keeps it until the next one or Escape
document.addEventListener("mouseover", (e) => { const b = tipButton(e); if (b) showTip(b); });
document.addEventListener("mouseout", (e) => {
  const b = tipButton(e);
  if (b && b.getAttribute("aria-expanded") !== "true" && document.activeElement !== b) hideTip(b);
});
document.addEventListener("focusin", (e) => { const b = tipButton(e); if (b) showTip(b); });
document.addEventListener("focusout", (e) => { const b = tipButton(e); if (b) hideTip(b); });
document.addEventListener("click", (e) => {
  const b = tipButton(e);
  document.querySelectorAll(".term-tip-btn[aria-expanded='true']").forEach((other) => {
    if (other !== b) hideTip(other);
  });
  if (!b) return;
  const open = b.getAttribute("aria-expanded") !== "true";
  b.setAttribute("aria-expanded", String(open));
  if (open) showTip(b); else hideTip(b);
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") hideTip(document.querySelector(".term-tip-btn[aria-expanded='true']"));
});
