// Mailing efficiency: the funnel, each stage with its share of the one before; all
// attributed buyers beside it; spam and unsubscribes; and the stages day by day. Each stage links to its customer list.
import { axisTooltip, categoryAxis, chartBox, draw, lineSeries, numbers, PALETTE, tooltipHtml,
  valueAxis } from "../charts.js";
import { _, ngettext, el, emptyState, fmtDay, fmtInt, fmtPct, term, termLabel, when, withCsv } from "../util.js";

// each stage's glossary term (mailreport/glossary.py): its name, and its definition on hover
const TERMS = { sent: "sent", delivered: "delivered", opened: "opened", clicked: "clicked",
  ordered: "buyers", ordered_after_click: "ordered_after_click", spam: "spam",
  unsubscribed: "unsubscribed" };
const LABELS = Object.fromEntries(Object.entries(TERMS).map(([stage, key]) => [stage, term(key)]));

// stages with a customer list behind them (DESIGN.md, "Customer lists")
const LISTED = new Set(["sent", "delivered", "opened", "clicked", "ordered"]);

const MAGNIFIER = '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" '
  + 'focusable="false"><circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" '
  + 'stroke-width="2.2"/><path d="M15.5 15.5 21 21" stroke="currentColor" stroke-width="2.4" '
  + 'stroke-linecap="round"/></svg>';

function magnifier(href, stage) {
  const link = el("a", { class: "icon-btn", href, dataset: { stage },
    "aria-label": _("Customers: {stage}", { stage: LABELS[stage] }), title: _("Show these customers") });
  link.innerHTML = MAGNIFIER;
  return link;
}

/** The funnel of a channel: each stage with its share of the stage before it (the
 * transition's key in the API). Every stage is a subset of the one before, so the
 * funnel narrows; all attributed buyers are not a subset of clicked and stand aside.
 * A period can leave out a stage that a later stage's share is of (the send day):
 * that stage shows its all-time count, and the shares of it say they are of all time. */
function funnelSteps(eff, sms, allTime) {
  const stages = sms ? ["sent", "delivered", "clicked", "ordered_after_click"]
    : ["sent", "delivered", "opened", "clicked", "ordered_after_click"];
  const steps = stages.map((stage) => ({ stage, n: eff.stages[stage], outside: false }));
  steps.forEach((s, i) => {
    if (allTime && s.n === 0 && allTime.stages[s.stage]
        && steps.slice(i + 1).some((later) => later.n)) {
      s.n = allTime.stages[s.stage];
      s.outside = true;
    }
  });
  steps.forEach((s, i) => {
    const prev = steps[i - 1];
    if (!prev) return;
    s.previous = prev.stage;
    if (!prev.outside && !s.outside) {
      s.share = { key: `transitions.${s.stage}`, value: eff.transitions[s.stage] };
    } else if (s.outside) {
      s.share = { key: `all_time.transitions.${s.stage}`, value: allTime.transitions[s.stage],
        basis: "all time" };
    } else s.share = { key: `all_time_share.${s.stage}`, value: percent(s.n, prev.n), basis: "all-time" };
  });
  return steps;
}

function percent(part, whole) {
  return part == null || !whole ? null : (100 * part) / whole;
}

/** "12.50% of opened", or of the all-time figure, or "none in this period": never a
 * dash where a share should be. */
function shareText(share, of, state) {
  if (share.value == null) return el("span", { class: "share-none" }, (state.from || state.to ? _("none in this period") : _("none yet")));
  const label = " " + (share.basis === "all-time" ? _("of all-time {stage}", { stage: of.toLowerCase() })
    : share.basis ? _("of {stage}, all time", { stage: of.toLowerCase() }) : _("of {stage}", { stage: of.toLowerCase() }));
  return [el("span", { class: "pass-value", dataset: { key: `efficiency.${share.key}` } },
    fmtPct(share.value)), el("span", { class: "pass-label" }, label)];
}

/** A share of delivered beside the funnel (conversion, spam, unsubscribes): the API's,
 * or, with delivered outside the period, of all-time delivered. */
function ofDelivered(key, value, n, allTime) {
  if (value != null || !n || !allTime?.stages.delivered) return { key, value };
  return { key: `all_time_share.${key.split(".").pop()}`, value: percent(n, allTime.stages.delivered),
    basis: "all-time" };
}

