// Groups report: each variant and the test group against the control group, and
// variants against A, with the uplift, its 95% interval and the verdict in words.
import { currency, DASH, el, emptyState, fmtInt, fmtMoney, fmtP, fmtPct, fmtSigned, table,
  when } from "../util.js";

export function groupName(row) {
  if (row.group === "control") return "Control group";
  return row.variant_id == null ? "Test group (all)" : `Variant ${row.variant_id}`;
}

function groupKey(row) {
  return row.group === "control" ? "control" : row.variant_id == null ? "test" : row.variant_id;
}

function interval(ci, unit) {
  if (!ci) return DASH;
  return `${fmtSigned(ci[0], unit)} to ${fmtSigned(ci[1], unit)}`;
}

function verdict(significant, p, better, why = "") {
  if (significant == null || p == null) {
    return el("span", { class: "verdict verdict-none" }, why || "Not enough data to test");
  }
  if (!significant) {
    return el("span", { class: "verdict verdict-no" }, `Not significant (${fmtP(p)})`);
  }
  return el("span", { class: `verdict ${better ? "verdict-up" : "verdict-down"}` },
    `Significant: ${better ? "better" : "worse"} (${fmtP(p)})`);
}

/** One table per group: each comparison it is part of, one row per metric. */
function comparisons(title, rows) {
  return el("div", { class: "comparison" },
    el("h3", {}, title),
    table([
      { label: "Metric", cell: (m) => m.label, rowHeader: true },
      { label: "Compared with", cell: (m) => m.against },
      { label: "Uplift", num: true, key: (m) => `${m.key}.uplift`,
        cell: (m) => `${fmtSigned(m.uplift, m.unit)}${m.relative == null ? ""
          : ` (${fmtSigned(m.relative, "%")})`}` },
      { label: "95% interval", num: true, cell: (m) => interval(m.ci, m.unit) },
      { label: "Significance", key: (m) => `${m.key}.verdict`,
        cell: (m) => verdict(m.significant, m.p, (m.uplift ?? 0) > 0, m.why) },
    ], rows, { className: "compact cards-on-phone" }));
}

export function renderGroups(body, groups, state = {}) {
  // a comparison of nothing against nothing (a period with no orders, or no clicks) is
  // "p = 1.000" rows that say nothing: left out, and the page says why
  const anyBuyers = groups.some((g) => g.buyers);
  const anyClicks = groups.some((g) => g.clicked);
  const money = (v) => (v == null ? DASH : fmtMoney(v));
  const summary = table([
    { label: "Group", cell: groupName, rowHeader: true },
    { label: "Assigned", num: true, key: (r) => `groups.${groupKey(r)}.assigned`, cell: (r) => fmtInt(r.assigned) },
    { label: "Sent", num: true, cell: (r) => fmtInt(r.sent) },
    { label: "Delivered", num: true, cell: (r) => fmtInt(r.delivered) },
    { label: "Opened", num: true, cell: (r) => fmtInt(r.opened) },
    { label: "Clicked", num: true, cell: (r) => fmtInt(r.clicked) },
    { label: "Buyers", num: true, key: (r) => `groups.${groupKey(r)}.buyers`, cell: (r) => fmtInt(r.buyers) },
    { label: "Orders", num: true, cell: (r) => fmtInt(r.orders) },
    { label: `Revenue, ${currency}`, num: true, key: (r) => `groups.${groupKey(r)}.revenue`, cell: (r) => money(r.revenue) },
    { label: "Conversion", num: true, key: (r) => `groups.${groupKey(r)}.conversion`, cell: (r) => fmtPct(r.conversion) },
    { label: "Per customer", num: true, cell: (r) => money(r.revenue_per_customer) },
    { label: "Avg order", num: true, cell: (r) => money(r.aov) },
  ], groups, { className: "compact nowrap-head sticky-first" });

  const cards = [];
  for (const row of groups) {
    const key = `groups.${groupKey(row)}`;
    const rows = [];
    const vc = row.vs_control;
    if (vc && anyBuyers) {
      rows.push(
        { key: `${key}.vs_control.conversion`, against: "Control group", label: "Conversion",
          unit: " pp", uplift: vc.conversion_uplift, relative: vc.conversion_uplift_relative,
          ci: vc.conversion_ci, p: vc.conversion_p, significant: vc.conversion_significant },
        { key: `${key}.vs_control.rpc`, against: "Control group",
          label: `Revenue per customer, ${currency}`, unit: "", uplift: vc.rpc_uplift,
          relative: vc.rpc_uplift_relative, ci: vc.rpc_ci, p: vc.rpc_p,
          significant: vc.rpc_significant });
    }
    const va = row.vs_a;
    if (va && (anyBuyers || anyClicks)) {
      const sig = (p) => (p == null ? null : p < 0.05);
      // rates of delivered: a period without the send day has no deliveries to test on
      const why = groups.some((g) => g.group === "test" && g.delivered === 0)
        ? "No deliveries in this period to compare" : "";
      if (anyClicks) rows.push(
        { key: `${key}.vs_a.click_rate`, against: "Variant A", label: "Click rate", unit: " pp",
          uplift: va.click_rate_uplift, relative: va.click_rate_uplift_relative,
          ci: va.click_rate_ci, p: va.click_rate_p, significant: sig(va.click_rate_p), why });
      if (anyBuyers) rows.push(
        { key: `${key}.vs_a.conversion`, against: "Variant A", label: "Conversion", unit: " pp",
          uplift: va.conversion_uplift, relative: va.conversion_uplift_relative,
          ci: va.conversion_ci, p: va.conversion_p, significant: sig(va.conversion_p), why });
    }
    if (rows.length) cards.push(comparisons(`${groupName(row)}: uplift and significance`, rows));
  }
  body.replaceChildren(
    el("p", { class: "caption" }, "Orders of each group: all its customers' orders in the "
      + "attribution window after sending, attributed or not"),
    summary, el("div", { class: "comparisons" }, cards.length ? cards
      : emptyState(`No orders ${when(state)}`, "Uplift and significance appear once the "
        + "groups have orders (or clicks) to compare.")),
    el("p", { class: "note" }, "Uplift in percentage points (pp) with the relative change in "
      + "brackets. Significant means p < 0.05: conversion by a two-proportion z-test, revenue "
      + "per customer by Welch's t-test."));
}
