"""Validating staged rows against the contract and merging the valid ones.

A file's rows are first staged as text (``_stage``: its line number and every
contract column as VARCHAR). Validation then runs as set-based SQL, one named
check at a time, each writing the rows it rejects to ``_rejects`` with the
column, the value and the reason. What passes is merged into the contract table:
new keys inserted, changed rows replaced, identical rows counted as duplicates.
Everything runs inside the load's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from mailreport.contract import Column, Kind, Table
from mailreport.facts.sql import quote, sql_list, sql_str
from mailreport.store.duckdb import erasure

REJECTS_SQL = """CREATE TEMP TABLE IF NOT EXISTS _rejects (
    "table" VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR,
    rule VARCHAR, reason VARCHAR)"""


# the forgotten customers a load brought new events of (store/duckdb/erasure.py)
FORGOTTEN_MET_SQL = "CREATE TEMP TABLE IF NOT EXISTS _forgotten_met (customer_id VARCHAR)"


@dataclass
class MergeCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    withheld: int = 0  # rows of forgotten customers whose personal data was not kept


def stage_columns(table: Table, present: set[str], line_expr: str) -> str:
    """The columns of _stage (line number, then every contract column as text) taken
    from a source that has the ``present`` columns."""
    parts = [f"{line_expr} AS _line"]
    for c in table.columns:
        value = quote(c.name) if c.name in present else "NULL"
        parts.append(f"CAST({value} AS VARCHAR) AS {quote(c.name)}")
    return ", ".join(parts)


def held(con, select: str) -> pa.Table:
    """A chunk's intermediate result as Arrow held by Python, instead of a temp table.

    A load is one transaction, and DuckDB frees a temp table (or a registered view)
    dropped or replaced inside a transaction only when the transaction ends: a
    temp table per chunk spilled over 60 GB of temporary files loading 135M events.
    The caller keeps the result in a local variable named as the statements after it
    name the table (``_typed = held(...)``); DuckDB finds it there by its
    replacement scan (``LoadSession.open`` turns it on with ``python_scan_all_frames``,
    so statements run in functions the caller calls find it too), and the memory is freed when the
    variable goes."""
    return con.sql(select).to_arrow_table()


# The times a timestamp may name: the years of ISO-8601 without an expanded year.
CALENDAR = "TIMESTAMP '0001-01-01' AND TIMESTAMP '9999-12-31 23:59:59.999999'"

CONVERTED_KINDS = (Kind.TIMESTAMP, Kind.MONEY, Kind.QUANTITY, Kind.SHARE, Kind.INTEGER,
                   Kind.BOOLEAN)


def raw_name(c: Column) -> str:
    """The column holding the value as given: text columns are their own raw value."""
    return quote("_raw_" + c.name) if c.kind in CONVERTED_KINDS else quote(c.name)


def _timestamp(raw: str) -> str:
    # Parsing with a zone offset is several times slower than without, so only
    # values that carry an offset (Z, +hh, -hh after the date) take that path.
    has_offset = (f"(strpos({raw}, '+') > 0 OR strpos({raw}, 'Z') > 0 "
                  f"OR strpos({raw}, 'z') > 0 OR strpos(substr({raw}, 11), '-') > 0)")
    return (f"CASE WHEN {has_offset} THEN CAST(TRY_CAST({raw} AS TIMESTAMPTZ) AS TIMESTAMP) "
            f"ELSE TRY_CAST({raw} AS TIMESTAMP) END")


def _typed_expr(c: Column) -> str:
    raw = f"NULLIF(s.{quote(c.name)}, '')"
    if c.default is not None:
        raw = f"coalesce({raw}, {sql_str(c.default)})"
    if c.kind not in CONVERTED_KINDS:
        return f"{raw} AS {quote(c.name)}"
    converted = {
        Kind.TIMESTAMP: _timestamp(raw),
        Kind.MONEY: f"TRY_CAST({raw} AS DECIMAL(18,2))",
        Kind.QUANTITY: f"TRY_CAST({raw} AS DECIMAL(18,3))",
        Kind.SHARE: f"TRY_CAST({raw} AS DOUBLE)",
        Kind.INTEGER: f"TRY_CAST({raw} AS BIGINT)",
        Kind.BOOLEAN: f"TRY_CAST(lower({raw}) AS BOOLEAN)",
    }.get(c.kind, raw)
    return f"{raw} AS {quote('_raw_' + c.name)}, {converted} AS {quote(c.name)}"


def reject_value(table: Table, column: str | None) -> str:
    """The value a reject shows for ``column``: as given, before conversion."""
    return f"CAST({raw_name(table.column(column))} AS VARCHAR)" if column else "NULL"


def _reject(con, table: Table, file: str, column: str, rule: str, reason_sql: str,
            where: str, source: str = "_typed") -> None:
    value = reject_value(table, column)
    con.execute(
        f"INSERT INTO _rejects SELECT {sql_str(table.name)}, {sql_str(file)}, _line, "
        f"{sql_str(column) if column else 'NULL'}, {value}, {sql_str(rule)}, {reason_sql} "
        f"FROM {source} WHERE {where}"
    )


@dataclass(frozen=True)
class Check:
    """One named rule on a row of ``_typed``: the row breaks it when ``violated_when``
    holds, and the reject names ``column`` and gives ``reason_sql``'s value."""

    column: str | None
    rule: str
    reason_sql: str
    violated_when: str


