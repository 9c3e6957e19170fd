// Email open rate by hour: openers by the hour of their first open, in the
// recipients' local time or the company's, and as a weekday x hour grid.
import { categoryAxis, chartBox, draw, numbers, tooltipHtml, valueAxis } from "../charts.js";
import { companyTimezone, el, emptyState, fmtInt, fmtPct, term, termLabel, tile, when, withCsv } from "../util.js";

const HOURS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`);
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function zoneSwitch(zone, onChange) {
  const button = (value, label) => el("button", {
    type: "button", class: "seg", "aria-pressed": String(zone === value),
    dataset: { zone: value }, onclick: () => zone !== value && onChange(value),
  }, label);
  return el("div", { class: "segmented", role: "group", "aria-label": "Time zone of the hours" },
    button("recipient", "Recipients' local time"),
    button("company", `Company time (${companyTimezone})`));
}

export function renderOpenHours(body, hours, state, { onZone }) {
  const zone = state.open_hours_zone || "recipient";
  const controls = el("div", { class: "controls" }, zoneSwitch(zone, onZone));
  if (!hours.openers) {
    body.replaceChildren(controls, emptyState(`No opens ${when(state)}`));
    return;
  }
  const peak = hours.counts.indexOf(Math.max(...hours.counts));
  const zoneName = zone === "company" ? hours.timezone : "each recipient's local time";
  const tiles = el("div", { class: "tiles" },
    tile(termLabel("openers"), fmtInt(hours.openers), "open_hours.openers"),
    tile(termLabel("busiest_hour"), HOURS[peak], "open_hours.peak",
      `${fmtInt(hours.counts[peak])} ${term("openers").toLowerCase()}, `
      + `${fmtPct(hours.percent[peak])}`));
  const bars = chartBox(`Bar chart of openers by hour of day in ${zoneName}; busiest hour `
    + `${HOURS[peak]} with ${hours.counts[peak]} openers. The numbers are in the table below.`,
  { height: 260 });
  const grid = chartBox(`Heatmap of openers by weekday and hour in ${zoneName}. `
    + "The numbers are in the table below.", { height: 280 });
  const hourRows = hours.counts.map((n, h) => ({ h, n, pct: hours.percent[h] }));
  const dayRows = hours.grid.map((row, d) => ({ d, row }));
  let byHour;
  let byDay;
  body.replaceChildren(controls, tiles, bars,
    withCsv(numbers("Openers by hour as a table", byHour = [
      { label: "Hour", cell: (r) => HOURS[r.h], rowHeader: true },
      { label: term("openers"), head: termLabel("openers"), num: true,
        key: (r) => `open_hours.counts.${r.h}`, cell: (r) => fmtInt(r.n) },
      { label: term("share_of_openers"), head: termLabel("share_of_openers"), num: true,
        key: (r) => `open_hours.percent.${r.h}`, cell: (r) => fmtPct(r.pct) },
    ], hourRows), "open_hours", { columns: byHour, rows: hourRows, part: "by-hour",
      values: [(r) => HOURS[r.h], (r) => r.n, (r) => r.pct] }),
    el("h3", {}, "Weekday × hour"), grid,
    withCsv(numbers("Openers by weekday and hour as a table", byDay = [
      { label: "Weekday", cell: (r) => WEEKDAYS[r.d], rowHeader: true },
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
    xAxis: categoryAxis(HOURS.map((h) => h.slice(0, 2)), { boundaryGap: true }),
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
    xAxis: categoryAxis(HOURS.map((h) => h.slice(0, 2)), { boundaryGap: true,
      splitArea: { show: false } }),
    yAxis: { type: "category", data: WEEKDAYS.map((d) => d.slice(0, 3)), inverse: true,
      axisTick: { show: false }, axisLine: { show: false } },
    visualMap: { min: 0, max: Math.max(1, ...cells.map((c) => c[2])), calculable: false,
      orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, itemWidth: 12,
      text: ["more", "fewer"], inRange: { color: ["#eef2ff", "#818cf8", "#3730a3"] } },
    series: [{ type: "heatmap", data: cells, itemStyle: { borderColor: "#fff", borderWidth: 1 },
      emphasis: { itemStyle: { borderColor: "#0f172a", borderWidth: 1 } } }],
  });
}
