// The report period: two date fields at the top right, written as the reader's
// locale writes a date (01.07.2026 in Russian) rather than <input type=date>, whose
// display follows the browser's own locale; they are read strictly and sent to the
// API as ISO dates. They are checked in the form (from on or before to; not wholly
// before the send day) so that a period the API would refuse, or one that is empty for
// certain, is never asked for. The period lives in the URL (replaceState), so a reload
// or a shared link shows the same numbers. A report page with a send day also offers
// presets counted from it.
import { _, companyTimezone, fmtDay, writeState } from "./util.js";

// The locale's short date pattern, read off fmtDay (a day and month that cannot be
// confused): e.g. "dd.MM.y" in Russian, "dd/MM/y" in English.
const SAMPLE = fmtDay("2033-11-22");
const ORDER = [["d", SAMPLE.indexOf("22")], ["M", SAMPLE.indexOf("11")],
  ["y", SAMPLE.indexOf("2033") >= 0 ? SAMPLE.indexOf("2033") : SAMPLE.indexOf("33")]]
  .sort((a, b) => a[1] - b[1]).map(([part]) => part);
const SEPARATOR = (SAMPLE.match(/\D+/) || ["."])[0];

/** How to write a date, for a field's placeholder: "дд.мм.гггг", "dd/mm/yyyy". */
export const datePlaceholder = ORDER.map((part) => (part === "d" ? _("dd")
  : part === "M" ? _("mm") : _("yyyy"))).join(SEPARATOR);

/** A date as the reader writes it, "01.07.2026", to an ISO date; "" when empty;
 * null when it is not a real calendar date in the locale's pattern. */
export function parseDay(text) {
  const value = String(text || "").trim();
  if (!value) return "";
  const parts = value.split(SEPARATOR);
  if (parts.length !== 3 || !parts.every((p) => /^\d+$/.test(p))) return null;
  const got = {};
  ORDER.forEach((part, i) => { got[part] = parts[i]; });
  if (got.d.length > 2 || got.M.length > 2 || got.y.length !== 4) return null;
  const [y, M, d] = [Number(got.y), Number(got.M), Number(got.d)];
  const date = new Date(Date.UTC(y, M - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== M - 1
    || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** An ISO date as the field shows it. */
const shown = (iso) => (iso ? fmtDay(iso) : "");

/** The calendar date of a UTC timestamp in the company's time zone: periods are
 * company dates (DESIGN.md, "Period"). */
export function companyDate(iso) {
  const utc = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  let zone = companyTimezone;
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: zone });
  } catch {
    zone = "UTC";
  }
  // en-CA writes dates as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit",
    day: "2-digit" }).format(new Date(utc));
}

export function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Presets from the send day: [label, from, to, hint]. Periods are whole days, so the
 * first 24 hours are the send day and the day after. */
function presets(sentDay) {
  return [
    [_("Since sending"), sentDay, "", _("From the send day on")],
    [_("First 24 h"), sentDay, addDays(sentDay, 1),
      _("The send day and the day after (periods are whole days)")],
    [_("7 days"), sentDay, addDays(sentDay, 6), _("The send day and the six days after")],
    [_("30 days"), sentDay, addDays(sentDay, 29), _("The send day and the 29 days after")],
  ];
}

/** Why a period cannot be asked for, or "" when it can; `from` and `to` are the ISO
 * dates read from the fields (null: not a date). */
function problem(from, to, fields, sentDay) {
  for (const [value, field, name] of [[from, fields.from, _("From")], [to, fields.to, _("To")]]) {
    if (value === null) {
      return _("“{field}”: “{text}” is not a date. Write it as {pattern}, e.g. {example}.", {
        field: name, text: field.value.trim(), pattern: datePlaceholder,
        example: fmtDay("2026-07-01") });
    }
  }
  if (from && to && from > to) {
    return _("“From” ({from}) is after “To” ({to}): choose a start on or before the end.",
      { from: fmtDay(from), to: fmtDay(to) });
  }
  // a start before the send day is harmless (nothing happened then); a whole period
  // before it is empty for certain
  if (sentDay && to && to < sentDay) {
    return _("The mailing was sent on {sent}, after {to}: choose a period that ends on or "
      + "after the send day.", { sent: fmtDay(sentDay), to: fmtDay(to) });
  }
  return "";
}

