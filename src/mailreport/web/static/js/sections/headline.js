// The headline strip: whether the mailing paid off, at a glance, from the whole
// report's JSON (the sections below hold the detail).
import { currency, DASH, el, fmtMoney, fmtPct, fmtSigned, term, termLabel, tile } from "../util.js";

const wholeNumber = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** An estimated count of customers, to the whole customer: "+34", "−7", "0". */
function signedCount(v) {
  if (v == null) return DASH;
  const n = Number(v);
  const shown = wholeNumber.format(Math.abs(n));
  return shown === "0" ? "0" : `${n > 0 ? "+" : "−"}${shown}`;
}

function range(ci, format) {
  return ci ? `95% interval ${format(ci[0])} to ${format(ci[1])}` : "no interval";
}

/** "> 99.9%" rather than a rounded 100%, which would read as certainty. */
export function fmtConfidence(pct) {
  return pct >= 99.95 ? "> 99.9%" : `${Number(pct).toFixed(1)}%`;
}

function verdict(label, rate, metric) {
  const key = `headline.winner.${metric}`;
  if (!rate.winner) {
    return el("span", { class: "headline-verdict" }, `${label}: `,
      el("strong", { dataset: { key } }, "no significant winner"));
  }
  return el("span", { class: "headline-verdict" }, `${label}: `,
    el("strong", { dataset: { key } }, `variant ${rate.winner}`),
    ` (confidence ${fmtConfidence(rate.winner_confidence)})`);
}

const CHANNEL_NAMES = { email: "email", sms: "SMS", push: "push" };
const oneDecimal = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 1, maximumFractionDigits: 1,
});
const money = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 2, maximumFractionDigits: 2,
});

/** "+2.1 pp above your usual (usual 18.0–22.4 %)": the API's difference from the
 * median and the quartiles, as they come (report.headline.usual). */
export function usualText(u, isMoney) {
  const fmt = (v) => (isMoney ? money.format(Number(v)) : oneDecimal.format(Number(v)));
  const unit = isMoney ? (currency ? ` ${currency}` : "") : " %";
  const range = `usual ${fmt(u.q1)}–${fmt(u.q3)}${unit}`;
  if (u.difference == null) return `your usual ${fmt(u.median)}${unit} (${range})`;
  const d = Number(u.difference);
  const shown = fmt(Math.abs(d));
  if (Number(shown) === 0) return `at your usual (${range})`;
  const sign = d > 0 ? "+" : "−";
  return `${sign}${shown}${isMoney ? unit : " pp"} ${d > 0 ? "above" : "below"} your usual `
    + `(${range})`;
}

const USUAL_FIGURES = [["open_rate", false], ["click_rate", false], ["conversion", false],
  ["revenue_per_recipient", true]];

function usualBlock(usual, channel) {
  const items = [];
  for (const [key, isMoney] of USUAL_FIGURES) {
    if (key === "open_rate" && channel === "sms") continue;  // SMS has no opens
    const u = usual[key];
    const value = u ? (isMoney ? fmtMoney(u.value) : fmtPct(u.value)) : null;
    items.push(el("li", {},
      el("span", { class: "usual-figure" }, term(key), value ? ` ${value}` : ""), ": ",
      el("span", { dataset: { key: `headline.usual.${key}` } }, u ? usualText(u, isMoney)
        : "fewer than 3 earlier mailings to compare with"),
      u ? el("span", { class: "muted small" }, ` · ${u.n} mailings`) : null));
  }
  return el("div", { class: "headline-usual" },
    el("p", { class: "headline-usual-head" }, termLabel("usual"),
      el("span", { class: "muted small" }, ` — the median of up to ${usual.mailings} previous sent `
        + `${CHANNEL_NAMES[channel] || channel} mailings, and their middle half; all time, `
        + "the period does not apply")),
    el("ul", {}, items));
}

export function renderHeadline(node, report) {
  const stages = report.efficiency.stages;
  const revenue = report.orders.revenue;
  const perRecipient = report.headline.revenue_per_recipient;
  const tiles = [
    tile(termLabel("revenue", `, ${currency}`), fmtMoney(revenue), "headline.revenue"),
    tile(termLabel("buyers"), wholeNumber.format(stages.ordered), "headline.buyers",
      "with an attributed order"),
    tile(termLabel("conversion"), fmtPct(report.efficiency.transitions.conversion), "headline.conversion",
      "buyers / delivered"),
    tile(termLabel("revenue_per_recipient", `, ${currency}`), fmtMoney(perRecipient),
      "headline.revenue_per_recipient", "attributed revenue / delivered"),
  ];
  const test = (report.groups || []).find((g) => g.group === "test" && g.variant_id == null);
  const vc = test && test.vs_control;
  if (vc) {
    tiles.push(
      tile(termLabel("incremental_buyers"), signedCount(vc.incremental_buyers),
        "headline.incremental_buyers", range(vc.incremental_buyers_ci, signedCount)),
      tile(termLabel("incremental_revenue", `, ${currency}`), fmtSigned(vc.incremental_revenue),
        "headline.incremental_revenue", range(vc.incremental_revenue_ci, (v) => fmtSigned(v))));
  }
  const parts = [el("div", { class: "tiles headline-tiles" }, tiles)];
  const usual = report.headline.usual;
  if (usual) parts.push(usualBlock(usual, report.mailing.channel));
  const variants = report.variant_comparison;
  if (variants) {
    parts.push(el("p", { class: "headline-variants", dataset: { key: "headline.variants" } },
      verdict("Winner on click rate", variants.click_rate, "click_rate"),
      verdict("Winner on conversion", variants.conversion, "conversion")));
  }
  if (vc) {
    parts.push(el("p", { class: "note" }, "Incremental: the test group against the control "
      + "group, scaled to the test group's size (orders of each group in the attribution "
      + "window, attributed or not)."));
  }
  node.replaceChildren(...parts);
  node.hidden = false;
}