def row_checks(table: Table) -> list[Check]:
    """The checks a row of ``table`` must pass on its own, in the order they run
    (references, which read other tables, are apart)."""
    checks = []
    for c in table.columns:
        q, raw = quote(c.name), raw_name(c)

        def add(rule: str, reason_sql: str, where: str, column: str = c.name) -> None:
            checks.append(Check(column, rule, reason_sql, where))

        if c.required:
            add("required", sql_str(f"{c.name} is required"), f"{raw} IS NULL")
        if c.kind is Kind.TIMESTAMP:
            # DuckDB reads 'infinity', '-inf' and years past 9999 as timestamps: none is
            # an ISO-8601 time, and a report cannot lay them on a calendar
            add("bad_type", sql_str(f"{c.name} is not a valid {c.kind.value}"),
                f"{raw} IS NOT NULL AND ({q} IS NULL OR {q} NOT BETWEEN {CALENDAR})")
        elif c.kind in CONVERTED_KINDS:
            add("bad_type", sql_str(f"{c.name} is not a valid {c.kind.value}"),
                f"{raw} IS NOT NULL AND {q} IS NULL")
        if c.kind in (Kind.MONEY, Kind.QUANTITY):
            places = 2 if c.kind is Kind.MONEY else 3
            add("too_precise", sql_str(f"{c.name} has more than {places} decimal places"),
                f"{q} IS NOT NULL AND TRY_CAST({raw} AS DECIMAL(38,12)) <> {q}")
        if c.values:
            allowed = sql_list(c.values)
            add("unknown_value", sql_str(f"{c.name} must be one of: {', '.join(c.values)}"),
                f"{q} IS NOT NULL AND {q} NOT IN ({allowed})")
        if c.kind is Kind.TIMEZONE:
            add("bad_timezone", sql_str(f"{c.name} is not an IANA time zone name"),
                # NOT EXISTS rather than NOT IN: the same verdict (no zone is null),
                # and an engine may look it up by hash (Spark's NOT IN compares every
                # row with every zone)
                f"{q} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _zones z WHERE z.name = {q})")
        if c.minimum is not None:
            word = "negative" if c.minimum == 0 else f"below {c.minimum:g}"
            add("below_minimum", sql_str(f"{c.name} is {word}; it must be at least "
                                         f"{c.minimum:g}"),
                f"{q} IS NOT NULL AND {q} < {c.minimum}")
        if c.maximum is not None:
            add("above_maximum", sql_str(f"{c.name} must be at most {c.maximum:g}"),
                f"{q} IS NOT NULL AND {q} > {c.maximum}")
    checks += [Check(r.column, r.name, sql_str(r.reason), r.violated_when) for r in table.rules]
    return checks


