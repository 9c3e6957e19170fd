"""campaign_counts: a campaign's customers counted once across its mailings, for
every figure that counts them so (DESIGN.md, "Campaign funnel", "Deliverability",
"Devices and clients", "Regions"), in a few rows per campaign instead of a count of
distinct customers over millions of reach rows at report time.

Each *mark* is something a customer can have in a campaign, on company dates: a
funnel stage reached, an email sent to a domain, a bounce, a device opened on. A
customer's marks are kept as counts of rows keyed by the mark, its name and detail
(a domain, a device; a bounce's class and reason) and:

- *first marks* (``FIRST``), counted once per customer and name if the customer had
  the mark on any day of the period: one row per distinct day the customer had it,
  with ``prev_day``, the customer's day before that. The customer's first day in a
  period is the row whose ``day`` is in it and whose ``prev_day`` is null or before
  it, so a period's customers are a sum of counts, exactly;
- *latest marks* (``LATEST``), counted by the name and detail of the customer's
  latest one in the period (a bounce's class and reason, an unsubscribe's reason):
  one row per distinct day with that day's latest, and ``next_day``, the customer's
  next day with the mark. The latest in a period is the row whose ``day`` is in it
  and whose ``next_day`` is null or after it;
- *marks without a day* (``TIMELESS``), of the campaign's sent mailings whatever the
  period, as its volume and pooled groups are: audience statuses, the control
  group, actual recipients, and the pooled groups with their orders, revenue and
  revenue squared (the sufficient statistics of the groups' comparison).

``where`` is a condition on ``campaign_id`` and ``customer_id``: the customers'
counts in those campaigns; it may also name ``mailing_id``, to narrow what is read
to those campaigns' mailings (every one of them) by the engine's zone maps. A
customer's counts depend on all their rows in the campaign, so a refresh counts out
and in whole (campaign, customer) pairs. The rows sit under the campaign's least
mailing id (``mailing_id``), where a store that files facts by mailing looks for
them."""

from __future__ import annotations

from mailreport.contract import AUDIENCE_STATUSES
from mailreport.facts.fact import Fact
from mailreport.facts.sql import email_domain
from mailreport.settings import Settings

# reach_times' stage days a campaign funnel counts by (reports/query.stage_day_column);
# opened counts in mailings that are not SMS only, which have no opened stage
STAGE_DAYS = (("sent", "sent_day"), ("delivered", "delivered_day"),
              ("opened", "opened_day"), ("opened_all", "opened_all_day"),
              ("clicked", "clicked_day"), ("clicked_all", "clicked_all_day"))
DIMENSIONS = ("device", "client", "os")
# reach_details' kinds: a mark per kind, machine rows apart, and dimension
DETAIL_MARKS = tuple(f"{kind}{'_machine' if machine else ''}.{dim}"
                     for kind in ("opened", "clicked") for machine in (False, True)
                     for dim in (*DIMENSIONS, "total"))
REGION_MARKS = ("opened.region", "clicked.region")
FIRST = (*(mark for mark, _ in STAGE_DAYS), "email_sent", "domain_bounced", "domain_spam",
         *DETAIL_MARKS, *REGION_MARKS)
LATEST = ("bounced", "unsubscribed")
TIMELESS = ("status", "control", "actual", "pooled", "pooled_bought")

# the marks without a day from the sent audience rows, each with its flag column and
# the condition on a row that sets it (a group is set only on good rows); the pooled
# groups read the flags too
SENT_MARKS = (*((f"status_{status}", "status", status, f"status = '{status}'")
                for status in AUDIENCE_STATUSES),
              ("control", "control", None, "\"group\" = 'control'"),
              ("actual", "actual", None, "\"group\" = 'test' AND delivered_at IS NOT NULL"))

KEYS = ("mailing_id", "campaign_id", "mark", "name", "detail", "day", "prev_day", "next_day")
MEASURES = ("customers", "orders", "revenue", "revenue_sq")


def detail_mark(kind: str, machine: bool, dimension: str) -> str:
    return f"{kind}{'_machine' if machine else ''}.{dimension}"


