"""The statements of one live commit (``ingest/live.py``), over the batch registered
as ``_live_batch`` (``_line`` and every events column as text, plus ``recipient``).

A dozen statements whatever the batch's size, each set-based:

1. the stage: the customer found by address where no id came, the copies of an
   event already stored in its mailing or met earlier in the batch, and the
   event_ids stored in another mailing;
2. the machine rules on a recipient's other events;
3. one pass of the contract's checks, the duplicates within the batch and the
   conflicts with stored events: each line ``new``, ``duplicate`` or
   ``quarantine`` with its rule and reason (``_live_judged``);
4. the insert, the pending pairs for the derived refresh, the quarantine.
"""

from __future__ import annotations

from mailreport.contract import table
from mailreport.facts.sql import quote, sql_list, sql_str
from mailreport.ingest import machine, staging
from mailreport.store.duckdb import live_refresh

EVENTS = table("events")
COLUMNS = EVENTS.column_names
RECIPIENT = "recipient"

# Fills a missing customer_id from the recipient's address, when exactly one
# customer has it as email (case-insensitive) or phone.
ADDRESS_JOIN = """
    LEFT JOIN (SELECT address, min(customer_id) AS customer_id FROM (
                  SELECT lower(email) AS address, customer_id FROM customers
                  WHERE lower(email) IN (SELECT lower(recipient) FROM _live_batch)
                  UNION ALL
                  SELECT lower(phone), customer_id FROM customers
                  WHERE lower(phone) IN (SELECT lower(recipient) FROM _live_batch))
               GROUP BY address HAVING count(DISTINCT customer_id) = 1) a
      ON NULLIF(b.customer_id, '') IS NULL AND a.address = lower(b.recipient)"""


def _stage_sql(needs_customer: bool, repeats: bool) -> str:
    """_live_stage: the batch's events, ``_stored`` when the same event_id is stored
    in the same mailing (matched on mailing_id as well: the same event_id in another
    mailing is a conflict, ``_elsewhere``), ``_repeat`` when it came earlier in the
    batch. A copy stored or repeated is a duplicate: the first copy wins. (The
    window costs more than the rest of the statement: it runs only when the batch
    repeats an event_id.)

    Event ids are unique across mailings, so finding the stored ones reads the
    event_id column of the whole table: the one cost of a commit that grows with
    the store."""
    cols = ", ".join(
        "coalesce(a.customer_id, b.customer_id) AS customer_id"
        if c == "customer_id" and needs_customer else f"b.{quote(c)}" for c in COLUMNS)
    repeat = ("NULLIF(s.event_id, '') IS NOT NULL AND row_number() OVER ("
              "PARTITION BY s.mailing_id, s.event_id ORDER BY s._line) > 1") if repeats else "false"
    return f"""CREATE OR REPLACE TEMP TABLE _live_stage AS
    SELECT s.*, coalesce(list_contains(m.mailings, s.mailing_id), false) AS _stored,
           m.mailings IS NOT NULL AND NOT coalesce(list_contains(m.mailings, s.mailing_id),
                                                   false) AS _elsewhere,
           {repeat} AS _repeat
    FROM (SELECT b._line, {cols} FROM _live_batch b {ADDRESS_JOIN if needs_customer else ""}) s
    LEFT JOIN (SELECT event_id, list(DISTINCT mailing_id) AS mailings FROM events
               WHERE event_id IN (SELECT event_id FROM _live_batch) GROUP BY event_id) m
      ON m.event_id = s.event_id"""


