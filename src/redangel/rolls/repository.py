"""SQL of roll imports: rows in batches, outcomes set in bulk, pairs and decisions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from redangel.person.models import Person
from redangel.program.models import Enrollment
from redangel.program.models import Program as ProgramModel
from redangel.rolls.models import RollImport, RollPair, RollRow


def get(session: Session, import_id: uuid.UUID) -> RollImport | None:
    """One import by id."""
    return session.get(RollImport, import_id)


def get_for_update(session: Session, import_id: uuid.UUID) -> RollImport | None:
    """One import, locked while its job works on it."""
    return session.scalars(
        select(RollImport).where(RollImport.id == import_id).with_for_update()).first()


def resumable(session: Session, *, program_code: str, sha256: str) -> RollImport | None:
    """An unfinished import of the same file for the same program."""
    return session.scalars(select(RollImport).where(
        RollImport.program_code == program_code, RollImport.file_sha256 == sha256,
        RollImport.status.in_(("reading", "read", "linked", "stopped")))).first()


def list_imports(session: Session, agency_codes: Iterable[str] | None, limit: int) -> Sequence[RollImport]:
    """Imports, newest first (of some agencies, or all)."""
    stmt = select(RollImport).order_by(RollImport.created_at.desc()).limit(limit)
    if agency_codes is not None:
        stmt = stmt.where(RollImport.agency_code.in_(list(agency_codes)))
    return session.scalars(stmt).all()


def last_line(session: Session, import_id: uuid.UUID) -> int:
    """The last line written (0 when none)."""
    return int(session.scalar(select(func.coalesce(func.max(RollRow.line), 0))
                              .where(RollRow.import_id == import_id)) or 0)


def count_rows(session: Session, import_id: uuid.UUID) -> int:
    """How many rows are written."""
    return int(session.scalar(select(func.count()).select_from(RollRow)
                              .where(RollRow.import_id == import_id)) or 0)


def add_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert a batch of rows in one statement."""
    if rows:
        session.execute(insert(RollRow), rows)


def rows(session: Session, import_id: uuid.UUID) -> Sequence[RollRow]:
    """Every row of an import, by line."""
    return session.scalars(select(RollRow).where(RollRow.import_id == import_id)
                           .order_by(RollRow.line)).all()


def set_outcomes(session: Session, import_id: uuid.UUID, values: list[dict[str, Any]]) -> None:
    """Set each row's outcome (bulk update by primary key)."""
    if values:
        session.execute(update(RollRow), values)
    del import_id


def registry_candidates(session: Session, *, birth_dates: set[date],
                        curp_indexes: set[str]) -> Sequence[Person]:
    """Registered persons sharing a birth date or a CURP with the roll (the blocking keys)."""
    found: dict[uuid.UUID, Person] = {}
    dates = sorted(birth_dates)
    for i in range(0, len(dates), 500):
        for p in session.scalars(select(Person).where(Person.birth_date.in_(dates[i:i + 500]),
                                                   Person.merged_into_id.is_(None))):
            found[p.id] = p
    indexes = sorted(curp_indexes)
    for i in range(0, len(indexes), 500):
        for p in session.scalars(select(Person).where(Person.curp_index.in_(indexes[i:i + 500]),
                                                   Person.merged_into_id.is_(None))):
            found[p.id] = p
    return list(found.values())


def clear_pairs(session: Session, import_id: uuid.UUID) -> None:
    """Forget undecided pairs before linking again."""
    session.execute(delete(RollPair).where(RollPair.import_id == import_id,
                                           RollPair.decision.is_(None)))


def decided_pairs(session: Session, import_id: uuid.UUID) -> Sequence[RollPair]:
    """The pairs a steward has decided in this import."""
    return session.scalars(select(RollPair).where(RollPair.import_id == import_id,
                                                  RollPair.decision.is_not(None))).all()


def add_pairs(session: Session, values: list[dict[str, Any]]) -> None:
    """Insert candidate pairs."""
    if values:
        session.execute(insert(RollPair), values)


def pairs(session: Session, import_id: uuid.UUID, *, undecided: bool = False) -> Sequence[RollPair]:
    """An import's pairs, most probable first."""
    stmt = select(RollPair).where(RollPair.import_id == import_id)
    if undecided:
        stmt = stmt.where(or_(RollPair.decision.is_(None), RollPair.decision == "skip"))
    return session.scalars(stmt.order_by(RollPair.probability.desc(), RollPair.id)).all()


def pair(session: Session, import_id: uuid.UUID, pair_id: int) -> RollPair | None:
    """One pair of an import."""
    return session.scalars(select(RollPair).where(RollPair.import_id == import_id,
                                                  RollPair.id == pair_id)).first()


def persons(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """Registered persons by id."""
    wanted = list(ids)
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(wanted)))} \
        if wanted else {}


def live_enrollments(session: Session, person_ids: Iterable[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    """(person, program) of every live enrollment of these persons."""
    wanted = list(person_ids)
    found: set[tuple[uuid.UUID, str]] = set()
    for i in range(0, len(wanted), 500):
        for row in session.execute(select(Enrollment.person_id, Enrollment.program_code).where(
                Enrollment.person_id.in_(wanted[i:i + 500]),
                Enrollment.status.in_(("active", "suspended")))):
            found.add((row.person_id, row.program_code))
    return found


def imports_of_agency(session: Session, agency_code: str) -> Sequence[RollImport]:
    """An agency's imports, oldest first (the summary over time)."""
    return session.scalars(select(RollImport).where(RollImport.agency_code == agency_code)
                           .order_by(RollImport.created_at)).all()


def program(session: Session, code: str) -> Any:
    """A program by code (None when the catalog has none)."""
    return session.get(ProgramModel, code)


def programs(session: Session) -> Sequence[Any]:
    """Every program (for the exclusions between them)."""
    return session.scalars(select(ProgramModel)).all()


def exclusion_clashes(session: Session) -> list[tuple[uuid.UUID, str, str]]:
    """(person, program, excluded program) for every person live in two programs that exclude
    each other, per the catalog's exclusions (each clash once, programs in code order)."""
    rules = {(p.code, other) for p in session.scalars(select(ProgramModel)) for other in p.excludes}
    found: set[tuple[uuid.UUID, str, str]] = set()
    for code, other in sorted(rules):
        first, second = sorted((code, other))
        mine = Enrollment.__table__.alias("mine")
        theirs = Enrollment.__table__.alias("theirs")
        stmt = select(mine.c.person_id).join(theirs, theirs.c.person_id == mine.c.person_id).where(
            mine.c.program_code == first, theirs.c.program_code == second,
            mine.c.status.in_(("active", "suspended")), theirs.c.status.in_(("active", "suspended")))
        found.update((pid, first, second) for pid in session.scalars(stmt))
    return sorted(found, key=lambda t: (t[1], t[2], str(t[0])))
