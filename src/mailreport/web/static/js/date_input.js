// A date field that reads and writes the day as the reader's language does
// (Russian 01.07.2026, English 01/07/2026) and hands the page an ISO date for the API.
// A browser's own <input type="date"> follows the browser's locale instead of the
// page's (mm/dd/yyyy in an en-US browser on a Russian page), so this is a text field
// with the locale's pattern as its placeholder, parsed strictly.
import { _, el, fmtDay } from "./util.js";

// A day whose parts cannot be mistaken for each other: the locale's short pattern is
// read off how fmtDay writes it (order of day, month and year, and the separator).
const SAMPLE = fmtDay("2033-11-22");
const ORDER = ["2033", "11", "22"].map((part) => [part, SAMPLE.indexOf(part)])
  .sort((a, b) => a[1] - b[1]).map(([part]) => ({ 2033: "y", 11: "M", 22: "d" })[part]);
const SEPARATORS = SAMPLE.split(/\d+/).slice(1, -1);
const escape = (text) => text.replace(/\W/g, "\\$&");
const SHAPE = new RegExp(`^${ORDER.map((part, i) => (part === "y" ? "(\\d{4})" : "(\\d{1,2})")
  + (i < ORDER.length - 1 ? escape(SEPARATORS[i] || "") : "")).join("")}$`);

/** The pattern as a reader types it: "ДД.ММ.ГГГГ", "DD/MM/YYYY". */
export function datePattern() {
  const names = { y: _("YYYY"), M: _("MM"), d: _("DD") };
  return ORDER.map((part, i) => names[part] + (i < ORDER.length - 1 ? SEPARATORS[i] : ""))
    .join("");
}

/** A typed day as ISO "2026-07-01"; "" for an empty field; null when it is not a
 * real day written in the locale's pattern. */
export function parseDay(text) {
  const typed = String(text || "").trim();
  if (!typed) return "";
  const match = SHAPE.exec(typed);
  if (!match) return null;
  const parts = Object.fromEntries(ORDER.map((part, i) => [part, Number(match[i + 1])]));
  const day = new Date(Date.UTC(parts.y, parts.M - 1, parts.d));
  if (day.getUTCFullYear() !== parts.y || day.getUTCMonth() !== parts.M - 1
    || day.getUTCDate() !== parts.d) return null;
  return day.toISOString().slice(0, 10);
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Make `input` a date field: `onDate(iso)` hears each valid change ("" when
 * cleared); a wrong one is refused in a sentence under the field and not passed on.
 * Returns {set(iso)} to show a date from the page's state. */
export function dateInput(input, onDate) {
  input.type = "text";
  input.inputMode = "numeric";
  input.autocomplete = "off";
  input.placeholder = datePattern();
  const error = el("span", { class: "date-error", id: `${input.id}-error`, hidden: true });
  (input.closest("label") || input.parentNode).append(error);

  function problem(text) {
    error.textContent = text;
    error.hidden = !text;
    if (text) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id);
      error.setAttribute("role", "alert");
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  input.addEventListener("change", (event) => {
    event.stopPropagation(); // the page hears the day, not the text typed
    const iso = parseDay(input.value);
    if (iso === null) {
      problem(_("Enter the date as {pattern}, for example {example}.",
        { pattern: datePattern(), example: fmtDay("2026-07-01") }));
      return;
    }
    problem("");
    input.value = iso ? fmtDay(iso) : "";
    onDate(iso);
  });
  return {
    set(iso) {
      problem("");
      input.value = ISO_DAY.test(iso || "") ? fmtDay(iso) : iso || "";
    },
  };
}