def _timing_sql() -> str:
    """_live_flags: clicks that the rules on a recipient's other events mark, over
    the stored and new events of the batch's recipients; stored ones have no _line.

    Each click is joined once with its recipient's events, and both rules are
    counted in that one pass."""
    timing = sql_list(machine.TIMING_RULES)
    return f"""CREATE OR REPLACE TEMP TABLE _live_flags AS
    WITH staged AS (
        SELECT 'L' || _line AS k, _line, event_id, mailing_id, customer_id, type,
               CAST(TRY_CAST(NULLIF(ts, '') AS TIMESTAMPTZ) AS TIMESTAMP) AS ts,
               coalesce(NULLIF(link_index, ''), NULLIF(url, '')) AS link,
               NULLIF(machine_rule, '') AS machine_rule
        FROM _live_stage
        WHERE type IN ('delivered', 'clicked') AND NOT _stored AND NOT _repeat
    ), stored AS (
        SELECT 'E' || event_id AS k, NULL::BIGINT AS _line, event_id, mailing_id,
               customer_id, type, ts, coalesce(CAST(link_index AS VARCHAR), url) AS link,
               machine_rule
        FROM events
        WHERE type IN ('delivered', 'clicked')
          AND mailing_id IN (SELECT mailing_id FROM staged)
          AND customer_id IN (SELECT customer_id FROM staged)
    ), ev AS (
        SELECT * FROM staged UNION ALL SELECT * FROM stored
    ), clicks AS (
        SELECT * FROM ev WHERE type = 'clicked' AND ts IS NOT NULL
    ), ruled AS (
        SELECT c.k, CASE
            WHEN bool_or(o.type = 'delivered' AND abs(epoch(c.ts) - epoch(o.ts))
                         <= {machine.CLICK_SOON_AFTER_DELIVERY_SECONDS})
                THEN {sql_str(machine.CLICK_SOON_AFTER_DELIVERY)}
            WHEN count(DISTINCT o.link) FILTER (
                     WHERE o.type = 'clicked' AND abs(epoch(c.ts) - epoch(o.ts))
                           <= {machine.ALL_LINKS_WINDOW_SECONDS})
                 >= {machine.ALL_LINKS_MIN_LINKS}
                THEN {sql_str(machine.ALL_LINKS_AT_ONCE)}
            END AS rule
        FROM clicks c JOIN ev o ON o.mailing_id = c.mailing_id AND o.customer_id = c.customer_id
        -- a provider's flag or a rule on the event alone takes precedence
        WHERE c.machine_rule IS NULL OR c.machine_rule IN ({timing})
        GROUP BY c.k
    )
    SELECT c._line, c.event_id, c.mailing_id, c.customer_id, r.rule
    FROM clicks c JOIN ruled r USING (k)
    WHERE r.rule IS NOT NULL AND r.rule IS DISTINCT FROM c.machine_rule"""


def _typed_source(flags: bool, lines: str = "") -> str:
    """The stage's events that are no copy, typed, with the machine marks of the
    timing rules; ``lines``: only the lines this query selects."""
    cols = []
    for c in COLUMNS:
        q = quote(c)
        if flags and c == "is_machine":
            cols.append(f"CASE WHEN f.rule IS NOT NULL THEN 'true' ELSE s.{q} END AS {q}")
        elif flags and c == "machine_rule":
            cols.append(f"coalesce(f.rule, s.{q}) AS {q}")
        else:
            cols.append(f"s.{q}")
    join = "LEFT JOIN _live_flags f ON f._line = s._line" if flags else ""
    where = "NOT s._stored AND NOT s._repeat" + (f" AND s._line IN ({lines})" if lines else "")
    return staging.typed_select(
        EVENTS, f"(SELECT s._line, {', '.join(cols)} FROM _live_stage s {join} WHERE {where})")



