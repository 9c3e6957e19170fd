"""Rich renderings of load summaries and reports for the terminal, in the reader's
language (cli/language.py): headings and words from the ``cli`` catalog, the
report's terms from the glossary's, figures through i18n.formats.Formats."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mailreport.cli.language import Speaker
from mailreport.glossary import TERMS
from mailreport.i18n.catalogs import gettext

_TERM_NAMES = {t.key: t.name for t in TERMS}
ENGLISH = Speaker("en")


def term(sp: Speaker, key: str) -> str:
    """A figure's name as the pages and the glossary give it, in the reader's language."""
    name = _TERM_NAMES.get(key)
    return gettext(sp.language, "glossary", name) if name else key.replace("_", " ")


def _fmt(sp: Speaker, value, suffix: str = "") -> str:
    """A count, or a figure with decimals (a rate, an amount), as the language writes it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return sp.f.integer(value) + suffix
    try:
        return sp.f.amount(value) + suffix
    except (TypeError, ValueError, ArithmeticError):
        return f"{value}{suffix}"


def _pct(sp: Speaker, value) -> str:
    return sp.f.percent(value) if value is not None else "—"


def _pp(sp: Speaker, value) -> str:
    """A difference of rates, in percentage points."""
    return sp.f.signed(value, 1, "\xa0" + sp._("pp")) if value is not None else "—"


def counts(console: Console, title: str, rows: dict[str, int],
           sp: Speaker = ENGLISH) -> None:
    t = Table(title=title)
    t.add_column(sp._("table"))
    t.add_column(sp._("rows"), justify="right")
    for name, n in rows.items():
        t.add_row(name, _fmt(sp, n))
    console.print(t)


def load_summary(console: Console, summary, sp: Speaker = ENGLISH) -> None:
    t = Table(title=sp._("Load of {directory}", directory=summary.directory))
    headings = (sp._("table"), sp._("read"), sp._("inserted"), sp._("updated"),
                sp._("duplicates"), sp._("rejected"))
    for i, col in enumerate(headings):
        t.add_column(col, justify="left" if i == 0 else "right")
    for r in summary.tables:
        t.add_row(r.table, _fmt(sp, r.read), _fmt(sp, r.inserted), _fmt(sp, r.updated),
                  _fmt(sp, r.duplicates),
                  f"[red]{_fmt(sp, r.rejected)}[/red]" if r.rejected else "0")
    console.print(t)
    for r in summary.tables:
        if r.withheld:
            console.print(sp.ngettext(
                "{table}: {count} row of forgotten customers loaded without their "
                "personal data", "{table}: {count} rows of forgotten customers loaded "
                "without their personal data", r.withheld, table=r.table,
                count=_fmt(sp, r.withheld)))
        if r.error:
            console.print(f"[red]{r.table}: {r.error}[/red]")
        if r.ignored_columns:
            console.print("[yellow]" + sp._("{table}: ignored unknown column(s) {columns}",
                                            table=r.table,
                                            columns=", ".join(r.ignored_columns))
                          + "[/yellow]")
    for p in summary.problems:
        console.print(f"[red]{p}[/red]")
    if summary.rejects_file:
        console.print(sp._("Rejected rows: {path}", path=summary.rejects_file))
    if summary.summary_file:
        console.print(sp._("Summary: {path}", path=summary.summary_file))


def mailing_list(console: Console, rows, sp: Speaker = ENGLISH) -> None:
    t = Table(title=sp._("Mailings"))
    money = sp.f.currency_symbol
    left = (sp._("ID"), sp._("Name"), sp._("Channel"), sp._("Status"), sp._("Sent at"))
    right = (sp._("Recipients"), term(sp, "open_rate"), term(sp, "click_rate"),
             term(sp, "conversion"), f"{term(sp, 'revenue')}, {money}",
             f"{term(sp, 'revenue_per_recipient')}, {money}")
    for col in left:
        t.add_column(col)
    for col in right:
        t.add_column(col, justify="right")
    for m in rows:
        t.add_row(m.mailing_id, m.name, m.channel, m.status,
                  sp.f.moment(m.sent_at) if m.sent_at else "—",
                  _fmt(sp, m.recipients), _pct(sp, m.open_rate), _pct(sp, m.click_rate),
                  _pct(sp, m.conversion), sp.f.amount(m.revenue),
                  sp.f.amount(m.revenue_per_recipient))
    console.print(t)


