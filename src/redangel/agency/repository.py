"""SQL of the agency's own searches: a DCI search's tests on person fields, paged and ordered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select
from sqlalchemy.orm import Session

from redangel.agency.dci_query import Order, Query, Test
from redangel.person.models import NameTerm, Person, PersonNameTerm

_COMPARE: dict[str, Callable[[Any, date], ColumnElement[bool]]] = {
    "eq": lambda c, v: c == v, "gt": lambda c, v: c > v, "lt": lambda c, v: c < v,
    "ge": lambda c, v: c >= v, "le": lambda c, v: c <= v,
}
_COLUMNS = {"sex": Person.sex, "borough": Person.borough, "postal_code": Person.postal_code}
_SORT = {"birth_date": (Person.birth_date,), "name": (Person.name_key,),
         "surname": (Person.name_key,), "registration_date": (Person.created_at,)}


def _has_words(words: tuple[str, ...]) -> ColumnElement[bool]:
    return and_(*(
        Person.id.in_(select(PersonNameTerm.person_id)
                      .join(NameTerm, NameTerm.id == PersonNameTerm.term_id)
                      .where(NameTerm.term == word))
        for word in words))


def _year(test: Test, year: int) -> ColumnElement[bool]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    column = Person.birth_date
    return {"eq": and_(column >= first, column <= last), "gt": column > last,
            "lt": column < first, "ge": column >= first, "le": column <= last}[test.operator]


def _test(test: Test, curp_index: Callable[[str], str]) -> ColumnElement[bool]:
    if test.attribute == "curp":
        return Person.curp_index.in_([curp_index(v) for v in test.values])
    if test.attribute in ("given_name", "surname"):
        return _has_words(test.values[0])
    if test.attribute == "birth_date":
        if test.operator == "in":
            return Person.birth_date.in_(test.values)
        return _COMPARE[test.operator](Person.birth_date, test.values[0])
    if test.attribute == "yob":
        if test.operator == "in":
            return or_(*(_year(Test("yob", "eq", (y,)), y) for y in test.values))
        return _year(test, test.values[0])
    column = _COLUMNS.get(test.attribute)
    return column.in_(test.values) if column is not None else false()


def condition(query: Query, curp_index: Callable[[str], str]) -> ColumnElement[bool]:
    """The query as one SQL condition on `person` (a CURP compared by its blind index)."""
    if isinstance(query, Test):
        return _test(query, curp_index)
    left, right = condition(query.left, curp_index), condition(query.right, curp_index)
    if query.condition == "or":
        return or_(left, right)
    if query.condition == "not":
        return and_(left, not_(right))
    return and_(left, right)


def count(session: Session, *, where: ColumnElement[bool]) -> int:
    """How many persons the search finds in all."""
    return int(session.scalar(select(func.count()).select_from(Person).where(where)) or 0)


def page(session: Session, *, where: ColumnElement[bool], order: Order | None, offset: int,
         limit: int) -> Sequence[Person]:
    """One page of the persons found, in the order asked (then by id, so pages never overlap)."""
    columns = _SORT[order.attribute] if order else (Person.name_key,)
    ordering = [c.desc() if order and order.descending else c.asc() for c in columns]
    stmt = (select(Person).where(where).order_by(*ordering, Person.id)
            .offset(offset).limit(limit))
    return session.scalars(stmt).all()

