"""Outreach: who in the whole registry became eligible for a program, set-based over columns.

Facts are read column by column (JSON attributes extracted by the database; sealed facts opened
in one pass, since they are encrypted at rest), household aggregates are computed over all
memberships at once and folded per household, and the engine's rules run vectorised. Nothing
here loops over ORM objects; one evaluation costs a few array operations per criterion.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Float, and_, cast, select
from sqlalchemy.orm import Session

from redangel.auth.principal import Principal
from redangel.crypto.keyring import Keyring
from redangel.eligibility.catalog import Catalog, Criterion
from redangel.eligibility.columns import Vectoriser, aggregate_key, evaluate_columns
from redangel.eligibility.expr import Node
from redangel.person import repository as person_repository
from redangel.person.models import Membership, Person
from redangel.person.policy import not_opposed, person_condition, usable
from redangel.person.schemas import PersonBrief
from redangel.person.service import brief
from redangel.program.models import LIVE_ENROLLMENT, OPEN_APPLICATION, Application, Enrollment

TEXT_FACTS = ("schooling_level", "school_sector", "employment_status", "marital_status")
BOOL_FACTS = ("studying", "arts_training", "low_development_area", "pregnant")
NUMBER_FACTS = ("monthly_income", "grade_average")
SEALED_FACTS = ("disability", "health_coverage", "family_violence")


@dataclass
class Registry:
    """The registry as columns: one entry per living person."""

    ids: np.ndarray
    columns: dict[str, np.ndarray]
    household: np.ndarray  # household index per person, -1 when none
    relationship: np.ndarray


def _chunks(session: Session, stmt: Any, size: int = 50_000) -> Iterator[Any]:
    result = session.execute(stmt.execution_options(yield_per=size))
    yield from result.partitions(size)


def load_registry(session: Session, *, keyring: Keyring, visible: ColumnElement[bool]) -> Registry:
    """Read every visible living person's facts into columns."""
    attrs = Person.attributes
    stmt = (
        select(Person.id, Person.birth_date, Person.sex, Person.borough,
               *(attrs[f].as_string() for f in TEXT_FACTS),
               *(attrs[f].as_boolean() for f in BOOL_FACTS),
               *(cast(attrs[f].as_string(), Float) for f in NUMBER_FACTS),
               attrs["resident_since"].as_string(), Person.sensitive_sealed,
               Membership.household_id, Membership.relationship)
        .outerjoin(Membership, (Membership.person_id == Person.id) & Membership.until.is_(None))
        .where(Person.deceased_on.is_(None), visible)
    )
    rows: list[Any] = []
    for part in _chunks(session, stmt):
        rows.extend(part)
    n = len(rows)
    if n == 0:
        return Registry(np.array([], dtype=object), {}, np.array([], dtype=np.int64),
                        np.array([], dtype=object))
    table = list(zip(*rows, strict=True))
    ids = np.array(table[0], dtype=object)
    columns: dict[str, np.ndarray] = {
        "birth_date": np.array(table[1], dtype="datetime64[D]"),
        "sex": np.array(table[2], dtype=object), "borough": np.array(table[3], dtype=object),
    }
    offset = 4
    for name in TEXT_FACTS:
        columns[name] = np.array(table[offset], dtype=object)
        offset += 1
    for name in BOOL_FACTS:
        columns[name] = np.array(table[offset], dtype=object)
        offset += 1
    for name in NUMBER_FACTS:
        columns[name] = np.array([np.nan if v is None else v for v in table[offset]], dtype=float)
        offset += 1
    columns["resident_since"] = np.array([v or "NaT" for v in table[offset]], dtype="datetime64[D]")
    sealed = [keyring.open_json(blob, table="person", column="sensitive", row_id=pid) or {}
              if blob is not None else {} for pid, blob in zip(table[0], table[offset + 1], strict=True)]
    for name in SEALED_FACTS:
        columns[name] = np.array([s.get(name) for s in sealed], dtype=object)
    households = table[offset + 2]
    index: dict[Any, int] = {}
    household = np.array([-1 if h is None else index.setdefault(h, len(index)) for h in households],
                         dtype=np.int64)
    return Registry(ids, columns, household, np.array(table[offset + 3], dtype=object))


