// The list of campaigns, each with a Report button.
import { _, api, el, emptyState, errorBox, fmtInt, ngettext, table } from "./util.js";

const main = document.getElementById("main");
const panel = document.getElementById("campaigns-panel");

async function load() {
  try {
    const rows = await api("/api/v1/campaigns");
    const report = (c) => `/campaigns/${encodeURIComponent(c.campaign_id)}`;
    panel.replaceChildren(rows.length ? table([
      { label: _("Campaign"), rowHeader: true, cell: (c) => el("span", { class: "name-cell" },
        el("a", { href: report(c) }, c.name), el("span", { class: "muted small" }, c.campaign_id)) },
      { label: _("Mailings"), num: true, key: (c) => `campaigns.${c.campaign_id}.mailings`,
        cell: (c) => fmtInt(c.mailings) },
      { label: _("Report"), cell: (c) => el("a", { class: "btn btn-primary btn-small",
        href: report(c), "aria-label": _("Report of {name}", { name: c.name }) }, _("Report")) },
    ], rows, { className: "cards-on-phone", caption: ngettext("{n} campaign", "{n} campaigns",
      rows.length) })
      : emptyState(_("No campaigns yet"),
        _("Campaigns group mailings; load campaigns.csv to add them.")));
    main.dataset.state = "ready";
  } catch (err) {
    panel.replaceChildren(errorBox(err));
    main.dataset.state = "error";
  }
}

load();
