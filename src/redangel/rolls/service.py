"""Importing an agency's roll: start (or resume), read, link, review, merge or cancel.

Who may import: a data steward or an admin for any program, an agency for its own programs
(another agency's program is not found); clerks, supervisors and analysts may not. The import
is one unit: rows and pairs are written as it goes, but the registry changes only at `merge`,
in one transaction, which creates the new persons through the person service and enrolls every
linked row through the program service.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import AppError, Conflict, FieldError, Forbidden, InvalidInput, NotFound
from redangel.person import service as person_service
from redangel.person.schemas import PersonCreate
from redangel.program import service as program_service
from redangel.rolls import jobs, report, repository
from redangel.rolls.linking import LinkPlan, plan_links
from redangel.rolls.mapping import RollMapping
from redangel.rolls.models import RollImport, RollPair, RollRow
from redangel.rolls.readers import RollFile, read_roll
from redangel.rolls.report import QualityReport
from redangel.rolls.standardise import StandardRow, standardise

STEWARDS = ("steward", "admin")
FILE_TABLE = "roll_import"


def may_import(principal: Principal) -> bool:
    """Whether a principal may import rolls at all (stewards, admins, agencies)."""
    return (principal.kind == "staff" and principal.role in STEWARDS) or principal.kind in (
        "agency", "system")


def require_importer(principal: Principal) -> None:
    """Refuse (403) anyone who may not import rolls."""
    if not may_import(principal):
        raise Forbidden()


def _authorize(principal: Principal, agency_code: str) -> None:
    if not may_import(principal):
        raise Forbidden()
    if principal.kind == "agency" and principal.agency_code != agency_code:
        raise NotFound()


def _program(session: Session, principal: Principal, agency_code: str, program_code: str) -> Any:
    program = repository.program(session, program_code)
    if program is None or program.agency_code != agency_code:
        raise InvalidInput(fields=[FieldError("program", "roll_program_unknown",
                                              {"program": program_code})])
    _authorize(principal, agency_code)
    return program


def get(session: Session, *, principal: Principal, import_id: uuid.UUID) -> RollImport:
    """An import the principal may see (404 otherwise)."""
    if not may_import(principal):
        raise Forbidden()
    imp = repository.get(session, import_id)
    if imp is None or (principal.kind == "agency" and principal.agency_code != imp.agency_code):
        raise NotFound()
    return imp


def list_imports(session: Session, *, principal: Principal, limit: int = 50) -> Sequence[RollImport]:
    """The imports a principal may see, newest first."""
    if not may_import(principal):
        raise Forbidden()
    agencies = [principal.agency_code or ""] if principal.kind == "agency" else None
    return repository.list_imports(session, agencies, limit)


def start(session: Session, *, keyring: Keyring, principal: Principal, roll: RollFile,
          data: bytes, agency_code: str, program_code: str, mapping: RollMapping,
          link_threshold: float = 0.99, review_threshold: float = 0.60,
          duplicate_limit: float = 0.5, preview: bool = False) -> RollImport:
    """Open an import of a checked roll (or find the unfinished import of the same file); with
    `preview` it waits in that state, no row written, until the steward starts it."""
    _program(session, principal, agency_code, program_code)
    if not 0 < review_threshold <= link_threshold <= 1:
        raise InvalidInput(fields=[FieldError("link_threshold", "roll_thresholds")])
    digest = jobs.sha256(data)
    found = repository.resumable(session, program_code=program_code, sha256=digest)
    if found is not None:
        return found
    imp = RollImport(id=uuid.uuid4(), agency_code=agency_code, program_code=program_code,
                     file_name=roll.name[:200], file_sha256=digest, encoding=roll.encoding,
                     mapping=mapping.as_json(), status="preview" if preview else "reading",
                     rows_total=len(roll.rows),
                     rows_done=0, link_threshold=link_threshold,
                     review_threshold=review_threshold, duplicate_limit=duplicate_limit,
                     created_by=principal.key, counts={})
    imp.file_sealed = keyring.seal(data, table=FILE_TABLE, column="file", row_id=imp.id)
    session.add(imp)
    session.flush()
    audit.record(session, principal=principal, action="roll.import_started", person_id=None,
                 purpose="roll_import", detail={"import": str(imp.id), "rows": len(roll.rows)})
    return imp


def begin(session: Session, *, principal: Principal, imp: RollImport) -> RollImport:
    """Start reading an import shown as a preview."""
    _authorize(principal, imp.agency_code)
    if imp.status != "preview":
        raise Conflict("roll_wrong_state", state=imp.status)
    imp.status, imp.updated_at = "reading", utcnow()
    return imp


def preview_rows(keyring: Keyring, imp: RollImport, *, today: date,
                 shown: int = 10) -> list[tuple[int, StandardRow]]:
    """The first rows as the mapping reads them, computed from the file (nothing written)."""
    mapping = RollMapping.from_json(imp.mapping)
    roll = read_roll(file_of(keyring, imp), name=imp.file_name, mapping=mapping,
                     max_bytes=10**10)
    return [(line, standardise(cells, mapping=mapping, today=today))
            for line, cells in roll.rows[:shown]]


def file_of(keyring: Keyring, imp: RollImport) -> bytes:
    """The uploaded file, for resuming an import that was stopped while reading."""
    if imp.file_sealed is None:
        raise Conflict("roll_not_resumable")
    return keyring.open(imp.file_sealed, table=FILE_TABLE, column="file", row_id=imp.id)


def open_values(keyring: Keyring, row: RollRow) -> dict[str, Any]:
    """A row's sealed values: as read, as standardised, and the changes."""
    return dict(keyring.open_json(row.values_sealed, table=jobs.ROW_TABLE, column="values",
                                  row_id=jobs.row_aad_id(row.import_id, row.line)))


