"""Reading a roll into rows, in committed batches: the resumable part of an import.

Each batch is written with the import's progress in one transaction; a killed import resumes
after its last committed line (rows are unique per import and line), so no row is lost or
written twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.rolls import repository
from redangel.rolls.mapping import RollMapping
from redangel.rolls.models import RollImport
from redangel.rolls.readers import RollFile, read_roll
from redangel.rolls.standardise import original, standardise

ROW_TABLE = "roll_row"
BATCH = 200


def sha256(data: bytes) -> str:
    """The file's fingerprint (finds the unfinished import of the same file)."""
    return hashlib.sha256(data).hexdigest()


def row_aad_id(import_id: object, line: int) -> str:
    """The row identity a row's sealed values are bound to."""
    return f"{import_id}:{line}"


@dataclass
class Progress:
    """How far reading has come, for the CLI's and the page's progress."""

    done: int
    total: int
    rate: float


def read_batch(session: Session, *, keyring: Keyring, imp: RollImport, roll: RollFile,
               today: date, batch: int = BATCH) -> bool:
    """Write the next batch of rows after the last committed one; True when all are written."""
    mapping = RollMapping.from_json(imp.mapping)
    after = repository.last_line(session, imp.id)
    pending = [(line, cells) for line, cells in roll.rows if line > after][:batch]
    values: list[dict[str, Any]] = []
    mapped_columns = set(mapping.columns.values())
    for line, cells in pending:
        row = standardise(cells, mapping=mapping, today=today)
        sealed = keyring.seal_json(
            {"original": original(cells), "standard": row.personal(),
             "changes": [c.as_dict() for c in row.changes]},
            table=ROW_TABLE, column="values", row_id=row_aad_id(imp.id, line))
        values.append({
            "import_id": imp.id, "line": line, "refusal": row.refusal, "flags": row.flags,
            "filled": sorted(c for c in mapped_columns if str(cells.get(c, "")).strip()),
            "values_sealed": sealed, "key_version": keyring.active_version,
            "borough": row.borough, "postal_code": row.postal_code,
            "start_date": row.start_date, "status": row.status, "outcome": None,
        })
    repository.add_rows(session, values)
    imp.rows_done = after_count = repository.count_rows(session, imp.id)
    imp.updated_at = utcnow()
    if after_count >= len(roll.rows):
        imp.status = "read"
        return True
    return False


def run_reading(sessions: Callable[[], Session], *, keyring: Keyring, import_id: Any,
                roll: RollFile, today: date,
                on_progress: Callable[[Progress], None] | None = None) -> None:
    """Read every remaining batch, each in its own committed transaction."""
    started, first_done = time.monotonic(), None
    while True:
        with sessions() as session:
            imp = repository.get_for_update(session, import_id)
            assert imp is not None
            if imp.status != "reading":
                return
            if first_done is None:
                first_done = imp.rows_done
            finished = read_batch(session, keyring=keyring, imp=imp, roll=roll, today=today)
            done, total = imp.rows_done, imp.rows_total
            session.commit()
        elapsed = max(time.monotonic() - started, 1e-6)
        if on_progress is not None:
            on_progress(Progress(done, total, (done - (first_done or 0)) / elapsed))
        if finished:
            return


def run_import(sessions: Callable[[], Session], *, keyring: Keyring, import_id: Any,
               today: date,
               on_progress: Callable[[Progress], None] | None = None) -> None:
    """The whole job of an import started from a page: read what is left of the sealed file,
    then link. Run again after a crash, it resumes where the last committed batch ended."""
    with sessions() as session:
        imp = repository.get(session, import_id)
        if imp is None or imp.file_sealed is None:
            return
        data = keyring.open(imp.file_sealed, table="roll_import", column="file", row_id=imp.id)
        roll = read_roll(data, name=imp.file_name, mapping=RollMapping.from_json(imp.mapping),
                         max_bytes=len(data) + 1)
    run_reading(sessions, keyring=keyring, import_id=import_id, roll=roll, today=today,
                on_progress=on_progress)
