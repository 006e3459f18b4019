"""A person's full name, built once (`common.names.full_name`) for every list, page and receipt."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.program.models import Application
from tests.conftest import LiveServer, login
from tests.program.helpers import folio_of, new_person


class TestFullName:
    def test_the_second_surname_is_kept(self) -> None:
        assert full_name("María Guadalupe", "Hernández", "López") == "María Guadalupe Hernández López"

    def test_a_missing_second_surname_leaves_no_double_space(self) -> None:
        assert full_name("Ana", "Cruz", None) == "Ana Cruz"
        assert full_name("Ana", "Cruz", "") == "Ana Cruz"
        assert full_name("Ana", "Cruz", "  ") == "Ana Cruz"
        assert full_name("Ana", "Cruz") == "Ana Cruz"


def test_search_and_overdue_list_write_the_same_name(live: LiveServer, world,  # type: ignore[no-untyped-def]
                                                     clerk: httpx.Client, sessions) -> None:
    with_both = new_person(clerk, second_surname="Zárate")
    with_one = new_person(clerk, second_surname=None)
    expected = {with_both["id"]: f"María Guadalupe {with_both['first_surname']} Zárate",
                with_one["id"]: f"María Guadalupe {with_one['first_surname']}"}
    folios = {}
    for person in (with_both, with_one):
        folios[folio_of(clerk, person["id"], "becas_cultura")] = person["id"]
        found = clerk.post("/persons/search", json={"name": person["first_surname"]})
        assert found.status_code == 200, found.text
        assert [i["full_name"] for i in found.json()["items"]] == [expected[person["id"]]]
    with sessions() as session:
        session.execute(update(Application).where(Application.folio.in_(folios))
                        .values(expected_decision_on=city_today() - timedelta(days=3)))
        session.commit()
    supervisor = login(live, world.supervisor, world.password)
    rows = supervisor.get("/offices/current/overdue", params={"limit": 200}).json()
    supervisor.close()
    assert {r["person_id"]: r["person"] for r in rows if r["folio"] in folios} == expected
