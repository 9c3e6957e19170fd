// Send-time advice beside the open-hour chart: the best local hour to send per
// recipient time zone (or region), from /api/v1/send-time-advice (docs/send-time.md),
// and one sentence when this mailing went out at another hour for most recipients.
import { _, api, DASH, el, emptyState, errorBox, fmtDay, fmtInt, fmtPct, table } from "../util.js";
import { companyDate } from "../period.js";

// the zones or regions shown: the largest by delivered
const TOP = 8;
// below this many delivered at the best hour the advice is of low confidence
// (reports/send_time.py, ENOUGH)
const ENOUGH = 1000;
const WHY = {
  few_observations: () => _("fewer than {n} delivered at that hour", { n: fmtInt(ENOUGH) }),
  overlaps_next_best: () => _("the next best hour may be as good"),
};

export const hourText = (h) => `${String(h).padStart(2, "0")}:00`;

/** The local hour (0–23) of a UTC timestamp in an IANA zone; null if the browser does
 * not know the zone. */
export function localHour(iso, zone) {
  const utc = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  try {
    const text = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit",
      hourCycle: "h23" }).format(new Date(utc));
    return Number.parseInt(text, 10) % 24;
  } catch {
    return null;
  }
}

/** The zones whose advised hour is not the hour this mailing was sent at there, and
 * their share of all delivered in the advice: {share, zones, allLow} or null when the
 * advice has nothing to weigh. The weights are the advice's own delivered (the
 * channel's recipients over its window): the API gives no zones of one mailing. */
export function offHour(advice, sentAt) {
  const weighed = advice.filter((a) => a.best);
  const total = weighed.reduce((sum, a) => sum + a.delivered, 0);
  if (!total || !sentAt) return null;
  const zones = weighed.map((a) => ({ ...a, sentHour: localHour(sentAt, a.key) }))
    .filter((a) => a.sentHour != null && a.sentHour !== a.best.hour);
  const off = zones.reduce((sum, a) => sum + a.delivered, 0);
  return { share: (100 * off) / total, zones, allLow: zones.every((a) => a.low_confidence) };
}

function offHourSentence(advice, mailing) {
  const off = offHour(advice, mailing.sent_at);
  if (!off || off.share <= 50) return null;
  const named = off.zones.slice(0, 3).map((a) => _("{zone}: {best} rather than {sent}",
    { zone: a.key, best: hourText(a.best.hour), sent: hourText(a.sentHour) })).join("; ");
  const text = _("For {share} of email recipients, by the history of their time zones, "
    + "another hour is advised than this mailing's: {zones}.",
    { share: fmtPct(off.share, 0), zones: named });
  return el("p", { class: "send-time-off", dataset: { key: "send_time.off_hour" } },
    off.allLow ? text + " " + _("The advice for these zones is of low confidence: keep testing.")
      : text);
}

function bySwitch(by, onBy) {
  const button = (value, label) => el("button", { type: "button", class: "seg",
    "aria-pressed": String(by === value), dataset: { by: value },
    onclick: () => by !== value && onBy(value) }, label);
  return el("div", { class: "segmented", role: "group", "aria-label": _("Advice by") },
    button("zone", _("Time zone")), button("region", _("Region")));
}

function confidence(a) {
  if (!a.best) return DASH;
  if (!a.low_confidence) return el("span", { class: "verdict verdict-up" }, _("Confident"));
  return el("span", { class: "low-confidence" },
    el("span", { class: "verdict verdict-none" }, _("Low confidence")), " ",
    el("span", { class: "muted small" }, a.why_low.map((w) => WHY[w]()).join("; ")));
}

function adviceTable(result) {
  const rows = result.advice.slice(0, TOP);
  const key = (a) => `send_time.${result.by}.${a.key}`;
  return table([
    { label: result.by === "zone" ? _("Recipients' time zone") : _("Recipients' region"),
      rowHeader: true, cell: (a) => (a.key === "unknown" ? _("unknown") : a.key) },
    { label: _("Best hour, local"), num: true, key: (a) => `${key(a)}.hour`,
      cell: (a) => (a.best ? hourText(a.best.hour) : DASH) },
    { label: _("Expected open rate"), num: true, key: (a) => `${key(a)}.rate`,
      cell: (a) => (a.best ? _("{rate} ({low} to {high})", { rate: fmtPct(a.best.rate),
        low: fmtPct(a.best.ci_low), high: fmtPct(a.best.ci_high) }) : DASH) },
    { label: _("Delivered at that hour"), num: true, key: (a) => `${key(a)}.delivered`,
      cell: (a) => (a.best ? fmtInt(a.best.delivered) : DASH) },
    { label: _("Confidence"), key: (a) => `${key(a)}.confidence`, cell: confidence },
  ], rows, { className: "compact cards-on-phone send-time-table", terms: false,
    caption: result.advice.length > TOP
      ? _("The {n} largest of {total} by delivered", { n: TOP, total: result.advice.length })
      : undefined });
}

const cache = new Map();

function advice(channel, by, asOf) {
  const id = `${channel}/${by}/${asOf}`;
  if (!cache.has(id)) {
    cache.set(id, api("/api/v1/send-time-advice", { channel, by, as_of: asOf })
      .catch((err) => { cache.delete(id); throw err; }));
  }
  return cache.get(id);
}

/** Draw the advice for `mailing` into `node`; `by`: "zone" or "region"; `onBy(by)`
 * when the reader switches. The advice is as of the send day: what was known when
 * the mailing went out, and the same however late the report is read. */
export async function renderSendTime(node, mailing, { by = "zone", onBy }) {
  const asOf = companyDate(mailing.sent_at);
  node.dataset.state = "loading";
  try {
    const [shown, zones] = await Promise.all([advice(mailing.channel, by, asOf),
      advice(mailing.channel, "zone", asOf)]);
    const parts = [el("div", { class: "send-time-head" },
      el("h3", {}, _("Best hour to send")), bySwitch(by, onBy))];
    parts.push(offHourSentence(zones.advice, mailing));
    parts.push(shown.advice.length ? adviceTable(shown)
      : emptyState(_("No sending history to advise from")));
    parts.push(el("p", { class: "note", dataset: { key: "send_time.method" } },
      _("Per local hour of sending, the share of delivered recipients who opened within 24 "
        + "hours of sending (machine opens aside), over the email mailings sent from {from} to {to}; "
        + "the interval is Wilson's 95%. Low confidence: fewer than {n} delivered at the "
        + "best hour, or its interval overlaps the next best hour's.", {
        n: fmtInt(ENOUGH), from: fmtDay(shown.date_from), to: fmtDay(shown.date_to) })));
    node.replaceChildren(...parts.filter(Boolean));
    node.dataset.state = "ready";
  } catch (err) {
    node.replaceChildren(errorBox(err));
    node.dataset.state = "error";
  }
}

