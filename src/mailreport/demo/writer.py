"""Contract-shaped Arrow columns, and the streaming writers of the demo files.

Schemas come from ``contract.py``, so the files follow the contract by construction;
columns are built from numpy arrays without a Python loop per row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mailreport.contract import TABLES, Kind, Table

ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.ID: pa.string(),
    Kind.TEXT: pa.string(),
    Kind.ENUM: pa.string(),
    Kind.TIMEZONE: pa.string(),
    Kind.TIMESTAMP: pa.timestamp("us"),  # UTC, naive
    Kind.MONEY: pa.decimal128(18, 2),
    Kind.QUANTITY: pa.decimal128(18, 3),
    Kind.SHARE: pa.float64(),
    Kind.INTEGER: pa.int64(),
    Kind.BOOLEAN: pa.bool_(),
}

FORMATS = ("parquet", "csv")
ROW_GROUP = 1 << 20


def schema_of(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.kind], nullable=not c.required)
                      for c in table.columns])


SCHEMAS: dict[str, pa.Schema] = {t.name: schema_of(t) for t in TABLES}


# --- column builders -------------------------------------------------------------------

def padded_ids(prefix: str | pa.Array, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix (one, or one per row) + zero-padded decimal: ("C", 42, 8) -> "C00000042"."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width,
                          padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def pick(values: pa.Array | list[str], codes: np.ndarray) -> pa.Array:
    """values[codes], null where a code is negative."""
    if not isinstance(values, pa.Array):
        values = pa.array(values, pa.string())
    codes = np.asarray(codes)
    if codes.size and codes.min() < 0:
        return values.take(pa.array(np.where(codes < 0, 0, codes), mask=codes < 0))
    return values.take(pa.array(codes))


def repeat(value: str | None, n: int) -> pa.Array:
    return pa.nulls(n, pa.string()) if value is None else pa.repeat(pa.scalar(value), n)


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Whole seconds since 1970 (UTC) as a naive timestamp[us] column."""
    return pa.array((np.asarray(seconds, np.int64) * 1_000_000).view("M8[us]"))


def decimals(units: np.ndarray, scale: int) -> pa.Array:
    """Non-negative integers counted in 10**-scale units (cents, thousandths) as decimal128.

    Built straight from the buffer: casting an integer to decimal would read 12345 cents
    as 12345.00, and going through floats could round a cent away.
    """
    units = np.asarray(units, np.int64)
    words = np.zeros((units.size, 2), np.int64)  # little-endian 128-bit, high word 0
    words[:, 0] = units
    return pa.Array.from_buffers(pa.decimal128(18, scale), units.size,
                                 [None, pa.py_buffer(words)])


def integers(values: np.ndarray, null_below: int | None = None) -> pa.Array:
    values = np.asarray(values, np.int64)
    mask = values < null_below if null_below is not None else None
    return pa.array(values, pa.int64(), mask=mask)


def hex_strings(rng: np.random.Generator, n: int, length: int) -> pa.Array:
    """n random lowercase hex strings of the given length (tokens), without a row loop."""
    alphabet = np.frombuffer(b"0123456789abcdef", np.uint8)
    chars = alphabet[rng.integers(0, 16, size=(n, length), dtype=np.uint8)]
    return pa.array(chars.reshape(-1).view(f"S{length}")).cast(pa.string())


def dotted_quads(ip: np.ndarray) -> pa.Array:
    """uint32 addresses as "a.b.c.d"; 0 means no address (null)."""
    ip = np.asarray(ip, np.uint32)
    mask = ip == 0
    parts = [pa.array(((ip >> shift) & 255).astype(np.int64), mask=mask)
             for shift in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*[pc.cast(p, pa.string()) for p in parts], ".")


# --- writers ---------------------------------------------------------------------------

def _csv_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """CSV cells as the contract writes them: ISO-8601 with a T, no fractional seconds."""
    columns = []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_timestamp(field.type):
            column = pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


class TableWriter:
    """Appends batches to out_dir/<table>.<fmt>, counting rows."""

    def __init__(self, out_dir: Path, name: str, fmt: str):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.name, self.fmt, self.rows = name, fmt, 0
        self.schema = SCHEMAS[name]
        self.path = Path(out_dir) / f"{name}.{fmt}"
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd",
                                            compression_level=1)
        else:
            csv_schema = pa.schema([pa.field(f.name, pa.string()) if pa.types.is_timestamp(f.type)
                                    else f for f in self.schema])
            self._writer = pacsv.CSVWriter(self.path, csv_schema)

    def write(self, columns: dict[str, pa.Array]) -> None:
        n = len(next(iter(columns.values())))
        arrays = [columns[f.name] if f.name in columns else pa.nulls(n, f.type)
                  for f in self.schema]
        # Some conversions (numpy bytes to Arrow) hand back chunks; a batch needs one array.
        arrays = [a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays]
        batch = pa.RecordBatch.from_arrays(
            [a if a.type == f.type else a.cast(f.type) for a, f in zip(arrays, self.schema,
                                                                        strict=True)],
            schema=self.schema)
        if self.fmt == "parquet":
            self._writer.write_batch(batch, row_group_size=ROW_GROUP)
        else:
            self._writer.write_batch(_csv_ready(batch))
        self.rows += n

    def close(self) -> None:
        self._writer.close()


class Writers:
    """One open writer per contract table; a context manager that closes them all."""

    def __init__(self, out_dir: Path, fmt: str):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self._by_name = {t.name: TableWriter(out_dir, t.name, fmt) for t in TABLES}

    def __getitem__(self, name: str) -> TableWriter:
        return self._by_name[name]

    def rows(self) -> dict[str, int]:
        return {name: w.rows for name, w in self._by_name.items()}

    def __enter__(self) -> Writers:
        return self

    def __exit__(self, *exc: object) -> None:
        for w in self._by_name.values():
            w.close()
