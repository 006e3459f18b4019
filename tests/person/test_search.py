"""Finding people the way clerks type: accents, case, abbreviations, one typo, combined."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.common import folio
from redangel.person import curp as curp_rules
from redangel.person.search import recognise
from tests.builders import person_payload
from tests.conftest import unique_suffix


@pytest.fixture
def family(clerk: httpx.Client) -> dict[str, dict]:
    """Three persons sharing a unique surname."""
    suffix = unique_suffix()
    surname = f"{suffix}hernández"
    people = {
        "guadalupe": person_payload(suffix, given_names="María Guadalupe"),
        "jose": person_payload(suffix, given_names="José Luis", sex="H",
                               address={"borough": "iztapalapa"}),
        "ana": person_payload(suffix, given_names="Ana", second_surname="De la Cruz"),
    }
    out = {}
    for key, payload in people.items():
        answer = clerk.post("/persons", json=payload)
        assert answer.status_code == 201, answer.text
        out[key] = answer.json()
    out["surname"] = {"value": surname}
    return out


def names(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return sorted(item["full_name"] for item in answer.json()["items"])


def find(clerk: httpx.Client, **query: object) -> httpx.Response:
    return clerk.post("/persons/search", json=query)


class TestNameSearch:
    def test_accents_and_case_do_not_matter(self, clerk: httpx.Client, family: dict) -> None:
        plain = family["surname"]["value"].replace("á", "a").upper()
        found = names(find(clerk, name=f"guadalupe {plain}"))
        assert found == [f"María Guadalupe {family['surname']['value']} López"]

    def test_abbreviated_compound_name(self, clerk: httpx.Client, family: dict) -> None:
        found = names(find(clerk, name=f"Ma. Guadalupe {family['surname']['value']}"))
        assert len(found) == 1 and found[0].startswith("María Guadalupe")

    def test_one_typo_is_tolerated_and_flagged(self, clerk: httpx.Client, family: dict) -> None:
        surname = family["surname"]["value"]
        answer = find(clerk, name=f"Jose Luiz {surname}")
        assert names(answer) == [f"José Luis {surname} López"]
        assert answer.json()["items"][0]["match"] == "approximate"

    def test_two_typos_in_one_word_are_not(self, clerk: httpx.Client, family: dict) -> None:
        assert names(find(clerk, name=f"Jxsx Lxxs {family['surname']['value']}")) == []

    def test_particles_in_surnames(self, clerk: httpx.Client, family: dict) -> None:
        found = names(find(clerk, name=f"Ana Cruz {family['surname']['value']}"))
        assert found == [f"Ana {family['surname']['value']} De la Cruz"]

    def test_all_terms_must_match(self, clerk: httpx.Client, family: dict) -> None:
        assert len(names(find(clerk, name=family["surname"]["value"]))) == 3
        assert names(find(clerk, name=f"Pedro {family['surname']['value']}")) == []


class TestCombinedAndPaged:
    def test_birth_date_narrows_a_name(self, clerk: httpx.Client, family: dict) -> None:
        found = names(find(clerk, name=family["surname"]["value"],
                           birth_date=family["ana"]["birth_date"]))
        members = [family[k] for k in ("ana", "jose", "guadalupe")]
        expected = sorted(
            f"{m['given_names']} {m['first_surname']} {m['second_surname']}"
            for m in members if m["birth_date"] == family["ana"]["birth_date"]
        )
        assert found == expected

    def test_borough_filter(self, clerk: httpx.Client, family: dict) -> None:
        found = names(find(clerk, name=family["surname"]["value"], borough="coyoacan"))
        assert found == []

    def test_curp_in_body(self, clerk: httpx.Client, family: dict) -> None:
        answer = find(clerk, curp=family["jose"]["curp"].lower())
        assert [i["id"] for i in answer.json()["items"]] == [family["jose"]["id"]]

    def test_cursor_walks_every_result_once(self, clerk: httpx.Client, family: dict) -> None:
        seen: list[str] = []
        cursor = None
        for _ in range(5):
            body = {"name": family["surname"]["value"], "limit": 1}
            if cursor:
                body["cursor"] = cursor
            page = find(clerk, **body).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(family[k]["id"] for k in ("guadalupe", "jose", "ana"))

    def test_page_size_is_capped(self, clerk: httpx.Client) -> None:
        answer = find(clerk, borough="iztapalapa", limit=1000)
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "limit"

    def test_garbage_cursor_is_a_field_error(self, clerk: httpx.Client) -> None:
        answer = find(clerk, borough="iztapalapa", cursor="!!not-a-cursor")
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "cursor"

    def test_empty_search_is_refused(self, clerk: httpx.Client) -> None:
        answer = find(clerk)
        assert answer.status_code == 422

    def test_search_results_carry_only_what_is_needed(self, clerk: httpx.Client, family: dict) -> None:
        item = find(clerk, name=family["surname"]["value"]).json()["items"][0]
        assert set(item) == {"id", "full_name", "birth_date", "sex", "borough", "has_curp", "match",
                             "near"}

    def test_curp_never_travels_in_a_url(self, clerk: httpx.Client) -> None:
        answer = clerk.get("/persons/search", params={"curp": "HEGG560427MVZRRL04"})
        assert answer.status_code in (404, 405, 422)
        assert "items" not in answer.json()


@pytest.fixture
def near_family(clerk: httpx.Client, family: dict) -> dict:
    """The family, and two persons whose surname is the family's with one letter changed."""
    surname = family["surname"]["value"]
    typo = surname[:-2] + "s" + surname[-1]  # ...hernándes... is one letter from ...hernández
    ids = []
    for given in ("Rosa", "Pedro"):
        payload = person_payload("x", given_names=given, first_surname=typo)
        answer = clerk.post("/persons", json=payload)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return {**family, "near": ids, "typo": typo}


