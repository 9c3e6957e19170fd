// Orders placed: attributed receipts, orders and revenue by day.
import { axisTooltip, categoryAxis, chartBox, draw, lineSeries, numbers, PALETTE, tooltipHtml,
  valueAxis } from "../charts.js";
import { _, currencySymbol, el, emptyState, fmtCurrency, fmtDay, fmtInt, fmtMoney, ngettext, term, termLabel, tile, when,
  withCsv } from "../util.js";
import { wholeMoney } from "./headline.js";

export function renderOrders(body, orders, state) {
  const days = orders.daily;
  const tiles = el("div", { class: "tiles" },
    tile(termLabel("receipts"), fmtInt(orders.receipts), "orders.receipts", _("in-store purchases")),
    tile(termLabel("orders"), fmtInt(orders.orders), "orders.orders", _("online")),
    tile(termLabel("revenue"), wholeMoney(orders.revenue), "orders.revenue"));
  const [receipts, ordersName, revenue] = [term("receipts"), term("orders"),
    `${term("revenue")}, ${currencySymbol}`];
  const any = days.some((d) => d.receipts || d.orders);
  if (!any) {
    body.replaceChildren(tiles, emptyState((state.from || state.to ? _("No orders attributed to this mailing in this period") : _("No orders attributed to this mailing yet")),
      _("Orders count when a customer buys within the attribution window after the mailing.")));
    return;
  }
  const dayCount = ngettext("{n} day", "{n} days", days.length);
  const chart = chartBox(_("Line chart of receipts, orders and revenue by day, from {from} to "
    + "{to} ({days}); totals: receipts {receipts}, orders {orders}, revenue {revenue}. The "
    + "numbers are in the table below.", { from: fmtDay(days[0].date),
    to: fmtDay(days[days.length - 1].date), days: dayCount,
    receipts: fmtInt(orders.receipts), orders: fmtInt(orders.orders),
    revenue: fmtCurrency(orders.revenue) }));
  let columns;
  body.replaceChildren(tiles, chart, withCsv(numbers(_("Orders by day as a table"), columns = [
    { label: _("Date"), cell: (d) => fmtDay(d.date), rowHeader: true, foot: () => _("Total") },
    { label: receipts, head: termLabel("receipts"), num: true, cell: (d) => fmtInt(d.receipts),
      foot: (t) => fmtInt(t.receipts) },
    { label: ordersName, head: termLabel("orders"), num: true, cell: (d) => fmtInt(d.orders),
      foot: (t) => fmtInt(t.orders) },
    { label: revenue, head: termLabel("revenue", `, ${currencySymbol}`), num: true,
      cell: (d) => fmtMoney(d.revenue),
      foot: (t) => fmtMoney(t.revenue) },
  ], days, orders), "orders", { columns, rows: days,
    values: [(d) => d.date, (d) => d.receipts, (d) => d.orders, (d) => d.revenue] }));
  draw(chart, {
    legend: { type: "scroll", top: 0, left: 0 },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    tooltip: axisTooltip((i) => tooltipHtml(fmtDay(days[i].date), [
      [receipts, fmtInt(days[i].receipts), PALETTE[0]],
      [ordersName, fmtInt(days[i].orders), PALETTE[1]],
      [revenue, fmtMoney(days[i].revenue), PALETTE[2]],
    ])),
    xAxis: categoryAxis(days.map((d) => fmtDay(d.date, true))),
    yAxis: [valueAxis({ name: _("Receipts / orders"), nameTextStyle: { align: "left" } }),
      valueAxis({ name: revenue, minInterval: 0, splitLine: { show: false },
        nameTextStyle: { align: "right" } })],
    series: [
      lineSeries(receipts, days.map((d) => d.receipts)),
      lineSeries(ordersName, days.map((d) => d.orders)),
      lineSeries(revenue, days.map((d) => Number(d.revenue)),
        { yAxisIndex: 1, lineStyle: { type: "dashed" } }),
    ],
  });
}
