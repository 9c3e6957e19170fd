// Thin wrappers over the vendored Apache ECharts (a classic script: window.echarts).
// Every chart also gets its numbers as text: an aria-label summary on the chart and
// a collapsible table next to it.

import { el, fmtCompact, fmtNumber, table } from "./util.js";

/** A value axis's tick as the locale writes numbers: "1 500", "1,2 млн". */
export function axisNumber(v) {
  return Math.abs(v) >= 1e6 ? fmtCompact(v) : fmtNumber(v, 2);
}

export const PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6",
  "#14b8a6", "#ec4899", "#84cc16", "#64748b"];

const TEXT = "#334155";
const GRID_LINE = "#e2e8f0";

const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) window.echarts.getInstanceByDom(entry.target)?.resize();
});

/** A chart container with an accessible summary; call draw(node, option) once attached. */
export function chartBox(label, { height = 300, className = "" } = {}) {
  return el("div", { class: `chart ${className}`, role: "img", "aria-label": label,
    style: `height:${height}px` });
}

// A legend across the top and the names of the value axes, which sit just above the
// plot, would share one strip (the names under the legend's labels): with both, the
// plot starts lower and the names get a row of their own.
const BELOW_LEGEND = 56;

function clearOfLegend(option) {
  const named = [option.yAxis].flat().some((axis) => axis?.name);
  if (!named || option.legend?.top == null || !option.grid) return option;
  return { ...option, grid: { ...option.grid,
    top: Math.max(option.grid.top ?? 0, BELOW_LEGEND) } };
}

// A touch screen has no hover: a tap shows what hovering shows, and the tooltip stays
// inside the chart, whose edges on a phone are the screen's.
function tappable(option) {
  if (!option.tooltip) return option;
  return { ...option, tooltip: { triggerOn: "mousemove|click", ...option.tooltip,
    confine: true } };
}

export function draw(node, option) {
  const echarts = window.echarts;
  let chart = echarts.getInstanceByDom(node);
  if (!chart) {
    chart = echarts.init(node, null, { renderer: "canvas" });
    resizer.observe(node);
  }
  chart.setOption({
    color: PALETTE,
    textStyle: { fontFamily: "inherit", color: TEXT },
    animationDuration: 300,
    ...tappable(clearOfLegend(option)),
  }, true);
  return chart;
}

/** The numbers behind a chart, as a table the user can open. */
export function numbers(summary, columns, rows, footer) {
  return el("details", { class: "numbers" }, el("summary", {}, summary),
    table(columns, rows, { footer, className: "compact" }));
}

export function axisTooltip(formatRow) {
  return {
    trigger: "axis",
    confine: true,
    formatter: (items) => formatRow(items[0].dataIndex),
  };
}

export function categoryAxis(labels, extra = {}) {
  return {
    type: "category", data: labels, boundaryGap: extra.boundaryGap ?? false,
    axisLine: { lineStyle: { color: GRID_LINE } }, axisTick: { show: false },
    axisLabel: { color: TEXT, hideOverlap: true }, ...extra,
  };
}

export function valueAxis(extra = {}) {
  return {
    type: "value", minInterval: 1,
    splitLine: { lineStyle: { color: GRID_LINE } },
    ...extra, axisLabel: { color: TEXT, formatter: axisNumber, ...extra.axisLabel },
  };
}

export function lineSeries(name, data, extra = {}) {
  return { name, type: "line", data, smooth: false, symbol: "circle", symbolSize: 6,
    showSymbol: data.length < 60, ...extra };
}

/** HTML for a tooltip: a heading and label/value lines (values already formatted). */
export function tooltipHtml(heading, lines) {
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<div class="tt"><strong>${esc(heading)}</strong>${lines.map(([label, value, color]) =>
    `<div>${color ? `<span class="tt-dot" style="background:${color}"></span>` : ""}`
    + `${esc(label)}: <b>${esc(value)}</b></div>`).join("")}</div>`;
}