def _judge_sql(flags: bool, repeats: bool) -> str:
    """_live_judged: each line of the stage that is no copy, typed, with its status
    (new, duplicate, quarantine) and, for a conflict, its rule and reason. (The rule
    and reason of a line that breaks a check are found apart, by
    :func:`_problems_sql`: few lines do, and the lists of every check's reason
    would cost more than the rest of the statement.)

    The same judgement as ``staging.validate_and_merge`` for a file's chunk: the
    rows that pass every check are then compared among themselves (the same key
    again: an identical row is a duplicate, another is a conflict naming the first
    line) and with the stored row of their key (events are immutable: different
    content is a conflict: a stored copy in the same mailing was found a duplicate
    on the stage, so one stored in another mailing, ``_elsewhere``, is one). The
    first step is left out of the statement when the batch repeats no event_id."""
    checked = staging.checked_select(EVENTS, _typed_source(flags), reasons=False)
    quoted = [quote(c) for c in COLUMNS]
    key = quote(EVENTS.key[0])
    ctes, joins, first_line = [f"j AS ({checked})"], [], "NULL"
    why_not = ["WHEN j._broken THEN 'broken'"]
    if repeats:
        row = "struct_pack(" + ", ".join(f"{c} := {c}" for c in quoted) + ")"
        ctes.append(f"""repeated AS (SELECT {key} FROM j WHERE NOT _broken
            GROUP BY {key} HAVING count(*) > 1)""")
        ctes.append(f"""firsts AS (
            SELECT _line, first_value(_line) OVER w AS _first_line,
                   {row} IS NOT DISTINCT FROM first_value({row}) OVER w AS _same_as_first,
                   row_number() OVER w AS _rn
            FROM j SEMI JOIN repeated USING ({key})
            WHERE NOT _broken
            WINDOW w AS (PARTITION BY {key} ORDER BY _line))""")
        joins.append("LEFT JOIN firsts f ON f._line = j._line")
        why_not.append("WHEN f._rn > 1 THEN "
                       "CASE WHEN f._same_as_first THEN 'duplicate' ELSE 'repeated' END")
        first_line = "f._first_line"
    joins.append("JOIN _live_stage t ON t._line = j._line")
    why_not.append("WHEN t._elsewhere THEN 'conflict'")
    ctes.append(f"""judged AS (
        SELECT j.*, {first_line} AS _first_line,
               CASE {' '.join(why_not)} ELSE 'new' END AS _why_not
        FROM j {' '.join(joins)})""")
    return f"""CREATE OR REPLACE TEMP TABLE _live_judged AS
    WITH {', '.join(ctes)}
    SELECT _line, {', '.join(quoted)},
           CASE WHEN _why_not IN ('new', 'duplicate') THEN _why_not
                ELSE 'quarantine' END AS _status,
           _why_not = 'broken' AS _broken,
           CASE WHEN _why_not IN ('repeated', 'conflict') THEN 'duplicate_key' END AS _rule,
           CASE WHEN _why_not = 'repeated'
                    THEN {staging.duplicate_key_reason(EVENTS, "_first_line")}
                WHEN _why_not = 'conflict' THEN {staging.stored_conflict_reason(EVENTS)}
                END AS _reason
    FROM judged"""


def _problems_sql(flags: bool) -> str:
    """The rule (the first by name, as a file's rejects give it) and the reasons
    (each once, sorted) of the lines that break a check."""
    broken = "SELECT _line FROM _live_judged WHERE _broken"
    checked = staging.checked_select(EVENTS, _typed_source(flags, broken))
    return f"""UPDATE _live_judged SET _rule = p._rule, _reason = p._reason FROM (
        SELECT _line, list_sort(list_distinct(_rules))[1] AS _rule,
               CASE WHEN len(list_distinct(_reasons)) > 0
                    THEN array_to_string(list_sort(list_distinct(_reasons)), '; ') END AS _reason
        FROM ({checked})) p
    WHERE p._line = _live_judged._line"""


def _scalar(con, sql: str):
    # fetchall, not fetchone: a result left unfinished blocks unregistering the batch
    return con.execute(sql).fetchall()[0][0]


RESULTS_SQL = """
    SELECT _line, _status, event_id, _rule, _reason FROM _live_judged WHERE _status <> 'new'
    UNION ALL
    SELECT _line, 'duplicate', event_id, NULL, NULL FROM _live_stage WHERE _stored OR _repeat
    ORDER BY _line"""