def _checks(con, table: Table, file: str) -> None:
    for check in row_checks(table):
        _reject(con, table, file, check.column, check.rule, check.reason_sql,
                check.violated_when)
    for c in table.columns:
        if c.references:
            _reference_check(con, table, file, c)


def reference_reason(c: Column) -> str:
    """Why a row's reference ``c`` is rejected: the reason of ``unknown_reference``."""
    q = quote(c.name)
    ref_table, ref_col = c.references.split(".")
    if ref_table == "variants":
        return f"'no variant ' || {q} || ' in mailing ' || mailing_id"
    return f"'no {ref_table} row with {ref_col} ' || {q}"


def _reference_check(con, table: Table, file: str, c: Column) -> None:
    q = quote(c.name)
    ref_table, ref_col = c.references.split(".")
    if ref_table == "variants":
        # a variant of the row's own mailing, or the implicit A of a mailing
        # that has no variant rows
        exists = (f"EXISTS (SELECT 1 FROM variants v WHERE v.mailing_id = _typed.mailing_id "
                  f"AND v.variant_id = _typed.{q}) OR ({q} = 'A' AND NOT EXISTS "
                  f"(SELECT 1 FROM variants v WHERE v.mailing_id = _typed.mailing_id))")
    else:
        exists = f"{q} IN (SELECT {quote(ref_col)} FROM {quote(ref_table)})"
        if ref_table == table.name:  # a parent defined in the same file
            exists += f" OR {q} IN (SELECT {quote(ref_col)} FROM _typed)"
    _reject(con, table, file, c.name, "unknown_reference", reference_reason(c),
            f"{q} IS NOT NULL AND NOT ({exists})")


def duplicate_key_reason(table: Table, first_line: str) -> str:
    return f"'duplicate key ({', '.join(table.key)}); first at line ' || {first_line}"


def stored_conflict_reason(table: Table) -> str:
    return sql_str(f"{table.key[0]} is already stored with different content")


def typed_select(table: Table, source: str) -> str:
    """The rows of ``source`` (``_line`` and the columns as text) typed as in
    ``_typed``: each converted column beside its raw value."""
    return (f"SELECT s._line, {', '.join(_typed_expr(c) for c in table.columns)} "
            f"FROM {source} s")


def typed_columns(table: Table) -> list[str]:
    """The columns of ``typed_select``, in its order (quoted)."""
    columns = ["_line"]
    for c in table.columns:
        if c.kind in CONVERTED_KINDS:
            columns.append(quote("_raw_" + c.name))
        columns.append(quote(c.name))
    return columns