class TestExactBeforeApproximate:
    def test_exact_matches_come_first_and_are_counted(self, clerk: httpx.Client,
                                                      near_family: dict) -> None:
        page = find(clerk, name=near_family["surname"]["value"]).json()
        kinds = [item["match"] for item in page["items"]]
        assert kinds == ["exact"] * 3 + ["approximate"] * 2
        assert (page["total"], page["exact_total"]) == (5, 3)
        near = page["items"][-1]["near"]
        assert near == [{"typed": near_family["surname"]["value"], "found": near_family["typo"]}]

    def test_pages_walk_exact_then_approximate_each_once(self, clerk: httpx.Client,
                                                         near_family: dict) -> None:
        seen: list[tuple[str, str]] = []
        cursor = None
        for _ in range(8):
            body: dict = {"name": near_family["surname"]["value"], "limit": 2}
            if cursor:
                body["cursor"] = cursor
            page = find(clerk, **body).json()
            assert page["total"] == 5
            seen += [(i["match"], i["id"]) for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [kind for kind, _ in seen] == ["exact"] * 3 + ["approximate"] * 2
        assert sorted(i for _, i in seen[3:]) == sorted(near_family["near"])
        assert len({i for _, i in seen}) == 5

    def test_look_alikes_on_the_page_say_why(self, clerk: httpx.Client, near_family: dict) -> None:
        page = find(clerk, name=near_family["surname"]["value"]).json()
        reasons = {frozenset((p["first"], p["second"])): p["reason"] for p in page["look_alikes"]}
        assert all(r in ("one_typo", "same_words", "same_birth_and_surnames")
                   for r in reasons.values())
        guadalupe = near_family["guadalupe"]["id"]
        assert not any(guadalupe in pair for pair in reasons)  # distinct names: no pair


class TestCurpExplained:
    def _error(self, clerk: httpx.Client, curp: str) -> dict:
        answer = clerk.post("/persons/search", json={"curp": curp},
                            headers={"Accept-Language": "es"})
        assert answer.status_code == 422, answer.text
        return answer.json()["errors"][0]

    def test_the_check_digit(self, clerk: httpx.Client) -> None:
        error = self._error(clerk, "HEGG560427MVZRRL05")
        assert error["code"] == "curp_check_digit"
        assert "el último dígito no corresponde" in error["reason"]

    def test_the_length(self, clerk: httpx.Client) -> None:
        error = self._error(clerk, "HEGG560427MVZRRL0")
        assert error["code"] == "curp_length" and "tiene 17 caracteres" in error["reason"]
        error = self._error(clerk, "HEGG560427MVZRRL044")
        assert error["code"] == "curp_length" and "tiene 19 caracteres" in error["reason"]

    def test_a_letter_where_a_digit_belongs(self, clerk: httpx.Client) -> None:
        error = self._error(clerk, "HEGG5604B7MVZRRL04")
        assert error["code"] == "curp_letter_in_date"
        assert "hay una letra, B, donde va un número" in error["reason"]

    def test_a_zero_for_an_o_is_corrected_when_that_makes_it_valid(self,
                                                                   clerk: httpx.Client) -> None:
        valid = curp_rules.build(given_names="Oscar", first_surname="Ortega",
                                 second_surname="Olmos", birth_date=date(1990, 1, 1), sex="H",
                                 birth_state="DF")
        error = self._error(clerk, "0" + valid[1:])
        assert error["code"] == "curp_o_zero" and valid in error["reason"]


class TestWhatWasTyped:
    @pytest.mark.parametrize("typed", ["RA-7K3M-9QXT-Z", "ra 7k3m 9qxt z", "Ra–7K3M–9QXT–Z",
                                       "ra.7k3m.9qxt.z", "7K3M-9QXT-Z"])
    def test_a_folio_however_it_is_written(self, typed: str) -> None:
        assert recognise(typed).kind == "folio"

    def test_a_real_folio_is_read_back_however_it_is_written(self) -> None:
        issued = folio.new_folio()
        for typed in (issued.lower(), issued.replace("-", " "), issued.replace("-", "")):
            assert folio.normalise(recognise(typed).value) == issued

    @pytest.mark.parametrize(("typed", "kind"), [
        ("hegg 5604 27mv zrrl04", "curp"), ("HEGG560427MVZRRL0", "curp"),
        ("Rafael Ortiz", "name"), ("Hernández Rojas", "name"), ("12345", "unknown"), ("  ", ""),
    ])
    def test_curps_names_and_the_rest(self, typed: str, kind: str) -> None:
        assert recognise(typed).kind == kind


class TestCountsFromThePage:
    def test_a_page_that_holds_every_match_is_not_counted_again(
            self, clerk: httpx.Client, family: dict, statements: list[str]) -> None:
        statements.clear()
        whole = find(clerk, name=family["surname"]["value"], limit=20).json()
        assert whole["total"] == 3 and whole["exact_total"] == 3
        assert not [s for s in statements if "count(" in s.lower()], statements
        statements.clear()
        answer = find(clerk, curp=family["ana"]["curp"])
        assert answer.json()["total"] == 1
        assert not [s for s in statements if "count(" in s.lower()], statements

    def test_a_name_without_look_alikes_is_read_once(self, clerk: httpx.Client, family: dict,
                                                     statements: list[str]) -> None:
        statements.clear()
        page = find(clerk, name=family["surname"]["value"]).json()
        assert page["total"] == 3 and all(item["match"] == "exact" for item in page["items"])
        # Nobody is within one typo of a surname no other word resembles: the exact matches
        # are the whole answer, read by one query of persons, not two.
        reads = [s for s in statements if s.lstrip().startswith("SELECT person.id")]
        assert len(reads) == 1, reads

    def test_a_page_that_does_not_is_counted(self, clerk: httpx.Client, family: dict,
                                             statements: list[str]) -> None:
        statements.clear()
        first = find(clerk, name=family["surname"]["value"], limit=2).json()
        assert first["total"] == 3 and first["exact_total"] == 3
        assert [s for s in statements if "count(" in s.lower()]
        statements.clear()
        rest = find(clerk, name=family["surname"]["value"], limit=2,
                    cursor=first["next_cursor"]).json()
        assert rest["total"] == 3 and len(rest["items"]) == 1
        assert [s for s in statements if "count(" in s.lower()]


def _search_events(sessions: Any, person_id: str | None, since: datetime) -> list[AuditEvent]:
    with sessions() as session:
        person = AuditEvent.person_id.is_(None) if person_id is None else (
            AuditEvent.person_id == uuid.UUID(person_id))
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "person.search", person, AuditEvent.at >= since)))