function funnelRow(s, top, customersUrl, state) {
  const count = s.outside
    ? el("span", { class: "funnel-count is-all-time",
      title: _("None in this period: the count of all time") },
    el("span", { dataset: { key: `efficiency.all_time.stages.${s.stage}` } }, fmtInt(s.n)),
    el("small", {}, " all time"))
    : el("span", { class: "funnel-count", dataset: { key: `efficiency.stages.${s.stage}` } },
      fmtInt(s.n));
  return el("li", { class: "funnel-step", dataset: { stage: s.stage } },
    el("span", { class: "funnel-name" }, termLabel(TERMS[s.stage])),
    el("span", { class: `funnel-bar${s.outside ? " is-all-time" : ""}`, "aria-hidden": "true" },
      el("span", { style: `width:${(100 * (s.n ?? 0)) / top}%` })),
    count,
    customersUrl && LISTED.has(s.stage) ? magnifier(customersUrl(s.stage), s.stage)
      : el("span", { class: "icon-btn-space", "aria-hidden": "true" }),
    el("span", { class: "funnel-pass" },
      s.previous ? shareText(s.share, LABELS[s.previous], state) : "",
      s.outside ? el("span", { class: "outside" }, `${s.previous ? " · " : ""}${_("not in this period")}`)
        : ""));
}

/** All attributed buyers: by the channel's basis stage, with or without a click. */
function buyersFigure(eff, customersUrl, state, allTime) {
  const conversion = ofDelivered("transitions.conversion", eff.transitions.conversion,
    eff.stages.ordered, allTime);
  return el("div", { class: "buyers-figure" },
    el("span", { class: "buyers-name" }, termLabel("buyers")),
    el("span", { class: "buyers-count", dataset: { key: "efficiency.stages.ordered" } },
      fmtInt(eff.stages.ordered)),
    customersUrl ? magnifier(customersUrl("ordered"), "ordered") : null,
    el("span", { class: "buyers-rate" }, shareText(conversion, LABELS.delivered, state),
      conversion.value == null ? "" : ` (${term("conversion").toLowerCase()})`),
    el("span", { class: "buyers-note" }, _("Everyone with an order attributed to the mailing, "
      + "clicked or not: not a step of the funnel.")));
}

function sideFigure(stage, n, rate, customersUrl, state, allTime) {
  const share = ofDelivered(`${stage}_rate`, rate, n, allTime);
  // the API's rate keeps its key on the whole "… of delivered" text, as before
  const text = share.basis ? shareText(share, LABELS.delivered, state)
    : share.value == null ? (state.from || state.to ? _("none in this period") : _("none yet"))
      : `${fmtPct(share.value)} ${_("of {stage}", { stage: LABELS.delivered.toLowerCase() })}`;
  return el("li", {},
    el("span", {}, termLabel(TERMS[stage])),
    el("span", { class: "num", dataset: { key: `efficiency.${stage}` } }, fmtInt(n)),
    el("span", { class: "num muted", dataset: share.basis ? undefined
      : { key: `efficiency.${stage}_rate` } }, text),
    customersUrl ? magnifier(customersUrl(stage), stage) : null);
}

/** The funnel and the figures beside it as CSV rows: the API's counts and shares of the
 * period (a share of a stage outside the period is empty, as the API has it). */
function funnelCsv(eff, steps, channel) {
  const rows = steps.map((s) => [s.stage, eff.stages[s.stage], s.previous ? eff.transitions[s.stage]
    : null, s.previous]);
  rows.push(["ordered", eff.stages.ordered, eff.transitions.conversion, "delivered"]);
  if (channel === "email") rows.push(["spam", eff.spam, eff.spam_rate, "delivered"]);
  rows.push(["unsubscribed", eff.unsubscribed, eff.unsubscribe_rate, "delivered"]);
  return { part: "funnel", rows, columns: [_("Stage"), _("Customers"), _("Share, %"), _("Share of")],
    values: [(r) => LABELS[r[0]], (r) => r[1], (r) => r[2], (r) => LABELS[r[3]]] };
}

export function renderEfficiency(body, eff, state, { channel, customersUrl, allTime, onView }) {
  const sms = channel === "sms";
  const steps = funnelSteps(eff, sms, allTime);
  const top = Math.max(1, ...steps.map((s) => s.n ?? 0));
  const funnel = el("ol", { class: "funnel", "aria-label": _("Funnel") },
    steps.map((s) => funnelRow(s, top, customersUrl, state)));
  const extras = el("div", { class: "efficiency-side" },
    buyersFigure(eff, customersUrl, state, allTime),
    el("ul", { class: "side-figures" },
      // spam complaints come from mailbox providers: an SMS or a push has none to report
      channel === "email"
        ? sideFigure("spam", eff.spam, eff.spam_rate, customersUrl, state, allTime) : null,
      sideFigure("unsubscribed", eff.unsubscribed, eff.unsubscribe_rate, customersUrl, state,
        allTime)));
  const head = withCsv(el("div", { class: "efficiency-top" }, funnel, extras), "efficiency",
    funnelCsv(eff, funnelSteps(eff, sms, null), channel));

  const days = eff.daily;
  // the daily series (DESIGN.md) are of the stages proper: ordered after a click has none
  const series = [...steps.map((s) => s.stage).filter((k) => k !== "ordered_after_click"),
    "ordered"];
  if (!days.length || !days.some((d) => series.some((k) => d[k]))) {
    body.replaceChildren(head, emptyState((state.from || state.to ? _("No events in this period") : _("No events yet")),
      _("The funnel fills as the sending providers report deliveries, opens and clicks.")));
    return;
  }
  body.replaceChildren(head, ...activity(days, series, eff, state, onView));
}

