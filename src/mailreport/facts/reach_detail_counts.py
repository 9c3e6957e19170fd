"""reach_detail_counts: ``reach_details`` counted by mailing, kind, machine, company
date, device, client, operating system and region, so that a mailing's Devices and
Regions sum a few rows instead of counting every opener (DESIGN.md, "Devices and
clients", "Regions"). A customer has one row per kind and machine in a mailing, so
the sum over a mailing's rows is its distinct customers."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.settings import Settings

KEYS = ("mailing_id", "kind", "machine", "day", "device", "client", "os", "region")


def select(settings: Settings, where: str) -> str:
    keys = ", ".join(KEYS)
    return f"""
SELECT {keys}, count(*) AS customers
FROM reach_details WHERE ({where})
GROUP BY {keys}
"""


REACH_DETAIL_COUNTS = Fact(
    name="reach_detail_counts", select=select,
    columns=(("mailing_id", "VARCHAR"), ("kind", "VARCHAR"), ("machine", "BOOLEAN"),
             ("day", "DATE"), ("device", "VARCHAR"), ("client", "VARCHAR"),
             ("os", "VARCHAR"), ("region", "VARCHAR"), ("customers", "BIGINT")),
    keys=KEYS, measures=("customers",),
    serves=("Devices and clients", "Regions"))