def _kv(console: Console, title: str, pairs: list[tuple[str, object]],
        sp: Speaker = ENGLISH) -> None:
    t = Table(title=title, show_header=False)
    t.add_column("")
    t.add_column("", justify="right")
    for k, v in pairs:
        t.add_row(k, _fmt(sp, v))
    console.print(t)


def _usual(console: Console, headline, sp: Speaker) -> None:
    """The headline's figures against the usual (all time on both sides)."""
    u = headline.usual
    if u is None:
        return
    t = Table(title=sp.ngettext(
        "Compared with usual (the previous {n} sent mailing of the channel, all time)",
        "Compared with usual (the previous {n} sent mailings of the channel, all time)",
        u.mailings))
    for i, col in enumerate((sp._("figure"), sp._("this mailing"), sp._("usual (median)"),
                             sp._("middle half"), sp._("difference"), "n")):
        t.add_column(col, justify="left" if i == 0 else "right")
    for key in ("open_rate", "click_rate", "conversion", "revenue_per_recipient"):
        f = getattr(u, key)
        if f is None:
            t.add_row(term(sp, key), "", sp._("fewer than 3 earlier"), "", "", "")
            continue
        if key == "revenue_per_recipient":
            show, diff = sp.f.money, sp.f.money(f.difference) if f.difference is not None \
                else "—"
            if f.difference is not None and f.difference > 0:
                diff = "+" + diff
        else:
            show, diff = (lambda v: _pct(sp, v)), _pp(sp, f.difference)
        t.add_row(term(sp, key), show(f.value), show(f.median),
                  f"{show(f.q1)} – {show(f.q3)}", diff, sp.f.integer(f.n))
    console.print(t)