def link(session: Session, *, keyring: Keyring, principal: Principal, imp: RollImport,
         link_threshold: float | None = None, review_threshold: float | None = None) -> RollImport:
    """Link every readable row to the registry and to the file's other rows; stop the import
    when too many rows would be duplicates of others in the same file."""
    _authorize(principal, imp.agency_code)
    if imp.status not in ("read", "linked", "stopped"):
        raise Conflict("roll_wrong_state", state=imp.status)
    if link_threshold is not None:
        imp.link_threshold = link_threshold
    if review_threshold is not None:
        imp.review_threshold = review_threshold
    rows = repository.rows(session, imp.id)
    plan: LinkPlan = plan_links(session, keyring=keyring, imp=imp, rows=rows,
                                opened={r.line: open_values(keyring, r)["standard"]
                                        for r in rows if r.refusal is None})
    audit.record(session, principal=principal, action="roll.linked", person_id=None,
                 purpose="record_linkage",
                 detail={"import": str(imp.id), "persons_compared": plan.compared})
    repository.clear_pairs(session, imp.id)
    repository.add_pairs(session, plan.pairs)
    repository.set_outcomes(session, imp.id, plan.outcomes)
    readable = sum(1 for r in rows if r.refusal is None)
    duplicates = sum(1 for o in plan.outcomes if o["outcome"] == "same_as_row")
    imp.counts = {**imp.counts, "duplicate_share": round(duplicates / readable, 4) if readable else 0,
                  "outcomes": dict(Counter(o["outcome"] or "refused" for o in plan.outcomes))}
    if readable and duplicates / readable > imp.duplicate_limit:
        imp.status, imp.stop_reason = "stopped", "duplicate_share"
    else:
        imp.status, imp.stop_reason = "linked", None
    imp.updated_at = utcnow()
    session.flush()
    return imp