def checked_select(table: Table, typed: str, reasons: bool = True, details: bool = False,
                   batch_ids: bool = True) -> str:
    """One pass over typed rows (``typed``: a query with ``typed_select``'s columns)
    that runs every check ``validate_and_merge`` runs one statement at a time,
    including the references. It adds ``_broken``, whether the row breaks any of
    them, and with ``reasons``, ``_rules`` and ``_reasons``: the rule and the reason
    of each check, NULL where the row passes it; with ``details`` also ``_columns``
    and ``_values``: the column each broken check names and its value as given, as
    a reject shows them (the lake's load, ``ingest/lake_merge.py``, runs this on
    Spark, translated). Each check's condition is computed once, whatever asks
    for it.

    With ``batch_ids``, for a small batch against large tables: a reference is
    looked up among the referenced rows with the batch's own ids only, not by
    reading the referenced table whole once per check. Without, the referenced
    keys are joined as they are: for a whole file on an engine that joins by hash
    or by sorting, that lookup is one join more (a shuffle of the file's ids)."""
    ctes, joins, checks = [f"_t AS MATERIALIZED ({typed})"], [], list(row_checks(table))

    def among_batch(column: str, batch_column: str) -> str:
        return f" WHERE {column} IN (SELECT {batch_column} FROM _t)" if batch_ids else ""

    for n, c in enumerate(c for c in table.columns if c.references):
        q = quote(c.name)
        ref_table, ref_col = c.references.split(".")
        if ref_table == "variants":
            # a variant of the row's own mailing, or the implicit A of a mailing that
            # has no variant rows
            ctes.append(f"_ref{n} AS (SELECT DISTINCT mailing_id AS _ref{n}_m, "
                        f"variant_id AS _ref{n}_v FROM variants"
                        f"{among_batch('mailing_id', 'mailing_id')})")
            ctes.append(f"_has{n} AS (SELECT DISTINCT _ref{n}_m AS _has{n}_m FROM _ref{n})")
            joins.append(f"LEFT JOIN _ref{n} ON _ref{n}_m = _t.mailing_id "
                         f"AND _ref{n}_v = _t.{q}")
            joins.append(f"LEFT JOIN _has{n} ON _has{n}_m = _t.mailing_id")
            exists = f"_ref{n}_v IS NOT NULL OR ({q} = 'A' AND _has{n}_m IS NULL)"
        else:
            ctes.append(f"_ref{n} AS (SELECT DISTINCT {quote(ref_col)} AS _ref{n}_k "
                        f"FROM {quote(ref_table)}{among_batch(quote(ref_col), q)})")
            joins.append(f"LEFT JOIN _ref{n} ON _ref{n}_k = _t.{q}")
            exists = f"_ref{n}_k IS NOT NULL"
            if ref_table == table.name:  # a parent in the same batch
                ctes.append(f"_self{n} AS (SELECT DISTINCT {quote(ref_col)} AS _self{n}_k "
                            f"FROM _t)")
                joins.append(f"LEFT JOIN _self{n} ON _self{n}_k = _t.{q}")
                exists += f" OR _self{n}_k IS NOT NULL"
        checks.append(Check(c.name, "unknown_reference", reference_reason(c),
                            f"{q} IS NOT NULL AND NOT ({exists})"))
    # a check whose condition is NULL passes, as a WHERE clause would have it
    flags = ", ".join(f"coalesce(({k.violated_when}), false) AS _check{i}"
                      for i, k in enumerate(checks))
    ctes.append(f"_k AS (SELECT _t.*, {flags} FROM _t {' '.join(joins)})")

    def each(value) -> str:  # per check, value(check) where the row breaks it
        return "list_value(" + ", ".join(f"CASE WHEN _check{i} THEN {value(k)} END"
                                         for i, k in enumerate(checks)) + ")"

    broken = " OR ".join(f"_check{i}" for i in range(len(checks)))
    columns = f"{', '.join(typed_columns(table))}, {broken} AS _broken"
    if reasons:
        columns += (f", {each(lambda k: sql_str(k.rule))} AS _rules"
                    f", {each(lambda k: k.reason_sql)} AS _reasons")
    if details:
        columns += (f", {each(lambda k: sql_str(k.column) if k.column else 'NULL')} AS _columns"
                    f", {each(lambda k: reject_value(table, k.column))} AS _values")
    return f"WITH {', '.join(ctes)} SELECT {columns} FROM _k"


def start_file(con, table: Table) -> None:
    """Before a file's first chunk: keys met in this file are kept for later chunks,
    so a key repeated across chunks is judged as within one chunk. (Events are
    immutable: a repeat is found against the table itself.)"""
    con.execute("DROP TABLE IF EXISTS _file_keys")
    if not table.immutable:
        cols = ", ".join(f"{quote(k)} VARCHAR" if table.column(k).kind is not Kind.INTEGER
                         else f"{quote(k)} BIGINT" for k in table.key)
        con.execute(f"CREATE TEMP TABLE _file_keys ({cols}, first_line BIGINT)")