def mailing_report(console: Console, r, currency: str, sp: Speaker = ENGLISH) -> None:
    m = r.mailing
    period = (f"{sp.f.day(r.period.from_) if r.period.from_ else '…'} – "
              f"{sp.f.day(r.period.to) if r.period.to else '…'}")
    console.rule(f"[bold]{m.name}[/bold] ({m.mailing_id}, {m.channel}, {m.status}) · {period}")
    money = sp.f.currency_symbol
    if r.volume:
        _kv(console, sp._("Mailing volume"),
            [(term(sp, k), v) for k, v in r.volume.model_dump().items()], sp)
    _usual(console, r.headline, sp)
    o = r.orders
    _kv(console, sp._("Orders placed"), [
        (term(sp, "receipts"), o.receipts), (term(sp, "orders"), o.orders),
        (f"{term(sp, 'revenue')}, {money}", o.revenue)], sp)
    if r.groups:
        t = Table(title=sp._("Groups report"))
        for col in (sp._("group"), sp._("variant"), term(sp, "assigned"),
                    term(sp, "group_buyers"), term(sp, "group_conversion"),
                    f"{term(sp, 'group_revenue')}, {money}",
                    f"{term(sp, 'revenue_per_customer')}, {money}",
                    f"{term(sp, 'uplift')}, {sp._('pp')}", term(sp, "ci_95"), "p",
                    term(sp, "significance")):
            t.add_column(col)
        for g in r.groups:
            vc = g.vs_control
            t.add_row(g.group, g.variant_id or sp._("all"), _fmt(sp, g.assigned),
                      _fmt(sp, g.buyers), _pct(sp, g.conversion), sp.f.amount(g.revenue),
                      sp.f.amount(g.revenue_per_customer),
                      _pp(sp, vc.conversion_uplift) if vc else "",
                      (f"{sp.f.signed(vc.conversion_ci[0], 2)} … "
                       f"{sp.f.signed(vc.conversion_ci[1], 2)}"
                       if vc and vc.conversion_ci else ""),
                      sp.f.number(vc.conversion_p, 4) if vc and vc.conversion_p is not None
                      else "",
                      (sp._("yes") if vc.significant else sp._("no"))
                      if vc and vc.significant is not None else "")
        console.print(t)
        _incremental(console, r.groups, sp)
    if r.variant_comparison:
        _winners(console, r.variant_comparison, sp)
    if r.open_hours:
        oh = r.open_hours
        peak = max(range(24), key=lambda h: oh.counts[h])
        bars = "  ".join(f"{h:02d}:{oh.counts[h]}" for h in range(24))
        hour = str(peak).zfill(2)
        console.print("[bold]" + sp._("Email open rate by hour") + "[/bold] "
                      + sp._("({zone}; {openers} openers, peak {peak}:00)", zone=oh.timezone,
                             openers=sp.f.integer(oh.openers), peak=hour)
                      + f"\n{bars}")
    e = r.efficiency
    t = Table(title=sp._("Mailing efficiency"))
    t.add_column(sp._("stage"))
    t.add_column(sp._("customers"), justify="right")
    t.add_column(sp._("passed on"), justify="right")
    tr = e.transitions
    for key, value, rate in (("sent", e.stages.sent, tr.delivered),
                             ("delivered", e.stages.delivered, tr.opened if m.channel != "sms"
                              else tr.clicked),
                             ("opened", e.stages.opened, tr.clicked),
                             ("clicked", e.stages.clicked, None),
                             ("buyers", e.stages.ordered, tr.conversion),
                             ("ordered_after_click", e.stages.ordered_after_click,
                              tr.ordered_after_click)):
        if key == "opened" and m.channel == "sms":
            continue
        t.add_row(term(sp, key), _fmt(sp, value), _pct(sp, rate) if rate is not None else "")
    t.add_row(term(sp, "spam"), _fmt(sp, e.spam), _pct(sp, e.spam_rate))
    t.add_row(term(sp, "unsubscribed"), _fmt(sp, e.unsubscribed), _pct(sp, e.unsubscribe_rate))
    console.print(t)
    if r.product_sales and r.product_sales.rows:
        ps = r.product_sales
        by = term(sp, {"revenue": "product_revenue", "receipts": "product_receipts"}.get(
            ps.sort, ps.sort))
        by = f"{by}, {ps.unit}" if ps.unit else by
        t = Table(title=sp._("Product sales (top {n} by {by})", n=len(ps.rows), by=by))
        for i, col in enumerate((sp._("category"), term(sp, "units"),
                                 f"{term(sp, 'product_revenue')}, {money}",
                                 term(sp, "product_receipts"))):
            t.add_column(col, justify="left" if i == 0 else "right")
        for row in ps.rows:
            # pieces and kilograms are shown apart, never as one sum
            units = ", ".join(f"{sp.f.number(q)} {u}" for u, q in row.units_by_unit.items()) \
                if len(ps.units_of_measure) > 1 else sp.f.number(row.units)
            t.add_row(row.category, units, sp.f.amount(row.revenue), _fmt(sp, row.receipts))
        console.print(t)
    d = r.deliverability
    if d is not None and (d.bounced or d.unsubscribed):
        t = Table(title=sp._("Deliverability: bounced {bounced} of {sent} sent",
                             bounced=sp.f.integer(d.bounced), sent=sp.f.integer(d.sent)))
        for i, col in enumerate((sp._("bounce class / reason"), sp._("customers"),
                                 sp._("% of sent"))):
            t.add_column(col, justify="left" if i == 0 else "right")
        for c in d.classes:
            t.add_row(c.bounce_class, _fmt(sp, c.customers), _pct(sp, c.share_of_sent))
        for why in d.reasons:
            t.add_row(f"  {why.reason[:50]} ({why.bounce_class})", _fmt(sp, why.customers),
                      _pct(sp, why.share_of_sent))
        for u in d.unsubscribe_reasons:
            t.add_row(sp._("unsubscribed: {reason}", reason=u.reason[:40]),
                      _fmt(sp, u.customers), _pct(sp, u.share_of_sent))
        console.print(t)
    for hv in r.heatmap or []:
        t = Table(title=sp._("Click heatmap, variant {variant} ({readers} readers)",
                             variant=hv.variant_id, readers=sp.f.integer(hv.openers)))
        for col in ("#", sp._("link"), term(sp, "clicks"), term(sp, "unique_clickers"),
                    term(sp, "percent_of_readers")):
            t.add_column(col)
        for lk in hv.links:
            t.add_row(str(lk.link_index), (lk.text or lk.url)[:50], _fmt(sp, lk.clicks),
                      _fmt(sp, lk.unique_clickers), _pct(sp, lk.percent_of_readers))
        console.print(t)
    devices_and_regions(console, r, currency, sp)


