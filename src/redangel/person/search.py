"""Finding persons: exact CURP through the blind index, names through the term index.

Cost of a name search: one query to expand the query's terms to dictionary terms within one
edit (the dictionary is small: distinct names, not persons), then one keyset query that
intersects the posting lists and returns at most limit + 1 briefs.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.names import MIN_FUZZY_LENGTH, terms, within_one_edit
from redangel.common.pagination import decode_cursor, encode_cursor
from redangel.crypto.keyring import Keyring
from redangel.errors import FieldError, InvalidInput
from redangel.person import curp as curp_rules
from redangel.person import repository
from redangel.person.policy import person_condition
from redangel.person.schemas import SearchPage, SearchRequest
from redangel.person.service import brief


def _term_sets(session: Session, query_terms: list[str]) -> list[list[int]] | None:
    matches = repository.candidate_terms(session, query_terms)
    sets = []
    for q in query_terms:
        ids = [
            m.term_id for m in matches
            if m.term == q or (len(q) >= MIN_FUZZY_LENGTH and within_one_edit(q, m.term))
        ]
        if not ids:
            return None
        sets.append(ids)
    return sets


def search(
    session: Session, *, keyring: Keyring, principal: Principal, query: SearchRequest
) -> SearchPage:
    """One page of the persons matching every criterion given, within the principal's scope."""
    if not (query.curp or query.name or query.birth_date or query.borough):
        raise InvalidInput(fields=[FieldError("body", "search_empty")])
    curp_index = None
    if query.curp:
        curp = curp_rules.normalise(query.curp)
        found = curp_rules.problems(curp)
        if found:
            raise InvalidInput(fields=[FieldError("curp", found[0].code)])
        curp_index = keyring.blind_index("curp", curp)
    query_terms: list[str] = []
    term_sets: list[list[int]] = []
    if query.name:
        query_terms = terms(query.name)[:6]
        if not query_terms:
            raise InvalidInput(fields=[FieldError("name", "field_too_short", {"min": 2})])
        found_sets = _term_sets(session, query_terms)
        if found_sets is None:
            return SearchPage(items=[], next_cursor=None)
        term_sets = found_sets
    after = None
    if query.cursor:
        name_key, raw_id = decode_cursor(query.cursor, 2)
        try:
            after = (str(name_key), uuid.UUID(str(raw_id)))
        except ValueError as exc:
            raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")]) from exc
    rows = repository.search(
        session,
        repository.SearchFilter(
            visible=person_condition(principal), term_sets=term_sets, curp_index=curp_index,
            birth_date=query.birth_date, borough=query.borough, after=after, limit=query.limit,
        ),
    )
    page = rows[: query.limit]
    items = []
    for row in page:
        own = set(row.name_key.split())
        exact = all(q in own for q in query_terms)
        items.append(brief(row, "exact" if exact else "approximate"))
    next_cursor = None
    if len(rows) > query.limit:
        last = page[-1]
        next_cursor = encode_cursor([last.name_key, str(last.id)])
    audit.record_shown(session, principal=principal, action="person.search",
                       person_ids=(item.id for item in items), purpose="search",
                       detail={"results": len(items)})
    return SearchPage(items=items, next_cursor=next_cursor)
