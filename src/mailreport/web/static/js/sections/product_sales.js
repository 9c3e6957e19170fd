// Product sales: the top 25 categories in the receipts the mailing brought. Sorting
// and searching ask the API again (the top 25 depends on both); the ring chart
// shows the current sort measure.
import { chartBox, draw, tooltipHtml } from "../charts.js";
import { _, ngettext, currencySymbol, el, fmtPct, emptyState, fmtInt, fmtMoney, fmtNumber, table, term, when, withCsv } from "../util.js";

const MEASURES = {
  units: { label: term("units"), fmt: fmtNumber },
  revenue: { label: `${term("product_revenue")}, ${currencySymbol}`, fmt: fmtMoney },
  receipts: { label: term("product_receipts"), fmt: fmtInt },
};

// the units of measure of the data contract (products.unit), as a reader writes them
const UNIT_NAMES = { pcs: _("pcs"), kg: _("kg"), l: _("l"), m: _("m") };
const unitName = (unit) => UNIT_NAMES[unit] ?? unit;

/** The measures the table shows and sorts by: with products sold in several units
 * of measure, one units column per unit (pieces and kilograms never add up), each
 * ranking by its own unit. */
function measuresOf(sales) {
  const units = sales.units_of_measure || [];
  if (units.length < 2) {
    return Object.entries(MEASURES).map(([m, d]) => ({ ...d, sort: m, unit: "",
      value: (r) => r[m], active: sales.sort === m }));
  }
  return [
    ...units.map((u) => ({ label: `${term("units")}, ${unitName(u)}`, fmt: fmtNumber, sort: "units",
      unit: u, value: (r) => r.units_by_unit[u] || 0,
      active: sales.sort === "units" && sales.unit === u })),
    ...["revenue", "receipts"].map((m) => ({ ...MEASURES[m], sort: m, unit: "",
      value: (r) => r[m], active: sales.sort === m })),
  ];
}

function sortHeader(measure, onSort) {
  const active = measure.active;
  return el("button", { type: "button", class: `sort${active ? " active" : ""}`,
    dataset: { sort: measure.sort, unit: measure.unit },
    onclick: () => !active && onSort(measure.sort, measure.unit),
    "aria-label": active ? _("{column}, sorted, largest first", { column: measure.label })
      : _("Sort by “{column}”", { column: measure.label }) },
  measure.label, el("span", { class: "sort-mark", "aria-hidden": "true" },
    active ? "▼" : "↕"));
}

function controls(state, { onSearch, onSelect, selectOptions }) {
  const input = el("input", { type: "search", name: "search", value: state.search || "",
    placeholder: _("Category name"), id: "product-search", autocomplete: "off" });
  const form = el("form", { class: "search", role: "search",
    onsubmit: (e) => { e.preventDefault(); onSearch(input.value.trim()); } },
  el("label", { for: "product-search", class: "visually-hidden" }, _("Search categories")),
  input, el("button", { type: "submit", class: "btn" }, _("Search")),
  state.search ? el("button", { type: "button", class: "btn btn-quiet",
    onclick: () => onSearch("") }, _("Clear")) : null);
  let select = null;
  if (selectOptions && selectOptions.length > 1) {
    const current = state.group ? `group:${state.group}`
      : state.variant_id ? `variant:${state.variant_id}` : "";
    select = el("label", { class: "select" }, _("Orders of") + " ",
      el("select", { id: "product-group", onchange: (e) => onSelect(e.target.value) },
        selectOptions.map((o) => el("option", { value: o.value,
          selected: o.value === current }, o.label))));
  }
  return el("div", { class: "controls" }, form, select);
}

export function renderProductSales(body, sales, state, handlers) {
  const measures = measuresOf(sales);
  const top = controls(state, handlers);
  if ((sales.units_of_measure || []).length > 1) {
    top.append(el("p", { class: "note", id: "product-units-note" },
      _("Products here are sold in {units}: a units column ranks by its own unit, so pieces "
        + "and weights are never added together.", { units: sales.units_of_measure.map(unitName).join(", ") })));
  }
  if (!sales.rows.length) {
    body.replaceChildren(top, sales.search
      ? emptyState(_("No categories match “{search}”", { search: sales.search }))
      : emptyState((state.from || state.to ? _("No product sales in this period") : _("No product sales yet"))));
    return;
  }
  const columns = [
    { label: "#", num: true, cell: (r) => String(r.rank) },
    { label: _("Category"), cell: (r) => r.category, key: (r) => `product_sales.${r.rank}.category` },
    ...measures.map((m) => ({
      label: m.label, num: true, head: sortHeader(m, handlers.onSort),
      ariaSort: m.active ? "descending" : undefined,
      key: (r) => `product_sales.${r.rank}.${m.unit ? `units_by_unit.${m.unit}` : m.sort}`,
      cell: (r) => m.fmt(m.value(r)) })),
  ];
  const rows = sales.rows.map((r, i) => ({ ...r, rank: i + 1 }));
  const measure = measures.find((m) => m.active) || measures[0];
  const list = table(columns, rows, { className: "compact", caption: ngettext("Top {n} category by “{measure}”; a column header sorts by it",
    "Top {n} categories by “{measure}”; a column header sorts by it", rows.length,
    { measure: measure.label }) });
  const listOut = withCsv(list, "product_sales", { columns, rows,
    values: [(r) => r.rank, (r) => r.category, ...measures.map((m) => m.value)] });
  // a ring of one segment is a full circle that says nothing: the table alone
  if (rows.length < 2) {
    body.replaceChildren(top, listOut);
    return;
  }
  const ring = chartBox(_("Ring chart of the top {n} categories by “{measure}”; the numbers "
    + "are in the table.", { n: fmtInt(rows.length), measure: measure.label }), { height: 340,
    className: "ring" });
  body.replaceChildren(top, el("div", { class: "split" }, listOut,
    el("div", { class: "ring-box" }, ring,
      el("p", { class: "note" }, _("Share of “{measure}”; hover or tap a segment for its "
        + "category", { measure: measure.label })))));
  draw(ring, {
    tooltip: { trigger: "item", confine: true,
      formatter: (p) => tooltipHtml(p.name, [[measure.label, measure.fmt(p.value)],
        [_("Share"), fmtPct(p.percent)]]) },
    series: [{
      type: "pie", radius: ["45%", "72%"], avoidLabelOverlap: true,
      itemStyle: { borderColor: "#fff", borderWidth: 2, borderRadius: 4 },
      label: { show: false, position: "center" },
      emphasis: { label: { show: true, fontSize: 14, fontWeight: 600, overflow: "truncate",
        width: 140, formatter: (p) => `${p.name}\n${measure.fmt(p.value)}` } },
      data: rows.map((r) => ({ name: r.category, value: Number(measure.value(r)) })),
    }],
  });
}
