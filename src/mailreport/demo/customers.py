"""Customers across Russia's time zones, and the hidden traits that drive their behaviour.

The table holds what a CRM knows (contacts, zone, region); `Population` also keeps
what it does not (real UTC offset even when the zone is unknown, how engaged and
how frequent a buyer someone is, whether their mail goes through a privacy proxy or
a corporate link scanner), so that events and orders follow from the same person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mailreport.demo.plan import CUSTOMERS_SINCE, NOW, blocks, rng_for
from mailreport.demo.writer import TableWriter, hex_strings, padded_ids, pick, timestamps

# zone, share of customers (roughly the population), regions (largest first)
ZONES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Europe/Kaliningrad", 0.7, ("Kaliningrad Oblast",)),
    ("Europe/Moscow", 52.0, ("Moscow", "Saint Petersburg", "Moscow Oblast", "Krasnodar Krai",
                             "Tatarstan", "Nizhny Novgorod Oblast", "Rostov Oblast",
                             "Voronezh Oblast", "Leningrad Oblast", "Yaroslavl Oblast",
                             "Tula Oblast", "Tver Oblast")),
    ("Europe/Volgograd", 1.7, ("Volgograd Oblast",)),
    ("Europe/Samara", 3.5, ("Samara Oblast", "Udmurtia")),
    ("Europe/Saratov", 1.6, ("Saratov Oblast",)),
    ("Europe/Ulyanovsk", 0.8, ("Ulyanovsk Oblast",)),
    ("Asia/Yekaterinburg", 12.0, ("Sverdlovsk Oblast", "Bashkortostan", "Chelyabinsk Oblast",
                                  "Perm Krai", "Tyumen Oblast", "Orenburg Oblast")),
    ("Asia/Omsk", 1.3, ("Omsk Oblast",)),
    ("Asia/Novosibirsk", 2.0, ("Novosibirsk Oblast",)),
    ("Asia/Barnaul", 1.5, ("Altai Krai",)),
    ("Asia/Novokuznetsk", 1.8, ("Kemerovo Oblast",)),
    ("Asia/Tomsk", 0.7, ("Tomsk Oblast",)),
    ("Asia/Krasnoyarsk", 2.0, ("Krasnoyarsk Krai", "Khakassia", "Tuva")),
    ("Asia/Irkutsk", 2.0, ("Irkutsk Oblast", "Buryatia")),
    ("Asia/Chita", 0.7, ("Zabaykalsky Krai",)),
    ("Asia/Yakutsk", 0.8, ("Sakha (Yakutia)", "Amur Oblast")),
    ("Asia/Vladivostok", 2.0, ("Primorsky Krai", "Khabarovsk Krai")),
    ("Asia/Sakhalin", 0.3, ("Sakhalin Oblast",)),
    ("Asia/Magadan", 0.1, ("Magadan Oblast",)),
    ("Asia/Kamchatka", 0.2, ("Kamchatka Krai",)),
    ("Asia/Anadyr", 0.05, ("Chukotka",)),
)
ZONE_NAMES = tuple(z[0] for z in ZONES)
UNKNOWN_ZONE = 0.08
# Russia keeps no daylight saving time since 2014, so one offset per zone holds all summer;
# taken from zoneinfo rather than typed in.
ZONE_OFFSETS = np.array([ZoneInfo(z).utcoffset(datetime(2026, 7, 1)).total_seconds()
                         for z in ZONE_NAMES], np.int32)
REGIONS = tuple(r for z in ZONES for r in z[2])

MEN = ("ivan", "alexey", "dmitry", "sergey", "andrey", "mikhail", "nikolay", "artem", "pavel",
       "maxim", "roman", "igor")
WOMEN = ("anna", "elena", "olga", "natalia", "maria", "irina", "tatiana", "svetlana", "ekaterina",
         "yulia", "anastasia", "daria", "victoria", "ksenia")
FIRST = MEN + WOMEN
LAST = ("ivanov", "smirnov", "kuznetsov", "popov", "vasiliev", "petrov", "sokolov", "mikhailov",
        "novikov", "fedorov", "morozov", "volkov", "alekseev", "lebedev", "semenov", "egorov",
        "pavlov", "kozlov", "stepanov", "nikolaev", "orlov", "andreev", "makarov", "zaitsev")
# domain, share, kind (0 personal, 1 Apple: privacy-proxied, 2 Gmail, 3 corporate: scanned)
DOMAINS = (("mail.ru", 28, 0), ("yandex.ru", 24, 0), ("gmail.com", 18, 2), ("bk.ru", 4, 0),
           ("inbox.ru", 3, 0), ("list.ru", 3, 0), ("rambler.ru", 4, 0), ("icloud.com", 7, 1),
           ("outlook.com", 2, 0), ("vektor-group.ru", 2, 3), ("uralstroy.ru", 2, 3),
           ("agroholding.ru", 1.5, 3), ("ya.ru", 2, 0))
IP_PREFIXES = np.array([5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 83, 85, 87, 91, 92, 93, 94, 95,
                        109, 176, 178, 188, 212, 213, 217], np.uint32)

_NULL = pa.scalar(None, pa.string())
NO_PROXY, APPLE_PROXY, GOOGLE_PROXY = 0, 1, 2
CHANNEL_UNSUBSCRIBED = {"email": 0.05, "sms": 0.03, "push": 0.02}
CATEGORY_UNSUBSCRIBED = {"promo": 0.03, "news": 0.04, "service": 0.005}


@dataclass
class Population:
    ids: pa.Array
    offset: np.ndarray  # true UTC offset in seconds, also where the CRM does not know the zone
    created: np.ndarray
    has_address: dict[str, np.ndarray]  # channel -> has email / phone / push token
    push_ios: np.ndarray
    proxy: np.ndarray  # NO_PROXY / APPLE_PROXY / GOOGLE_PROXY
    scanner: np.ndarray
    engagement: np.ndarray  # mean 1; scales open and click odds
    buy_rate: np.ndarray  # baseline orders per day
    home_ip: np.ndarray
    unsubscribed_channel: dict[str, np.ndarray]  # grows as unsubscribe events happen
    unsubscribed_category: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return len(self.offset)


def _shares(values: list[float] | tuple[float, ...]) -> np.ndarray:
    w = np.asarray(values, np.float64)
    return w / w.sum()


ZONE_SHARE = _shares([z[1] for z in ZONES])
DOMAIN_NAMES = pa.array([d[0] for d in DOMAINS], pa.string())
DOMAIN_SHARE = _shares([d[1] for d in DOMAINS])
DOMAIN_KIND = np.array([d[2] for d in DOMAINS], np.int8)
_REGION_START = np.cumsum([0] + [len(z[2]) for z in ZONES])[:-1]
_REGION_COUNT = np.array([len(z[2]) for z in ZONES])


def _emails(rng: np.random.Generator, n: int, domain: np.ndarray) -> pa.Array:
    name = rng.integers(0, len(FIRST), n)
    first = pick(list(FIRST), name)
    # Ivanov, Ivanova: a woman's surname takes the feminine ending.
    last = pc.binary_join_element_wise(pick(list(LAST), rng.integers(0, len(LAST), n)),
                                       pick(["", "a"], (name >= len(MEN)).astype(np.int8)), "")
    sep = pick([".", "_", ""], rng.choice(3, n, p=[0.5, 0.2, 0.3]))
    number = rng.choice(np.arange(1960, 2008), n).astype(np.int64)
    number = np.where(rng.random(n) < 0.5, number % 100, number)
    digits = pc.cast(pa.array(number, mask=rng.random(n) < 0.35), pa.string())
    digits = pc.fill_null(digits, "")
    local = pc.binary_join_element_wise(first, sep, last, digits, "")
    return pc.binary_join_element_wise(local, DOMAIN_NAMES.take(pa.array(domain)), "@")


def _block(seed: int, index: int, lo: int, hi: int, total: int) -> tuple[dict, dict[str, pa.Array]]:
    rng = rng_for(seed, "customers", index)
    n = hi - lo
    zone = rng.choice(len(ZONES), n, p=ZONE_SHARE)
    region = _REGION_START[zone] + np.minimum(
        rng.geometric(0.45, n) - 1, _REGION_COUNT[zone] - 1)
    # Registration dates rise with the id (ids are issued in order), denser in recent years.
    q = (np.arange(lo, hi) + rng.random(n)) / total
    created = CUSTOMERS_SINCE + ((q ** (1 / 1.6)) * (NOW - 7 * 86_400 - CUSTOMERS_SINCE)
                                 ).astype(np.int64)
    domain = rng.choice(len(DOMAINS), n, p=DOMAIN_SHARE)
    kind = DOMAIN_KIND[domain]
    has_email = rng.random(n) < 0.84
    has_phone = rng.random(n) < 0.88
    has_push = rng.random(n) < 0.45
    push_ios = rng.random(n) < 0.38
    proxy = np.full(n, NO_PROXY, np.int8)
    proxy[(kind == 1) | ((kind == 0) & (rng.random(n) < 0.22))] = APPLE_PROXY
    proxy[(kind == 2) & (rng.random(n) < 0.35)] = GOOGLE_PROXY
    lapsed = rng.random(n) < 0.22
    traits = dict(
        offset=ZONE_OFFSETS[zone],
        created=created,
        has_address={"email": has_email, "sms": has_phone, "push": has_push},
        push_ios=push_ios,
        proxy=proxy,
        scanner=(kind == 3) & (rng.random(n) < 0.7),
        engagement=rng.gamma(1.3, 1 / 1.3, n).astype(np.float32),
        buy_rate=np.where(lapsed, 0.0, rng.gamma(0.9, 0.026 / 0.9, n)).astype(np.float32),
        home_ip=(IP_PREFIXES[rng.integers(0, len(IP_PREFIXES), n)] << 24)
        | rng.integers(1, 1 << 24, n).astype(np.uint32),
        unsubscribed_channel={c: rng.random(n) < p for c, p in CHANNEL_UNSUBSCRIBED.items()},
        unsubscribed_category={c: rng.random(n) < p for c, p in CATEGORY_UNSUBSCRIBED.items()},
    )
    ids = padded_ids("C", np.arange(lo + 1, hi + 1), 8)
    phone = padded_ids("+79", rng.integers(0, 10**9, n), 9)
    apns = hex_strings(rng, n, 64)
    fcm = pc.binary_join_element_wise(hex_strings(rng, n, 22), ":APA91b", hex_strings(rng, n, 40),
                                      "")
    token = pc.if_else(pa.array(push_ios), apns, fcm)
    zone_code = np.where(rng.random(n) < UNKNOWN_ZONE, -1, zone)
    region_code = np.where(rng.random(n) < 0.04, -1, region)
    columns = {
        "customer_id": ids,
        "email": pc.if_else(pa.array(has_email), _emails(rng, n, domain), _NULL),
        "phone": pc.if_else(pa.array(has_phone), phone, _NULL),
        "push_token": pc.if_else(pa.array(has_push), token, _NULL),
        "timezone": pick(list(ZONE_NAMES), zone_code),
        "region": pick(list(REGIONS), region_code),
        "created_at": timestamps(created),
    }
    return {"ids": ids, **traits}, columns


def _concat(parts: list[dict], key: str):
    first = parts[0][key]
    if isinstance(first, dict):
        return {k: np.concatenate([p[key][k] for p in parts]) for k in first}
    if isinstance(first, pa.Array):
        return pa.concat_arrays([p[key] for p in parts])
    return np.concatenate([p[key] for p in parts])


def write_customers(seed: int, n: int, writer: TableWriter, progress) -> Population:
    parts = []
    spans = blocks(n)
    for index, (lo, hi) in enumerate(spans):
        traits, columns = _block(seed, index, lo, hi, n)
        writer.write(columns)
        parts.append(traits)
        progress("customers", index + 1, len(spans))
    return Population(**{k: _concat(parts, k) for k in parts[0]})
