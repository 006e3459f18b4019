"""Finding persons: what a clerk typed, exact CURP through the blind index, names through the
term index, exact matches before approximate ones.

What was typed in the office's one search box is recognised here (`recognise`), once: a folio
(forgiving of case, dashes and spaces), a CURP (explained in words when it is mistyped), a name,
or something that is none of them.

Cost of a name search: one query to expand the query's terms to dictionary terms within one
edit (the dictionary is small: distinct names, not persons), then at most two keyset queries
that intersect the posting lists (the exact matches, then the approximate ones) and return at
most limit + 1 briefs, and one count per kind of match whose matches did not all fit on the
page (none for a CURP, nor for most given names typed with a surname).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any, Literal

from psycopg import AsyncConnection
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common import folio
from redangel.common.names import MIN_FUZZY_LENGTH, terms, within_one_edit
from redangel.common.pagination import decode_cursor, encode_cursor
from redangel.common.sql import postgres_statement
from redangel.crypto.keyring import Keyring
from redangel.db import Reader, on_loop_connection
from redangel.errors import FieldError, InvalidInput
from redangel.person import curp as curp_rules
from redangel.person import lookalike, repository
from redangel.person.policy import person_condition
from redangel.person.schemas import LookAlike, NearTerm, SearchHit, SearchPage, SearchRequest
from redangel.person.service import brief

Kind = Literal["folio", "curp", "name", "unknown", ""]
_CURP_LIKE = re.compile(r"^[A-ZÑ0-9]{10,24}$")
_CURP_SEPARATORS = re.compile(r"[\s\-.]+")
EXACT, APPROXIMATE = 0, 1


@dataclass(frozen=True)
class Typed:
    """What a clerk typed in the search box: its kind and the value to search with."""

    kind: Kind
    value: str


def recognise(text: str) -> Typed:
    """A folio, a CURP, a name, 'unknown' (digits but neither) or '' (nothing typed)."""
    if not folio.compact(text):
        return Typed("", "")
    if folio.looks_like(text):
        return Typed("folio", text.strip())
    compact = _CURP_SEPARATORS.sub("", text.upper())
    has_digit = any(ch.isdigit() for ch in compact)
    if has_digit and _CURP_LIKE.match(compact):
        return Typed("curp", compact)
    if has_digit:
        return Typed("unknown", text.strip())
    return Typed("name", text.strip())


def _term_sets(
    session: Session, query_terms: list[str]
) -> tuple[list[list[int]], list[list[int]] | None] | None:
    """Per query term, the dictionary terms it matches within one edit and the one it matches
    exactly (None when some term has no exact match); None when some term matches nothing."""
    matches = repository.candidate_terms(session, query_terms)
    fuzzy, exact = [], []
    for q in query_terms:
        ids = [
            m.term_id for m in matches
            if m.term == q or (len(q) >= MIN_FUZZY_LENGTH and within_one_edit(q, m.term))
        ]
        if not ids:
            return None
        fuzzy.append(ids)
        exact.append([m.term_id for m in matches if m.term == q])
    return fuzzy, (exact if all(exact) else None)


def _position(cursor: str | None) -> tuple[int, tuple[str, uuid.UUID] | None]:
    if not cursor:
        return EXACT, None
    phase, name_key, raw_id = decode_cursor(cursor, 3)
    try:
        if phase not in (EXACT, APPROXIMATE):
            raise ValueError(phase)
        return int(phase), (str(name_key), uuid.UUID(str(raw_id)))
    except ValueError as exc:
        raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")]) from exc


def as_written(text: str) -> dict[str, str]:
    """Each search term of a text, mapped to the word as it was written (accents and all)."""
    return {term: word.strip(".,;") for word in text.split() for term in terms(word)}


def _hit(row: Any, phase: int, query_terms: list[str], typed: dict[str, str]) -> SearchHit:
    base = brief(row, "exact" if phase == EXACT else "approximate")
    if phase == EXACT:
        return SearchHit(**base.model_dump())
    own = row.name_key.split()
    written = as_written(base.full_name)
    near = [NearTerm(typed=typed.get(q, q), found=written.get(t, t)) for q in query_terms
            if (t := lookalike.near_term(q, own)) is not None]
    return SearchHit(**base.model_dump(), near=near)


def _counts(session: Session, phases: list[tuple[int, repository.SearchFilter]],
            known: dict[int, int]) -> dict[int, int]:
    """How many persons each phase matches: `known` when its page, read from the start, held
    them all (a CURP, most given names with a surname), counted otherwise. The exact matches
    are a subset of the persons the approximate term sets reach, so the approximate ones are
    counted as that whole minus the exact count: two counts the planner drives from the
    posting lists, never one that tests an exclusion against every person of the borough."""
    counts: dict[int, int] = {}
    for phase, wanted in phases:
        if phase in known:
            counts[phase] = known[phase]
        elif phase == APPROXIMATE and wanted.exclude_sets and EXACT in counts:
            reached = repository.count(session, replace(wanted, exclude_sets=None))
            counts[phase] = reached - counts[EXACT]
        else:
            counts[phase] = repository.count(session, wanted)
    return counts


def _look_alikes(rows: list[Any]) -> list[LookAlike]:
    pairs = []
    for i, first in enumerate(rows):
        for second in rows[i + 1:]:
            reason = lookalike.records_reason((first.name_key, first.birth_date),
                                              (second.name_key, second.birth_date))
            if reason is not None:
                pairs.append(LookAlike(first=first.id, second=second.id, reason=reason))
    return pairs


@lru_cache(maxsize=4096)
def _curp_statement(principal: Principal) -> tuple[str, dict[str, Any]]:
    return postgres_statement(repository.curp_statement(person_condition(principal)))


def _curp_alone(query: SearchRequest) -> bool:
    return bool(query.curp) and not (query.name or query.birth_date or query.borough
                                     or query.cursor)


async def search_shown(reader: Reader, *, keyring: Keyring, principal: Principal,
                       query: SearchRequest) -> SearchPage:
    """`search`; a CURP alone (the front desk's most common search) on the event loop's own
    connection when the reader has one: the same scope, and the audit events committed before
    the page is answered."""
    if reader.loop is None or not _curp_alone(query):
        return await reader.in_thread(partial(search, keyring=keyring, principal=principal,
                                              query=query))
    statement, bound = _curp_statement(principal)
    params = {**bound, "curp_index": _curp_index(keyring, query.curp or ""),
              "limit": query.limit + 1}

    async def read_and_record(conn: AsyncConnection[Any]) -> list[Any]:
        rows = await repository.rows_async(conn, statement, params)
        shown = rows[: query.limit]
        await audit.record_shown_on_loop(
            conn, principal=principal, action="person.search", purpose="search",
            person_ids=(row.id for row in shown), detail={"results": len(shown)})
        return rows

    rows = await on_loop_connection(reader.loop, read_and_record)
    page = rows[: query.limit]
    next_cursor = (encode_cursor([EXACT, page[-1].name_key, str(page[-1].id)])
                   if len(rows) > query.limit else None)
    return SearchPage(items=[_hit(row, EXACT, [], {}) for row in page], next_cursor=next_cursor,
                      total=len(page), exact_total=len(page), look_alikes=_look_alikes(page))


def _curp_index(keyring: Keyring, typed: str) -> str:
    """The blind index of a CURP typed in a search, refused in words when it is mistyped."""
    curp = curp_rules.normalise(typed)
    problem = curp_rules.explain(curp)
    if problem is not None:
        raise InvalidInput(fields=[FieldError("curp", problem.code, problem.message_params())])
    return keyring.blind_index("curp", curp)


def search(
    session: Session, *, keyring: Keyring, principal: Principal, query: SearchRequest
) -> SearchPage:
    """One page of the persons matching every criterion given, within the principal's scope:
    exact matches first, then those found within one typo, with how many match in all."""
    if not (query.curp or query.name or query.birth_date or query.borough):
        raise InvalidInput(fields=[FieldError("body", "search_empty")])
    base = repository.SearchFilter(
        visible=person_condition(principal), term_sets=[], birth_date=query.birth_date,
        borough=query.borough, limit=query.limit,
    )
    if query.curp:
        base = replace(base, curp_index=_curp_index(keyring, query.curp))
    query_terms: list[str] = []
    phases = [(EXACT, base)]
    if query.name:
        query_terms = terms(query.name)[:6]
        if not query_terms:
            raise InvalidInput(fields=[FieldError("name", "field_too_short", {"min": 2})])
        found = _term_sets(session, query_terms)
        if found is None:
            return SearchPage(items=[], next_cursor=None)
        fuzzy, exact = found
        phases = [(APPROXIMATE, replace(base, term_sets=fuzzy, exclude_sets=exact))]
        if exact is not None:
            phases.insert(0, (EXACT, replace(base, term_sets=exact)))
            if all(set(f) == set(e) for f, e in zip(fuzzy, exact, strict=True)):
                # No term has a look-alike in the dictionary: whoever matches within one typo
                # matches exactly, and the approximate phase would read nobody.
                phases.pop()
    start, after = _position(query.cursor)
    rows: list[tuple[int, Any]] = []
    known: dict[int, int] = {}  # phases whose every match is on this page
    for phase, wanted in phases:
        room = query.limit - len(rows)
        if phase < start or room < 0:
            continue
        resumed = after if phase == start else None
        got = repository.search(session, replace(wanted, after=resumed, limit=room))
        rows.extend((phase, row) for row in got)
        if resumed is None and len(got) <= room:
            known[phase] = len(got)
    page = rows[: query.limit]
    counts = _counts(session, phases, known)
    next_cursor = None
    if len(rows) > query.limit:
        phase, last = page[-1]
        next_cursor = encode_cursor([phase, last.name_key, str(last.id)])
    typed = as_written(query.name or "")
    items = [_hit(row, phase, query_terms, typed) for phase, row in page]
    audit.record_shown(session, principal=principal, action="person.search",
                       person_ids=(item.id for item in items), purpose="search",
                       detail={"results": len(items)})
    return SearchPage(items=items, next_cursor=next_cursor, total=sum(counts.values()),
                      exact_total=counts.get(EXACT, 0),
                      look_alikes=_look_alikes([row for _, row in page]))
