"""order_days: buyers by the day of an attributed order and the day of their
previous one for the same mailing, for two funnel steps. A buyer's first order in a
period [from, to] falls on a day whose previous day is before ``from``, or none.

- ``ordered``: every day with an attributed order: the funnel's ordered customers
  by day (DESIGN.md, "Mailing efficiency").
- ``ordered_after_click`` (``_all``: with machine clicks): the days whose last
  attributed order is at or after the customer's clicked reach time ("Ordered
  after a click"). Every later order day qualifies too, so a customer counts in a
  period when one of these days falls in it, and the same first-day rule counts
  each once.

``revenue`` sums the attributed orders of the row's customers on its day, so the
``ordered`` rows add up to a mailing's attributed revenue (the mailing list's, and
"Compared with usual"'s revenue per recipient) without reading the orders.

``region`` is the customers' (``unknown`` when they have none), so "Regions" counts
a mailing's ordered customers and their revenue by region from the same rows as the
funnel; the other readers sum over it."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.user_agents import UNKNOWN
from mailreport.settings import Settings

# the step's name here, and the reach time its orders must follow (none: any order)
STEPS = (("ordered", None), ("ordered_after_click", "clicked_at"),
         ("ordered_after_click_all", "clicked_at_all"))


def select(settings: Settings, where: str) -> str:
    # each order day meets one row per step, so the orders are read once
    steps = ", ".join(f"('{s}')" for s, _ in STEPS)
    kept = " OR ".join(f"(s.step = '{s}'" + (f" AND o.last_ts >= c.{after})" if after else ")")
                       for s, after in STEPS)
    return f"""
SELECT mailing_id, step, day, prev_day, region, count(*) AS customers,
       sum(revenue) AS revenue
FROM (SELECT o.mailing_id, s.step, o.customer_id, o.day, o.revenue,
             lag(o.day) OVER (PARTITION BY o.mailing_id, s.step, o.customer_id
                              ORDER BY o.day) AS prev_day,
             coalesce(r.region, '{UNKNOWN}') AS region
      FROM (SELECT mailing_id, customer_id, day, max(ts) AS last_ts, sum(total) AS revenue
            FROM attributed_orders WHERE ({where})
            GROUP BY mailing_id, customer_id, day) o
      LEFT JOIN customers r ON r.customer_id = o.customer_id
      LEFT JOIN (SELECT mailing_id, customer_id, clicked_at, clicked_at_all
                 FROM reach_times WHERE ({where}) AND clicked_at_all IS NOT NULL) c
        ON c.mailing_id = o.mailing_id AND c.customer_id = o.customer_id
      CROSS JOIN (VALUES {steps}) AS s(step)
      WHERE {kept}) p
GROUP BY mailing_id, step, day, prev_day, region
ORDER BY mailing_id, step, day
"""


ORDER_DAYS = Fact(
    name="order_days", select=select,
    columns=(("mailing_id", "VARCHAR"), ("step", "VARCHAR"), ("day", "DATE"),
             ("prev_day", "DATE"), ("region", "VARCHAR"), ("customers", "BIGINT"),
             ("revenue", "DECIMAL(38,2)")),
    keys=("mailing_id", "step", "day", "prev_day", "region"),
    measures=("customers", "revenue"),
    serves=("Mailing efficiency", "Ordered after a click", "Regions"))
