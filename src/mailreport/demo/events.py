"""What the providers report for one block of a mailing's recipients.

Events are built as numpy columns (customer index, type code, ts, ...) and only turned
into strings when written. Besides the funnel (sent, delivered, opens, clicks) they
carry what real feeds carry: bounces and failures, duplicated deliveries with their own
event_id, a few recipients whose `sent` never arrived, privacy-proxy opens and link
scanner clicks flagged is_machine, clicks without an open (images off), spam
complaints and unsubscribes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mailreport.contract import EVENT_TYPES
from mailreport.demo.customers import APPLE_PROXY, GOOGLE_PROXY, Population
from mailreport.demo.mailings import MailingPlan, email_links, message_url
from mailreport.demo.plan import DAY, HOUR, NOW
from mailreport.demo.timing import after, seconds
from mailreport.demo.writer import (
    TableWriter,
    dotted_quads,
    integers,
    padded_ids,
    pick,
    repeat,
    timestamps,
)

CODE = {name: i for i, name in enumerate(EVENT_TYPES)}
PROVIDERS = ("sendgrid", "mailgun", "twilio", "messagebird", "fcm", "apns")

AGENTS = (
    # people reading email (stable per customer); the first two are phones' browsers,
    # which SMS clicks use too
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",  # Apple Mail on iOS
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; .NET4.0C; .NET4.0E; "
    "Microsoft Outlook 16.0.17726; ms-office; MSOffice 16)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 YaBrowser/24.6.0.0 Safari/537.36",  # webmail in Yandex Browser
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko)",  # Apple Mail on macOS
    "Mozilla/5.0 (Linux; Android 14; SM-A346B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36 YandexMail/8.62.1",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",  # Apple Mail on an iPad
    "Mozilla/5.0 (Linux; Android 13; Redmi Note 12 Build/TKQ1.221114.001; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.0.0 Mobile "
    "Safari/537.36 MailRuMail/14.70.0.64170",  # the Mail.ru app's web view
    # machines
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "(Apple Mail Privacy Protection)",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Mozilla/5.0 (compatible; Microsoft Defender for Office 365 Safe Links)",
    "Barracuda Sentinel (EE)",
    # the shop's app (push taps)
    "ShopApp/5.12.0 (iPhone; iOS 17.5)",
    "ShopApp/5.12.0 (Android 14)",
)
READERS = 8
APPLE_AGENT, GOOGLE_AGENT, SCANNER_AGENTS, APP_AGENTS = 8, 9, (10, 11), (12, 13)
# Proxies and scanners fetch from their operators' networks, not the reader's.
APPLE_NET, GOOGLE_NET, MICROSOFT_NET = (17 << 24) | (58 << 16), (66 << 24) | (249 << 16), \
    (40 << 24) | (94 << 16)


@dataclass(frozen=True)
class Behaviour:
    """Rates of one channel, before the variant's and the customer's multipliers."""

    spread: int  # seconds the provider takes to send the whole mailing
    bounced: float
    failed: float
    duplicate: float  # deliveries reported twice
    missing_sent: float
    open: float  # people opening, of delivered
    click: float  # of openers (sms: of delivered)
    spam: float
    unsubscribe: float


BEHAVIOUR = {
    "email": Behaviour(90 * 60, 0.022, 0.005, 0.012, 0.002, 0.24, 0.19, 0.0012, 0.0035),
    "sms": Behaviour(30 * 60, 0.0, 0.035, 0.01, 0.002, 0.0, 0.05, 0.0, 0.003),
    "push": Behaviour(10 * 60, 0.0, 0.07, 0.005, 0.002, 0.10, 0.35, 0.0, 0.0),
}
NO_IMAGES = 0.05  # openers whose client blocks images: they click without an open event


@dataclass
class EventBlock:
    columns: dict[str, np.ndarray]  # customer, variant, type, ts, link, url, agent, ip, machine
    touch_customer: np.ndarray  # basis-stage reach (opened; sms: delivered), for purchases
    touch_ts: np.ndarray
    touch_variant: np.ndarray
    leavers: np.ndarray  # customers who unsubscribed or complained


class UrlTable:
    """The urls of one mailing, with each variant's links as codes into them."""

    def __init__(self, mailing: MailingPlan):
        self.urls: list[str] = []
        self.link_codes: list[np.ndarray] = []
        self.link_weights: list[np.ndarray] = []
        for variant in mailing.variants:
            if mailing.channel == "email":
                links = email_links(mailing, variant)
                urls, weights = [link.url for link in links], [link.weight for link in links]
            else:
                urls, weights = [message_url(mailing)], [1.0]
            self.link_codes.append(np.array([self._code(u) for u in urls], np.int16))
            w = np.array(weights)
            self.link_weights.append(w / w.sum())
        self.links = np.array([len(c) for c in self.link_codes])

    def _code(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url)