def _aggregates(criteria: list[Criterion]) -> list[Node]:
    found: list[Node] = []

    def walk(node: Node) -> None:
        if node.kind == "aggregate":
            found.append(node)
        for child in node.children:
            walk(child)

    for criterion in criteria:
        if criterion.node is not None:
            walk(criterion.node)
        found.extend(_aggregates(criterion.children))
    return found


def household_columns(catalog: Catalog, program_code: str, registry: Registry,
                      as_of: date) -> dict[str, np.ndarray]:
    """Each household aggregate of the program as a per-person column (others in the home)."""
    out: dict[str, np.ndarray] = {}
    members = registry.household >= 0
    n = len(registry.ids)
    if not members.any():
        return out
    member_columns = {f"member.{k}": v for k, v in registry.columns.items()}
    member_columns["member.relationship"] = registry.relationship
    vec = Vectoriser(member_columns, n, as_of, catalog)
    homes = registry.household[members]
    size = int(homes.max()) + 1
    for node in _aggregates(catalog.programs[program_code].criteria):
        spec: tuple[str, str | None] = node.value  # type: ignore[assignment]
        function, fact = spec
        hit, known = vec.run(node.children[0])
        hit = hit.astype(bool) & known
        if function == "sum":
            values = np.nan_to_num(registry.columns[str(fact)].astype(float)) * hit
        else:
            values = hit.astype(float)
        totals = np.bincount(homes, weights=values[members], minlength=size)
        per_person = np.zeros(n)
        per_person[members] = totals[homes] - values[members]
        if function == "any":
            out[aggregate_key(node)] = np.where(registry.household >= 0, per_person > 0, False)
        elif function == "all":
            misses = np.bincount(homes, weights=(~hit)[members].astype(float), minlength=size)
            others = np.zeros(n)
            others[members] = misses[homes] - (~hit)[members]
            out[aggregate_key(node)] = others == 0
        else:
            out[aggregate_key(node)] = per_person
    return out


def already_in(session: Session, program_code: str) -> set[uuid.UUID]:
    """Persons already enrolled in, or applying to, a program."""
    enrolled = session.scalars(select(Enrollment.person_id).where(
        Enrollment.program_code == program_code, Enrollment.status.in_(LIVE_ENROLLMENT)))
    applying = session.scalars(select(Application.person_id).where(
        Application.program_code == program_code, Application.status.in_(OPEN_APPLICATION)))
    return set(enrolled) | set(applying)


def newly_eligible(session: Session, *, catalog: Catalog, registry: Registry, program_code: str,
                   as_of: date, since: date) -> np.ndarray:
    """Indexes of persons eligible on `as_of`, not eligible on `since`, not already served."""
    verdicts = []
    for day in (as_of, since):
        columns = {**registry.columns, **household_columns(catalog, program_code, registry, day)}
        verdicts.append(evaluate_columns(catalog, program_code=program_code, columns=columns,
                                         as_of=day))
    mask = (verdicts[0] == 1) & (verdicts[1] != 1)
    if not mask.any():  # nobody new: no need to read who is served
        return np.flatnonzero(mask)
    served = already_in(session, program_code)
    if served:
        mask &= np.array([pid not in served for pid in registry.ids], dtype=bool)
    return np.flatnonzero(mask)


OUTREACH = "outreach"  # the use a person may refuse (opposition): calls and appointments


def registry_scope(principal: Principal) -> ColumnElement[bool]:
    """Whom a run reads: a supervisor their own scope; an analyst the whole registry, counted
    only; never a blocked person nor one who refused outreach."""
    scope = person_condition(principal) if principal.role == "supervisor" else usable()
    return and_(scope, not_opposed(OUTREACH))


def shown(session: Session, *, principal: Principal, registry: Registry, found: np.ndarray,
          limit: int) -> list[PersonBrief]:
    """The persons a run names: up to `limit` briefs for a supervisor; none for an analyst."""
    if principal.role != "supervisor" or not len(found):
        return []
    ids = [registry.ids[i] for i in found[:limit]]
    return [brief(r) for r in person_repository.briefs(session, ids)]


def summary_json(value: Any) -> str:
    """Compact JSON for logs and CLI output."""
    return json.dumps(value, default=str, separators=(",", ":"))
