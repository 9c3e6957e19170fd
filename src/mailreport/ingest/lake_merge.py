"""A file's rows judged on Spark as the store's loader judges them
(``ingest/staging.py``), and the new content of the lake table they go into.

The checks are staging's: ``staging.checked_select`` over ``staging.typed_select``,
the same ``Check`` declarations the store runs one statement at a time, written in
DuckDB's dialect and translated to Spark SQL by ``store/dialects.translate``; the
reasons of duplicate keys are staging's too. What is the lake's own is below: each
row's class against the file and the lake, and the table's content after the load.

Each row of a file gets one class:

- ``broken``: it breaks a check (rejected, with every check it breaks);
- ``repeat``: an identical copy of an earlier line with its key (a duplicate);
- ``repeat_other``: the key of an earlier line with other content (rejected,
  ``duplicate_key``, naming the first line);
- ``new``: a key the lake does not hold (inserted);
- ``same``: the lake holds the row as it is (a duplicate);
- ``changed``: the lake holds the key with other content (the row replaces it);
- ``conflict``: an event whose id the lake holds with other content (rejected:
  events are immutable).

Every statement reads temp views that the load names: ``views`` maps the names
used here (``_stage``, ``_checked``, ``_stored``, ``_classified``, ``_malformed``,
``_old`` and the contract's tables) to them.
"""

from __future__ import annotations

from sqlglot import exp

from mailreport.contract import Table
from mailreport.ingest import staging
from mailreport.ingest.lake_files import MALFORMED
from mailreport.store.dialects import translate
from mailreport.store.lake import PARTITION_COLUMN

ACCEPTED = ("new", "changed")
REJECTED = ("broken", "repeat_other", "conflict")
DUPLICATES = ("repeat", "same")


def spark_str(value: str) -> str:
    """A Spark SQL string literal (Spark reads backslashes in literals as escapes)."""
    return exp.Literal.string(value).sql(dialect="spark")


def spark_expression(duckdb_sql: str) -> str:
    """An expression in DuckDB's dialect (staging's) as Spark SQL."""
    return translate(f"SELECT {duckdb_sql} AS _e", "spark").removeprefix(
        "SELECT ").removesuffix(" AS _e")


def _q(name: str) -> str:
    return f"`{name}`"


def checked_sql(table: Table, views: dict[str, str]) -> str:
    """``_stage`` (a file's rows as text) typed and checked: staging's one-pass
    query with each broken check's column, value, rule and reason."""
    sql = staging.checked_select(table, staging.typed_select(table, "_stage"), details=True,
                                 batch_ids=False)
    return translate(sql, "spark", views)


def classified_sql(table: Table, views: dict[str, str]) -> str:
    """``_checked`` with ``_class`` and, for a repeated key, ``_first_line``.
    ``_stored``: the lake's rows with the keys of the file (for events, with its
    event ids, whatever their mailing)."""
    cols = [_q(c) for c in table.column_names]
    keys = ", ".join(_q(k) for k in table.key)
    row = f"struct({', '.join(cols)})"
    same = " AND ".join(f"c.{c} <=> t.{c}" for c in cols)
    on = " AND ".join(f"c.{_q(k)} = t.{_q(k)}" for k in table.key)
    differs = "conflict" if table.immutable else "changed"
    # As the store's loader: the first line of a repeated key (among the rows that
    # pass the checks) stands for it; an identical repeat is a duplicate, another
    # is rejected naming that first line.
    return f"""
        WITH valid AS (SELECT _line, {keys}, {row} AS _row FROM {views['_checked']}
                       WHERE NOT _broken),
        repeated AS (SELECT {keys} FROM valid GROUP BY {keys} HAVING count(*) > 1),
        firsts AS (
            SELECT _line, first_value(_line) OVER w AS _first_line,
                   _row <=> first_value(_row) OVER w AS _same_as_first,
                   row_number() OVER w AS _rn
            FROM valid LEFT SEMI JOIN repeated USING ({keys})
            WINDOW w AS (PARTITION BY {keys} ORDER BY _line))
        SELECT c.*, f._first_line,
               CASE WHEN c._broken THEN 'broken'
                    WHEN f._rn > 1 AND f._same_as_first THEN 'repeat'
                    WHEN f._rn > 1 THEN 'repeat_other'
                    WHEN t._stored IS NULL THEN 'new'
                    WHEN {same} THEN 'same'
                    ELSE '{differs}' END AS _class
        FROM {views['_checked']} c
        LEFT JOIN firsts f ON f._line = c._line
        LEFT JOIN (SELECT *, true AS _stored FROM {views['_stored']}) t ON {on}"""


