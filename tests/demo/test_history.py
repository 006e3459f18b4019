"""The demo's program history: the same seed and day give the same rows; it covers every program
and every application outcome; and it keeps the registry's invariants."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest

from redangel.common import folio as folios
from redangel.demo import named
from redangel.demo.generate import PopulationGenerator
from redangel.demo.history import PROGRAMS, Actors, History, HistoryGenerator, ProgramTerms
from redangel.eligibility import load_catalog
from tests.conftest import ROOT

TODAY = date(2026, 12, 7)
CATALOG = load_catalog(ROOT / "life_events")
TERMS = {code: ProgramTerms(expected_days=p.expected_days,
                            documents=[d.to_dict() for d in p.documents],
                            excludes=frozenset(p.excludes)) for code, p in CATALOG.programs.items()}
OFFICES = {"iztapalapa": uuid.UUID(int=1), "coyoacan": uuid.UUID(int=2)}
ACTORS = Actors(offices=OFFICES, clerk="clerk-id", supervisor="supervisor-id", issuer_kid="k1",
                puk_hash="hash")


def history(seed: int, persons: int = 1500, today: date = TODAY) -> History:
    generator = PopulationGenerator(seed)
    stories = HistoryGenerator(seed, today=today, programs=TERMS, actors=ACTORS)
    out = History()
    for household in generator.persons(persons, named=named.households(generator, today)):
        stories.household(household, out)
    return out


def rows(h: History) -> dict[str, list[dict[str, Any]]]:
    return {"applications": h.applications, "enrollments": h.enrollments,
            "deliveries": h.deliveries, "cards": h.cards, "entries": h.entries}


def test_same_seed_and_day_same_history_other_seed_other_history() -> None:
    first, again, other = history(7), history(7), history(8)
    assert rows(first) == rows(again)
    assert [a["folio"] for a in first.applications] != [a["folio"] for a in other.applications]


def test_every_program_and_every_application_outcome() -> None:
    h = history(2026, persons=600)
    assert {e["program_code"] for e in h.enrollments} == set(PROGRAMS) == set(CATALOG.programs)
    assert {a["status"] for a in h.applications} == {"submitted", "in_review", "approved",
                                                     "rejected"}
    overdue = [a for a in h.applications if a["status"] in ("submitted", "in_review")
               and a["expected_decision_on"] < TODAY]
    on_track = [a for a in h.applications if a["status"] in ("submitted", "in_review")
                and a["expected_decision_on"] >= TODAY]
    assert overdue and on_track
    rejected = [a for a in h.applications if a["status"] == "rejected"]
    assert all(len(a["decision_reason"]) > 20 and a["decision_reason"].endswith(".")
               for a in rejected)
    assert {e["status"] for e in h.enrollments} == {"active", "suspended", "exited"}
    assert all(e["exit_reason"] for e in h.enrollments if e["status"] == "exited")
    assert Counter(c["status"] for c in h.cards)["lost"] >= 1
    years = {e["started_on"].year for e in h.enrollments}
    assert min(years) <= TODAY.year - 8, "enrollments should start over past years"


def test_the_history_keeps_the_registry_invariants() -> None:
    h = history(11, persons=3000)
    live = Counter((e["person_id"], e["program_code"]) for e in h.enrollments
                   if e["status"] in ("active", "suspended"))
    assert max(live.values()) == 1
    open_apps = Counter((a["person_id"], a["program_code"]) for a in h.applications
                        if a["status"] in ("submitted", "in_review"))
    assert max(open_apps.values()) == 1
    held = defaultdict(set)
    for person, code in live:
        held[person].add(code)
    for person, codes in held.items():
        for code in codes:
            assert not (TERMS[code].excludes & codes), (person, code, codes)
    for person, code in open_apps:
        assert code not in held[person] and not (TERMS[code].excludes & held[person])
    by_id = {a["id"]: a for a in h.applications}
    for e in h.enrollments:
        app = by_id[e["application_id"]]
        assert app["status"] == "approved" and app["person_id"] == e["person_id"]
        assert app["submitted_at"].date() <= e["started_on"] <= TODAY
        assert e["ended_on"] is None or e["started_on"] <= e["ended_on"] <= TODAY
    enrollments = {e["id"]: e for e in h.enrollments}
    for d in h.deliveries:
        e = enrollments[d["enrollment_id"]]
        assert e["started_on"] <= d["delivered_on"] <= (e["ended_on"] or TODAY)
    assert len({a["folio"] for a in h.applications}) == len(h.applications)
    assert all(folios.normalise(a["folio"]) == a["folio"] for a in h.applications)
    active = Counter(c["person_id"] for c in h.cards if c["status"] == "active")
    assert max(active.values()) == 1
    assert len({c["serial"] for c in h.cards}) == len(h.cards)
    submitted = {e["entity_id"]: e["actor_id"] for e in h.entries
                 if e["entity"] == "application" and e["action"] == "submitted"}
    assert submitted.keys() == by_id.keys(), "every application says who submitted it"
    deciders = {e["actor_id"] for e in h.entries if e["action"] in ("approved", "rejected")}
    assert deciders == {"supervisor-id"} and set(submitted.values()) == {"clerk-id"}


@pytest.mark.parametrize("today", [date(2026, 12, 7), date(2027, 6, 30)])
def test_the_named_persons_keep_their_story_on_any_day(today: date) -> None:
    generator = PopulationGenerator(1)
    people = {p.id: p for h in named.households(generator, today) for p in h.members}
    yolanda, itzel, mateo = people[named.YOLANDA], people[named.ITZEL], people[named.MATEO]
    assert (today - yolanda.birth_date).days // 365 == 74
    assert "resident_since" not in yolanda.attributes
    assert yolanda.sensitive["health_coverage"] == "none"
    assert yolanda.attributes["low_development_area"] is False
    assert (today - itzel.birth_date).days // 365 == 23
    assert "health_coverage" not in itzel.sensitive
    assert itzel.attributes["marital_status"] == "single"
    assert 0 < (today - mateo.birth_date).days < 60
    rosa = people[named.ROSA]
    assert 0 < (today - rosa.birth_date.replace(year=rosa.birth_date.year + 68)).days < 60
    assert rosa.attributes["resident_since"] < "1990"
    h = history(1, persons=50, today=today)
    theirs = [a for a in h.applications if a["person_id"] in named.NAMED]
    assert sorted((a["program_code"], a["status"]) for a in theirs) == [
        ("comedores_comunitarios", "rejected"), ("prepa_si", "approved")]
