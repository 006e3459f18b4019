"""From linkage pairs to each row's outcome: linked to a registered person, a new person (the
same person twice in one roll becomes one), or a pair for the steward to review."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from redangel.crypto.keyring import Keyring
from redangel.linkage import service as merges
from redangel.matching.engine import Pair, Record, Thresholds
from redangel.matching.engine import link as engine_link
from redangel.person.models import Person
from redangel.rolls import repository
from redangel.rolls.models import RollImport, RollRow

PERSON_TABLE = "person"


@dataclass
class LinkPlan:
    """The pairs to store and each row's outcome."""

    pairs: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    compared: int = 0


def _row_record(row: RollRow, std: dict[str, Any]) -> Record:
    return Record(key=f"row:{row.line}", given_names=std["given_names"],
                  first_surname=std["first_surname"], second_surname=std.get("second_surname"),
                  birth_date=date.fromisoformat(std["birth_date"]) if std.get("birth_date") else None,
                  sex=std.get("sex"), curp=std["curp"] if std.get("curp_usable") else None,
                  borough=row.borough, postal_code=row.postal_code)


def _person_record(keyring: Keyring, person: Person) -> Record:
    curp = (keyring.open(person.curp_sealed, table=PERSON_TABLE, column="curp",
                         row_id=person.id).decode() if person.curp_sealed else None)
    return Record(key=f"person:{person.id}", given_names=person.given_names,
                  first_surname=person.first_surname, second_surname=person.second_surname,
                  birth_date=person.birth_date, sex=person.sex, curp=curp,
                  borough=person.borough, postal_code=person.postal_code)


class _Groups:
    """Union–find over the file's lines: rows that are one person."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        self.parent[x] = root
        return root

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _agreements(pair: Pair) -> list[dict[str, Any]]:
    return [{"field": a.field, "level": a.level, "weight": round(a.weight, 3)}
            for a in pair.agreements]


def plan_links(session: Session, *, keyring: Keyring, imp: RollImport, rows: Sequence[RollRow],
               opened: dict[int, dict[str, Any]]) -> LinkPlan:
    """Compare the roll's readable rows with each other and with the registry."""
    readable = [r for r in rows if r.refusal is None]
    incoming = [_row_record(r, opened[r.line]) for r in readable]
    curp_indexes = {keyring.blind_index("curp", r.curp) for r in incoming if r.curp}
    registry = [_person_record(keyring, p) for p in repository.registry_candidates(
        session, birth_dates={r.birth_date for r in incoming if r.birth_date},
        curp_indexes=curp_indexes)]
    blocked = {frozenset(f"person:{key}" for key in pair) for pair in merges.blocked_pairs(
        session, [uuid.UUID(r.key.split(":")[1]) for r in registry])}
    decided = repository.decided_pairs(session, imp.id)
    blocked |= {frozenset((p.left_key, p.right_key)) for p in decided if p.decision == "different"}
    kept = {frozenset((p.left_key, p.right_key)) for p in decided}
    thresholds = Thresholds(link=imp.link_threshold, review=imp.review_threshold)
    linkage = engine_link(incoming, registry, thresholds, blocked=blocked)
    best: dict[int, tuple[float, str]] = {}
    groups = _Groups()
    review: set[int] = set()
    plan = LinkPlan(compared=len(registry))
    for pair in linkage.pairs:
        keys = (pair.left, pair.right)
        lines = [int(k.split(":")[1]) for k in keys if k.startswith("row:")]
        person = next((k for k in keys if k.startswith("person:")), None)
        if pair.probability >= thresholds.link:
            if person is not None:
                if pair.probability > best.get(lines[0], (0.0, ""))[0]:
                    best[lines[0]] = (pair.probability, person)
            elif len(lines) == 2:
                groups.join(lines[0], lines[1])
            continue
        review.update(lines)
        if frozenset(keys) not in kept:
            plan.pairs.append({"import_id": imp.id, "left_key": pair.left, "right_key": pair.right,
                               "probability": round(pair.probability, 6),
                               "agreements": _agreements(pair), "decision": None})
    group_person: dict[int, tuple[float, str]] = {}
    for line, found in best.items():
        root = groups.find(line)
        if found[0] > group_person.get(root, (0.0, ""))[0]:
            group_person[root] = found
    for row in rows:
        values: dict[str, Any] = {"id": row.id, "outcome": None, "person_id": None,
                                  "same_as_line": None, "probability": None, "held_reason": None}
        if row.refusal is None:
            root = groups.find(row.line)
            if root in group_person:
                probability, person = group_person[root]
                values.update(outcome="linked", person_id=uuid.UUID(person.split(":")[1]),
                              probability=probability)
            elif root != row.line:
                values.update(outcome="same_as_row", same_as_line=root)
            elif row.line in review:
                values["outcome"] = "review"
            else:
                values["outcome"] = "new"
        plan.outcomes.append(values)
    return plan
