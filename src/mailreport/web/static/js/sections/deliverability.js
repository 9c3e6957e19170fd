// Deliverability: why messages did not arrive (bounces by class and reason, the
// recipient domains of an email) and why customers left (unsubscribe reasons).
// Each count links to the customers behind it when the reader may list them.
import { _, ngettext, el, emptyState, fmtInt, fmtPct, table, termLabel, tile, withCsv } from "../util.js";

// the class in a column of its own: one word
const CLASS_NAMES = {
  hard: _("hard"), soft: _("soft"), blocked: _("blocked"), unknown: _("unknown"),
};
// the API's word for a null reason
const NOT_GIVEN = "not given";
const reasonText = (reason) => (reason === NOT_GIVEN ? _("not given") : reason);

const CLASSES = {
  hard: _("Hard: the address does not exist"),
  soft: _("Soft: a passing refusal"),
  blocked: _("Blocked: policy, reputation or content"),
  unknown: _("Unknown: the provider did not say"),
};

/** Whether the section has anything to show: a bounce, an unsubscribe or a spam
 * complaint in the period. */
export function hasDeliverability(d) {
  return Boolean(d && (d.bounced || d.unsubscribed || (d.domains || []).some((r) => r.spam)));
}

function linked(n, href) {
  return href && n ? el("a", { href }, fmtInt(n)) : fmtInt(n);
}

function share(value) {
  return el("span", { class: "share" },
    el("span", { class: "share-bar", "aria-hidden": "true" },
      el("span", { style: `width:${Math.min(value ?? 0, 100)}%` })),
    fmtPct(value));
}

/** `customersUrl(params)`: the customer list's address for a segment, or null. */
export function renderDeliverability(body, d, { channel, customersUrl = null }) {
  const list = (params) => (customersUrl ? customersUrl(params) : null);
  const hard = d.classes.find((r) => r.bounce_class === "hard");
  const parts = [el("div", { class: "tiles" },
    tile(termLabel("bounced"), linked(d.bounced, list({ stage: "bounced" })), "deliverability.bounced",
      _("{share} of sent", { share: fmtPct(d.bounced_share) })),
    tile(termLabel("hard_bounce", "s"), fmtInt(hard.customers), "deliverability.hard",
      _("{share} of sent", { share: fmtPct(hard.share_of_sent) })),
    tile(termLabel("unsubscribed"), linked(d.unsubscribed, list({ stage: "unsubscribed" })),
      "deliverability.unsubscribed"))];

  let columns;
  const classes = d.classes;
  parts.push(withCsv(table(columns = [
    { label: termLabel("bounce_class"), rowHeader: true, cell: (r) => CLASSES[r.bounce_class] },
    { label: _("Customers"), num: true, key: (r) => `deliverability.class.${r.bounce_class}`,
      cell: (r) => linked(r.customers, list({ stage: "bounced", bounce_class: r.bounce_class })) },
    { label: _("Share of sent"), num: true, cell: (r) => share(r.share_of_sent) },
  ], classes, { caption: _("Bounced customers by the class of their latest bounce"),
    className: "compact deliverability-classes" }), "deliverability",
  { part: "classes", columns: [_("Bounce class"), _("Customers"), _("Share of sent")], rows: classes,
    values: [(r) => r.bounce_class, (r) => r.customers, (r) => r.share_of_sent] }));

  if (d.reasons.length) {
    parts.push(withCsv(table(columns = [
      { label: termLabel("bounce_reason"), rowHeader: true, cell: (r) => reasonText(r.reason) },
      { label: _("Class"), cell: (r) => CLASS_NAMES[r.bounce_class] ?? r.bounce_class },
      { label: _("Customers"), num: true,
        key: (r) => `deliverability.reason.${r.bounce_class}.${r.reason}`,
        cell: (r) => linked(r.customers, list({ stage: "bounced", bounce_class: r.bounce_class,
          reason: r.reason })) },
      { label: _("Share of sent"), num: true, cell: (r) => fmtPct(r.share_of_sent) },
    ], d.reasons, { caption: _("Top bounce reasons"), className: "compact deliverability-reasons" }),
    "deliverability", { part: "reasons", columns: [_("Bounce reason"), _("Class"), _("Customers"),
      _("Share of sent")], rows: d.reasons,
    values: [(r) => r.reason, (r) => r.bounce_class, (r) => r.customers, (r) => r.share_of_sent] }));
  }

  // SMS and push have no domains (null); an email without addresses, none to show
  if (channel === "email" && d.domains && d.domains.length) {
    const name = (r) => r.domain ?? _("no address");
    const domainKey = (r) => r.domain ?? "no address";
    parts.push(withCsv(table(columns = [
      { label: termLabel("recipient_domain"), rowHeader: true, cell: name },
      { label: termLabel("domain_sent"), num: true, key: (r) => `deliverability.domain.${domainKey(r)}.sent`,
        cell: (r) => fmtInt(r.sent) },
      { label: termLabel("domain_bounced"), num: true, cell: (r) => fmtInt(r.bounced) },
      { label: _("Bounce rate"), num: true, cell: (r) => fmtPct(r.bounce_rate) },
      { label: termLabel("domain_spam"), num: true, cell: (r) => fmtInt(r.spam) },
      { label: _("Spam rate"), num: true, cell: (r) => fmtPct(r.spam_rate) },
    ], d.domains, { caption: _("Top recipient domains by sent"),
      className: "compact deliverability-domains" }), "deliverability",
    { part: "domains", columns: [_("Recipient domain"), _("Sent"), _("Bounced"), _("Bounce rate"),
      _("Spam complaints"), _("Spam rate")], rows: d.domains,
    values: [name, (r) => r.sent, (r) => r.bounced, (r) => r.bounce_rate, (r) => r.spam,
      (r) => r.spam_rate] }));
  }

  parts.push(d.unsubscribe_reasons.length ? withCsv(table(columns = [
    { label: termLabel("unsubscribe_reason"), rowHeader: true, cell: (r) => reasonText(r.reason) },
    { label: _("Customers"), num: true, key: (r) => `deliverability.unsubscribe.${r.reason}`,
      cell: (r) => linked(r.customers, list({ stage: "unsubscribed", reason: r.reason })) },
    { label: _("Share of sent"), num: true, cell: (r) => fmtPct(r.share_of_sent) },
  ], d.unsubscribe_reasons, { caption: _("Unsubscribe reasons"),
    className: "compact deliverability-unsubscribes" }), "deliverability",
  { part: "unsubscribe-reasons", columns: [_("Unsubscribe reason"), _("Customers"), _("Share of sent")],
    rows: d.unsubscribe_reasons,
    values: [(r) => r.reason, (r) => r.customers, (r) => r.share_of_sent] })
    : emptyState(_("No unsubscribes in this period")));
  body.replaceChildren(...parts);
}