class TestCurpAlone:
    """A CURP alone is the front desk's most common search: on PostgreSQL it is answered on the
    event loop's own connection, with the same page, scope and audit as any other search."""

    def test_the_page_is_the_one_any_other_criterion_gives(self, clerk: httpx.Client,
                                                           family: dict) -> None:
        curp = family["jose"]["curp"]
        alone = find(clerk, curp=curp)
        # A borough beside the CURP takes the general path through the search's phases.
        combined = find(clerk, curp=curp, borough="iztapalapa")
        assert alone.status_code == combined.status_code == 200
        assert alone.json() == combined.json()
        assert [i["id"] for i in alone.json()["items"]] == [family["jose"]["id"]]
        assert alone.json()["total"] == alone.json()["exact_total"] == 1

    def test_each_search_leaves_its_audit_event(self, clerk: httpx.Client, family: dict,
                                                sessions: Any) -> None:
        since = datetime.now(UTC) - timedelta(seconds=5)
        assert find(clerk, curp=family["ana"]["curp"]).status_code == 200
        [found] = _search_events(sessions, family["ana"]["id"], since)
        assert (found.purpose, found.detail, found.actor_kind) == ("search", {"results": 1}, "staff")

        nobody = person_payload(unique_suffix())["curp"]
        assert find(clerk, curp=nobody).json()["items"] == []
        assert {"results": 0} in [e.detail for e in _search_events(sessions, None, since)
                                  if e.actor_id == found.actor_id]

    def test_a_person_outside_the_office_is_not_found(self, other_clerk: httpx.Client,
                                                      family: dict) -> None:
        answer = find(other_clerk, curp=family["guadalupe"]["curp"])
        assert answer.status_code == 200
        assert answer.json()["items"] == [] and answer.json()["total"] == 0

    def test_a_mistyped_curp_is_explained(self, clerk: httpx.Client) -> None:
        answer = find(clerk, curp="HEGG560427MVZRRL0")
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "curp"