def select(settings: Settings, where: str) -> str:
    sms_excluded = " AND r.channel <> 'sms'"  # SMS have no opened stage
    # one read of the reach rows for every stage (and of the details for every
    # dimension): a row per mark, its day (or name) picked by the mark
    stage_marks = ", ".join(f"('{mark}')" for mark, _ in STAGE_DAYS)
    stage_day = " ".join(
        f"WHEN s.mark = '{mark}'{sms_excluded if mark.startswith('opened') else ''} "
        f"THEN r.{day}" for mark, day in STAGE_DAYS)
    dimensions = ", ".join(f"('{dim}')" for dim in (*DIMENSIONS, "total"))
    dimension_name = " ".join(f"WHEN s.dim = '{dim}' THEN d.{dim}" for dim in DIMENSIONS)

    firsts = "\n    UNION ALL ".join([
        f"""SELECT campaign_id, customer_id, mark, CAST(NULL AS VARCHAR) AS name, day FROM (
            SELECT r.campaign_id, r.customer_id, s.mark, CASE {stage_day} END AS day
            FROM r CROSS JOIN (VALUES {stage_marks}) AS s(mark)) st
        WHERE day IS NOT NULL""",
        f"""SELECT r.campaign_id, r.customer_id, 'email_sent', {email_domain("c.email")},
               r.sent_day
        FROM r LEFT JOIN customers c ON c.customer_id = r.customer_id
        WHERE r.channel = 'email' AND r.sent_day IS NOT NULL""",
        "SELECT campaign_id, customer_id, 'domain_bounced', domain, day FROM b "
        "WHERE channel = 'email'",
        "SELECT campaign_id, customer_id, 'domain_spam', domain, day FROM k "
        "WHERE channel = 'email' AND type = 'spam'",
        f"""SELECT d.campaign_id, d.customer_id,
               d.kind || CASE WHEN d.machine THEN '_machine' ELSE '' END || '.' || s.dim,
               CASE {dimension_name} END, d.day
        FROM d CROSS JOIN (VALUES {dimensions}) AS s(dim)""",
        "SELECT campaign_id, customer_id, kind || '.region', region, day FROM d "
        "WHERE NOT machine",
    ])
    # a flag column per mark without a day, then a row per flag that is set
    flags = ",\n           ".join(
        f"max(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {column}"
        for column, _, _, condition in SENT_MARKS)
    # each flag's mark, then the pooled marks (no flag: the group is the name)
    sent_marks = ", ".join([*(f"({i}, '{mark}', " + (f"'{name}')" if name else "NULL)")
                              for i, (_, mark, name, _) in enumerate(SENT_MARKS)),
                            "(NULL, 'pooled', NULL)", "(NULL, 'pooled_bought', NULL)"])
    flag_set = " ".join(f"WHEN {i} THEN f.{column}"
                        for i, (column, _, _, _) in enumerate(SENT_MARKS))
    return f"""
WITH cm AS (
    SELECT mailing_id AS campaign_mailing, campaign_id, channel, status FROM mailings
    WHERE campaign_id IS NOT NULL
), home AS (
    SELECT campaign_id, min(campaign_mailing) AS home FROM cm GROUP BY campaign_id
), r AS (
    SELECT cm.campaign_id, cm.channel, cm.status AS mailing_status, t.customer_id,
           t.status, t."group", t.delivered_at,
           {", ".join(f"t.{day}" for _, day in STAGE_DAYS)}
    FROM reach_times t JOIN cm ON cm.campaign_mailing = t.mailing_id
    WHERE ({where})
), d AS (
    SELECT cm.campaign_id, t.customer_id, t.kind, t.machine, t.day,
           t.device, t.client, t.os, t.region
    FROM reach_details t JOIN cm ON cm.campaign_mailing = t.mailing_id
    WHERE ({where})
), b AS (
    SELECT cm.campaign_id, cm.channel, t.mailing_id, t.customer_id, t.day, t.last_ts,
           t.bounce_class, t.reason, t.domain
    FROM bounces t JOIN cm ON cm.campaign_mailing = t.mailing_id
    WHERE ({where})
), k AS (
    SELECT cm.campaign_id, cm.channel, t.mailing_id, t.customer_id, t.type, t.day,
           t.reason, t.domain
    FROM complaints t JOIN cm ON cm.campaign_mailing = t.mailing_id
    WHERE ({where})
), firsts AS (
    {firsts}
), latest AS (
    -- each day's latest: a tie in time goes to the greater mailing_id (and a day's
    -- unsubscribes, which keep no time of their latest, to the greater mailing_id)
    SELECT campaign_id, customer_id, mark, name, detail, day FROM (
        SELECT campaign_id, customer_id, 'bounced' AS mark, bounce_class AS name,
               reason AS detail, day,
               row_number() OVER (PARTITION BY campaign_id, customer_id, day
                                  ORDER BY last_ts DESC, mailing_id DESC) AS n
        FROM b
        UNION ALL
        SELECT campaign_id, customer_id, 'unsubscribed', CAST(NULL AS VARCHAR), reason, day,
               row_number() OVER (PARTITION BY campaign_id, customer_id, day
                                  ORDER BY mailing_id DESC)
        FROM k WHERE type = 'unsubscribed') l
    WHERE n = 1
), sent AS (
    -- the audience rows of the sent mailings, as the volume and the groups count
    SELECT campaign_id, customer_id, status, "group", delivered_at FROM r
    WHERE mailing_status = 'sent' AND status IS NOT NULL
), flags AS (
    -- every mark without a day a customer has, in one pass over the sent rows: a
    -- flag column per SENT_MARKS entry, and the test group for the pooled groups
    SELECT campaign_id, customer_id,
           {flags},
           max(CASE WHEN "group" = 'test' THEN 1 ELSE 0 END) AS test
    FROM sent GROUP BY campaign_id, customer_id
), bought AS (
    -- orders in the union of the sent mailings' group windows, each order once
    SELECT campaign_id, customer_id, count(*) AS orders, sum(total) AS revenue
    FROM (SELECT DISTINCT cm.campaign_id, w.customer_id, w.order_id, w.total
          FROM window_orders w JOIN cm ON cm.campaign_mailing = w.mailing_id
          WHERE cm.status = 'sent' AND ({where})) o
    GROUP BY campaign_id, customer_id
), marks AS (
    -- a day a customer had the mark in several mailings counts once: its rows after
    -- the first have that same day before them
    SELECT campaign_id, mark, name, CAST(NULL AS VARCHAR) AS detail, day, prev_day,
           CAST(NULL AS DATE) AS next_day,
           1 AS customers, 0 AS orders, CAST(0 AS DECIMAL(18,2)) AS revenue,
           CAST(0 AS DECIMAL(38,4)) AS revenue_sq
    FROM (SELECT campaign_id, mark, name, day,
                 lag(day) OVER (PARTITION BY campaign_id, customer_id, mark, name
                                ORDER BY day) AS prev_day
          FROM firsts) f
    WHERE prev_day IS NULL OR prev_day <> day
    UNION ALL
    SELECT campaign_id, mark, name, detail, day, CAST(NULL AS DATE),
           lead(day) OVER (PARTITION BY campaign_id, customer_id, mark ORDER BY day),
           1, 0, CAST(0 AS DECIMAL(18,2)), CAST(0 AS DECIMAL(38,4))
    FROM latest
    UNION ALL
    -- from one read of the flags: a row per flag set, and every pooled customer (good
    -- audience rows), with the buyers among them again with their orders
    SELECT f.campaign_id, v.mark,
           CASE WHEN v.flag IS NOT NULL THEN v.name
                WHEN f.control = 1 AND f.test = 0 THEN 'control'
                WHEN f.test = 1 AND f.control = 0 THEN 'test'
                ELSE 'both' END,
           CAST(NULL AS VARCHAR), CAST(NULL AS DATE), CAST(NULL AS DATE),
           CAST(NULL AS DATE), 1,
           CASE WHEN v.mark = 'pooled_bought' THEN o.orders ELSE 0 END,
           CASE WHEN v.mark = 'pooled_bought' THEN CAST(o.revenue AS DECIMAL(18,2))
                ELSE CAST(0 AS DECIMAL(18,2)) END,
           CASE WHEN v.mark = 'pooled_bought'
                THEN CAST(o.revenue * o.revenue AS DECIMAL(38,4))
                ELSE CAST(0 AS DECIMAL(38,4)) END
    FROM flags f LEFT JOIN bought o
      ON o.campaign_id = f.campaign_id AND o.customer_id = f.customer_id
      CROSS JOIN (VALUES {sent_marks}) AS v(flag, mark, name)
    WHERE CASE v.flag {flag_set} END = 1
       OR (v.flag IS NULL AND f.status_good = 1
           AND (v.mark = 'pooled' OR o.customer_id IS NOT NULL))
)
SELECT h.home AS mailing_id, x.campaign_id, x.mark, x.name, x.detail, x.day, x.prev_day,
       x.next_day, CAST(sum(x.customers) AS BIGINT) AS customers,
       CAST(sum(x.orders) AS BIGINT) AS orders,
       CAST(sum(x.revenue) AS DECIMAL(18,2)) AS revenue,
       CAST(sum(x.revenue_sq) AS DECIMAL(38,4)) AS revenue_sq
FROM marks x JOIN home h ON h.campaign_id = x.campaign_id
GROUP BY h.home, x.campaign_id, x.mark, x.name, x.detail, x.day, x.prev_day, x.next_day
ORDER BY mailing_id
"""


CAMPAIGN_COUNTS = Fact(
    name="campaign_counts", scope="campaign", select=select,
    columns=(("mailing_id", "VARCHAR"), ("campaign_id", "VARCHAR"), ("mark", "VARCHAR"),
             ("name", "VARCHAR"), ("detail", "VARCHAR"), ("day", "DATE"),
             ("prev_day", "DATE"), ("next_day", "DATE"), ("customers", "BIGINT"),
             ("orders", "BIGINT"), ("revenue", "DECIMAL(18,2)"),
             ("revenue_sq", "DECIMAL(38,4)")),
    keys=KEYS, measures=MEASURES,
    serves=("Campaign funnel", "Deliverability", "Devices and clients", "Regions"))