def _filled(value, dtype, n: int) -> np.ndarray:
    """A per-row column from a scalar or an array, without copying a scalar n times."""
    return np.broadcast_to(np.asarray(value, dtype), n)


class _Parts:
    """Event columns gathered piece by piece, concatenated once."""

    def __init__(self, customer: np.ndarray, variant: np.ndarray, provider: np.ndarray):
        self.customer, self.variant, self.provider = customer, variant, provider
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, who: np.ndarray, kind: str, ts: np.ndarray, *, link=-1, url=-1, agent=-1,
            ip=0, machine=False) -> None:
        n = who.size
        if n == 0:
            return
        self.parts.append({
            "customer": self.customer[who], "variant": self.variant[who],
            "provider": self.provider[who], "type": _filled(CODE[kind], np.int8, n),
            "ts": np.asarray(ts, np.int64), "link": _filled(link, np.int8, n),
            "url": _filled(url, np.int16, n), "agent": _filled(agent, np.int8, n),
            "ip": _filled(ip, np.uint32, n), "machine": _filled(machine, bool, n),
        })

    def columns(self) -> dict[str, np.ndarray]:
        if not self.parts:
            return {}
        cols = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        keep = cols["ts"] < NOW  # what has not happened yet is not in the feed
        return {k: v[keep] for k, v in cols.items()}


def _reader_agent(customer: np.ndarray) -> np.ndarray:
    """A stable mail client per customer (a multiplicative hash, not a random draw)."""
    return ((customer.astype(np.uint64) * 2654435761 >> 7) % READERS).astype(np.int8)


def _machine_ip(rng: np.random.Generator, net: int, n: int) -> np.ndarray:
    return (net | rng.integers(1, 1 << 16, n)).astype(np.uint32)


def _choose_links(rng: np.random.Generator, urls: UrlTable, variant: np.ndarray) -> np.ndarray:
    link = np.zeros(variant.size, np.int8)
    for v, weights in enumerate(urls.link_weights):
        at = np.flatnonzero(np.maximum(variant, 0) == v)
        link[at] = rng.choice(weights.size, at.size, p=weights)
    return link


