// The headline strip: whether the mailing paid off, at a glance, from the whole
// report's JSON (the sections below hold the detail).
import { _, DASH, el, fmtCompactMoney, fmtCurrency, fmtInt, fmtPct, fmtSigned, ngettext, term,
  termLabel, tile, tileFigure } from "../util.js";

/** Money for a tile: whole roubles with the symbol, the exact amount on hover; from a
 * million up abbreviated ("11,8 млн ₽") so that it fits, the exact amount on a tap. */
export function wholeMoney(v) {
  if (v == null) return DASH;
  if (Math.abs(Number(v)) >= 1e6) return tileFigure(v, (x) => fmtCurrency(x), fmtCompactMoney);
  return el("span", { title: fmtCurrency(v) }, fmtCurrency(v, { whole: true }));
}

/** An estimated count of customers, to the whole customer: "+34", "−7", "0". */
function signedCount(v) {
  if (v == null) return DASH;
  const n = Number(v);
  const shown = fmtInt(Math.abs(n));
  return shown === "0" ? "0" : `${n > 0 ? "+" : "−"}${shown}`;
}

/** A signed amount of money in whole roubles: "+1 234 ₽", "−56 ₽", "0 ₽". */
export function signedMoney(v) {
  if (v == null) return DASH;
  const shown = fmtCurrency(Math.abs(Number(v)), { whole: true });
  const sign = fmtSigned(v, "", 0)[0];
  return `${sign === "+" || sign === "−" ? sign : ""}${shown}`;
}

function range(ci, format) {
  return ci ? _("95% interval {low} to {high}", { low: format(ci[0]), high: format(ci[1]) })
    : _("no interval");
}

/** "> 99.9%" rather than a rounded 100%, which would read as certainty. */
export function fmtConfidence(pct) {
  return pct >= 99.95 ? `> ${fmtPct(99.9)}` : fmtPct(pct);
}

function verdict(label, rate, metric) {
  const key = `headline.winner.${metric}`;
  if (!rate.winner) {
    return el("span", { class: "headline-verdict" }, `${label}: `,
      el("strong", { dataset: { key } }, _("no significant winner")));
  }
  return el("span", { class: "headline-verdict" }, `${label}: `,
    el("strong", { dataset: { key } }, _("variant {name}", { name: rate.winner })),
    " " + _("(confidence {value})", { value: fmtConfidence(rate.winner_confidence) }));
}

const CHANNEL_NAMES = { email: "Email", sms: "SMS", push: "Push" };

/** "+2,1 п. п. above your usual (usual 18,0 %–22,4 %)": the API's difference from the
 * median and the quartiles, as they come (report.headline.usual). */
export function usualText(u, isMoney) {
  const fmt = (v) => (isMoney ? fmtCurrency(v) : fmtPct(v));
  const range = _("usual {low}–{high}", { low: fmt(u.q1), high: fmt(u.q3) });
  if (u.difference == null) return _("your usual {median} ({range})", { median: fmt(u.median), range });
  const d = Number(u.difference);
  const signed = fmtSigned(d, "", isMoney ? 2 : 1);
  if (!/^[+−]/.test(signed)) return _("at your usual ({range})", { range });
  const diff = isMoney ? `${signed[0]}${fmtCurrency(Math.abs(d))}` : fmtSigned(d, " " + _("pp"));
  return d > 0 ? _("{diff} above your usual ({range})", { diff, range })
    : _("{diff} below your usual ({range})", { diff, range });
}

const USUAL_FIGURES = [["open_rate", false], ["click_rate", false], ["conversion", false],
  ["revenue_per_recipient", true]];

function usualBlock(usual, channel) {
  const items = [];
  for (const [key, isMoney] of USUAL_FIGURES) {
    if (key === "open_rate" && channel === "sms") continue;  // SMS has no opens
    const u = usual[key];
    const value = u ? (isMoney ? fmtCurrency(u.value) : fmtPct(u.value)) : null;
    items.push(el("li", {},
      el("span", { class: "usual-figure" }, term(key), value ? ` ${value}` : ""), ": ",
      el("span", { dataset: { key: `headline.usual.${key}` } }, u ? usualText(u, isMoney)
        : _("fewer than 3 earlier mailings to compare with")),
      u ? el("span", { class: "muted small" }, " · " + ngettext("{n} mailing", "{n} mailings", u.n))
        : null));
  }
  return el("div", { class: "headline-usual" },
    el("p", { class: "headline-usual-head" }, termLabel("usual"),
      el("span", { class: "muted small" }, " — " + _("the median of up to {n} previous sent "
        + "{channel} mailings, and their middle half; all time, the period does not apply",
      { n: fmtInt(usual.mailings), channel: CHANNEL_NAMES[channel] || channel }))),
    el("ul", {}, items));
}

export function renderHeadline(node, report) {
  const stages = report.efficiency.stages;
  const revenue = report.orders.revenue;
  const perRecipient = report.headline.revenue_per_recipient;
  const tiles = [
    tile(termLabel("revenue"), wholeMoney(revenue), "headline.revenue"),
    tile(termLabel("buyers"), fmtInt(stages.ordered), "headline.buyers",
      _("with an attributed order")),
    tile(termLabel("conversion"), fmtPct(report.efficiency.transitions.conversion), "headline.conversion",
      _("buyers / delivered")),
    tile(termLabel("revenue_per_recipient"), fmtCurrency(perRecipient),
      "headline.revenue_per_recipient", _("attributed revenue / delivered")),
  ];
  const test = (report.groups || []).find((g) => g.group === "test" && g.variant_id == null);
  const vc = test && test.vs_control;
  if (vc) {
    tiles.push(
      tile(termLabel("incremental_buyers"), signedCount(vc.incremental_buyers),
        "headline.incremental_buyers", range(vc.incremental_buyers_ci, signedCount)),
      tile(termLabel("incremental_revenue"), signedMoney(vc.incremental_revenue),
        "headline.incremental_revenue", range(vc.incremental_revenue_ci, signedMoney)));
  }
  const parts = [el("div", { class: "tiles headline-tiles" }, tiles)];
  const usual = report.headline.usual;
  if (usual) parts.push(usualBlock(usual, report.mailing.channel));
  const variants = report.variant_comparison;
  if (variants) {
    parts.push(el("p", { class: "headline-variants", dataset: { key: "headline.variants" } },
      verdict(_("Winner on click rate"), variants.click_rate, "click_rate"),
      verdict(_("Winner on conversion"), variants.conversion, "conversion")));
  }
  if (vc) {
    parts.push(el("p", { class: "note" }, _("Incremental: the test group against the control "
      + "group, scaled to the test group's size (orders of each group in the attribution "
      + "window, attributed or not).")));
  }
  node.replaceChildren(...parts);
  node.hidden = false;
}