def decide(session: Session, *, principal: Principal, imp: RollImport, pair_id: int,
           decision: str) -> RollPair:
    """A steward's word on a pair: the same person, different persons (remembered), or skip."""
    if not (principal.kind == "staff" and principal.role in STEWARDS):
        raise Forbidden()
    if decision not in ("same", "different", "skip"):
        raise InvalidInput(fields=[FieldError("decision", "field_choice",
                                              {"choices": "same, different, skip"})])
    if imp.status not in ("linked", "stopped"):
        raise Conflict("roll_wrong_state", state=imp.status)
    found = repository.pair(session, imp.id, pair_id)
    if found is None:
        raise NotFound()
    found.decision, found.decided_by, found.decided_at = decision, principal.key, utcnow()
    audit.record(session, principal=principal, action="roll.pair_decided", person_id=None,
                 purpose="record_linkage",
                 detail={"import": str(imp.id), "pair": pair_id, "decision": decision})
    session.flush()
    return found


def cancel(session: Session, *, principal: Principal, imp: RollImport) -> None:
    """Give up an import that is not merged: nothing of it reaches the registry."""
    _authorize(principal, imp.agency_code)
    if imp.status == "merged":
        raise Conflict("roll_wrong_state", state=imp.status)
    imp.status, imp.file_sealed, imp.updated_at = "cancelled", None, utcnow()
    audit.record(session, principal=principal, action="roll.import_cancelled", person_id=None,
                 purpose="roll_import", detail={"import": str(imp.id)})


def _resolve_reviews(session: Session, imp: RollImport, rows: Sequence[RollRow]) -> None:
    """Rows held for review take the steward's decisions: 'same' links them, every pair
    'different' makes them new, anything undecided or skipped holds them back."""
    decided: dict[str, list[RollPair]] = {}
    for p in repository.pairs(session, imp.id):
        for key in (p.left_key, p.right_key):
            decided.setdefault(key, []).append(p)
    by_line = {r.line: r for r in rows}
    for row in rows:
        if row.outcome != "review":
            continue
        mine = decided.get(f"row:{row.line}", [])
        same = [p for p in mine if p.decision == "same"]
        if same:
            other = same[0].right_key if same[0].left_key == f"row:{row.line}" else same[0].left_key
            kind, ref = other.split(":", 1)
            if kind == "person":
                row.outcome, row.person_id = "linked", uuid.UUID(ref)
            elif by_line[int(ref)].outcome in ("new", "linked"):
                row.outcome, row.same_as_line = "same_as_row", int(ref)
            else:
                row.outcome, row.held_reason = "held", "review_chain"
        elif mine and all(p.decision == "different" for p in mine):
            row.outcome = "new"
        else:
            row.outcome, row.held_reason = "held", "review_pending"


def _person_data(values: dict[str, Any], row: RollRow, distinct: list[uuid.UUID]) -> PersonCreate:
    std = values["standard"]
    address = {"borough": row.borough, "postal_code": row.postal_code,
               "street": std.get("address")} if row.borough else None
    return PersonCreate.model_validate({
        "curp": std["curp"] if std.get("curp_registrable") else None,
        "given_names": std["given_names"], "first_surname": std["first_surname"],
        "second_surname": std.get("second_surname"), "sex": std["sex"],
        "birth_date": std["birth_date"], "phone": std.get("phone"),
        "address": {k: v for k, v in address.items() if v} if address else None,
        "confirm_distinct_from": distinct[:20],
    })


def _distinct_from(row: RollRow, different: dict[str, list[str]],
                   by_line: dict[int, RollRow]) -> list[uuid.UUID]:
    """The persons a steward said this row is not: registered ones, and rows already created."""
    found: list[uuid.UUID] = []
    for other in different.get(f"row:{row.line}", []):
        kind, ref = other.split(":", 1)
        if kind == "person":
            found.append(uuid.UUID(ref))
            continue
        head = by_line[int(ref)]
        if head.same_as_line is not None:
            head = by_line[head.same_as_line]
        if head.person_id is not None:
            found.append(head.person_id)
    return found