def mailing_events(rng: np.random.Generator, mailing: MailingPlan, urls: UrlTable,
                   population: Population, customer: np.ndarray,
                   variant: np.ndarray) -> EventBlock:
    """All events of the recipients `customer` (test group, good) with their variants."""
    b = BEHAVIOUR[mailing.channel]
    n = customer.size
    v = np.maximum(variant, 0)
    response = np.array([x.response for x in mailing.variants])[v]
    if mailing.channel == "push":
        provider = np.where(population.push_ios[customer], PROVIDERS.index("apns"),
                            PROVIDERS.index("fcm")).astype(np.int8)
    else:
        provider = np.full(n, PROVIDERS.index(mailing.provider), np.int8)
    parts = _Parts(customer, variant, provider)
    every = np.arange(n)
    offset = population.offset[customer]

    sent = mailing.sent_ts + (rng.random(n) * b.spread).astype(np.int64)
    has_sent = rng.random(n) >= b.missing_sent
    parts.add(every[has_sent], "sent", sent[has_sent])
    outcome = rng.random(n)
    bounced = outcome < b.bounced
    failed = (outcome >= b.bounced) & (outcome < b.bounced + b.failed)
    parts.add(every[bounced], "bounced", sent[bounced] + seconds(rng, 20, 1.0, n)[bounced])
    parts.add(every[failed], "failed", sent[failed] + seconds(rng, 5, 0.8, n)[failed])
    d = every[~(bounced | failed)]
    delivered = sent[d] + seconds(rng, 4, 1.2, d.size)
    parts.add(d, "delivered", delivered)
    again = rng.random(d.size) < b.duplicate
    parts.add(d[again], "delivered", delivered[again] + rng.integers(0, 600, again.sum()))

    engaged = population.engagement[customer[d]]
    if mailing.channel == "sms":
        clicks = rng.random(d.size) < np.minimum(b.click * response[d] * np.sqrt(engaged), 0.5)
        c = d[clicks]
        ts = after(rng, delivered[clicks], offset[c], "phone", 20 * 60, 10 * HOUR, 0.75)
        parts.add(c, "clicked", ts, url=urls.link_codes[0][0], agent=_reader_agent(customer[c]) % 2,
                  ip=population.home_ip[customer[c]])
        touch, touch_ts = d, delivered
    else:
        p_open = np.minimum(b.open * response[d] * engaged, 0.9)
        opens = rng.random(d.size) < p_open
        o = d[opens]
        profile = "email" if mailing.channel == "email" else "phone"
        fast, slow, share = (2.5 * HOUR, 30 * HOUR, 0.55) if mailing.channel == "email" else \
            (25 * 60, 8 * HOUR, 0.8)
        first_open = after(rng, delivered[opens], offset[o], profile, fast, slow, share)
        if mailing.channel == "push":
            app = np.where(population.push_ios[customer[o]], APP_AGENTS[0], APP_AGENTS[1])
            home = population.home_ip[customer[o]]
            parts.add(o, "opened", first_open, agent=app, ip=home)
            tapped = rng.random(o.size) < b.click * response[o]
            parts.add(o[tapped], "clicked", first_open[tapped] + seconds(rng, 4, 0.8, tapped.sum()),
                      url=urls.link_codes[0][0], agent=app[tapped], ip=home[tapped])
            touch, touch_ts = o, first_open
        else:
            touch, touch_ts = _email_engagement(rng, parts, b, urls, population, customer,
                                                variant, response, d, delivered, o, first_open)
    leavers = _spam_and_unsubscribes(rng, parts, b, d, delivered, customer, offset)
    return EventBlock(parts.columns(), customer[touch], touch_ts, variant[touch], leavers)