def ingest(con, batch_size: int, needs_customer: bool, has_timing: bool, repeats: bool,
           quarantine_held: bool | None) -> tuple[list[tuple], bool, bool]:
    """Store the batch of ``batch_size`` events in ``_live_batch``. ``needs_customer``:
    an event has an address but no customer_id; ``has_timing``: a delivery or a
    click; ``repeats``: an event_id comes more than once; ``quarantine_held``:
    whether the quarantine may hold events (None: not known).

    Returns the batch's lines that were not stored now (line, ``duplicate`` or
    ``quarantine``, event_id, rule, reason), in line order; whether pairs were
    noted for the derived refresh; and whether the quarantine may hold events."""
    con.execute(_stage_sql(needs_customer, repeats))
    flagged = flagged_stored = False
    if has_timing:
        flagged = _scalar(con, _timing_sql()) > 0
        if flagged and _scalar(con, "SELECT count(*) FROM _live_flags WHERE _line IS NULL"):
            flagged_stored = True
            con.execute("""UPDATE events SET is_machine = true, machine_rule = f.rule
                FROM _live_flags f
                WHERE f._line IS NULL AND events.mailing_id = f.mailing_id
                  AND events.event_id = f.event_id""")
    con.execute(_judge_sql(flagged, repeats))
    cols = ", ".join(quote(c) for c in COLUMNS)
    inserted = _scalar(con, f"INSERT INTO events ({cols}) SELECT {cols} FROM _live_judged "
                            "WHERE _status = 'new' ORDER BY mailing_id, ts")
    pairs = "SELECT mailing_id, customer_id FROM _live_judged WHERE _status = 'new'"
    if flagged_stored:
        pairs += " UNION ALL SELECT mailing_id, customer_id FROM _live_flags WHERE _line IS NULL"
    noted = _scalar(con, live_refresh.note_pairs_sql(pairs)) > 0
    # every line inserted (the usual case): nothing else to tell
    rows = con.execute(RESULTS_SQL).fetchall() if inserted < batch_size else []
    quarantined = [r for r in rows if r[1] == "quarantine"]
    if quarantined:
        if any(r[3] is None for r in quarantined):  # lines that break a check
            con.execute(_problems_sql(flagged))
            rows = con.execute(RESULTS_SQL).fetchall()
        _quarantine(con)
    if quarantine_held is None:
        quarantine_held = bool(_scalar(con, "SELECT EXISTS (SELECT 1 FROM quarantine)"))
    quarantine_held = quarantine_held or bool(quarantined)
    if quarantine_held:  # else there is nothing to forget: the usual case, one statement less
        _forget_stored(con)
    return rows, noted, quarantine_held


def _quarantine(con) -> None:
    """Keep the quarantined lines of the batch with their reasons. A delivery of the
    same content again counts in ``deliveries``."""
    # the event as received (with the machine marks of the event alone)
    event_json = "to_json(struct_pack(" + ", ".join(
        f"{c} := b.{quote(c)}" for c in (*COLUMNS, RECIPIENT)) + "))"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _live_q AS
        SELECT md5(CAST(ev AS VARCHAR)) AS quarantine_id, * FROM (
            SELECT b._line, b.event_id, b.provider, b.mailing_id,
                   coalesce(s.customer_id, b.customer_id) AS customer_id, b.type,
                   r._rule AS rule, r._reason AS reason, {event_json} AS ev
            FROM _live_batch b
            JOIN _live_judged r ON r._line = b._line AND r._status = 'quarantine'
            LEFT JOIN _live_stage s ON s._line = b._line)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _live_qrows AS
        SELECT q.quarantine_id, q.event_id, q.provider, q.mailing_id, q.customer_id, q.type,
               q.rule, q.reason, CAST(q.ev AS VARCHAR) AS event,
               coalesce(o.received_at, CAST(get_current_timestamp() AS TIMESTAMP)),
               CAST(get_current_timestamp() AS TIMESTAMP), coalesce(o.deliveries, 0) + 1
        FROM (SELECT * FROM _live_q
              QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY _line) = 1) q
        LEFT JOIN quarantine o USING (quarantine_id)""")
    con.execute("DELETE FROM quarantine WHERE quarantine_id IN "
                "(SELECT quarantine_id FROM _live_qrows)")
    con.execute("INSERT INTO quarantine SELECT * FROM _live_qrows")


def _forget_stored(con) -> None:
    """Drop from quarantine the events this batch stored (or found stored): a
    redelivery after the mailing was loaded, or a replay. A copy that conflicts with
    the stored event stays."""
    con.execute("""DELETE FROM quarantine WHERE rule <> 'duplicate_key' AND event_id IN (
        SELECT event_id FROM _live_judged WHERE _status <> 'quarantine'
        UNION ALL SELECT event_id FROM _live_stage WHERE _stored)""")