def validate_and_merge(con, table: Table, file: str, _stage: pa.Table) -> MergeCounts:
    """Validate one chunk (``_stage``: its rows as text, see ``stage_columns``),
    record rejects, merge accepted rows. Intermediate results are Arrow held in
    local variables that the SQL names (see ``held``)."""
    con.execute(REJECTS_SQL)
    counts = MergeCounts(read=_stage.num_rows)
    typed = ", ".join(_typed_expr(c) for c in table.columns)
    _typed = held(con, f"SELECT s._line, {typed} FROM _stage s")
    del _stage  # the memory goes to the next steps
    withheld = erasure.withheld_select(table.name, "_typed")
    if withheld and con.execute("SELECT EXISTS (SELECT 1 FROM forgotten)").fetchall()[0][0]:
        # a forgotten customer's contacts do not come back (docs/personal-data.md)
        select, flag = withheld
        counts.withheld = con.execute(
            f"SELECT count(*) FROM ({select}) WHERE {flag}").fetchall()[0][0]
        if counts.withheld:
            _typed = held(con, f"SELECT * EXCLUDE ({flag}) FROM ({select})")
            if table.name == "events":  # their user agents are erased when the load ends
                con.execute(FORGOTTEN_MET_SQL)
                con.execute("INSERT INTO _forgotten_met SELECT DISTINCT customer_id "
                            "FROM _typed SEMI JOIN forgotten USING (customer_id)")
    _checks(con, table, file)
    cols = [quote(c.name) for c in table.columns]
    key = [quote(k) for k in table.key]
    same_row = " AND ".join(f"a.{c} IS NOT DISTINCT FROM t.{c}" for c in cols)
    row_struct = "struct_pack(" + ", ".join(f"{c} := {c}" for c in cols) + ")"
    keys = ", ".join(key)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _rejected_lines AS
        SELECT DISTINCT line AS _line FROM _rejects WHERE file = {sql_str(file)}""")
    # Repeated keys in one file: an identical copy is a duplicate; a different
    # row with the same key is rejected, naming the line of the first one. The
    # window runs only over the keys that repeat, found first by a cheap count.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _dups AS
        WITH valid AS (SELECT * FROM _typed ANTI JOIN _rejected_lines USING (_line)),
        repeated AS (SELECT {keys} FROM valid GROUP BY ALL HAVING count(*) > 1)
        SELECT * FROM (
            SELECT _line, {keys},
                   first_value(_line) OVER w AS first_line,
                   {row_struct} IS NOT DISTINCT FROM first_value({row_struct}) OVER w AS same,
                   row_number() OVER w AS rn
            FROM valid SEMI JOIN repeated USING ({keys})
            WINDOW w AS (PARTITION BY {keys} ORDER BY _line))
        WHERE rn > 1""")
    _reject(con, table, file, table.key[-1], "duplicate_key",
            duplicate_key_reason(table, "first_line"),
            "NOT same", source=f"_dups JOIN _typed USING (_line, {keys})")
    counts.duplicates += con.execute("SELECT count(*) FROM _dups WHERE same").fetchall()[0][0]
    on = " AND ".join(f"a.{k} = t.{k}" for k in key)
    accepted = (f"SELECT _line, {', '.join(cols)} FROM _typed "
                f"ANTI JOIN _rejected_lines USING (_line) ANTI JOIN _dups USING (_line)")
    if not table.immutable:
        # keys an earlier chunk of this file brought: the stored row is that one
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _repeats AS
            SELECT a._line, k.first_line, {same_row} AS same
            FROM ({accepted}) a JOIN _file_keys k USING ({keys})
            JOIN {quote(table.name)} t ON {on}""")
        _reject(con, table, file, table.key[-1], "duplicate_key",
                duplicate_key_reason(table, "first_line"),
                "NOT same", source="_repeats JOIN _typed USING (_line)")
        counts.duplicates += con.execute(
            "SELECT count(*) FROM _repeats WHERE same").fetchall()[0][0]
        accepted += " ANTI JOIN _repeats USING (_line)"
    empty = not con.execute(f"SELECT 1 FROM {quote(table.name)} LIMIT 1").fetchall()
    if empty:  # a first load: nothing to compare with
        _classified = held(con, f"SELECT a.*, 'new' AS _class FROM ({accepted}) a")
    else:
        # Stored rows with a key of this chunk, found by scanning the key columns
        # only; the wide join below then runs against these few rows.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _matches AS
            SELECT * FROM {quote(table.name)} SEMI JOIN (SELECT {keys} FROM _typed)
            USING ({keys})""")
        _classified = held(con, f"""
            SELECT a.*, CASE WHEN t.{key[0]} IS NULL THEN 'new'
                             WHEN {same_row} THEN 'same' ELSE 'changed' END AS _class
            FROM ({accepted}) a LEFT JOIN _matches t ON {on}""")
        con.execute("DROP TABLE _matches")
    del _typed
    if table.immutable:
        _reject(con, table, file, table.key[0], "duplicate_key",
                stored_conflict_reason(table),
                "_class = 'changed'", source="_classified")
        _classified = held(con, "SELECT * FROM _classified WHERE _class <> 'changed'")
    _track_changes(con, table)
    by_class = dict(con.execute("SELECT _class, count(*) FROM _classified GROUP BY 1").fetchall())
    counts.duplicates += by_class.get("same", 0)
    counts.inserted = by_class.get("new", 0)
    counts.updated = by_class.get("changed", 0)
    if counts.updated:
        con.execute(f"DELETE FROM {quote(table.name)} t USING _classified a "
                    f"WHERE {on} AND a._class = 'changed'")
    order = "mailing_id, ts" if table.name == "events" else ", ".join(key)
    con.execute(f"INSERT INTO {quote(table.name)} ({', '.join(cols)}) "
                f"SELECT {', '.join(cols)} FROM _classified "
                f"WHERE _class IN ('new', 'changed') ORDER BY {order}")
    if not table.immutable:
        con.execute(f"INSERT INTO _file_keys SELECT {keys}, _line FROM _classified")
    del _classified
    return counts