def _email_engagement(rng, parts: _Parts, b: Behaviour, urls: UrlTable, population: Population,
                      customer, variant, response, d, delivered, o, first_open):
    """Machine opens and scanner clicks on delivery; people's opens and clicks later."""
    proxy = population.proxy[customer[d]]
    for kind, agent, net in ((APPLE_PROXY, APPLE_AGENT, APPLE_NET),
                             (GOOGLE_PROXY, GOOGLE_AGENT, GOOGLE_NET)):
        at = np.flatnonzero(proxy == kind)
        parts.add(d[at], "opened", delivered[at] + rng.integers(1, 60, at.size), agent=agent,
                  ip=_machine_ip(rng, net, at.size), machine=True)
    scanned = np.flatnonzero(population.scanner[customer[d]])
    s = d[scanned]
    scan_start = delivered[scanned] + rng.integers(2, 20, scanned.size)
    scanner_agent = np.array(SCANNER_AGENTS, np.int8)[rng.integers(0, 2, scanned.size)]
    v_s = np.maximum(variant[s], 0)
    for i in range(int(urls.links.max())):  # every link at once, seconds after delivery
        has = i < urls.links[v_s]
        url = np.array([codes[min(i, codes.size - 1)] for codes in urls.link_codes])[v_s]
        parts.add(s[has], "clicked", (scan_start + i * rng.integers(0, 2, s.size))[has], link=i,
                  url=url[has], agent=scanner_agent[has],
                  ip=_machine_ip(rng, MICROSOFT_NET, s.size)[has], machine=True)

    reader = _reader_agent(customer[o])
    home = population.home_ip[customer[o]]
    shown = rng.random(o.size) >= NO_IMAGES
    parts.add(o[shown], "opened", first_open[shown], agent=reader[shown], ip=home[shown])
    extra = rng.geometric(0.55, o.size) - 1  # re-opens: later, same person, same client
    again = np.repeat(np.flatnonzero(shown), extra[shown])
    reopen = after(rng, first_open[again], population.offset[customer[o[again]]], "email",
                   20 * 60, 12 * HOUR, 0.5)
    parts.add(o[again], "opened", reopen, agent=reader[again], ip=home[again])

    clicker = np.flatnonzero(rng.random(o.size) < np.minimum(b.click * response[o], 0.9))
    count = rng.geometric(0.5, clicker.size)
    each = np.repeat(clicker, count)
    rank = np.arange(each.size) - np.repeat(np.cumsum(count) - count, count)
    click_ts = first_open[each] + seconds(rng, 40, 1.0, each.size) * (rank + 1)
    link = _choose_links(rng, urls, variant[o[each]])
    url = np.array([codes[np.minimum(link, codes.size - 1)] for codes in urls.link_codes])[
        np.maximum(variant[o[each]], 0), np.arange(each.size)]
    link = np.where(rng.random(each.size) < 0.03, -1, link)  # some trackers drop the position
    parts.add(o[each], "clicked", click_ts, link=link, url=url, agent=reader[each], ip=home[each])

    # The opened reach time of someone with images off is their first click.
    first_click = np.full(o.size, np.iinfo(np.int64).max)
    np.minimum.at(first_click, each, click_ts)
    reached = np.where(shown, first_open, first_click)
    touched = reached < np.iinfo(np.int64).max
    return o[touched], reached[touched]


def _spam_and_unsubscribes(rng, parts: _Parts, b: Behaviour, d, delivered, customer,
                           offset):
    if b.spam == 0 and b.unsubscribe == 0:
        return customer[:0]
    u = rng.random(d.size)
    who = np.flatnonzero(u < b.spam + b.unsubscribe)
    later = after(rng, delivered[who], offset[d[who]], "email", HOUR, DAY, 0.7)
    spam = u[who] < b.spam
    parts.add(d[who[spam]], "spam", later[spam])
    parts.add(d[who[~spam]], "unsubscribed", later[~spam])
    return customer[d[who]]


# Why a message did not arrive, and why a customer left: (bounce_class, reason,
# weight) per channel and provider's kind of failure. Drawn from a hash of the
# customer (an address that does not exist bounces hard every time), not from the
# generator, so the demo's other figures stay as they were.
BOUNCE_REASONS = {
    "email": (
        ("hard", "550 5.1.1 user unknown", 34),
        ("hard", "550 5.1.1 mailbox does not exist", 16),
        ("hard", "553 5.1.2 domain not found", 6),
        ("soft", "452 4.2.2 mailbox full", 14),
        ("soft", "421 4.7.0 try again later", 6),
        ("blocked", "554 5.7.1 message rejected by policy", 8),
        ("blocked", "550 5.7.1 spam content detected", 6),
        ("unknown", None, 10),
    ),
    "sms": (
        ("soft", "30003 unreachable destination handset", 40),
        ("hard", "30005 unknown destination handset", 25),
        ("hard", "30006 landline or unreachable carrier", 15),
        ("blocked", "30007 message filtered", 12),
        ("unknown", "30008 unknown error", 8),
    ),
    "push": (
        ("hard", "UNREGISTERED token", 60),
        ("soft", "QUOTA_EXCEEDED", 20),
        ("unknown", None, 20),
    ),
}
UNSUBSCRIBE_REASONS = (("too many emails", 30), ("not relevant to me", 22),
                       ("never signed up", 6), ("other", 7), (None, 35))


