// Groups report: each variant and the test group against the control group, and
// every pair of variants (Holm-adjusted), with the uplift, its 95% interval and the
// verdict in words.
import { _, cardTerms, currencySymbol, DASH, el, emptyState, fmtInt, fmtMoney, fmtNumber, fmtP, fmtPct, fmtSigned,
  ngettext, table, term, termLabel, when, withCsv } from "../util.js";
import { fmtConfidence } from "./headline.js";

export function groupName(row) {
  if (row.group === "control") return _("Control group");
  return row.variant_id == null ? _("Test group (all)") : _("Variant {name}", { name: row.variant_id });
}

/** Percentage points, the unit of a difference of two rates: "+1,3 п. п.". */
export const PP = () => ` ${_("pp")}`;

/** A signed relative change: "+12,5 %". */
export function signedPct(v) {
  if (v == null) return DASH;
  const shown = fmtSigned(v);
  return `${shown.startsWith("+") || shown.startsWith("−") ? shown[0] : ""}${fmtPct(Math.abs(v))}`;
}

function groupKey(row) {
  return row.group === "control" ? "control" : row.variant_id == null ? "test" : row.variant_id;
}

function interval(ci, unit) {
  if (!ci) return DASH;
  return _("{low} to {high}", { low: fmtSigned(ci[0], unit), high: fmtSigned(ci[1], unit) });
}

/** The verdict in words (`why`: what says no test could be made); with `withP` false,
 * where a column beside it has the p-value. */
function verdict(significant, p, better, why = "", withP = true) {
  if (significant == null || p == null) {
    return el("span", { class: "verdict verdict-none" }, why || _("Not enough data to test"));
  }
  const shown = withP ? ` (${fmtP(p)})` : "";
  if (!significant) {
    return el("span", { class: "verdict verdict-no" }, _("Not significant") + shown);
  }
  return el("span", { class: `verdict ${better ? "verdict-up" : "verdict-down"}` },
    (better ? _("Significant: better") : _("Significant: worse")) + shown);
}

/** One table per group: each comparison it is part of, one row per metric. */
function comparisons(title, rows) {
  return el("div", { class: "comparison" },
    el("h3", {}, title),
    table([
      { label: _("Metric"), cell: (m) => m.label, rowHeader: true },
      { label: _("Compared with"), cell: (m) => m.against },
      { label: term("uplift"), head: termLabel("uplift"), num: true, key: (m) => `${m.key}.uplift`,
        cell: (m) => `${fmtSigned(m.uplift, m.unit)}${m.relative == null ? ""
          : ` (${signedPct(m.relative)})`}` },
      { label: term("ci_95"), head: termLabel("ci_95"), num: true,
        cell: (m) => interval(m.ci, m.unit) },
      { label: term("significance"), head: termLabel("significance"), key: (m) => `${m.key}.verdict`,
        cell: (m) => verdict(m.significant, m.p, (m.uplift ?? 0) > 0, m.why) },
    ], rows, { className: "compact cards-on-phone", terms: false }));
}

function pValue(p) {
  if (p == null) return DASH;
  return fmtP(p).replace(/^p = /, "").replace(/^p /, "");
}

// the pairwise conversion is the groups' (buyers / assigned)
const RATES = [["click_rate", term("click_rate")], ["conversion", term("group_conversion")]];

