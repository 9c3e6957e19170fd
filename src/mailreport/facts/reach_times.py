"""reach_times: each customer's reach time of each funnel stage in each mailing
(DESIGN.md, "Stages and reach times"), with and without machine events, their
audience status, group and variant ("Variant of a customer"), and their touch
("Attribution"). Every section that counts customers reads this, not the events."""

from __future__ import annotations

from mailreport.contract import STAGE_OF_EVENT
from mailreport.facts.fact import Fact
from mailreport.facts.sql import local, quote, sql_str
from mailreport.settings import Settings

COLUMNS = (
    ("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("status", "VARCHAR"),
    ("group", "VARCHAR"), ("variant_id", "VARCHAR"),
    ("sent_at", "TIMESTAMP"), ("delivered_at", "TIMESTAMP"), ("opened_at", "TIMESTAMP"),
    ("clicked_at", "TIMESTAMP"), ("sent_at_all", "TIMESTAMP"),
    ("delivered_at_all", "TIMESTAMP"), ("opened_at_all", "TIMESTAMP"),
    ("clicked_at_all", "TIMESTAMP"), ("touch_at", "TIMESTAMP"), ("zone", "VARCHAR"),
    # dates of the reach times in the company's time zone: what a period counts by
    ("sent_day", "DATE"), ("delivered_day", "DATE"), ("opened_day", "DATE"),
    ("clicked_day", "DATE"), ("opened_all_day", "DATE"), ("clicked_all_day", "DATE"),
    # hour (0-23) and weekday (0 = Monday) of the first open: recipient's zone
    # (the company's where unknown), then the company's; _all with machine opens
    ("open_hour", "TINYINT"), ("open_dow", "TINYINT"),
    ("open_hour_all", "TINYINT"), ("open_dow_all", "TINYINT"),
    ("open_hour_co", "TINYINT"), ("open_dow_co", "TINYINT"),
    ("open_hour_co_all", "TINYINT"), ("open_dow_co_all", "TINYINT"),
)

STAGE_CASE = ("CASE e.type "
              + " ".join(f"WHEN '{t}' THEN {n}" for t, n in STAGE_OF_EVENT.items()) + " END")


def _touch(settings: Settings) -> str:
    """The touch time: the reach time of the channel's basis stage; none in control."""
    cases = " ".join(f"WHEN '{channel}' THEN r.{settings.basis_stage(channel)}_at"
                     for channel in ("email", "sms", "push"))
    return f"CASE WHEN r.\"group\" = 'control' THEN NULL ELSE CASE m.channel {cases} END END"


def select(settings: Settings, where: str) -> str:
    """Besides the reach times it keeps each one's company date and the hour and
    weekday of the first open in both zones: converting time zones per row at report
    time would cost more than the rest of the report together."""
    company = sql_str(settings.company_timezone)

    def day(col: str) -> str:
        return f"CAST({local(col, company)} AS DATE)"

    return f"""
WITH ev AS (
    SELECT e.mailing_id, e.customer_id, e.variant_id, e.ts, {STAGE_CASE} AS stage,
           coalesce(e.is_machine, false) AS is_machine
    FROM events e
    WHERE e.type IN ('sent', 'delivered', 'opened', 'clicked') AND ({where})
), agg AS (
    SELECT mailing_id, customer_id, min(variant_id) AS event_variant,
        min(ts) AS sent_at_all,
        min(ts) FILTER (WHERE stage >= 2) AS delivered_at_all,
        min(ts) FILTER (WHERE stage >= 3) AS opened_at_all,
        min(ts) FILTER (WHERE stage >= 4) AS clicked_at_all,
        -- a machine event is evidence of delivery only (DESIGN.md)
        min(ts) FILTER (WHERE stage >= 3 AND NOT is_machine) AS opened_at,
        min(ts) FILTER (WHERE stage >= 4 AND NOT is_machine) AS clicked_at
    FROM ev GROUP BY mailing_id, customer_id
), aud AS (
    SELECT mailing_id, customer_id, status, "group", variant_id
    FROM audience WHERE ({where})
), ga AS (
    -- each side takes its customer's time zone before the two are joined, so that
    -- an engine that splits the rows by customer joins them where they already are
    SELECT g.*, c.timezone FROM agg g LEFT JOIN customers c ON c.customer_id = g.customer_id
), aa AS (
    SELECT a.*, c.timezone FROM aud a LEFT JOIN customers c ON c.customer_id = a.customer_id
), r AS (
    SELECT coalesce(a.mailing_id, g.mailing_id) AS mailing_id,
           coalesce(a.customer_id, g.customer_id) AS customer_id,
           a.status,
           -- a good recipient of a mailing without a control group is in the test group
           CASE WHEN a.status = 'good' THEN coalesce(a."group", 'test') END AS "group",
           -- a control customer was sent nothing: a variant only if events say so
           CASE WHEN a."group" = 'control' AND g.customer_id IS NULL THEN NULL
                ELSE coalesce(a.variant_id, g.event_variant, 'A') END AS variant_id,
           g.sent_at_all AS sent_at, g.delivered_at_all AS delivered_at,
           g.opened_at, g.clicked_at,
           g.sent_at_all, g.delivered_at_all, g.opened_at_all, g.clicked_at_all,
           coalesce(a.timezone, g.timezone, {company}) AS zone
    FROM aa a FULL OUTER JOIN ga g
      ON a.mailing_id = g.mailing_id AND a.customer_id = g.customer_id
), z AS (
    SELECT r.*, {_touch(settings)} AS touch_at
    FROM r JOIN mailings m ON m.mailing_id = r.mailing_id
), l AS (
    SELECT z.*, {local("opened_at", "zone")} AS o_local,
           {local("opened_at_all", "zone")} AS oa_local,
           {local("opened_at", company)} AS o_co, {local("opened_at_all", company)} AS oa_co
    FROM z
)
SELECT {", ".join(quote(n) for n, _ in COLUMNS[:15])},
    {day("sent_at")} AS sent_day, {day("delivered_at")} AS delivered_day,
    CAST(o_co AS DATE) AS opened_day, {day("clicked_at")} AS clicked_day,
    CAST(oa_co AS DATE) AS opened_all_day, {day("clicked_at_all")} AS clicked_all_day,
    hour(o_local) AS open_hour, isodow(o_local) - 1 AS open_dow,
    hour(oa_local) AS open_hour_all, isodow(oa_local) - 1 AS open_dow_all,
    hour(o_co) AS open_hour_co, isodow(o_co) - 1 AS open_dow_co,
    hour(oa_co) AS open_hour_co_all, isodow(oa_co) - 1 AS open_dow_co_all
FROM l
ORDER BY mailing_id, customer_id
"""


REACH_TIMES = Fact(
    name="reach_times", columns=COLUMNS, select=select,
    serves=("Stages and reach times", "Variant of a customer", "Attribution"),
    # the events and the audience split by customer meet each other and the
    # customers' time zones without being sent on again (docs/spark.md)
    spread_by=(("ev", "customer_id"), ("aud", "customer_id")))
