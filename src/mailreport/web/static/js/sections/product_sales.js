// Product sales: the top 25 categories in the receipts the mailing brought. Sorting
// and searching ask the API again (the top 25 depends on both); the ring chart
// shows the current sort measure.
import { chartBox, draw, tooltipHtml } from "../charts.js";
import { currency, el, emptyState, fmtInt, fmtMoney, fmtNumber, table, term, when, withCsv } from "../util.js";

const MEASURES = {
  units: { label: term("units"), fmt: fmtNumber },
  revenue: { label: `${term("product_revenue")}, ${currency}`, fmt: fmtMoney },
  receipts: { label: term("product_receipts"), fmt: fmtInt },
};

function sortHeader(measure, current, onSort) {
  const active = measure === current;
  return el("button", { type: "button", class: `sort${active ? " active" : ""}`,
    dataset: { sort: measure }, onclick: () => !active && onSort(measure),
    "aria-label": active ? `${MEASURES[measure].label}, sorted, largest first`
      : `Sort by ${MEASURES[measure].label.toLowerCase()}` },
  MEASURES[measure].label, el("span", { class: "sort-mark", "aria-hidden": "true" },
    active ? "▼" : "↕"));
}

function controls(state, { onSearch, onSelect, selectOptions }) {
  const input = el("input", { type: "search", name: "search", value: state.search || "",
    placeholder: "Category name", id: "product-search", autocomplete: "off" });
  const form = el("form", { class: "search", role: "search",
    onsubmit: (e) => { e.preventDefault(); onSearch(input.value.trim()); } },
  el("label", { for: "product-search", class: "visually-hidden" }, "Search categories"),
  input, el("button", { type: "submit", class: "btn" }, "Search"),
  state.search ? el("button", { type: "button", class: "btn btn-quiet",
    onclick: () => onSearch("") }, "Clear") : null);
  let select = null;
  if (selectOptions && selectOptions.length > 1) {
    const current = state.group ? `group:${state.group}`
      : state.variant_id ? `variant:${state.variant_id}` : "";
    select = el("label", { class: "select" }, "Orders of ",
      el("select", { id: "product-group", onchange: (e) => onSelect(e.target.value) },
        selectOptions.map((o) => el("option", { value: o.value,
          selected: o.value === current }, o.label))));
  }
  return el("div", { class: "controls" }, form, select);
}

export function renderProductSales(body, sales, state, handlers) {
  const sort = sales.sort;
  const top = controls(state, handlers);
  if (!sales.rows.length) {
    body.replaceChildren(top, sales.search
      ? emptyState(`No categories match “${sales.search}”`)
      : emptyState(`No product sales ${when(state)}`));
    return;
  }
  const columns = [
    { label: "#", num: true, cell: (r) => String(r.rank) },
    { label: "Category", cell: (r) => r.category, key: (r) => `product_sales.${r.rank}.category` },
    ...Object.keys(MEASURES).map((m) => ({
      label: MEASURES[m].label, num: true, head: sortHeader(m, sort, handlers.onSort),
      ariaSort: m === sort ? "descending" : undefined,
      key: (r) => `product_sales.${r.rank}.${m}`, cell: (r) => MEASURES[m].fmt(r[m]) })),
  ];
  const rows = sales.rows.map((r, i) => ({ ...r, rank: i + 1 }));
  const measure = MEASURES[sort];
  const list = table(columns, rows, { className: "compact", caption: `Top ${rows.length} `
    + `${rows.length === 1 ? "category" : "categories"} by ${measure.label.toLowerCase()}; `
    + "a column header sorts by it" });
  const listOut = withCsv(list, "product_sales", { columns, rows,
    values: [(r) => r.rank, (r) => r.category, ...Object.keys(MEASURES).map((m) => (r) => r[m])] });
  // a ring of one segment is a full circle that says nothing: the table alone
  if (rows.length < 2) {
    body.replaceChildren(top, listOut);
    return;
  }
  const ring = chartBox(`Ring chart of the top ${rows.length} categories by `
    + `${measure.label.toLowerCase()}; the numbers are in the table.`, { height: 340,
    className: "ring" });
  body.replaceChildren(top, el("div", { class: "split" }, listOut,
    el("div", { class: "ring-box" }, ring,
      el("p", { class: "note" }, `Share of ${measure.label.toLowerCase()}; hover or tap a `
        + "segment for its category"))));
  draw(ring, {
    tooltip: { trigger: "item", confine: true,
      formatter: (p) => tooltipHtml(p.name, [[measure.label, measure.fmt(p.value)],
        ["Share", `${p.percent.toFixed(1)}%`]]) },
    series: [{
      type: "pie", radius: ["45%", "72%"], avoidLabelOverlap: true,
      itemStyle: { borderColor: "#fff", borderWidth: 2, borderRadius: 4 },
      label: { show: false, position: "center" },
      emphasis: { label: { show: true, fontSize: 14, fontWeight: 600, overflow: "truncate",
        width: 140, formatter: (p) => `${p.name}\n${measure.fmt(p.value)}` } },
      data: rows.map((r) => ({ name: r.category, value: Number(r[sort]) })),
    }],
  });
}
