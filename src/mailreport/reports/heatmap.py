"""Click heatmap: per variant, each link of the email with its clicks, unique
clickers and the share of the variant's readers who clicked it."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import ibis

from mailreport.reports.models import HeatmapLink, HeatmapVariant, Mailing
from mailreport.reports.query import ReportQuery, count_stage, in_days, percent
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables


@dataclass(frozen=True)
class Link:
    index: int
    url: str
    text: str
    start: int  # offset of its "<a" in the HTML: where the preview marks it


class _LinkParser(HTMLParser):
    """Collects <a href> elements in document order with their visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self._open: list[tuple[str | None, list[str], int]] = []
        self._line_starts = [0] + [i + 1 for i, char in enumerate(html) if char == "\n"]

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            line, column = self.getpos()
            self._open.append((dict(attrs).get("href"), [],
                               self._line_starts[line - 1] + column))
        elif tag == "img" and self._open:
            alt = dict(attrs).get("alt")
            if alt:
                self._open[-1][1].append(alt)

    def handle_data(self, data):
        for _, text, _ in self._open:
            text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            href, text, start = self._open.pop()
            if href is not None:
                self.links.append(Link(len(self.links), href, " ".join("".join(text).split()),
                                       start))

    def close(self):
        super().close()
        while self._open:
            self.handle_endtag("a")


def parse_links(html: str | None) -> list[Link]:
    """The email's links, numbered from 0 in document order (by opening tag)."""
    if not html:
        return []
    parser = _LinkParser(html)
    parser.feed(html)
    parser.close()
    # <a> cannot nest in valid HTML, so the closing order is the document order
    return parser.links


def heatmap(tables: Tables, scope: Scope, query: ReportQuery) -> list[HeatmapVariant]:
    mailing = scope.mailing
    v = tables.variants
    bodies = {r["variant_id"]: r["body_html"] for r in tables.run(
        v.filter(v.mailing_id == mailing.mailing_id).select("variant_id", "body_html"))}
    if not bodies:
        bodies = {"A": None}
    links = {vid: parse_links(html) for vid, html in bodies.items()}
    readers, clicks = _readers_and_clicks(tables, mailing, query)
    # a click known only by its url goes to the first link with that url
    first_index = [{"vid": vid, "url": url,
                    "url_index": min(lk.index for lk in ls if lk.url == url)}
                   for vid, ls in links.items() for url in {lk.url for lk in ls}]
    if first_index:
        m = ibis.memtable(first_index, schema={"vid": "string", "url": "string",
                                               "url_index": "int64"})
        clicks = clicks.left_join(m, ["vid", "url"])
        idx = clicks.link_index.fill_null(clicks.url_index)
    else:
        idx = clicks.link_index
    clicks = clicks.select(vid=clicks.vid, idx=idx, customer_id=clicks.customer_id,
                           clicks=clicks.clicks)
    rows = tables.run(clicks.group_by(["vid", "idx"]).aggregate(
        clicks=clicks.clicks.sum(), unique=clicks.customer_id.nunique()))
    stats = {(row["vid"], row["idx"]): row for row in rows}
    out = []
    for vid in sorted(links):
        n = readers.get(vid, 0)
        known = {lk.index for lk in links[vid]}
        out.append(HeatmapVariant(
            variant_id=vid, openers=n,
            links=[HeatmapLink(
                link_index=lk.index, url=lk.url, text=lk.text,
                clicks=(stats.get((vid, lk.index)) or {}).get("clicks", 0),
                unique_clickers=(stats.get((vid, lk.index)) or {}).get("unique", 0),
                percent_of_readers=percent((stats.get((vid, lk.index)) or {}).get("unique", 0), n),
            ) for lk in links[vid]],
            unmatched_clicks=sum(s["clicks"] for (sv, i), s in stats.items()
                                 if sv == vid and i not in known),
        ))
    return out


def _readers_and_clicks(tables: Tables, mailing: Mailing,
                        query: ReportQuery) -> tuple[dict, ibis.Table]:
    """Openers per variant in the period, and the period's clicks as (vid, link_index,
    url, customer_id, clicks), each click in its recipient's variant (click_counts)."""
    c = tables.reach_counts
    opened = count_stage("opened", query.include_machine)
    c = c.filter((c.mailing_id == mailing.mailing_id) & (c.stage == opened)
                 & in_days(c.day, query))
    readers = {row["variant_id"]: row["n"] for row in tables.run(
        c.group_by("variant_id").aggregate(n=c.customers.sum()))}
    k = tables.click_counts
    k = k.filter((k.mailing_id == mailing.mailing_id) & in_days(k.day, query))
    if not query.include_machine:
        k = k.filter(~k.is_machine)
    return readers, k.select(vid=k.variant_id, link_index=k.link_index, url=k.url,
                             customer_id=k.customer_id, clicks=k.clicks)
