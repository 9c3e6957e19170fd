"""open_counts: first opens by mailing, company date, weekday and hour, in the
recipient's and in the company's zone, with and without machine opens: "Email open
rate by hour" over any period and any set of mailings."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.settings import Settings

# (machine, zone, and the day, weekday and hour columns of reach_times to count by)
OPEN_COLUMNS = ((False, "recipient", "opened_day", "open_dow", "open_hour"),
                (False, "company", "opened_day", "open_dow_co", "open_hour_co"),
                (True, "recipient", "opened_all_day", "open_dow_all", "open_hour_all"),
                (True, "company", "opened_all_day", "open_dow_co_all", "open_hour_co_all"))


def select(settings: Settings, where: str) -> str:
    def pick(i: int) -> str:
        return ("CASE s.k " + " ".join(f"WHEN {k} THEN r.{cols[i]}"
                                       for k, cols in enumerate(OPEN_COLUMNS)) + " END")

    ways = ", ".join(f"({k}, {str(machine).lower()}, '{zone}')"
                     for k, (machine, zone, *_) in enumerate(OPEN_COLUMNS))
    return f"""
SELECT mailing_id, machine, zone, day, dow, hour, count(*) AS openers
FROM (SELECT r.mailing_id, s.machine, s.zone, {pick(2)} AS day, {pick(3)} AS dow,
             {pick(4)} AS hour
      FROM (SELECT * FROM reach_times
            WHERE ({where}) AND opened_all_day IS NOT NULL) r
      CROSS JOIN (VALUES {ways}) AS s(k, machine, zone)) e
WHERE day IS NOT NULL
GROUP BY mailing_id, machine, zone, day, dow, hour
"""


OPEN_COUNTS = Fact(
    name="open_counts", select=select,
    columns=(("mailing_id", "VARCHAR"), ("machine", "BOOLEAN"), ("zone", "VARCHAR"),
             ("day", "DATE"), ("dow", "TINYINT"), ("hour", "TINYINT"),
             ("openers", "BIGINT")),
    keys=("mailing_id", "machine", "zone", "day", "dow", "hour"), measures=("openers",),
    serves=("Email open rate by hour",))
