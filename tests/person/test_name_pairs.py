"""The term-pair index of the name search: a given name and a surname typed together are answered
from the persons carrying both terms, and that index follows every change of a person's name
(registration, correction, merge, erasure), on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.auth.principal import Principal
from redangel.common.names import term_pairs
from redangel.db import utcnow
from redangel.linkage import service as linkage
from redangel.linkage.schemas import MergeCreate
from redangel.person import repository
from redangel.person.models import PersonNamePair, PersonNameTerm
from redangel.rights.repository import erase_person
from tests.builders import person_payload
from tests.conftest import LiveServer, login, unique_suffix


def _index(sessions: Any, person_id: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """A person's term-pair rows, and the pairs their term postings call for."""
    pid = uuid.UUID(person_id)
    with sessions() as session:
        terms = session.scalars(select(PersonNameTerm.term_id).where(PersonNameTerm.person_id == pid))
        pairs = session.execute(select(PersonNamePair.first_term_id, PersonNamePair.second_term_id)
                                .where(PersonNamePair.person_id == pid)).all()
        return sorted((a, b) for a, b in pairs), term_pairs(terms)


def _register(clerk: httpx.Client, suffix: str, **overrides: Any) -> dict[str, Any]:
    answer = clerk.post("/persons", json=person_payload(suffix, **overrides))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _found(clerk: httpx.Client, name: str, **query: Any) -> list[tuple[str, str]]:
    answer = clerk.post("/persons/search", json={"name": name, **query})
    assert answer.status_code == 200, answer.text
    return [(item["id"], item["match"]) for item in answer.json()["items"]]


class TestPairsFollowTheName:
    def test_registration_indexes_every_pair_of_terms(self, clerk: httpx.Client,
                                                      sessions: Any) -> None:
        person = _register(clerk, unique_suffix())
        pairs, wanted = _index(sessions, person["id"])
        assert len(wanted) == 6  # maria, guadalupe, <surname>, lopez: four terms, six pairs
        assert pairs == wanted

    def test_a_correction_replaces_the_pairs(self, clerk: httpx.Client, sessions: Any) -> None:
        suffix = unique_suffix()
        person = _register(clerk, suffix, with_curp=False)
        before, _ = _index(sessions, person["id"])
        answer = clerk.patch(f"/persons/{person['id']}", json={"given_names": "Ana"},
                             headers={"If-Match": clerk.get(f"/persons/{person['id']}")
                                      .headers["ETag"]})
        assert answer.status_code == 200, answer.text
        pairs, wanted = _index(sessions, person["id"])
        assert pairs == wanted and len(pairs) == 3 and pairs != before
        assert _found(clerk, f"ana {suffix}hernandez") == [(person["id"], "exact")]
        assert _found(clerk, f"guadalupe {suffix}hernandez") == []

    def test_a_merge_reindexes_the_survivor(self, clerk: httpx.Client, sessions: Any,
                                            keyring: Any) -> None:
        suffix = unique_suffix()
        survivor = _register(clerk, suffix, given_names="Rosa")
        absorbed = _register(clerk, suffix, with_curp=False, given_names="Rosa Elena")
        steward = Principal(kind="staff", id="steward-pairs", role="steward")
        with sessions() as session:
            linkage.merge(session, keyring=keyring, principal=steward, data=MergeCreate(
                survivor_id=uuid.UUID(survivor["id"]), absorbed_id=uuid.UUID(absorbed["id"]),
                reason="same_person_confirmed"))
            session.commit()
        pairs, wanted = _index(sessions, survivor["id"])
        assert pairs == wanted
        found = _found(clerk, f"rosa {suffix}hernandez")
        assert absorbed["id"] not in [pid for pid, _ in found] and survivor["id"] in dict(found)

    def test_erasure_leaves_no_pair(self, clerk: httpx.Client, sessions: Any) -> None:
        suffix = unique_suffix()
        person = _register(clerk, suffix)
        with sessions() as session:
            touched = erase_person(session, uuid.UUID(person["id"]), utcnow())
            session.commit()
        assert touched["person_name_pair"] == 6
        assert _index(sessions, person["id"]) == ([], [])
        assert _found(clerk, f"guadalupe {suffix}hernandez") == []


class TestTheSearchReadsPairs:
    def test_a_given_name_and_a_surname_read_the_pair_index(
            self, clerk: httpx.Client, statements: list[str]) -> None:
        suffix = unique_suffix()
        person = _register(clerk, suffix)
        statements.clear()
        assert _found(clerk, f"guadalupe {suffix}hernandez") == [(person["id"], "exact")]
        assert any("person_name_pair" in s for s in statements), statements

    @pytest.mark.parametrize("typed", [
        "{s}hernandez",                      # one term: the term index alone
        "guadalupe {s}hernandez",            # a pair, exact
        "guadalupe {s}hernandez lopez",      # a pair and one more term
        "guadalupe lopez",                   # both on many other persons too
        "maria guadalupe {s}hernandez lopez",  # two pairs
        "guadalupr {s}hernandez",            # a typo: the approximate pairs
        "jose luiz {s}hernandez",            # typos and exact terms together
        "ana ana {s}hernandez",              # one term typed twice: never a pair of itself
        "lopez {s}hernandez",                # surnames in either order
    ])
    def test_results_are_those_of_the_term_index(
            self, clerk: httpx.Client, typed: str, monkeypatch: pytest.MonkeyPatch,
            family_of_five: str) -> None:
        name = typed.format(s=family_of_five)
        query = {"limit": 2, "borough": "tlalpan"}
        with_pairs = _walk(clerk, name, query)
        monkeypatch.setattr(repository, "MAX_PAIRS", 0)  # every set read term by term
        assert with_pairs == _walk(clerk, name, query)


def _walk(clerk: httpx.Client, name: str, query: dict[str, Any]) -> list[Any]:
    """Every page of a search: the items, the totals and the cursors in order."""
    pages: list[Any] = []
    cursor = None
    while True:
        answer = clerk.post("/persons/search", json={"name": name, **query,
                                                     **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(([(i["id"], i["match"]) for i in body["items"]], body.get("total"),
                      body.get("exact_total")))
        cursor = body.get("next_cursor")
        if not cursor:
            return pages


@pytest.fixture(scope="module")
def family_of_five(clerk_module: httpx.Client) -> str:
    """Five persons of one surname in one borough, with names near one another."""
    suffix = unique_suffix()
    for given, second in [("María Guadalupe", "López"), ("Guadalupe", "López"),
                          ("José Luis", "López"), ("Ana", "Ana"), ("Guadalupe Ana", None)]:
        _register(clerk_module, suffix, given_names=given, second_surname=second,
                  address={"borough": "tlalpan", "colonia": "Centro", "postal_code": "14000",
                           "street": "Calle Hidalgo 12"})
    return suffix


@pytest.fixture(scope="module")
def clerk_module(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    client = login(live, world.clerk, world.password)
    yield client
    client.close()
