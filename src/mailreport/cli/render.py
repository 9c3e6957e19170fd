"""Rich renderings of load summaries and reports for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _fmt(value, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}{suffix}"
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    return f"{value}{suffix}"


def counts(console: Console, title: str, rows: dict[str, int]) -> None:
    t = Table(title=title)
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in rows.items():
        t.add_row(name, _fmt(n))
    console.print(t)


def load_summary(console: Console, summary) -> None:
    t = Table(title=f"Load of {summary.directory}")
    for col in ("table", "read", "inserted", "updated", "duplicates", "rejected"):
        t.add_column(col, justify="left" if col == "table" else "right")
    for r in summary.tables:
        t.add_row(r.table, _fmt(r.read), _fmt(r.inserted), _fmt(r.updated),
                  _fmt(r.duplicates), f"[red]{r.rejected:,}[/red]" if r.rejected else "0")
    console.print(t)
    for r in summary.tables:
        if r.error:
            console.print(f"[red]{r.table}: {r.error}[/red]")
        if r.ignored_columns:
            console.print(f"[yellow]{r.table}: ignored unknown column(s) "
                          f"{', '.join(r.ignored_columns)}[/yellow]")
    for p in summary.problems:
        console.print(f"[red]{p}[/red]")
    if summary.rejects_file:
        console.print(f"Rejected rows: {summary.rejects_file}")
    if summary.summary_file:
        console.print(f"Summary: {summary.summary_file}")


def mailing_list(console: Console, rows) -> None:
    t = Table(title="Mailings")
    numbers = ("recipients", "open %", "click %", "conversion %", "revenue", "rev/recipient")
    for col in ("id", "name", "channel", "status", "sent", *numbers):
        t.add_column(col, justify="right" if col in numbers else "left")
    for m in rows:
        t.add_row(m.mailing_id, m.name, m.channel, m.status,
                  m.sent_at.strftime("%Y-%m-%d %H:%M") if m.sent_at else "—",
                  _fmt(m.recipients), _fmt(m.open_rate), _fmt(m.click_rate),
                  _fmt(m.conversion), f"{m.revenue:,}", _fmt(m.revenue_per_recipient))
    console.print(t)


def _kv(console: Console, title: str, pairs: list[tuple[str, object]]) -> None:
    t = Table(title=title, show_header=False)
    t.add_column("")
    t.add_column("", justify="right")
    for k, v in pairs:
        t.add_row(k, _fmt(v))
    console.print(t)


def _usual(console: Console, headline, currency: str) -> None:
    """The headline's figures against the usual (all time on both sides)."""
    u = headline.usual
    if u is None:
        return
    t = Table(title=f"Compared with usual (previous {u.mailings} sent mailings of the "
                    "channel, all time)")
    for col in ("figure", "this mailing", "usual (median)", "middle half", "difference", "n"):
        t.add_column(col, justify="left" if col == "figure" else "right")
    for name, key, unit in (("open rate", "open_rate", " %"), ("click rate", "click_rate", " %"),
                            ("conversion", "conversion", " %"),
                            ("revenue per recipient", "revenue_per_recipient",
                             f" {currency}")):
        f = getattr(u, key)
        if f is None:
            t.add_row(name, "", "fewer than 3 earlier", "", "", "")
            continue
        t.add_row(name, _fmt(f.value), _fmt(f.median), f"{_fmt(f.q1)} – {_fmt(f.q3)}",
                  _fmt(f.difference, " pp" if unit == " %" else unit), str(f.n))
    console.print(t)


