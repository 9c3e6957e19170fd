"""reach_counts: reach rows counted by mailing, audience status, group, variant,
stage and the stage's company date. Stage ``audience`` counts every row (its day is
null); ``opened_all`` and ``clicked_all`` count with machine events.

Serves Mailing volume (statuses, control group, actual recipients), the funnel of
Mailing efficiency, the groups report's counts, the heatmap's readers, the mailing
list and the size of a customer list."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.settings import Settings

# the stage's name here, and its day column in reach_times
STAGE_DAYS = (("sent", "sent_day"), ("delivered", "delivered_day"),
              ("opened", "opened_day"), ("clicked", "clicked_day"),
              ("opened_all", "opened_all_day"), ("clicked_all", "clicked_all_day"))


def select(settings: Settings, where: str) -> str:
    # each reach row meets one row per stage, so the table is read once
    stages = ", ".join(f"('{s}')" for s in ("audience", *(s for s, _ in STAGE_DAYS)))
    day = "CASE s.stage " + " ".join(f"WHEN '{s}' THEN r.{d}" for s, d in STAGE_DAYS) + " END"
    return f"""
SELECT mailing_id, status, "group", variant_id, stage, day, count(*) AS customers
FROM (SELECT r.mailing_id, r.status, r."group", r.variant_id, s.stage, {day} AS day
      FROM (SELECT * FROM reach_times WHERE ({where})) r
      CROSS JOIN (VALUES {stages}) AS s(stage)) e
WHERE stage = 'audience' OR day IS NOT NULL
GROUP BY mailing_id, status, "group", variant_id, stage, day
"""


REACH_COUNTS = Fact(
    name="reach_counts", select=select,
    columns=(("mailing_id", "VARCHAR"), ("status", "VARCHAR"), ("group", "VARCHAR"),
             ("variant_id", "VARCHAR"), ("stage", "VARCHAR"), ("day", "DATE"),
             ("customers", "BIGINT")),
    keys=("mailing_id", "status", "group", "variant_id", "stage", "day"),
    measures=("customers",),
    serves=("Mailing volume", "Mailing efficiency", "Groups report", "Click heatmap",
            "Customer lists (drill-down)"))