def merge(session: Session, *, keyring: Keyring, principal: Principal, imp: RollImport,
          today: date) -> RollImport:
    """Merge a linked import into the registry as one unit: new persons created, every row's
    enrollment placed on its person, the counts kept."""
    _authorize(principal, imp.agency_code)
    if imp.status != "linked":
        raise Conflict("roll_wrong_state", state=imp.status)
    program = repository.program(session, imp.program_code)
    rows = list(repository.rows(session, imp.id))
    _resolve_reviews(session, imp, rows)
    by_line = {r.line: r for r in rows}
    different: dict[str, list[str]] = {}
    for p in repository.decided_pairs(session, imp.id):
        if p.decision == "different":
            different.setdefault(p.left_key, []).append(p.right_key)
            different.setdefault(p.right_key, []).append(p.left_key)
    for row in rows:
        if row.outcome != "new":
            continue
        try:
            data = _person_data(open_values(keyring, row), row,
                                _distinct_from(row, different, by_line))
            person = person_service.create(session, keyring=keyring, principal=principal,
                                           data=data)
        except ValidationError:
            row.outcome, row.held_reason = "held", "not_registrable"
            continue
        except AppError as exc:
            row.outcome, row.held_reason = "held", exc.code[:32]
            continue
        row.person_id = person.id
    for row in rows:
        if row.outcome == "same_as_row" and row.same_as_line is not None:
            head = by_line[row.same_as_line]
            row.person_id = head.person_id
            if head.person_id is None:
                row.outcome, row.held_reason = "held", head.held_reason or "review_chain"
    for row in rows:
        if row.person_id is None or row.outcome not in ("linked", "new", "same_as_row"):
            continue
        enrollment = program_service.enrol_from_roll(
            session, principal=principal, person_id=row.person_id, program=program,
            started_on=row.start_date or today, status=row.status)
        row.enrolled = "enrolled" if enrollment is not None else "already_enrolled"
    imp.counts = {**imp.counts, "outcomes": dict(Counter(r.outcome or "refused" for r in rows))}
    imp.status, imp.merged_at, imp.file_sealed = "merged", utcnow(), None
    imp.updated_at = imp.merged_at
    session.flush()
    audit.record_shown(session, principal=principal, action="roll.merged",
                       person_ids={r.person_id for r in rows if r.person_id is not None},
                       purpose="roll_import", detail={"import": str(imp.id)})
    return imp


def quality(session: Session, *, principal: Principal, imp: RollImport) -> QualityReport:
    """An import's data-quality report."""
    _authorize(principal, imp.agency_code)
    return report.build(imp, repository.rows(session, imp.id), repository.pairs(session, imp.id))


def next_pair(session: Session, *, principal: Principal, keyring: Keyring,
              imp: RollImport) -> tuple[RollPair, dict[str, Any], dict[str, Any], int] | None:
    """The next pair for the steward (undecided first, then skipped), both sides opened, and
    how many are left; the registered person shown is audited as a review."""
    if not (principal.kind == "staff" and principal.role in STEWARDS):
        raise Forbidden()
    found = list(repository.pairs(session, imp.id, undecided=True))
    if not found:
        return None
    found.sort(key=lambda p: (p.decision is not None, -p.probability, p.id))
    pair = found[0]
    person_ids = {uuid.UUID(k.split(":", 1)[1]) for k in (pair.left_key, pair.right_key)
                  if k.startswith("person:")}
    people = repository.persons(session, person_ids)
    audit.record_shown(session, principal=principal, action="roll.pair_shown",
                       person_ids=people.keys(), purpose="record_linkage",
                       detail={"import": str(imp.id)})
    rows = {f"row:{r.line}": r for r in repository.rows(session, imp.id)}

    def side(key: str) -> dict[str, Any]:
        kind, ref = key.split(":", 1)
        if kind == "row":
            row = rows[key]
            std = open_values(keyring, row)["standard"]
            return {**std, "borough": row.borough, "postal_code": row.postal_code,
                    "line": row.line, "source": "row"}
        person = people[uuid.UUID(ref)]
        curp = (keyring.open(person.curp_sealed, table="person", column="curp",
                             row_id=person.id).decode() if person.curp_sealed else None)
        return {"given_names": person.given_names, "first_surname": person.first_surname,
                "second_surname": person.second_surname,
                "birth_date": person.birth_date.isoformat(), "sex": person.sex, "curp": curp,
                "borough": person.borough, "postal_code": person.postal_code, "line": None,
                "source": "registry"}

    return pair, side(pair.left_key), side(pair.right_key), len(found)