def _hashed_choice(customer: np.ndarray, salt: int, weights: list[int]) -> np.ndarray:
    """A stable pick per customer among len(weights) options, by weight."""
    h = (customer.astype(np.uint64) * np.uint64(2246822519) + np.uint64(salt)) \
        * np.uint64(3266489917) >> np.uint64(16)
    edges = np.cumsum(weights)
    return np.searchsorted(edges, (h % np.uint64(edges[-1])).astype(np.int64), side="right")


def why(channel: str, customer: np.ndarray, type_code: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """The bounce_class and reason columns: a bounce's or failure's class and reason,
    an unsubscribe's reason, null elsewhere."""
    n = customer.size
    klass = np.full(n, -1, np.int64)
    reason = np.full(n, -1, np.int64)
    options = BOUNCE_REASONS[channel]
    classes = ["hard", "soft", "blocked", "unknown"]
    texts = [r for _, r, _ in options if r] + [r for r, _ in UNSUBSCRIBE_REASONS if r]
    failing = np.isin(type_code, [CODE["bounced"], CODE["failed"]])
    if failing.any():
        chosen = _hashed_choice(customer[failing], 7, [w for _, _, w in options])
        klass[failing] = np.array([classes.index(k) for k, _, _ in options])[chosen]
        reason[failing] = np.array([texts.index(r) if r else -1 for _, r, _ in options])[chosen]
    leaving = type_code == CODE["unsubscribed"]
    if leaving.any():
        chosen = _hashed_choice(customer[leaving], 11, [w for _, w in UNSUBSCRIBE_REASONS])
        reason[leaving] = np.array([texts.index(r) if r else -1
                                    for r, _ in UNSUBSCRIBE_REASONS])[chosen]
    return pick(classes, klass), pick(texts, reason)


CHUNK = 1 << 20


def write_events(writer: TableWriter, mailing: MailingPlan, urls: UrlTable,
                 population: Population, blocks: list[dict[str, np.ndarray]]) -> None:
    """One mailing's events, sorted by ts (the file is then clustered by mailing, then time).

    A mailing's events are held at once as compact numpy columns (about 25 bytes an event)
    and become strings a chunk at a time; event ids continue the file's count.
    """
    blocks = [b for b in blocks if b]
    if not blocks:
        return
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    order = np.argsort(cols["ts"], kind="stable")
    variants = [v.variant_id for v in mailing.variants]
    for lo in range(0, order.size, CHUNK):
        at = order[lo:lo + CHUNK]
        c = {k: v[at] for k, v in cols.items()}
        bounce_class, reason = why(mailing.channel, c["customer"], c["type"])
        first = writer.rows + 1
        writer.write({
            "event_id": padded_ids("E", np.arange(first, first + at.size), 10),
            "mailing_id": repeat(mailing.mailing_id, at.size),
            "variant_id": pick(variants, c["variant"]),
            "customer_id": population.ids.take(pa.array(c["customer"])),
            "type": pick(list(EVENT_TYPES), c["type"]),
            "ts": timestamps(c["ts"]),
            "link_index": integers(c["link"], null_below=0),
            "url": pick(urls.urls, c["url"]),
            "user_agent": pick(list(AGENTS), c["agent"]),
            "ip": dotted_quads(c["ip"]),
            "is_machine": pa.array(c["machine"], pa.bool_()),
            "provider": pick(list(PROVIDERS), c["provider"]),
            "bounce_class": bounce_class,
            "reason": reason,
        })
