"""A figure's table as a CSV or Parquet file: the same values the page shows, hidden ones empty.

The files carry what the page says around the table: the CSV its title, the note on how it was
computed and the day the data was taken in the first lines after the table (so the header stays
the first line for spreadsheet tools); the Parquet file in its schema's metadata.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from redangel.analytics.schemas import Table


def _cell(kind: str, value: float | None) -> str:
    if value is None:
        return ""
    if kind == "ratio":
        return f"{value:.4f}"
    if kind == "money":
        return f"{value:.2f}"
    return str(round(value))


def csv_bytes(table: Table, *, group_label: str, column_labels: list[str], group_words: list[str],
              total_word: str, flag_label: str, about: list[str]) -> bytes:
    """The table as UTF-8 CSV (with a byte-order mark, so spreadsheets read the accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    flags = table.id.startswith("coverage_by_") and table.id != "coverage_by_program"
    writer.writerow([group_label, *column_labels, *([flag_label] if flags else [])])
    for words, row in zip(group_words, table.rows, strict=True):
        writer.writerow([words, *(_cell(c.kind, v) for c, v in zip(table.columns, row.values, strict=True)),
                         *((["1" if row.flagged else ""]) if flags else [])])
    if table.total is not None:
        writer.writerow([total_word, *(_cell(c.kind, v) for c, v in
                                       zip(table.columns, table.total.values, strict=True)),
                         *([""] if flags else [])])
    writer.writerow([])
    for line in about:
        writer.writerow([line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def parquet_bytes(table: Table, *, group_label: str, column_labels: list[str], group_words: list[str],
                  total_word: str, about: dict[str, str], taken_at: datetime | None) -> bytes:
    """The table as a Parquet file: one text column for the group, one number column per column."""
    rows: list[Any] = [*table.rows, *([table.total] if table.total is not None else [])]
    words = [*group_words, *([total_word] if table.total is not None else [])]
    data: dict[str, Any] = {group_label: pa.array(words, type=pa.string())}
    for n, (column, label) in enumerate(zip(table.columns, column_labels, strict=True)):
        values = [r.values[n] for r in rows]
        if column.kind in ("count", "days"):
            data[label] = pa.array([None if v is None else round(v) for v in values], type=pa.int64())
        else:
            data[label] = pa.array(values, type=pa.float64())
    metadata = {**about, "taken_at": taken_at.isoformat() if taken_at else ""}
    arrow = pa.table(data).replace_schema_metadata({k.encode(): v.encode() for k, v in metadata.items()})
    sink = io.BytesIO()
    pq.write_table(arrow, sink)
    return sink.getvalue()
