// Devices and clients: openers and clickers by the device, client and operating system
// of the open or click that made them so; machine opens and clicks (privacy proxies,
// link scanners) in a table of their own, never in the people's figures.
import { chartBox, draw, tooltipHtml, valueAxis } from "../charts.js";
import { _, ngettext, el, fmtInt, fmtPct, table, term, termLabel, tile, withCsv } from "../util.js";

const DIMENSIONS = [["device", "device_type"], ["client", "mail_client"], ["os", "operating_system"]];
const VIEWS = { opened: "device_openers", clicked: "device_clickers" };
const MACHINE = { machine_opened: "machine_openers", machine_clicked: "machine_clickers" };
const MOST_BARS = 10;

/** A horizontal bar chart of names and counts, largest on top. */
export function barsChart(label, rows, { name, count, fmt = fmtInt, seriesName }) {
  const shown = rows.slice(0, MOST_BARS);
  const box = chartBox(label, { height: 48 + 30 * shown.length, className: "bars" });
  return [box, () => draw(box, {
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" },
      formatter: (items) => tooltipHtml(name(shown[items[0].dataIndex]),
        [[seriesName, fmt(count(shown[items[0].dataIndex]))]]) },
    xAxis: valueAxis(),
    yAxis: { type: "category", data: shown.map(name), inverse: true, axisTick: { show: false },
      axisLine: { show: false }, axisLabel: { width: 150, overflow: "truncate" } },
    series: [{ type: "bar", name: seriesName, data: shown.map(count), barMaxWidth: 22,
      itemStyle: { borderRadius: [0, 3, 3, 0] } }],
  })];
}

function shareTable(block, kind, dim, termKey) {
  let columns;
  const rows = block[dim];
  const node = table(columns = [
    { label: term(termKey), head: termLabel(termKey), cell: (r) => shown(r.name), rowHeader: true },
    { label: _("Customers"), num: true, key: (r) => `devices.${kind}.${dim}.${r.name}`,
      cell: (r) => fmtInt(r.customers) },
    { label: _("Share"), num: true, key: (r) => `devices.${kind}.${dim}.${r.name}.percent`,
      cell: (r) => el("span", { class: "share" },
        el("span", { class: "share-bar", "aria-hidden": "true" },
          el("span", { style: `width:${r.percent ?? 0}%` })), fmtPct(r.percent)) },
  ], rows, { className: "compact" });
  return withCsv(node, "devices", { columns, rows, part: `${kind}-${dim}`,
    values: [(r) => r.name, (r) => r.customers, (r) => r.percent] });
}

function machineTable(devices) {
  const rows = Object.entries(MACHINE).flatMap(([kind, key]) =>
    devices[kind].client.map((r) => ({ kind, key, ...r })));
  if (!rows.length) return null;
  let columns;
  const node = table(columns = [
    { label: _("Machine event"), cell: (r) => termLabel(r.key), rowHeader: true },
    { label: term("mail_client"), cell: (r) => shown(r.name) },
    { label: _("Customers"), num: true, key: (r) => `devices.${r.kind}.client.${r.name}`,
      cell: (r) => fmtInt(r.customers) },
  ], rows, { className: "compact", caption: _("Privacy proxies and link scanners, by the "
    + "client they name: not in the figures above") });
  return withCsv(node, "devices", { columns, rows, part: "machine",
    values: [(r) => term(r.key), (r) => r.name, (r) => r.customers] });
}

/** Whether there is anything to show: people's or machines' opens or clicks. */
// the parser's device types and the word for what it could not tell, as a reader
// writes them; clients and systems are names (Outlook, iOS) and stay as they are
const SHOWN = { desktop: _("desktop"), mobile: _("mobile"), tablet: _("tablet"),
  unknown: _("unknown") };
const shown = (name) => SHOWN[name] ?? name;

export function devicesEmpty(devices) {
  return ![...Object.keys(VIEWS), ...Object.keys(MACHINE)].some((k) => devices[k].customers);
}

export function renderDevices(body, devices, state, view = null) {
  const kind = view || (devices.opened.customers ? "opened" : "clicked");
  const block = devices[kind];
  const button = (value) => el("button", { type: "button", class: "seg",
    "aria-pressed": String(kind === value), dataset: { view: value },
    onclick: () => kind !== value && renderDevices(body, devices, state, value) },
  term(VIEWS[value]));
  const controls = el("div", { class: "controls" }, el("div", { class: "segmented",
    role: "group", "aria-label": _("Whose devices") }, button("opened"), button("clicked")));
  const top = (dim) => block[dim].find((r) => r.name !== "unknown");
  const device = top("device");
  const client = top("client");
  const tiles = el("div", { class: "tiles" },
    tile(termLabel(VIEWS[kind]), fmtInt(block.customers), `devices.${kind}.customers`),
    device ? tile(_("Top device type"), shown(device.name),
      `devices.${kind}.top_device`, _("{share} of them", { share: fmtPct(device.percent) })) : null,
    client ? tile(_("Top email client"), client.name,
      `devices.${kind}.top_client`, _("{share} of them", { share: fmtPct(client.percent) })) : null);
  const parts = [controls, tiles];
  let drawBars = null;
  if (block.customers) {
    let bars;
    [bars, drawBars] = barsChart(_("Bar chart of “{what}” by “{by}”; the numbers are in the tables below.",
      { what: term(VIEWS[kind]), by: term("mail_client") }),
    block.client, { name: (r) => shown(r.name), count: (r) => r.customers,
      seriesName: _("Customers") });
    parts.push(bars, el("div", { class: "device-tables" },
      DIMENSIONS.map(([dim, key]) => shareTable(block, kind, dim, key))));
  } else {
    parts.push(el("p", { class: "muted" }, _("No “{what}” in this report's period.",
      { what: term(VIEWS[kind]) })));
  }
  const machines = machineTable(devices);
  if (machines) parts.push(el("h3", {}, _("Machine opens and clicks")), machines);
  body.replaceChildren(...parts);
  if (drawBars) drawBars();
}
