"""reach_details: where each opener and clicker was reached (DESIGN.md, "Devices and
clients", "Regions"): for a customer's opened and clicked reach times, the device
type, client and operating system of the event that gave that reach time (parsed
once per user agent into ``user_agents``), and the customer's region.

Machine events are kept apart, as rows with ``machine`` true: the event that gave
the reach time *with* machine events (``opened_at_all``, ``clicked_at_all``) where
that event was a machine one (a privacy proxy's fetch before the person read it, a
scanner's click). A human event at the same instant wins, so a customer is a
machine row only when a machine was first.

One row per (mailing, customer, kind, machine): unique customers over any period
are a count of rows, and a live refresh replaces a pair's rows."""

from __future__ import annotations

from mailreport.facts.fact import Fact
from mailreport.facts.reach_times import STAGE_CASE
from mailreport.facts.user_agents import UNKNOWN
from mailreport.settings import Settings

# kind, machine, the reach time and its day in reach_times, the least stage of its event
KINDS = (("opened", False, "opened_at", "opened_day", 3),
         ("clicked", False, "clicked_at", "clicked_day", 4),
         ("opened", True, "opened_at_all", "opened_all_day", 3),
         ("clicked", True, "clicked_at_all", "clicked_all_day", 4))

COLUMNS = (("mailing_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("kind", "VARCHAR"),
           ("machine", "BOOLEAN"), ("day", "DATE"), ("device", "VARCHAR"),
           ("client", "VARCHAR"), ("os", "VARCHAR"), ("region", "VARCHAR"))


def select(settings: Settings, where: str) -> str:
    def pick(i: int) -> str:
        return ("CASE s.k " + " ".join(f"WHEN {k} THEN r.{row[i]}"
                                       for k, row in enumerate(KINDS)) + " END")

    ways = ", ".join(f"({k}, '{kind}', {str(machine).lower()}, {stage})"
                     for k, (kind, machine, _, _, stage) in enumerate(KINDS))
    unknown = f"'{UNKNOWN}'"
    return f"""
SELECT p.mailing_id, p.customer_id, p.kind, p.machine, p.day,
       coalesce(u.device, {unknown}) AS device, coalesce(u.client, {unknown}) AS client,
       coalesce(u.os, {unknown}) AS os, coalesce(c.region, {unknown}) AS region
FROM (SELECT k.mailing_id, k.customer_id, k.kind, k.machine, k.day,
             min(coalesce(e.user_agent, '')) AS user_agent
      FROM (SELECT r.mailing_id, r.customer_id, s.kind, s.machine, s.stage,
                   {pick(2)} AS at, {pick(3)} AS day
            FROM (SELECT * FROM reach_times
                  WHERE ({where}) AND opened_at_all IS NOT NULL) r
            CROSS JOIN (VALUES {ways}) AS s(k, kind, machine, stage)) k
      JOIN (SELECT mailing_id, customer_id, type, ts, user_agent,
                   coalesce(is_machine, false) AS is_machine
            FROM events e WHERE type IN ('opened', 'clicked') AND ({where})) e
        ON e.mailing_id = k.mailing_id AND e.customer_id = k.customer_id AND e.ts = k.at
       AND {STAGE_CASE} >= k.stage
      WHERE k.at IS NOT NULL AND (k.machine OR NOT e.is_machine)
      GROUP BY k.mailing_id, k.customer_id, k.kind, k.machine, k.day
      -- a machine row: every event at that instant was a machine's
      HAVING NOT k.machine OR min(CASE WHEN e.is_machine THEN 1 ELSE 0 END) = 1) p
LEFT JOIN user_agents u ON u.user_agent = p.user_agent
LEFT JOIN customers c ON c.customer_id = p.customer_id
ORDER BY p.mailing_id, p.customer_id
"""


REACH_DETAILS = Fact(
    name="reach_details", columns=COLUMNS, select=select,
    serves=("Devices and clients", "Regions"))
