// Email open rate by hour: openers by the hour of their first open, in the
// recipients' local time or the company's, and as a weekday x hour grid.
import { categoryAxis, chartBox, draw, numbers, tooltipHtml, valueAxis } from "../charts.js";
import { _, companyTimezone, el, emptyState, fmtInt, fmtPct, ngettext, term, termLabel, tile, when, withCsv } from "../util.js";

const HOURS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`);
const WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
  _("Saturday"), _("Sunday")];
const WEEKDAYS_SHORT = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")];

function zoneSwitch(zone, onChange) {
  const button = (value, label) => el("button", {
    type: "button", class: "seg", "aria-pressed": String(zone === value),
    dataset: { zone: value }, onclick: () => zone !== value && onChange(value),
  }, label);
  return el("div", { class: "segmented", role: "group", "aria-label": _("Time zone of the hours") },
    button("recipient", _("Recipients' local time")),
    button("company", _("Company time ({zone})", { zone: companyTimezone })));
}

export function renderOpenHours(body, hours, state, { onZone }) {
  const zone = state.open_hours_zone || "recipient";
  const controls = el("div", { class: "controls" }, zoneSwitch(zone, onZone));
  if (!hours.openers) {
    body.replaceChildren(controls, emptyState((state.from || state.to ? _("No opens in this period") : _("No opens yet"))));
    return;
  }
  const peak = hours.counts.indexOf(Math.max(...hours.counts));
  const zoneName = zone === "company" ? _("company time, {zone}", { zone: hours.timezone })
    : _("each recipient's local time");
  const tiles = el("div", { class: "tiles" },
    tile(termLabel("openers"), fmtInt(hours.openers), "open_hours.openers"),
    tile(termLabel("busiest_hour"), HOURS[peak], "open_hours.peak",
      ngettext("{n} opener, {share}", "{n} openers, {share}", hours.counts[peak],
        { share: fmtPct(hours.percent[peak]) })));
  const bars = chartBox(_("Bar chart of openers by hour of day ({zone}); busiest hour {hour} "
    + "with {n} openers. The numbers are in the table below.", { zone: zoneName,
    hour: HOURS[peak], n: fmtInt(hours.counts[peak]) }),
  { height: 260 });
  const grid = chartBox(_("Heatmap of openers by weekday and hour ({zone}). The numbers are "
    + "in the table below.", { zone: zoneName }), { height: 280 });
  const zoneNote = () => el("p", { class: "caption chart-zone", dataset: { key: "open_hours.zone" } },
    _("Hours in {zone}", { zone: zoneName }));
  const hourRows = hours.counts.map((n, h) => ({ h, n, pct: hours.percent[h] }));
  const dayRows = hours.grid.map((row, d) => ({ d, row }));
  let byHour;
  let byDay;
  body.replaceChildren(controls, tiles, zoneNote(), bars,
    withCsv(numbers(_("Openers by hour as a table"), byHour = [
      { label: _("Hour"), cell: (r) => HOURS[r.h], rowHeader: true },
      { label: term("openers"), head: termLabel("openers"), num: true,
        key: (r) => `open_hours.counts.${r.h}`, cell: (r) => fmtInt(r.n) },
      { label: term("share_of_openers"), head: termLabel("share_of_openers"), num: true,
        key: (r) => `open_hours.percent.${r.h}`, cell: (r) => fmtPct(r.pct) },
    ], hourRows), "open_hours", { columns: byHour, rows: hourRows, part: "by-hour",
      values: [(r) => HOURS[r.h], (r) => r.n, (r) => r.pct] }),
    el("h3", {}, _("Weekday × hour")), zoneNote(), grid,
    withCsv(numbers(_("Openers by weekday and hour as a table"), byDay = [
      { label: _("Weekday"), cell: (r) => WEEKDAYS[r.d], rowHeader: true },
      ...HOURS.map((label, h) => ({ label: String(h), num: true, cell: (r) => fmtInt(r.row[h]) })),
    ], dayRows), "open_hours", { columns: byDay, rows: dayRows, part: "weekday-hour",
      values: [(r) => WEEKDAYS[r.d], ...HOURS.map((_, h) => (r) => r.row[h])] }));

  draw(bars, {
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" },
      formatter: (items) => {
        const h = items[0].dataIndex;
        return tooltipHtml(`${HOURS[h]}–${String(h).padStart(2, "0")}:59`, [
          [term("openers"), fmtInt(hours.counts[h])],
          [term("share_of_openers"), fmtPct(hours.percent[h])]]);
      } },
    xAxis: categoryAxis(HOURS, { boundaryGap: true }),
    yAxis: valueAxis(),
    series: [{ type: "bar", name: term("openers"), data: hours.counts, barMaxWidth: 28,
      itemStyle: { borderRadius: [3, 3, 0, 0] } }],
  });
  const cells = [];
  hours.grid.forEach((row, d) => row.forEach((n, h) => cells.push([h, d, n])));
  draw(grid, {
    grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
    tooltip: { confine: true, formatter: (p) => tooltipHtml(
      `${WEEKDAYS[p.value[1]]}, ${HOURS[p.value[0]]}`, [[term("openers"), fmtInt(p.value[2])]]) },
    xAxis: categoryAxis(HOURS, { boundaryGap: true,
      splitArea: { show: false } }),
    yAxis: { type: "category", data: WEEKDAYS_SHORT, inverse: true,
      axisTick: { show: false }, axisLine: { show: false } },
    visualMap: { min: 0, max: Math.max(1, ...cells.map((c) => c[2])), calculable: false,
      orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, itemWidth: 12,
      text: [_("more"), _("fewer")], inRange: { color: ["#eef2ff", "#818cf8", "#3730a3"] } },
    series: [{ type: "heatmap", data: cells, itemStyle: { borderColor: "#fff", borderWidth: 1 },
      emphasis: { itemStyle: { borderColor: "#0f172a", borderWidth: 1 } } }],
  });
}