def mailing_report(console: Console, r, currency: str) -> None:
    m = r.mailing
    period = f"{r.period.from_ or '…'} – {r.period.to or '…'}"
    console.rule(f"[bold]{m.name}[/bold] ({m.mailing_id}, {m.channel}, {m.status}) · {period}")
    if r.volume:
        _kv(console, "Mailing volume", list(r.volume.model_dump().items()))
    _usual(console, r.headline, currency)
    o = r.orders
    _kv(console, "Orders placed", [("receipts", o.receipts), ("orders", o.orders),
                                   (f"revenue, {currency}", o.revenue)])
    if r.groups:
        t = Table(title="Groups report")
        for col in ("group", "variant", "assigned", "buyers", "conversion %", "revenue",
                    "rev/customer", "uplift pp", "95% CI", "p", "significant"):
            t.add_column(col)
        for g in r.groups:
            vc = g.vs_control
            t.add_row(g.group, g.variant_id or "all", _fmt(g.assigned), _fmt(g.buyers),
                      _fmt(g.conversion), f"{g.revenue:,}", _fmt(g.revenue_per_customer),
                      _fmt(vc.conversion_uplift) if vc else "",
                      (f"{vc.conversion_ci[0]:.2f} … {vc.conversion_ci[1]:.2f}"
                       if vc and vc.conversion_ci else ""),
                      f"{vc.conversion_p:.4f}" if vc and vc.conversion_p is not None else "",
                      ("yes" if vc.significant else "no") if vc and vc.significant is not None
                      else "")
        console.print(t)
        _incremental(console, r.groups, currency)
    if r.variant_comparison:
        _winners(console, r.variant_comparison)
    if r.open_hours:
        oh = r.open_hours
        peak = max(range(24), key=lambda h: oh.counts[h])
        bars = "  ".join(f"{h:02d}:{oh.counts[h]}" for h in range(24))
        console.print(f"[bold]Email open rate by hour[/bold] ({oh.timezone}; {oh.openers:,} "
                      f"openers, peak {peak:02d}:00)\n{bars}")
    e = r.efficiency
    t = Table(title="Mailing efficiency")
    t.add_column("stage")
    t.add_column("customers", justify="right")
    t.add_column("passed on", justify="right")
    tr = e.transitions
    for stage, value, rate in (("sent", e.stages.sent, tr.delivered),
                               ("delivered", e.stages.delivered, tr.opened if m.channel != "sms"
                                else tr.clicked),
                               ("opened", e.stages.opened, tr.clicked),
                               ("clicked", e.stages.clicked, None),
                               ("ordered", e.stages.ordered, tr.conversion),
                               ("ordered after a click", e.stages.ordered_after_click,
                                tr.ordered_after_click)):
        if stage == "opened" and m.channel == "sms":
            continue
        t.add_row(stage, _fmt(value), _fmt(rate, " %") if rate is not None else "")
    t.add_row("spam", _fmt(e.spam), _fmt(e.spam_rate, " %"))
    t.add_row("unsubscribed", _fmt(e.unsubscribed), _fmt(e.unsubscribe_rate, " %"))
    console.print(t)
    if r.product_sales and r.product_sales.rows:
        ps = r.product_sales
        by = f"{ps.sort}, {ps.unit}" if ps.unit else ps.sort
        t = Table(title=f"Product sales (top {len(ps.rows)} by {by})")
        for col in ("category", "units", "revenue", "receipts"):
            t.add_column(col, justify="left" if col == "category" else "right")
        for row in ps.rows:
            # pieces and kilograms are shown apart, never as one sum
            units = ", ".join(f"{_quantity(q)} {u}" for u, q in row.units_by_unit.items()) \
                if len(ps.units_of_measure) > 1 else _quantity(row.units)
            t.add_row(row.category, units, f"{row.revenue:,}", _fmt(row.receipts))
        console.print(t)
    d = r.deliverability
    if d is not None and (d.bounced or d.unsubscribed):
        t = Table(title=f"Deliverability: {d.bounced:,} bounced of {d.sent:,} sent")
        for col in ("bounce class / reason", "customers", "% of sent"):
            t.add_column(col, justify="left" if col.startswith("bounce") else "right")
        for c in d.classes:
            t.add_row(c.bounce_class, _fmt(c.customers), _fmt(c.share_of_sent, " %"))
        for why in d.reasons:
            t.add_row(f"  {why.reason[:50]} ({why.bounce_class})", _fmt(why.customers),
                      _fmt(why.share_of_sent, " %"))
        for u in d.unsubscribe_reasons:
            t.add_row(f"unsubscribed: {u.reason[:40]}", _fmt(u.customers),
                      _fmt(u.share_of_sent, " %"))
        console.print(t)
    for hv in r.heatmap or []:
        t = Table(title=f"Click heatmap, variant {hv.variant_id} ({hv.openers:,} readers)")
        for col in ("#", "link", "clicks", "clickers", "% of readers"):
            t.add_column(col)
        for lk in hv.links:
            t.add_row(str(lk.link_index), (lk.text or lk.url)[:50], _fmt(lk.clicks),
                      _fmt(lk.unique_clickers), _fmt(lk.percent_of_readers))
        console.print(t)
    devices_and_regions(console, r, currency)