/** Every pair of variants on each rate, p-values Holm-adjusted, and the winner. */
function pairwise(variants, why) {
  const rows = RATES.flatMap(([metric, label]) => variants[metric].pairs.map((pair) => ({
    ...pair, metric, label, key: `variants.${metric}.${pair.variant_id}-${pair.compared_with}`,
  })));
  const pairs = variants.conversion.pairs.length;
  const winners = RATES.map(([metric, label]) => {
    const rate = variants[metric];
    return el("li", {}, `${label}: `, el("strong", { dataset: { key: `variants.${metric}.winner` } },
      rate.winner ? _("variant {name}", { name: rate.winner }) : _("no significant winner")),
    rate.winner ? " " + _("(confidence {value})", { value: fmtConfidence(rate.winner_confidence) })
      : "");
  });
  return el("div", { class: "comparison pairwise" },
    el("h3", {}, _("Variants compared pairwise")),
    table([
      { label: _("Comparison"), rowHeader: true,
        cell: (r) => _("{metric}: variant {name} vs {other}", { metric: r.label,
          name: r.variant_id, other: r.compared_with }) },
      { label: term("uplift"), head: termLabel("uplift"), num: true, key: (r) => `${r.key}.uplift`,
        cell: (r) => `${fmtSigned(r.uplift, PP())}${r.uplift_relative == null ? ""
          : ` (${signedPct(r.uplift_relative)})`}` },
      { label: term("p_value"), head: termLabel("p_value"), num: true, cell: (r) => pValue(r.p) },
      { label: term("p_adjusted"), head: termLabel("p_adjusted"), num: true,
        key: (r) => `${r.key}.p_adjusted`, cell: (r) => pValue(r.p_adjusted) },
      { label: term("significance"), head: termLabel("significance"), key: (r) => `${r.key}.verdict`,
        cell: (r) => verdict(r.significant, r.p_adjusted, (r.uplift ?? 0) > 0, why, false) },
    ], rows, {
      className: "compact cards-on-phone", terms: false,
      caption: ngettext("p-values Holm-adjusted over the {n} pair of each metric; significant "
        + "means adjusted p < {alpha}", "p-values Holm-adjusted over the {n} pairs of each "
        + "metric; significant means adjusted p < {alpha}", pairs, { alpha: fmtNumber(0.05) }),
    }),
    el("ul", { class: "winners" }, winners),
    el("p", { class: "note" }, _("The winner has the highest rate and is significantly ahead "
      + "of every other variant after adjustment.")));
}

/** A column of the groups table: the glossary's name and tip as its head, and the
 * figure's data-key where the tests and the headline read it. */
function column(termKey, dataKey, cell, suffix = "") {
  return { label: `${term(termKey)}${suffix}`, head: termLabel(termKey, suffix), num: true, cell,
    key: dataKey ? (r) => `groups.${groupKey(r)}.${dataKey}` : undefined };
}

/** The rows to show: a single variant is the whole test group, so its row would only
 * repeat the test group's (the API keeps both, as DESIGN.md's report shape does). */
export function shownGroups(groups) {
  const variantRows = groups.filter((g) => g.group === "test" && g.variant_id != null);
  return variantRows.length === 1 ? groups.filter((g) => !variantRows.includes(g)) : groups;
}