def counts_sql(views: dict[str, str], malformed: bool, partitioned: bool) -> str:
    """One row: read, inserted, updated, duplicates and rejected (lines) of a file;
    for a partitioned table also ``touched``, the mailings it adds or changes rows of."""
    bad = f"(SELECT count(*) FROM {views['_malformed']})" if malformed else "0"
    touched = (f", collect_set(CASE WHEN _class IN {ACCEPTED} THEN {_q(PARTITION_COLUMN)} "
               "END) AS touched") if partitioned else ""
    return f"""
        SELECT count(*) + {bad} AS read,
               count_if(_class = 'new') AS inserted,
               count_if(_class = 'changed') AS updated,
               count_if(_class IN {DUPLICATES}) AS duplicates,
               count_if(_class IN {REJECTED}) + {bad} AS rejected{touched}
        FROM {views['_classified']}"""


def rejects_sql(table: Table, label: str, views: dict[str, str], malformed: bool) -> str:
    """A file's rejects as the store writes them to ``_rejects``: (table, file, line,
    column, value, rule, reason), one row per broken check."""
    first, last = table.key[0], table.key[-1]
    dup_reason = spark_expression(staging.duplicate_key_reason(table, "_first_line"))
    conflict_reason = spark_expression(staging.stored_conflict_reason(table))
    # staging's _reject: a repeated key names the key's last column, a stored
    # conflict its first
    dup_value = spark_expression(staging.reject_value(table, last))
    conflict_value = spark_expression(staging.reject_value(table, first))
    head = f"SELECT {spark_str(table.name)} AS `table`, {spark_str(label)} AS file, _line AS line"
    sql = f"""
        {head}, p_column AS `column`, p_value AS value, p_rule AS rule, p_reason AS reason
        FROM {views['_classified']}
        LATERAL VIEW inline(arrays_zip(_columns, _values, _rules, _reasons))
            p AS p_column, p_value, p_rule, p_reason
        WHERE _class = 'broken' AND p_rule IS NOT NULL
        UNION ALL
        {head},
            CASE WHEN _class = 'repeat_other' THEN {spark_str(last)}
                 ELSE {spark_str(first)} END,
            CASE WHEN _class = 'repeat_other' THEN {dup_value} ELSE {conflict_value} END,
            'duplicate_key',
            CASE WHEN _class = 'repeat_other' THEN {dup_reason} ELSE {conflict_reason} END
        FROM {views['_classified']} WHERE _class IN ('repeat_other', 'conflict')"""
    if malformed:
        sql += f"""
        UNION ALL
        {head}, CAST(NULL AS STRING), {_q(MALFORMED)}, 'malformed_row',
            {_q(MALFORMED + '_reason')}
        FROM {views['_malformed']}"""
    return sql


def content_sql(table: Table, views: dict[str, str]) -> str:
    """The table's rows after the load: those of ``_old`` (the lake's rows it
    rewrites: the whole table, or the partitions the load touches) but the ones the
    file changes, and the file's new and changed rows."""
    cols = ", ".join(_q(c) for c in table.column_names)
    keys = ", ".join(_q(k) for k in table.key)
    on = " AND ".join(f"o.{_q(k)} = c.{_q(k)}" for k in table.key)
    return f"""
        SELECT {', '.join(f'o.{_q(c)}' for c in table.column_names)} FROM {views['_old']} o
        LEFT ANTI JOIN (SELECT {keys} FROM {views['_classified']}
                        WHERE _class = 'changed') c ON {on}
        UNION ALL
        SELECT {cols} FROM {views['_classified']} WHERE _class IN {ACCEPTED}"""
