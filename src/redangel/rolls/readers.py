"""Reading an agency's export: CSV in any delimiter and encoding, or an Excel workbook.

The whole file is checked before anything is written: empty, over the size limit, an encoding
that cannot be told, a mapped column missing from the header, a row with more or fewer fields
than the header — each refuses the file with the file, line and column named.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from charset_normalizer import from_bytes
from openpyxl import load_workbook

from redangel.rolls.errors import RollFileError
from redangel.rolls.mapping import RollMapping

Cell = str | date | datetime
_ENCODINGS = ("utf_8", "utf_8_sig", "cp1252", "latin_1", "iso8859_15")


@dataclass(frozen=True)
class RollFile:
    """A roll read whole: its header, its rows by line number, and the encoding found."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, Cell]]]
    encoding: str
    delimiter: str


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(_ENCODINGS)).best()
    if best is None:
        raise RollFileError("roll_encoding_unknown", file=name)
    return str(best), best.encoding


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_header(header: list[str], mapping: RollMapping, name: str) -> None:
    if not any(header):
        raise RollFileError("roll_empty", file=name, line=1)
    seen = set()
    for col in header:
        if col and col in seen:
            raise RollFileError("roll_header_repeated", file=name, line=1, column=col)
        seen.add(col)
    for col in mapping.columns.values():
        if col not in seen:
            raise RollFileError("roll_column_missing", file=name, line=1, column=col)


def _read_csv(data: bytes, name: str, mapping: RollMapping) -> RollFile:
    text, encoding = _decode(data, name)
    sample = text[:20_000]
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, Cell]]] = []
    header: list[str] | None = None
    try:
        for fields in reader:
            line = reader.line_num
            if header is None:
                header = [f.strip() for f in fields]
                _check_header(header, mapping, name)
                continue
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                code = "roll_too_many_fields" if len(fields) > len(header) else "roll_too_few_fields"
                column = header[-1] if len(fields) < len(header) else f"#{len(header) + 1}"
                raise RollFileError(code, file=name, line=line, column=column,
                                    detail=f"{len(fields)}/{len(header)}")
            rows.append((line, {h: f.strip() for h, f in zip(header, fields, strict=True)}))
    except csv.Error as exc:
        raise RollFileError("roll_csv_invalid", file=name, line=reader.line_num,
                            detail=str(exc)) from exc
    if header is None:
        raise RollFileError("roll_empty", file=name, line=1)
    return RollFile(name, header, rows, encoding, delimiter)


def _read_xlsx(data: bytes, name: str, mapping: RollMapping) -> RollFile:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RollFileError("roll_xlsx_invalid", file=name) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, dict[str, Cell]]] = []
        header: list[str] | None = None
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if header is None:
                while cells and cells[-1] == "":
                    cells.pop()
                header = [str(c) for c in cells]
                _check_header(header, mapping, name)
                continue
            if not any(c != "" for c in cells):
                continue
            extra = [i for i, c in enumerate(cells) if i >= len(header) and c != ""]
            if extra:
                raise RollFileError("roll_too_many_fields", file=name, line=line,
                                    column=f"#{extra[0] + 1}")
            cells += [""] * (len(header) - len(cells))
            rows.append((line, dict(zip(header, cells[:len(header)], strict=True))))
    finally:
        book.close()
    if header is None:
        raise RollFileError("roll_empty", file=name, line=1)
    return RollFile(name, header, rows, "xlsx", "")


def read_roll(data: bytes, *, name: str, mapping: RollMapping, max_bytes: int) -> RollFile:
    """Read and check a whole roll (CSV or .xlsx) before anything of it is written."""
    if len(data) > max_bytes:
        raise RollFileError("roll_too_large", file=name, detail=str(max_bytes))
    if not data.strip():
        raise RollFileError("roll_empty", file=name, line=1)
    reader = _read_xlsx if data[:4] == b"PK\x03\x04" else _read_csv
    roll = reader(data, name, mapping)
    if not roll.rows:
        raise RollFileError("roll_no_rows", file=name, line=2)
    return roll