def _track_changes(con, table: Table) -> None:
    """Note which mailings and customers the derived tables must recompute."""
    changed = "_class IN ('new', 'changed')"
    if table.name in ("events", "audience", "mailings"):
        con.execute(f"INSERT INTO _changed_mailings SELECT DISTINCT mailing_id "
                    f"FROM _classified WHERE {changed}")
    if table.name == "customers":
        # a new time zone moves the open hours kept in reach_times
        con.execute("""INSERT INTO _changed_mailings
            SELECT DISTINCT r.mailing_id FROM reach_times r
            JOIN _classified a ON a.customer_id = r.customer_id
            WHERE a._class = 'changed'""")
    if table.name == "products":
        con.execute(f"INSERT INTO _changed_products SELECT product_id FROM _classified "
                    f"WHERE {changed}")
    if table.name == "order_lines":
        con.execute(f"""INSERT INTO _changed_customers
            SELECT DISTINCT o.customer_id FROM orders o JOIN _classified a USING (order_id)
            WHERE a.{changed}""")
    if table.name == "orders":
        # an order that moved to another customer changes the old one too
        con.execute(f"""INSERT INTO _changed_customers
            SELECT customer_id FROM _classified WHERE {changed}
            UNION SELECT o.customer_id FROM orders o JOIN _classified a USING (order_id)
            WHERE a._class = 'changed'""")


def load_zones(con, names: list[str]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _zones (name VARCHAR)")
    con.executemany("INSERT INTO _zones VALUES (?)", [[n] for n in names])

