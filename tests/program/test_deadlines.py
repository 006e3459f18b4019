"""Days late: one rule (`program.deadlines`), the same number on every surface that shows it."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import update

from redangel.common.clock import city_today
from redangel.program.deadlines import days_late, is_at_risk, is_overdue, standing
from redangel.program.models import Application
from tests.conftest import LiveServer, login
from tests.program.helpers import folio_of, move, new_person

DUE = date(2027, 3, 3)


class TestTheRule:
    def test_an_answer_is_late_from_the_day_after_its_date(self) -> None:
        assert days_late(DUE, DUE - timedelta(days=1)) == 0
        assert days_late(DUE, DUE) == 0
        assert days_late(DUE, DUE + timedelta(days=1)) == 1
        assert days_late(DUE, DUE + timedelta(days=40)) == 40

    def test_only_an_open_application_is_overdue(self) -> None:
        late = DUE + timedelta(days=2)
        assert is_overdue("submitted", DUE, late)
        assert is_overdue("in_review", DUE, late)
        assert not is_overdue("approved", DUE, late)
        assert not is_overdue("rejected", DUE, late)
        assert not is_overdue("submitted", DUE, DUE)

    def test_at_risk_is_under_a_quarter_of_the_promised_time_left(self) -> None:
        sent = DUE - timedelta(days=20)  # 20 days promised: at risk with fewer than 5 left
        assert not is_at_risk("submitted", sent, DUE, DUE - timedelta(days=5))
        assert is_at_risk("submitted", sent, DUE, DUE - timedelta(days=4))
        assert is_at_risk("in_review", sent, DUE, DUE)
        assert not is_at_risk("submitted", sent, DUE, DUE + timedelta(days=1))  # overdue instead
        assert not is_at_risk("approved", sent, DUE, DUE)
        assert not is_at_risk("submitted", DUE, DUE, DUE)  # nothing promised: never at risk

    def test_each_open_application_has_one_standing(self) -> None:
        sent = DUE - timedelta(days=8)
        assert [standing("submitted", sent, DUE, DUE + timedelta(days=d)) for d in (-8, -2, 0, 1)] \
            == ["on_track", "on_track", "at_risk", "overdue"]
        assert standing("rejected", sent, DUE, DUE + timedelta(days=9)) == "decided"


def _due(sessions, folio: str, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        session.execute(update(Application).where(Application.folio == folio)
                        .values(expected_decision_on=city_today() - timedelta(days=days_ago)))
        session.commit()


def test_every_surface_shows_the_same_days_late(live: LiveServer, world, clerk: httpx.Client,  # type: ignore[no-untyped-def]
                                                 sessions) -> None:
    person = new_person(clerk)["id"]
    late = folio_of(clerk, person, "becas_cultura")
    due_today = folio_of(clerk, person, "prepa_si")
    _due(sessions, late, 4)
    _due(sessions, due_today, 0)
    move(clerk, late, "in_review")

    overview = clerk.get(f"/persons/{person}/overview", params={"purpose": "attention"}).json()
    shown = {a["folio"]: a for a in overview["open_applications"]}
    assert (shown[late]["days_late"], shown[late]["overdue"]) == (4, True)
    assert (shown[due_today]["days_late"], shown[due_today]["overdue"]) == (0, False)
    assert [(o["folio"], o["days_late"]) for o in overview["overdue"]] == [(late, 4)]

    programs = clerk.get(f"/persons/{person}/programs").json()["applications"]
    assert {a["folio"]: a["overdue"] for a in programs} == {late: True, due_today: False}

    supervisor = login(live, world.supervisor, world.password)
    rows = supervisor.get("/offices/current/overdue", params={"limit": 200}).json()
    supervisor.close()
    assert [r["days_late"] for r in rows if r["folio"] == late] == [4]
    assert not [r for r in rows if r["folio"] == due_today]


def test_the_overdue_list_names_the_person_with_both_surnames(  # type: ignore[no-untyped-def]
        live: LiveServer, world, clerk: httpx.Client, sessions) -> None:
    person = new_person(clerk, second_surname="Zárate")
    folio = folio_of(clerk, person["id"], "becas_cultura")
    _due(sessions, folio, 2)
    supervisor = login(live, world.supervisor, world.password)
    rows = supervisor.get("/offices/current/overdue", params={"limit": 200}).json()
    supervisor.close()
    mine = next(r for r in rows if r["folio"] == folio)
    assert mine["person"] == f"María Guadalupe {person['first_surname']} Zárate"