export function renderGroups(body, allGroups, state = {}, variants = null) {
  const groups = shownGroups(allGroups);
  // a comparison of nothing against nothing (a period with no orders, or no clicks) is
  // "p = 1.000" rows that say nothing: left out, and the page says why
  const anyBuyers = groups.some((g) => g.buyers);
  const anyClicks = groups.some((g) => g.clicked);
  // rates of delivered: a period without the send day has no deliveries to test on
  const noDeliveries = groups.some((g) => g.group === "test" && g.delivered === 0)
    ? _("No deliveries in this period to compare") : "";
  const money = (v) => (v == null ? DASH : fmtMoney(v));
  // a campaign's groups are pooled per customer across its mailings: they have no
  // funnel stages of their own (null), and columns of dashes only would say nothing
  const stages = ["sent", "delivered", "opened", "clicked"]
    .filter((k) => groups.some((g) => g[k] != null));
  let columns;
  const summary = withCsv(table(columns = [
    { label: _("Group"), cell: groupName, rowHeader: true },
    column("assigned", "assigned", (r) => fmtInt(r.assigned)),
    ...stages.map((k) => column(k, null, (r) => fmtInt(r[k]))),
    column("group_buyers", "buyers", (r) => fmtInt(r.buyers)),
    column("group_orders", null, (r) => fmtInt(r.orders)),
    column("group_revenue", "revenue", (r) => money(r.revenue), `, ${currencySymbol}`),
    column("group_conversion", "conversion", (r) => fmtPct(r.conversion)),
    column("revenue_per_customer", null, (r) => money(r.revenue_per_customer), `, ${currencySymbol}`),
    column("aov", null, (r) => money(r.aov), `, ${currencySymbol}`),
  ], groups, { className: "compact nowrap-head sticky-first group-cards" }), "groups", { columns, rows: groups,
    values: [groupName, ...["assigned", ...stages, "buyers", "orders",
      "revenue", "conversion", "revenue_per_customer", "aov"].map((k) => (r) => r[k])] });

  const cards = [];
  for (const row of groups) {
    const key = `groups.${groupKey(row)}`;
    const rows = [];
    const vc = row.vs_control;
    if (vc && anyBuyers) {
      rows.push(
        { key: `${key}.vs_control.conversion`, against: _("Control group"),
          label: term("group_conversion"),
          unit: PP(), uplift: vc.conversion_uplift, relative: vc.conversion_uplift_relative,
          ci: vc.conversion_ci, p: vc.conversion_p, significant: vc.conversion_significant },
        { key: `${key}.vs_control.rpc`, against: _("Control group"),
          label: `${term("revenue_per_customer")}, ${currencySymbol}`, unit: "", uplift: vc.rpc_uplift,
          relative: vc.rpc_uplift_relative, ci: vc.rpc_ci, p: vc.rpc_p,
          significant: vc.rpc_significant });
    }
    const va = row.vs_a;
    // against A alone, unadjusted: only where the pairwise comparison is missing
    if (va && !variants && (anyBuyers || anyClicks)) {
      const sig = (p) => (p == null ? null : p < 0.05);
      const why = noDeliveries;
      if (anyClicks) rows.push(
        { key: `${key}.vs_a.click_rate`, against: _("Variant {name}", { name: "A" }), label: term("click_rate"),
          unit: PP(),
          uplift: va.click_rate_uplift, relative: va.click_rate_uplift_relative,
          ci: va.click_rate_ci, p: va.click_rate_p, significant: sig(va.click_rate_p), why });
      if (anyBuyers) rows.push(
        { key: `${key}.vs_a.conversion`, against: _("Variant {name}", { name: "A" }), label: term("group_conversion"),
          unit: PP(), uplift: va.conversion_uplift, relative: va.conversion_uplift_relative,
          ci: va.conversion_ci, p: va.conversion_p, significant: sig(va.conversion_p), why });
    }
    if (rows.length) cards.push(comparisons(_("{group}: uplift and significance", { group: groupName(row) }), rows));
  }
  const pairs = variants && (anyBuyers || anyClicks) ? pairwise(variants, noDeliveries)
    : null;
  body.replaceChildren(...[
    el("p", { class: "caption" }, _("Orders of each group: all its customers' orders in the "
      + "attribution window after sending, attributed or not")),
    summary, el("div", { class: "comparisons" }, cards.length || pairs ? cards
      : emptyState((state.from || state.to ? _("No orders in this period") : _("No orders yet")), _("Uplift and significance appear "
        + "once the groups have orders (or clicks) to compare."))),
    pairs,
    cards.length || pairs ? cardTerms(["uplift", "ci_95", "significance",
      ...(pairs ? ["p_value", "p_adjusted"] : [])]) : null,
    el("p", { class: "note" }, _("Uplift in percentage points (pp) with the relative change in "
      + "brackets. Significant means p < 0.05: conversion by a two-proportion z-test, revenue "
      + "per customer by Welch's t-test.")),
  ].filter((node) => node != null));  // replaceChildren would write a null as "null"
}