def devices_and_regions(console: Console, r, currency: str) -> None:
    """Devices and clients (people, then machines apart) and Regions, where they have
    anything to show."""
    d = r.devices
    if d and (d.opened.customers or d.clicked.customers):
        t = Table(title="Devices and clients (people)")
        for col in ("who", "device", "client", "system"):
            t.add_column(col)
        def top(shares) -> str:
            return ", ".join(f"{s.name} {s.customers:,}" for s in shares[:4])

        for who, block in (("openers", d.opened), ("clickers", d.clicked)):
            t.add_row(f"{who} {block.customers:,}", top(block.device), top(block.client),
                      top(block.os))
        console.print(t)
    if d and (d.machine_opened.customers or d.machine_clicked.customers):
        console.print("[bold]Machine events, apart[/bold]: opens "
                      + ", ".join(f"{s.name} {s.customers:,}" for s in d.machine_opened.client)
                      + "; clicks "
                      + ", ".join(f"{s.name} {s.customers:,}" for s in d.machine_clicked.client))
    if r.regions and r.regions.rows:
        t = Table(title="Regions")
        for col in ("region", "opened", "clicked", "ordered", f"revenue, {currency}"):
            t.add_column(col, justify="left" if col == "region" else "right")
        for row in r.regions.rows:
            t.add_row(row.region, _fmt(row.opened), _fmt(row.clicked), _fmt(row.ordered),
                      f"{row.revenue:,}")
        console.print(t)


def _incremental(console: Console, groups, currency: str) -> None:
    for g in groups:
        vc = g.vs_control
        if vc is None or vc.incremental_buyers is None:
            continue
        who = f"variant {g.variant_id}" if g.variant_id else "test group"
        buyers = f"{vc.incremental_buyers:,.1f}"
        if vc.incremental_buyers_ci:
            buyers += (f" (95% CI {vc.incremental_buyers_ci[0]:,.1f} … "
                       f"{vc.incremental_buyers_ci[1]:,.1f})")
        revenue = "—" if vc.incremental_revenue is None else f"{vc.incremental_revenue:,}"
        if vc.incremental_revenue_ci:
            revenue += (f" (95% CI {vc.incremental_revenue_ci[0]:,} … "
                        f"{vc.incremental_revenue_ci[1]:,})")
        console.print(f"Incremental, {who}: buyers {buyers}; revenue {revenue} {currency}")


def _winners(console: Console, comparison) -> None:
    for name, rate in (("click rate", comparison.click_rate),
                       ("conversion", comparison.conversion)):
        pairs = f"{len(rate.pairs)} pair{'' if len(rate.pairs) == 1 else 's'}, Holm-adjusted"
        if rate.winner is None:
            console.print(f"Variants on {name}: no significant winner ({pairs})")
        else:
            # 99.99996 % printed to one decimal would read as certainty
            confidence = ("> 99.9" if rate.winner_confidence >= 99.95
                          else f"{rate.winner_confidence:.1f}")
            console.print(f"Variants on {name}: {rate.winner} wins, confidence "
                          f"{confidence} % ({pairs})")


def campaign_report(console: Console, r, currency: str) -> None:
    console.rule(f"[bold]Campaign {r.campaign.name}[/bold] ({r.campaign.campaign_id})")
    t = Table()
    for col in ("mailing", "channel", "sent", "delivered", "opened", "clicked", "ordered",
                "orders", f"revenue, {currency}"):
        t.add_column(col)
    for row in [*r.mailings, r.totals]:
        t.add_row(row.name, row.channel, _fmt(row.sent), _fmt(row.delivered), _fmt(row.opened),
                  _fmt(row.clicked), _fmt(row.ordered), _fmt(row.orders), f"{row.revenue:,}")
    console.print(t)
    devices_and_regions(console, r, currency)


def _quantity(q: float) -> str:
    return f"{q:,.3f}".rstrip("0").rstrip(".")