const VIEWS = [["daily", _("Per day")], ["cumulative", _("Cumulative share")]];

function viewSwitch(view, onView) {
  return el("div", { class: "segmented", role: "group", "aria-label": _("Activity over time") },
    VIEWS.map(([value, label]) => el("button", {
      type: "button", class: "seg", "aria-pressed": String(view === value),
      dataset: { view: value }, onclick: () => view !== value && onView?.(value),
    }, label)));
}

/** Each stage's running total by day as a share of its total over the days shown:
 * the send day's spike no longer flattens the days after it. Null for a stage with
 * no one in the period. */
function cumulativeShares(days, series) {
  const out = days.map(() => ({}));
  for (const k of series) {
    const total = days.reduce((sum, d) => sum + (d[k] ?? 0), 0);
    let running = 0;
    days.forEach((d, i) => {
      running += d[k] ?? 0;
      out[i][k] = total ? (100 * running) / total : null;
    });
  }
  return out;
}

/** The stages over time, per day or as cumulative shares (the view is in the URL). */
function activity(days, series, eff, state, onView) {
  const view = state.activity === "cumulative" ? "cumulative" : "daily";
  const cumulative = view === "cumulative";
  const dayCount = ngettext("{n} day", "{n} days", days.length);
  const span = _("{days} from {from} to {to}", { days: dayCount,
    from: fmtDay(days[0].date), to: fmtDay(days[days.length - 1].date) });
  const shares = cumulative ? cumulativeShares(days, series) : null;
  // a stage with no one in the days shown (sent, in a period after the send day) is a
  // flat line at zero: left out, the funnel above says where it is
  const shown = series.filter((k) => days.some((d) => d[k]));
  const value = (i, k) => (cumulative ? shares[i][k] : days[i][k]);
  const fmt = cumulative ? fmtPct : fmtInt;
  const chart = chartBox(cumulative
    ? _("Line chart of the share of each stage's customers reached by each day, {span}. "
      + "The numbers are in the table below.", { span })
    : _("Line chart of customers reaching each stage by day, {span}. "
      + "The numbers are in the table below.", { span }));
  const columns = [
    { label: _("Date"), cell: (d) => fmtDay(d.date), rowHeader: true, foot: () => _("Total") },
    ...shown.map((k) => ({ label: LABELS[k], head: termLabel(TERMS[k]), num: true,
      key: cumulative ? (d) => `efficiency.cumulative.${d.date}.${k}` : undefined,
      cell: (d) => fmt(value(days.indexOf(d), k)), foot: (t) => fmtInt(t.stages[k]) })),
  ];
  const nodes = [
    el("div", { class: "activity-head" }, el("h3", {}, cumulative
      ? _("Cumulative share by day") : _("By day")), viewSwitch(view, onView)),
    cumulative ? el("p", { class: "note" }, _("Each line rises to {full} of its stage's customers in the days shown: how soon each "
      + "stage was reached.", { full: fmtPct(100, 0) })) : null,
    chart,
    withCsv(numbers(cumulative ? _("Cumulative shares by day as a table") : _("Stages by day as a table"),
      columns, days, eff), "efficiency", { columns, rows: days, part: view,
      values: [(d) => d.date, ...shown.map((k) => (d) => value(days.indexOf(d), k))] }),
  ];
  // drawn once the chart is in the page (ECharts measures its box)
  queueMicrotask(() => draw(chart, {
    legend: { type: "scroll", top: 0, left: 0 },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    tooltip: axisTooltip((i) => tooltipHtml(fmtDay(days[i].date),
      shown.map((k) => [LABELS[k], cumulative ? `${fmtPct(value(i, k))} (${fmtInt(
        days.slice(0, i + 1).reduce((sum, d) => sum + (d[k] ?? 0), 0))})` : fmtInt(value(i, k)),
      PALETTE[series.indexOf(k)]]))),
    xAxis: categoryAxis(days.map((d) => fmtDay(d.date, true))),
    yAxis: cumulative ? valueAxis({ max: 100, minInterval: 0,
      axisLabel: { color: "#334155", formatter: (v) => fmtPct(v, 0) } }) : valueAxis(),
    // a stage keeps its colour in both views, though a view may leave one out
    series: shown.map((k) => lineSeries(LABELS[k], days.map((_, i) => value(i, k)), {
      itemStyle: { color: PALETTE[series.indexOf(k)] },
      lineStyle: { color: PALETTE[series.indexOf(k)] } })),
  }));
  return nodes.filter(Boolean);
}
