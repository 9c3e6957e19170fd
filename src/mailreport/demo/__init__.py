"""A realistic demo dataset of a grocery retailer's mailings, in the data contract's files.

    generate(Path("demo"), scale="medium")  # -> {"customers": 200000, "events": ..., ...}

What is in it, and why, is told module by module: `catalogue` (category tree, products),
`customers` (contacts across Russia's time zones), `mailings` (the fixed calendar,
variants and email bodies), `audience` (statuses, control groups, variants),
`events` (the providers' feed, with its noise), `orders` (baseline and lift),
`timing` (hours of the day), `writer` (contract-shaped Arrow and the files).
The same seed and scale give the same data; work goes by fixed customer blocks with
their own seeds, and the files are written a block at a time, so large scales stream.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mailreport.demo.audience import assign_audience, write_audience
from mailreport.demo.catalogue import build_catalogue
from mailreport.demo.customers import write_customers
from mailreport.demo.events import UrlTable, mailing_events, write_events
from mailreport.demo.mailings import MAILINGS, SENT, write_mailings
from mailreport.demo.orders import baseline_orders, lift_orders, write_orders
from mailreport.demo.plan import SCALES, Scale, blocks, rng_for
from mailreport.demo.writer import FORMATS, Writers

__all__ = ["FORMATS", "MAILINGS", "SCALES", "Scale", "generate"]

Progress = Callable[[str, int, int], None]


def generate(out_dir: Path, scale: str = "small", seed: int = 42, fmt: str = "parquet",
             progress: Progress | None = None) -> dict[str, int]:
    """Write <table>.parquet (or .csv when fmt='csv') for every contract table into out_dir;
    return rows per table.

    progress(step_name, done, total) is called as work advances.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    size = SCALES[scale]
    report = progress or (lambda step, done, total: None)
    spans = blocks(size.customers)

    with Writers(Path(out_dir), fmt) as writers:
        catalogue = build_catalogue(seed, size.products)
        writers["categories"].write(catalogue.categories)
        writers["products"].write(catalogue.products)
        report("catalogue", 1, 1)

        population = write_customers(seed, size.customers, writers["customers"], report)
        write_mailings(writers)

        for i, (lo, hi) in enumerate(spans):
            block = baseline_orders(rng_for(seed, "baseline orders", i), population, catalogue,
                                    lo, hi)
            write_orders(writers, block, population, catalogue)
            report("baseline orders", i + 1, len(spans))

        # Mailings go in calendar order: who unsubscribes from one is gone from the next.
        steps = len(SENT) * len(spans)
        for number, mailing in enumerate(SENT):
            urls = UrlTable(mailing)
            feed, leavers = [], []
            for i, (lo, hi) in enumerate(spans):
                audience = assign_audience(seed, number, mailing, population, i, lo, hi)
                write_audience(writers["audience"], mailing, population, audience)
                to = audience.recipients
                events = mailing_events(rng_for(seed, "events", number, i), mailing, urls,
                                        population, audience.customer[to], audience.variant[to])
                feed.append(events.columns)
                leavers.append(events.leavers)
                lifted = lift_orders(rng_for(seed, "lift", number, i), mailing, population,
                                     catalogue, events.touch_customer, events.touch_ts,
                                     events.touch_variant)
                write_orders(writers, lifted, population, catalogue)
                report(f"mailing {mailing.mailing_id}", number * len(spans) + i + 1, steps)
            write_events(writers["events"], mailing, urls, population, feed)
            for gone in leavers:
                population.unsubscribed_channel[mailing.channel][gone] = True
        return writers.rows()