def run(sessions: Callable[[], Session], *, keyring: Keyring, principal: Principal,
        import_id: uuid.UUID, today: date) -> None:
    """The background job of an import started from a page: read the rest, then link."""
    jobs.run_import(sessions, keyring=keyring, import_id=import_id, today=today)
    with sessions() as session:
        imp = repository.get_for_update(session, import_id)
        if imp is not None and imp.status == "read":
            link(session, keyring=keyring, principal=principal, imp=imp)
        session.commit()


def run_when_committed(sessions: Callable[[], Session], *, keyring: Keyring,
                       principal: Principal, import_id: uuid.UUID, today: date) -> None:
    """Run the job once the request that started it has committed: until then the import is
    not visible yet (PostgreSQL) or still shown as a preview; it waits up to ten seconds."""
    status = None
    for _ in range(100):
        with sessions() as session:
            imp = repository.get(session, import_id)
            status = imp.status if imp is not None else None
        if status not in (None, "preview"):
            break
        time.sleep(0.1)
    if status in ("reading", "read"):
        run(sessions, keyring=keyring, principal=principal, import_id=import_id, today=today)


def programs_for_import(session: Session, *, principal: Principal) -> list[Any]:
    """The programs a principal may import a roll of."""
    if not may_import(principal):
        raise Forbidden()
    return [p for p in repository.programs(session)
            if principal.kind != "agency" or p.agency_code == principal.agency_code]


def program_of(session: Session, *, principal: Principal, program_code: str) -> Any:
    """The program a principal names for a roll: an agency's own (another's is not found)."""
    if not may_import(principal):
        raise Forbidden()
    program = repository.program(session, program_code)
    if program is None or (principal.kind == "agency"
                           and program.agency_code != principal.agency_code):
        raise NotFound()
    return program


def exclusion_clashes(session: Session, *, principal: Principal) -> list[tuple[uuid.UUID, str, str]]:
    """People enrolled in two programs that exclude each other, for the agencies to resolve:
    every clash for a steward or an admin, those touching its own programs for an agency."""
    if not may_import(principal):
        raise Forbidden()
    clashes = repository.exclusion_clashes(session)
    if principal.kind == "agency":
        own = {p.code for p in repository.programs(session) if p.agency_code == principal.agency_code}
        clashes = [c for c in clashes if c[1] in own or c[2] in own]
    audit.record_shown(session, principal=principal, action="roll.exclusions_listed",
                       person_ids={c[0] for c in clashes}, purpose="program_administration")
    return clashes


def clashes_csv(clashes: list[tuple[uuid.UUID, str, str]]) -> str:
    """The exclusion list as CSV (person id and the two programs; no personal values)."""
    lines = ["person_id,program,excluded_program"]
    lines += [f"{pid},{a},{b}" for pid, a, b in clashes]
    return "\n".join(lines) + "\n"


def summary(session: Session, *, principal: Principal) -> list[RollImport]:
    """Every import the principal may see, by agency and oldest first: the summary over time
    (each import's counts are kept on it when it is linked and merged: one query)."""
    found = list_imports(session, principal=principal, limit=1000)
    return sorted(found, key=lambda i: (i.agency_code, i.created_at))
