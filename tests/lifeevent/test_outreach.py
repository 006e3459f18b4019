"""Outreach finds exactly the persons who became eligible, over the whole registry."""

from __future__ import annotations

from datetime import date

import httpx
import numpy as np

from redangel.eligibility import evaluate, evaluate_columns, load_catalog
from redangel.lifeevent.outreach import Registry, household_columns
from tests.builders import person_payload
from tests.conftest import ROOT, LiveServer, login, unique_suffix

# Far-future dates no other test uses: persons born in February 2010 reach the pension age
# (68) in February 2078.
AS_OF, SINCE = "2078-02-10", "2078-02-02"


def person(clerk: httpx.Client, born: str, **attributes: object) -> str:
    payload = person_payload(unique_suffix(), birth_date=born,
                             attributes={"resident_since": "2000-01-01", **attributes})
    answer = clerk.post("/persons", json=payload)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_outreach_lists_exactly_the_newly_eligible(live: LiveServer, world, clerk: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    turns_in_window = [person(clerk, "2010-02-05"), person(clerk, "2010-02-09")]
    already_applied = person(clerk, "2010-02-06")
    assert clerk.post("/applications", json={"person_id": already_applied,
                                             "program": "pension_adultos_mayores"}).status_code == 201
    person(clerk, "2010-02-20")  # not 68 yet on AS_OF
    person(clerk, "2010-01-01")  # was already 68 on SINCE
    supervisor = login(live, world.supervisor, world.password)
    answer = supervisor.post("/outreach", json={"program": "pension_adultos_mayores",
                                                "as_of": AS_OF, "since": SINCE})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert sorted(p["id"] for p in body["persons"]) == sorted(turns_in_window)
    assert body["newly_eligible"] == 2
    analyst = login(live, world.analyst, world.password)
    counts = analyst.post("/outreach", json={"program": "pension_adultos_mayores",
                                             "as_of": AS_OF, "since": SINCE}).json()
    assert counts["newly_eligible"] >= 2 and counts["persons"] == []
    assert clerk.post("/outreach", json={"program": "pension_adultos_mayores"}).status_code == 403
    supervisor.close()
    analyst.close()


def test_household_aggregates_agree_with_the_one_person_engine() -> None:
    catalog = load_catalog(ROOT / "life_events")
    people = [  # (household, relationship, birth date, sex, marital status, income)
        (0, "head", date(1990, 1, 1), "M", "single", 5000.0),
        (0, "child", date(2015, 6, 1), "M", None, float("nan")),
        (0, "child", date(2026, 1, 5), "H", None, float("nan")),
        (1, "head", date(1985, 1, 1), "M", "divorced", 15000.0),
        (1, "spouse", date(1984, 1, 1), "H", "divorced", 9000.0),
        (-1, None, date(1970, 1, 1), "M", "single", 1000.0),
    ]
    columns = {
        "birth_date": np.array([p[2] for p in people], dtype="datetime64[D]"),
        "sex": np.array([p[3] for p in people], dtype=object),
        "marital_status": np.array([p[4] for p in people], dtype=object),
        "monthly_income": np.array([p[5] for p in people], dtype=float),
    }
    registry = Registry(np.arange(len(people)).astype(object), columns,
                        np.array([p[0] for p in people]), np.array([p[1] for p in people], dtype=object))
    as_of = date(2026, 3, 1)
    codes = {"not_eligible": 0, "eligible": 1, "needs_information": 2}
    for program in ("apoyo_madres_solas", "bebe_seguro"):
        extra = household_columns(catalog, program, registry, as_of)
        vector = evaluate_columns(catalog, program_code=program, columns={**columns, **extra},
                                  as_of=as_of)
        for i, (home, _, born, sex, marital, income) in enumerate(people):
            me = {"birth_date": born, "sex": sex, "marital_status": marital,
                  "monthly_income": None if income != income else income}
            others = [{"relationship": p[1], "birth_date": p[2],
                       "monthly_income": None if p[5] != p[5] else p[5]}
                      for j, p in enumerate(people) if j != i and home >= 0 and p[0] == home]
            (result,) = evaluate(catalog, event_code=None, person=me, household=others, answers={},
                                 as_of=as_of, programs=[program]).results
            assert codes[result.verdict] == vector[i], (program, i, result.verdict)