def devices_and_regions(console: Console, r, currency: str, sp: Speaker = ENGLISH) -> None:
    """Devices and clients (people, then machines apart) and Regions, where they have
    anything to show."""
    d = r.devices
    if d and (d.opened.customers or d.clicked.customers):
        t = Table(title=sp._("Devices and clients (people)"))
        for col in (sp._("who"), term(sp, "device_type"), term(sp, "mail_client"),
                    term(sp, "operating_system")):
            t.add_column(col)

        def top(shares) -> str:
            return ", ".join(f"{s.name} {sp.f.integer(s.customers)}" for s in shares[:4])

        for who, block in ((term(sp, "openers"), d.opened),
                           (sp._("Clickers"), d.clicked)):
            t.add_row(f"{who} {sp.f.integer(block.customers)}", top(block.device),
                      top(block.client), top(block.os))
        console.print(t)
    if d and (d.machine_opened.customers or d.machine_clicked.customers):
        def named(shares) -> str:
            return ", ".join(f"{s.name} {sp.f.integer(s.customers)}" for s in shares)

        console.print("[bold]" + sp._("Machine events, apart") + "[/bold]: "
                      + sp._("opens {opens}; clicks {clicks}",
                             opens=named(d.machine_opened.client),
                             clicks=named(d.machine_clicked.client)))
    if r.regions and r.regions.rows:
        t = Table(title=sp._("Regions"))
        for i, col in enumerate((term(sp, "region"), term(sp, "opened"), term(sp, "clicked"),
                                 sp._("ordered"),
                                 f"{term(sp, 'region_revenue')}, {sp.f.currency_symbol}")):
            t.add_column(col, justify="left" if i == 0 else "right")
        for row in r.regions.rows:
            t.add_row(row.region, _fmt(sp, row.opened), _fmt(sp, row.clicked),
                      _fmt(sp, row.ordered), sp.f.amount(row.revenue))
        console.print(t)


def _incremental(console: Console, groups, sp: Speaker) -> None:
    for g in groups:
        vc = g.vs_control
        if vc is None or vc.incremental_buyers is None:
            continue
        who = (sp._("variant {variant}", variant=g.variant_id) if g.variant_id
               else sp._("test group"))
        buyers = sp.f.number(vc.incremental_buyers, 1)
        if vc.incremental_buyers_ci:
            buyers += sp._(" (95% CI {low} … {high})",
                           low=sp.f.number(vc.incremental_buyers_ci[0], 1),
                           high=sp.f.number(vc.incremental_buyers_ci[1], 1))
        revenue = sp.f.money(vc.incremental_revenue)
        if vc.incremental_revenue_ci:
            revenue += sp._(" (95% CI {low} … {high})",
                            low=sp.f.money(vc.incremental_revenue_ci[0]),
                            high=sp.f.money(vc.incremental_revenue_ci[1]))
        console.print(sp._("Incremental, {who}: buyers {buyers}; revenue {revenue}",
                           who=who, buyers=buyers, revenue=revenue))


def _winners(console: Console, comparison, sp: Speaker) -> None:
    for key, rate in (("click_rate", comparison.click_rate),
                      ("conversion", comparison.conversion)):
        pairs = sp.ngettext("{n} pair, Holm-adjusted", "{n} pairs, Holm-adjusted",
                            len(rate.pairs))
        if rate.winner is None:
            console.print(sp._("Variants on {figure}: no significant winner ({pairs})",
                               figure=term(sp, key), pairs=pairs))
        else:
            # 99.99996 % printed to one decimal would read as certainty
            confidence = ("> " + sp.f.percent(99.9) if rate.winner_confidence >= 99.95
                          else sp.f.percent(rate.winner_confidence))
            console.print(sp._("Variants on {figure}: {winner} wins, confidence {confidence} "
                               "({pairs})", figure=term(sp, key), winner=rate.winner,
                               confidence=confidence, pairs=pairs))


def campaign_report(console: Console, r, currency: str, sp: Speaker = ENGLISH) -> None:
    console.rule("[bold]" + sp._("Campaign {name}", name=r.campaign.name) + "[/bold]"
                 f" ({r.campaign.campaign_id})")
    t = Table()
    for col in (sp._("mailing"), sp._("channel"), term(sp, "sent"), term(sp, "delivered"),
                term(sp, "opened"), term(sp, "clicked"), term(sp, "buyers"),
                term(sp, "orders"), f"{term(sp, 'revenue')}, {sp.f.currency_symbol}"):
        t.add_column(col)
    for row in [*r.mailings, r.totals]:
        t.add_row(row.name, row.channel, _fmt(sp, row.sent), _fmt(sp, row.delivered),
                  _fmt(sp, row.opened), _fmt(sp, row.clicked), _fmt(sp, row.ordered),
                  _fmt(sp, row.orders), sp.f.amount(row.revenue))
    console.print(t)
    devices_and_regions(console, r, currency, sp)
