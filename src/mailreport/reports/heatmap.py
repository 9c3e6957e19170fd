"""Click heatmap: per variant, each link of the email with its clicks, unique
clickers and the share of the variant's readers who clicked it."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import ibis

from mailreport.reports.models import HeatmapLink, HeatmapVariant
from mailreport.reports.query import ReportQuery, count_stage, in_days, percent
from mailreport.reports.scope import Scope
from mailreport.store.tables import Tables, built_once


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
    bodies = {r["variant_id"]: r["body_html"]
              for r in tables.run(_bodies(tables, mailing.mailing_id))}
    if not bodies:
        bodies = {"A": None}
    links = {vid: parse_links(html) for vid, html in bodies.items()}
    readers = {row["variant_id"]: row["n"]
               for row in tables.run(_readers(tables, mailing.mailing_id, query))}
    # a click known only by its url goes to the first link with that url
    first_index = sorted((vid, url, min(lk.index for lk in ls if lk.url == url))
                         for vid, ls in links.items() for url in {lk.url for lk in ls})
    rows = tables.run(_clicks_by_link(tables, mailing.mailing_id, query, first_index))
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


@built_once
def _bodies(tables: Tables, mailing_id: str) -> ibis.Table:
    v = tables.variants
    return v.filter(v.mailing_id == mailing_id).select("variant_id", "body_html")


@built_once
def _readers(tables: Tables, mailing_id: str, query: ReportQuery) -> ibis.Table:
    """(variant_id, n): openers per variant in the period."""
    c = tables.reach_counts
    opened = count_stage("opened", query.include_machine)
    c = c.filter((c.mailing_id == mailing_id) & (c.stage == opened) & in_days(c.day, query))
    return c.group_by("variant_id").aggregate(n=c.customers.sum())


@built_once
def _clicks_by_link(tables: Tables, mailing_id: str, query: ReportQuery,
                    first_index: list[tuple[str, str, int]]) -> ibis.Table:
    """(vid, idx, clicks, unique): the period's clicks per link, each click in its
    recipient's variant (click_counts); ``first_index``: (variant, url, index of the
    first link with that url) for clicks known only by their url."""
    k = tables.click_counts
    k = k.filter((k.mailing_id == mailing_id) & in_days(k.day, query))
    if not query.include_machine:
        k = k.filter(~k.is_machine)
    clicks = k.select(vid=k.variant_id, link_index=k.link_index, url=k.url,
                      customer_id=k.customer_id, clicks=k.clicks)
    if first_index:
        m = ibis.memtable([{"vid": v, "url": u, "url_index": i} for v, u, i in first_index],
                          schema={"vid": "string", "url": "string", "url_index": "int64"})
        clicks = clicks.left_join(m, ["vid", "url"])
        idx = clicks.link_index.fill_null(clicks.url_index)
    else:
        idx = clicks.link_index
    clicks = clicks.select(vid=clicks.vid, idx=idx, customer_id=clicks.customer_id,
                           clicks=clicks.clicks)
    return clicks.group_by(["vid", "idx"]).aggregate(
        clicks=clicks.clicks.sum(), unique=clicks.customer_id.nunique())