export function periodControl(state, onChange) {
  const form = document.getElementById("period-form");
  const from = document.getElementById("period-from");
  const to = document.getElementById("period-to");
  const message = document.getElementById("period-message");
  const presetBox = document.getElementById("period-presets");
  // the browser's own bubbles would block the submit with no message of ours
  form.noValidate = true;
  let sentDay = "";
  for (const input of [from, to]) {
    input.placeholder = datePlaceholder;
    input.title = _("A date as {pattern}, e.g. {example}",
      { pattern: datePlaceholder, example: fmtDay("2026-07-01") });
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
    for (const input of [from, to]) input.setAttribute("aria-invalid", String(Boolean(text)));
  }
  // the send day, for the checks (text fields have no min)
  function bounds() {}
  function markPreset() {
    for (const b of presetBox.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.from === state.from
        && b.dataset.to === state.to));
    }
  }
  function apply(fromValue, toValue) {
    from.value = shown(fromValue);
    to.value = shown(toValue);
    bounds();
    say("");
    state.from = fromValue;
    state.to = toValue;
    writeState(state);
    markPreset();
    onChange();
  }

  from.value = shown(state.from);
  to.value = shown(state.to);
  bounds();
  for (const input of [from, to]) {
    input.addEventListener("input", () => { bounds(); say(""); });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const [start, end] = [parseDay(from.value), parseDay(to.value)];
    const why = problem(start, end, { from, to }, sentDay);
    if (why) {
      say(why);
      return;
    }
    apply(start, end);
  });
  document.getElementById("period-clear").addEventListener("click", () => apply("", ""));

  return {
    /** Back to a period already shown (after the server refused a new one). */
    restore(period) {
      state.from = period.from || "";
      state.to = period.to || "";
      from.value = shown(state.from);
      to.value = shown(state.to);
      bounds();
      writeState(state);
      markPreset();
    },
    /** The send day: the earliest day to choose, and the presets counted from it. */
    anchor(day) {
      if (!day || presetBox.childElementCount) return;
      sentDay = day;
      for (const [label, start, end, hint] of presets(day)) {
        const button = document.createElement("button");
        Object.assign(button, { type: "button", className: "seg", title: hint,
          textContent: label });
        Object.assign(button.dataset, { from: start, to: end });
        button.addEventListener("click", () => apply(start, end));
        presetBox.append(button);
      }
      presetBox.hidden = false;
      markPreset();
    },
  };
}

export function periodText(period) {
  if (!period.from && !period.to) return _("All time");
  return `${period.from ? fmtDay(period.from) : "…"} – ${period.to ? fmtDay(period.to) : "…"}`;
}

/** What a period covers, in words, for the top of a report. */
export function periodCoverage(period, sentDay) {
  if (!period.from && !period.to) return "";
  const values = { from: fmtDay(period.from), to: fmtDay(period.to), zone: companyTimezone };
  let text;
  if (period.from && period.to && period.from === period.to) {
    text = _("This report counts events and orders on {from} (company time, {zone}), whole days.", values);
  } else if (period.from && period.to) {
    text = _("This report counts events and orders from {from} to {to} (company time, {zone}), "
      + "whole days.", values);
  } else if (period.from) {
    text = _("This report counts events and orders from {from} on (company time, {zone}), "
      + "whole days.", values);
  } else {
    text = _("This report counts events and orders up to {to} (company time, {zone}), whole days.",
      values);
  }
  if (sentDay && period.from && sentDay < period.from) {
    text += " " + _("The mailing was sent on {sent}, before this period: sends and deliveries "
      + "are not in it, so shares of them are of all time, and say so.", { sent: fmtDay(sentDay) });
  }
  return text;
}
