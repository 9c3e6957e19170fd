"""The SELECTs by which DuckDB reads a lake's tables in place: each contract table
from its folder (``lake.py``), each fact from the files its manifest lists
(``lake_facts.py``), with the columns and types a DuckDB store gives them, so that
reports cannot tell the two apart.

Views read only what a query needs. events and audience are read with their
``mailing_id=`` folders as Hive partitions, and so are a fact's files when each
sits in a folder named as its mailing's partition (``lake export`` writes them so):
a filter on ``mailing_id`` then skips the other mailings' files by their path,
without opening them. Facts whose folders are named otherwise are still read
right, each file's row-group statistics skipping other mailings' rows, but every
query opens every file of the fact.
"""

from __future__ import annotations

from pathlib import Path

from mailreport import facts
from mailreport.contract import TABLE_BY_NAME, Table
from mailreport.facts import Fact
from mailreport.facts.sql import quote, sql_str
from mailreport.store.lake import PARTITION_COLUMN, PARTITIONED, partition_folder
from mailreport.store.lake_facts import facts_dir

HIVE = (f"hive_partitioning = true, hive_types = {{{sql_str(PARTITION_COLUMN)}: VARCHAR}}, "
        f"hive_types_autocast = false")
PLAIN = "hive_partitioning = false"


def empty(columns: list[tuple[str, str]]) -> str:
    """No rows, with the columns and types given."""
    return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {quote(c)}" for c, t in columns) \
        + " WHERE false"


def typed(source: str, columns: list[tuple[str, str]], present: set[str] | None = None) -> str:
    """The columns of ``source`` cast to their types, in order; those not in
    ``present`` (when given) null."""
    return "SELECT " + ", ".join(
        f"CAST({quote(c) if present is None or c in present else 'NULL'} AS {t}) AS {quote(c)}"
        for c, t in columns) + f" FROM {source}"


def contract_source(lake: Path, table: Table) -> str | None:
    """The read_parquet of a contract table's files; None for a table without any.

    The folder is globbed by each query, so a partition a load swaps in is read at
    once. Files may lack optional columns (docs/spark.md), so they are read by name."""
    folder = lake / table.name
    files = "*/*.parquet" if table.name in PARTITIONED else "*.parquet"
    if not any(folder.glob(files)):
        return None
    pattern = folder / files
    options = HIVE if table.name in PARTITIONED else PLAIN
    return f"read_parquet({sql_str(str(pattern))}, union_by_name = true, {options})"


def contract_view(con, lake: Path, table: Table) -> str:
    columns = contract_columns(table.name)
    source = contract_source(lake, table)
    if source is None:
        return empty(columns)
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    return typed(source, columns, present)


def hive_named(files: dict[str, list[str]]) -> bool:
    """Whether every file sits in the folder named as its mailing's partition."""
    return all(Path(path).parent.name == partition_folder(mailing)
               for mailing, paths in files.items() for path in paths)


def fact_view(fact: Fact, files: dict[str, list[str]], root: Path) -> str:
    """The fact from its files (per mailing, as paths under ``root``), every file
    holding every column (lake_facts.py)."""
    columns = list(fact.columns)
    paths = [str(root / p) for mailing in sorted(files) for p in files[mailing]]
    if not paths:
        return empty(columns)
    options = HIVE if hive_named(files) else PLAIN
    listed = ", ".join(sql_str(p) for p in paths)
    return typed(f"read_parquet([{listed}], {options})", columns)


def contract_files(lake: Path, name: str) -> list[list]:
    """[path under the lake, size, modification time] of an unpartitioned contract
    table's files: what a load that swaps them changes."""
    out = []
    for path in sorted((lake / name).glob("*.parquet")):
        st = path.stat()
        out.append([f"{name}/{path.name}", st.st_size, st.st_mtime_ns])
    return out


def part_select(con, lake: Path, name: str, files: list) -> str:
    """The rows of a part of a table the local copy keeps (``lake_cache.py``), typed
    as the store types them: a fact's files as its manifest lists them (paths under
    ``_facts/``), or a contract table's (``contract_files``)."""
    if name in facts.BY_NAME:
        listed = ", ".join(sql_str(str(facts_dir(lake) / p)) for p in files)
        return typed(f"read_parquet([{listed}], {PLAIN})", list(facts.BY_NAME[name].columns))
    listed = ", ".join(sql_str(str(lake / path)) for path, _, _ in files)
    source = f"read_parquet([{listed}], union_by_name = true, {PLAIN})"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    return typed(source, contract_columns(name), present)


def contract_columns(name: str) -> list[tuple[str, str]]:
    return [(c.name, c.store_type) for c in TABLE_BY_NAME[name].columns]
