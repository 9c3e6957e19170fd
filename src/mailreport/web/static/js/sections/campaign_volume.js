// A campaign's volume: its mailings' audiences added up beside the same statuses
// counting each customer once. The two differ wherever a customer was in more than
// one of the mailings; the page says so rather than leave the reader to guess.
import { _, el, fmtInt, table, term, termLabel, tile, withCsv } from "../util.js";

const STATUSES = ["good_recipients", "address_issue", "unsubscribed_channel",
  "unsubscribed_category", "blocked_by_policy"];

/** `volume`: {mailings, customers}, each a mailing's Volume (reports/models.py). A
 * customer with different statuses in different mailings counts once under each, so
 * the distinct column has no total: its sum could count a customer twice. */
export function renderCampaignVolume(body, volume) {
  const { mailings, customers } = volume;
  const rows = [...STATUSES, "control_group", "actual_recipients"].map((key) => ({ key }));
  let columns;
  const together = (key) => _("{n} in the mailings together", { n: fmtInt(mailings[key]) });
  body.replaceChildren(
    el("div", { class: "tiles" },
      tile(termLabel("actual_recipients"), fmtInt(customers.actual_recipients),
        "volume.customers.actual_recipients.tile", together("actual_recipients")),
      tile(termLabel("control_group"), fmtInt(customers.control_group),
        "volume.customers.control_group.tile", together("control_group"))),
    el("p", { class: "note", dataset: { key: "volume.explained" } },
      _("“In the mailings” adds up each mailing's audience, so a customer in three mailings "
        + "counts three times; “distinct customers” counts each customer once per status, "
        + "however many of the mailings put them there. Over the sent mailings; the period "
        + "does not apply.")),
    withCsv(table(columns = [
      { label: _("Status"), cell: (r) => termLabel(r.key), rowHeader: true },
      { label: _("In the mailings"), num: true, key: (r) => `volume.mailings.${r.key}`,
        cell: (r) => fmtInt(mailings[r.key]) },
      { label: _("Distinct customers"), num: true, key: (r) => `volume.customers.${r.key}`,
        cell: (r) => fmtInt(customers[r.key]) },
    ], rows, { caption: _("Audience by status: in the mailings and in distinct customers"),
      className: "volume-table campaign-volume cards-on-phone" }),
    "volume", { columns, rows, values: [(r) => term(r.key), (r) => mailings[r.key],
      (r) => customers[r.key]] }),
  );
}
