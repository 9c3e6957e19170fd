// Regions: openers, clickers, ordered customers and attributed revenue by the
// customers' region, as a bar chart of openers and a table of every region.
import { _, currencySymbol, ngettext, fmtInt, fmtMoney, table, term, termLabel, withCsv } from "../util.js";
import { barsChart } from "./devices.js";

// a region is the CRM's name for it; "unknown" is the report's word for none given
const regionName = (region) => (region === "unknown" ? _("unknown") : region);

export function regionsEmpty(regions) {
  return !regions.rows.length;
}

export function renderRegions(body, regions) {
  const rows = regions.rows;
  const [bars, drawBars] = barsChart(_("Bar chart of openers by region, the {n} with the most; every region is in "
    + "the table below.", { n: fmtInt(Math.min(10, rows.length)) }),
  [...rows].sort((a, b) => b.opened - a.opened || b.ordered - a.ordered), {
    name: (r) => regionName(r.region), count: (r) => r.opened, seriesName: term("opened") });
  let columns;
  const list = table(columns = [
    { label: term("region"), head: termLabel("region"), cell: (r) => regionName(r.region),
      rowHeader: true },
    { label: term("opened"), head: termLabel("opened"), num: true,
      key: (r) => `regions.${r.region}.opened`, cell: (r) => fmtInt(r.opened) },
    { label: term("clicked"), head: termLabel("clicked"), num: true,
      key: (r) => `regions.${r.region}.clicked`, cell: (r) => fmtInt(r.clicked) },
    { label: term("buyers"), head: termLabel("buyers"), num: true,
      key: (r) => `regions.${r.region}.ordered`, cell: (r) => fmtInt(r.ordered) },
    { label: `${term("region_revenue")}, ${currencySymbol}`, head: termLabel("region_revenue", `, ${currencySymbol}`),
      num: true, key: (r) => `regions.${r.region}.revenue`, cell: (r) => fmtMoney(r.revenue) },
  ], rows, { className: "compact", caption: ngettext("{n} region with openers, clickers or buyers",
    "{n} regions with openers, clickers or buyers", rows.length) });
  body.replaceChildren(bars, withCsv(list, "regions", { columns, rows,
    values: [(r) => r.region, (r) => r.opened, (r) => r.clicked, (r) => r.ordered,
      (r) => r.revenue] }));
  drawBars();
}
