// The report period: two date inputs at the top right, checked in the form (from on
// or before to; not wholly before the send day, the inputs' min) so that a period the
// API would refuse, or one that is empty for certain, is never asked for. The period lives in the URL (replaceState), so a reload or a shared link shows
// the same numbers. A report page with a send day also offers presets counted from it.
import { companyTimezone, fmtDay, writeState } from "./util.js";

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
    ["Since sending", sentDay, "", "From the send day on"],
    ["First 24 h", sentDay, addDays(sentDay, 1),
      "The send day and the day after (periods are whole days)"],
    ["7 days", sentDay, addDays(sentDay, 6), "The send day and the six days after"],
    ["30 days", sentDay, addDays(sentDay, 29), "The send day and the 29 days after"],
  ];
}

/** Why a period cannot be asked for, or "" when it can. */
function problem(from, to) {
  if (from.validity.badInput || to.validity.badInput) return "Enter a whole date, e.g. 2026-07-01.";
  if (from.value && to.value && from.value > to.value) {
    return `“From” (${fmtDay(from.value)}) is after “To” (${fmtDay(to.value)}): `
      + "choose a start on or before the end.";
  }
  // a start before the send day is harmless (nothing happened then); a whole period
  // before it is empty for certain
  const sentDay = from.min;
  if (sentDay && to.value && to.value < sentDay) {
    return `The mailing was sent on ${fmtDay(sentDay)}, after ${fmtDay(to.value)}: `
      + "choose a period that ends on or after the send day.";
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

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
    for (const input of [from, to]) input.setAttribute("aria-invalid", String(Boolean(text)));
  }
  function bounds() {
    to.min = from.value || from.min;
    from.max = to.value;
  }
  function markPreset() {
    for (const b of presetBox.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.from === state.from
        && b.dataset.to === state.to));
    }
  }
  function apply(fromValue, toValue) {
    from.value = fromValue;
    to.value = toValue;
    bounds();
    say("");
    state.from = fromValue;
    state.to = toValue;
    writeState(state);
    markPreset();
    onChange();
  }

  from.value = state.from || "";
  to.value = state.to || "";
  bounds();
  for (const input of [from, to]) {
    input.addEventListener("input", () => { bounds(); say(""); });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const why = problem(from, to);
    if (why) {
      say(why);
      return;
    }
    apply(from.value, to.value);
  });
  document.getElementById("period-clear").addEventListener("click", () => apply("", ""));

  return {
    /** Back to a period already shown (after the server refused a new one). */
    restore(period) {
      state.from = period.from || "";
      state.to = period.to || "";
      from.value = state.from;
      to.value = state.to;
      bounds();
      writeState(state);
      markPreset();
    },
    /** The send day: the earliest day to choose, and the presets counted from it. */
    anchor(sentDay) {
      if (!sentDay || presetBox.childElementCount) return;
      from.min = sentDay;
      to.min = from.value || sentDay;
      for (const [label, start, end, hint] of presets(sentDay)) {
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
  if (!period.from && !period.to) return "All time";
  return `${period.from || "…"} – ${period.to || "…"}`;
}

/** What a period covers, in words, for the top of a report. */
export function periodCoverage(period, sentDay) {
  if (!period.from && !period.to) return "";
  const span = period.from && period.to
    ? (period.from === period.to ? `on ${fmtDay(period.from)}`
      : `from ${fmtDay(period.from)} to ${fmtDay(period.to)}`)
    : period.from ? `from ${fmtDay(period.from)} on` : `up to ${fmtDay(period.to)}`;
  let text = `This report counts events and orders ${span} (company time, ${companyTimezone}),`
    + " whole days.";
  if (sentDay && period.from && sentDay < period.from) {
    text += ` The mailing was sent on ${fmtDay(sentDay)}, before this period: sends and `
      + "deliveries are not in it, so shares of them are of all time, and say so.";
  }
  return text;
}
