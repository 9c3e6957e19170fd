// Mailing volume: who of the target audience could receive the mailing.
import { _, el, fmtInt, fmtPct, table, term, termLabel, tile, withCsv } from "../util.js";

const STATUSES = ["good_recipients", "address_issue", "unsubscribed_channel",
  "unsubscribed_category", "blocked_by_policy"].map((key) => [key, term(key)]);

/** `control`: whether the mailing held a control group back; without one its tile, a
 * "Control group 0", would only be noise. */
export function renderVolume(body, volume, { control = true } = {}) {
  const audience = STATUSES.reduce((sum, [key]) => sum + volume[key], 0);
  const share = (n) => (audience ? (100 * n) / audience : null);
  const rows = STATUSES.map(([key, label]) => ({ key, label, n: volume[key] }));
  let columns;
  body.replaceChildren(
    el("div", { class: "tiles" },
      tile(termLabel("target_audience"), fmtInt(audience), "volume.audience"),
      control ? tile(termLabel("control_group"), fmtInt(volume.control_group), "volume.control_group",
        _("{share} of the audience, held back", { share: fmtPct(share(volume.control_group)) })) : null,
      tile(termLabel("actual_recipients"), fmtInt(volume.actual_recipients), "volume.actual_recipients",
        _("{share} of the audience, delivered", { share: fmtPct(share(volume.actual_recipients)) }))),
    withCsv(table(columns = [
      { label: _("Status"), cell: (r) => termLabel(r.key), rowHeader: true },
      { label: _("Customers"), num: true, key: (r) => `volume.${r.key}`, cell: (r) => fmtInt(r.n) },
      { label: _("Share of audience"), num: true, key: (r) => `volume.${r.key}.share`,
        cell: (r) => el("span", { class: "share" },
          el("span", { class: "share-bar", "aria-hidden": "true" },
            el("span", { style: `width:${share(r.n) ?? 0}%` })),
          fmtPct(share(r.n))) },
    ], rows, { caption: _("Audience by status (the period does not apply)"), className: "volume-table" }),
    "volume", { columns, rows, values: [(r) => r.label, (r) => r.n, (r) => share(r.n)] }),
  );
}
