"""order_days: buyers by the day of an attributed order and the day of their
previous one for the same mailing. A buyer's first order in a period [from, to]
falls on a day whose previous day is before ``from``, or none: the funnel's
ordered customers by day (DESIGN.md, "Mailing efficiency")."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.settings import Settings


def select(settings: Settings, where: str) -> str:
    return f"""
SELECT mailing_id, day, prev_day, count(*) AS customers
FROM (SELECT mailing_id, customer_id, day,
             lag(day) OVER (PARTITION BY mailing_id, customer_id ORDER BY day) AS prev_day
      FROM (SELECT DISTINCT mailing_id, customer_id, day FROM attributed_orders
            WHERE ({where})) d) p
GROUP BY mailing_id, day, prev_day
ORDER BY mailing_id, day
"""


ORDER_DAYS = Fact(
    name="order_days", select=select,
    columns=(("mailing_id", "VARCHAR"), ("day", "DATE"), ("prev_day", "DATE"),
             ("customers", "BIGINT")),
    keys=("mailing_id", "day", "prev_day"), measures=("customers",),
    serves=("Mailing efficiency",))
