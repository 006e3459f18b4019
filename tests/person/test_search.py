"""Finding people the way clerks type: accents, case, abbreviations, one typo, combined."""

from __future__ import annotations

import httpx
import pytest

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
        assert set(item) == {"id", "full_name", "birth_date", "sex", "borough", "has_curp", "match"}

    def test_curp_never_travels_in_a_url(self, clerk: httpx.Client) -> None:
        answer = clerk.get("/persons/search", params={"curp": "HEGG560427MVZRRL04"})
        assert answer.status_code in (404, 405, 422)
        assert "items" not in answer.json()
