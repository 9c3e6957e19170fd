// Regions: openers, clickers, ordered customers and attributed revenue by the
// customers' region, as a bar chart of openers and a table of every region.
import { currency, fmtInt, fmtMoney, table, term, termLabel, withCsv } from "../util.js";
import { barsChart } from "./devices.js";

export function regionsEmpty(regions) {
  return !regions.rows.length;
}

export function renderRegions(body, regions) {
  const rows = regions.rows;
  const [bars, drawBars] = barsChart(`Bar chart of openers by region, the ${Math.min(10,
    rows.length)} with the most; every region is in the table below.`,
  [...rows].sort((a, b) => b.opened - a.opened || b.ordered - a.ordered), {
    name: (r) => r.region, count: (r) => r.opened, seriesName: term("opened") });
  let columns;
  const list = table(columns = [
    { label: term("region"), head: termLabel("region"), cell: (r) => r.region, rowHeader: true },
    { label: term("opened"), head: termLabel("opened"), num: true,
      key: (r) => `regions.${r.region}.opened`, cell: (r) => fmtInt(r.opened) },
    { label: term("clicked"), head: termLabel("clicked"), num: true,
      key: (r) => `regions.${r.region}.clicked`, cell: (r) => fmtInt(r.clicked) },
    { label: term("buyers"), head: termLabel("buyers"), num: true,
      key: (r) => `regions.${r.region}.ordered`, cell: (r) => fmtInt(r.ordered) },
    { label: `${term("region_revenue")}, ${currency}`, head: termLabel("region_revenue", `, ${currency}`),
      num: true, key: (r) => `regions.${r.region}.revenue`, cell: (r) => fmtMoney(r.revenue) },
  ], rows, { className: "compact", caption: `${rows.length} ${rows.length === 1 ? "region"
    : "regions"} with openers, clickers or buyers` });
  body.replaceChildren(bars, withCsv(list, "regions", { columns, rows,
    values: [(r) => r.region, (r) => r.opened, (r) => r.clicked, (r) => r.ordered,
      (r) => r.revenue] }));
  drawBars();
}
