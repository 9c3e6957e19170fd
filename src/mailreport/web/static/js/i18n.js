// The reader's language in the page scripts: the translated strings and the CLDR
// formats that the server hands over as /i18n/<lang>.js (mailreport/i18n/client.py,
// from Babel), so that a page writes a figure exactly as the exports and the command
// line do. Strings are marked _("…") and ngettext("…", "…", n) for extraction
// (python -m mailreport.i18n.manage); placeholders are {name}.

const root = document.documentElement;
const { L, pluralIndex } = await import(`/i18n/${root.lang || "en"}.js?v=${root.dataset.version || ""}`);

export const language = L.language;

// The switcher keeps the page's state (period, filters, sort) when it changes the language.
for (const link of document.querySelectorAll("nav.languages a[data-lang]")) {
  const url = new URL(window.location.href);
  url.searchParams.set("lang", link.dataset.lang);
  link.href = url.pathname + url.search + url.hash;
}
export const languages = L.languages;
export const DASH = "—";
const MINUS = "−"; // U+2212: the sign of a signed difference

function fill(text, values) {
  return values ? text.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all)) : text;
}

/** A string for people, in the reader's language: _("Sent {n}", { n: 5 }). */
export function _(message, values) {
  const translated = L.messages[message];
  return fill(typeof translated === "string" && translated ? translated : message, values);
}

/** A count with its word in the right plural form: ngettext("{n} customer",
 * "{n} customers", n); {n} is the count as fmtInt writes it. */
export function ngettext(singular, plural, n, values = {}) {
  const forms = L.messages[singular];
  const index = pluralIndex(Math.abs(Math.trunc(Number(n))));
  const text = Array.isArray(forms) && forms[index] ? forms[index] : index === 0 ? singular : plural;
  return fill(text, { n: fmtInt(n), ...values });
}

// -- numbers ---------------------------------------------------------------------

/** The decimal digits of v (a number or a decimal string) rounded half to even, as
 * Babel rounds: [negative, integer digits, fraction digits]. */
function rounded(v, decimals) {
  let text = typeof v === "string" ? v.trim() : String(v);
  if (/e/i.test(text)) text = Number(v).toFixed(Math.min(20, decimals + 10));
  const negative = text.startsWith("-");
  const [intPart, fracPart = ""] = text.replace(/^[-+]/, "").split(".");
  const kept = (intPart + fracPart.padEnd(decimals, "0").slice(0, decimals)).split("").map(Number);
  const rest = fracPart.slice(decimals);
  const first = Number(rest[0] || 0);
  const beyond = /[1-9]/.test(rest.slice(1));
  const odd = kept.length ? kept[kept.length - 1] % 2 === 1 : false;
  if (first > 5 || (first === 5 && (beyond || odd))) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i >= 0) kept[i] += 1; else kept.unshift(1);
  }
  const digits = kept.join("");
  const whole = digits.slice(0, digits.length - decimals).replace(/^0+(?=\d)/, "") || "0";
  const frac = digits.slice(digits.length - decimals);
  return [negative && /[1-9]/.test(digits), whole, frac];
}

function grouped(whole, [primary, secondary] = [3, 3]) {
  if (whole.length <= primary) return whole;
  const parts = [whole.slice(-primary)];
  let rest = whole.slice(0, -primary);
  while (rest.length > secondary) {
    parts.unshift(rest.slice(-secondary));
    rest = rest.slice(0, -secondary);
  }
  parts.unshift(rest);
  return parts.join(L.symbols.group);
}

/** v with `decimals` decimals (trimmed of trailing zeros down to `minDecimals`), in
 * a pattern's prefix and suffix. */
function formatted(v, decimals, { prefix = "", suffix = "", grouping = [3, 3] } = {}, minDecimals = decimals) {
  let [negative, whole, frac] = rounded(v, decimals);
  while (frac.length > minDecimals && frac.endsWith("0")) frac = frac.slice(0, -1);
  const body = grouped(whole, grouping) + (frac ? L.symbols.decimal + frac : "");
  return `${negative ? L.symbols.minus : ""}${prefix}${body}${suffix}`;
}

const absent = (v) => v == null || v === "" || Number.isNaN(Number(v));

export function fmtInt(v) {
  return absent(v) ? DASH : formatted(v, 0);
}

/** Units can be fractional (kilograms): up to three decimals, no trailing zeros. */
export function fmtNumber(v, decimals = 3) {
  return absent(v) ? DASH : formatted(v, decimals, {}, 0);
}

/** An amount of money without its symbol, with kopecks: for a column whose heading
 * names the currency. Money comes from the API as a decimal string. */
export function fmtMoney(v) {
  return absent(v) ? DASH : formatted(v, L.money.decimals);
}

/** Money with its currency, as the locale writes it: "11 290 435,22 ₽";
 * `whole` rounds to roubles (headline tiles). */
export function fmtCurrency(v, { whole = false } = {}) {
  if (absent(v)) return DASH;
  return formatted(v, whole ? 0 : L.money.decimals, L.money);
}

/** A percentage (the API gives percent, not a fraction): "22,4 %". */
export function fmtPct(v, decimals = L.percent.decimals) {
  return absent(v) ? DASH : formatted(v, decimals, L.percent);
}

/** A signed difference, e.g. "+1,3 п. п." or "−0,4". */
export function fmtSigned(v, unit = "", decimals = 1) {
  if (absent(v)) return DASH;
  const n = Number(v);
  const [, whole, frac] = rounded(Math.abs(n), decimals);
  const zero = !/[1-9]/.test(whole + frac);
  const sign = zero ? "" : n > 0 ? "+" : "−";
  return `${sign}${formatted(Math.abs(n), decimals)}${unit}`;
}

/** A p-value: "p < 0,001" or "p = 0,023". */
export function fmtP(p) {
  if (absent(p)) return DASH;
  return p < 0.001 ? `p < ${formatted(0.001, 3)}` : `p = ${formatted(p, 3)}`;
}

/** A large figure abbreviated by CLDR's short compact patterns: "11,3 млн". */
export function fmtCompact(v) {
  if (absent(v)) return DASH;
  const n = Number(v);
  const sizes = Object.keys(L.compact).map(Number).sort((a, b) => b - a);
  const size = sizes.find((s) => Math.abs(n) >= s);
  if (!size) return fmtNumber(n, 1);
  const pattern = L.compact[String(size)];
  const zeros = (pattern.match(/0+/) || ["0"])[0].length;
  const scaled = n / (size / 10 ** (zeros - 1));
  const number = formatted(scaled, 1, {}, 0);
  return pattern.replace(/0+/, number).replace(/'([^']*)'/g, "$1");
}

/** A large amount in a tile: "11,8 млн ₽", "RUB 11.8m" (formats.compact_money). */
export function fmtCompactMoney(v) {
  if (absent(v)) return DASH;
  const n = Number(v);
  return `${n < 0 ? L.symbols.minus : ""}${L.money.prefix}${fmtCompact(Math.abs(n))}${L.money.suffix}`;
}

export const currencySymbol = L.currency.symbol;
export const currencyCode = L.currency.code;

// -- dates -----------------------------------------------------------------------

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** A CLDR date pattern applied to calendar parts {y, M, d, H, m, weekday (0 = Monday)}. */
function applyPattern(pattern, parts) {
  const D = L.dates;
  return pattern.replace(/'([^']*)'|([a-zA-Z])\2*/g, (token, quoted) => {
    if (quoted !== undefined) return quoted || "'";
    const n = token.length;
    switch (token[0]) {
      case "y": return n === 2 ? pad(parts.y % 100) : String(parts.y);
      case "M": return n >= 4 ? D.months[parts.M] : n === 3 ? D.months_short[parts.M] : n === 2 ? pad(parts.M) : String(parts.M);
      case "L": return n >= 4 ? D.months_standalone[parts.M] : n === 3 ? D.months_short[parts.M] : n === 2 ? pad(parts.M) : String(parts.M);
      case "d": return n === 2 ? pad(parts.d) : String(parts.d);
      case "E": case "c": return D.days_short[parts.weekday];
      case "H": return n === 2 ? pad(parts.H) : String(parts.H);
      case "m": return pad(parts.m);
      default: return token;
    }
  });
}

function calendarDay(iso) {
  const [y, M, d] = String(iso).slice(0, 10).split("-").map(Number);
  const weekday = (new Date(Date.UTC(y, M - 1, d)).getUTCDay() + 6) % 7;
  return { y, M, d, weekday, H: 0, m: 0 };
}

/** "2026-07-01" (a calendar date, no zone) as the locale writes it in a table:
 * "01.07.2026"; `short`: day and month for a chart's axis ("1 июл."). */
export function fmtDay(iso, short = false) {
  if (!iso) return DASH;
  return applyPattern(short ? L.dates.day_month : L.dates.short, calendarDay(iso));
}

/** A calendar date in a sentence: "1 июля 2026". */
export function fmtLongDay(iso) {
  return iso ? applyPattern(L.dates.long, calendarDay(iso)) : DASH;
}

/** The calendar parts of a UTC instant in a time zone. */
function zoned(instant, zone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric",
    }).formatToParts(instant);
  } catch {
    return zoned(instant, "UTC");
  }
  const get = (type) => Number(parts.find((p) => p.type === type)?.value);
  const y = get("year"), M = get("month"), d = get("day");
  return { ...calendarDay(`${y}-${pad(M)}-${pad(d)}`), H: get("hour") % 24, m: get("minute") };
}

/** A timestamp (naive ones are UTC, DESIGN.md) in a zone: "01.07.2026, 10:00". */
export function fmtDateTime(iso, zone = "UTC") {
  if (!iso) return DASH;
  const utc = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  const parts = zoned(new Date(utc), zone);
  return L.dates.datetime.replace("{1}", applyPattern(L.dates.short, parts))
    .replace("{0}", applyPattern(L.dates.time, parts));
}
