"""Facts stated at the office: a household rule's missing fact is asked per member and kept."""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.eligibility import load_catalog
from redangel.errors import InvalidInput, NotFound
from redangel.lifeevent import service as lifeevents
from redangel.lifeevent.facts import household_of
from redangel.lifeevent.schemas import EvaluateRequest
from redangel.person.models import Person
from tests.builders import person_payload
from tests.conftest import unique_suffix

CATALOG = Path(__file__).resolve().parents[2] / "life_events"
INCOME_RULE = ('person.monthly_income + sum(members.monthly_income where '
               'is_known(member.monthly_income)) <= param("salarios_umbral_bajo_ingreso")')
EVERY_INCOME = "count(members where member.monthly_income > 9000) == 0"


@pytest.fixture(scope="module")
def strict_income(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The catalog with Bebé seguro reading every member's income (an unknown one is missing)."""
    copy = tmp_path_factory.mktemp("catalog") / "life_events"
    shutil.copytree(CATALOG, copy)
    rule = copy / "programs" / "bebe_seguro.yaml"
    text = rule.read_text(encoding="utf-8")
    assert INCOME_RULE in text
    rule.write_text(text.replace(INCOME_RULE, EVERY_INCOME), encoding="utf-8")
    return load_catalog(copy)


@pytest.fixture
def family(clerk: httpx.Client) -> dict[str, Any]:
    """A mother with a known income, her partner and their baby without one."""
    suffix = unique_suffix()
    born = city_today() - timedelta(days=20)
    mother = clerk.post("/persons", json=person_payload(suffix, birth_date="1996-05-01")).json()
    partner = clerk.post("/persons", json=person_payload(
        suffix, given_names="José Luis", sex="H", birth_date="1994-09-03", with_curp=False,
        attributes={})).json()
    baby = clerk.post("/persons", json=person_payload(
        suffix, given_names="Sofía", birth_date=born.isoformat(), with_curp=False,
        attributes={})).json()
    assert clerk.post("/households", json={"members": [
        {"person_id": mother["id"], "relationship": "head", "since": "2015-01-01"},
        {"person_id": partner["id"], "relationship": "spouse", "since": "2015-01-01"},
        {"person_id": baby["id"], "relationship": "child", "since": born.isoformat()}],
    }).status_code == 201
    return {"mother": mother, "partner": partner, "baby": baby, "born": born.isoformat()}


def _ids(family: dict[str, Any], *who: str) -> list[uuid.UUID]:
    return [uuid.UUID(family[w]["id"]) for w in who]


def test_a_members_missing_fact_is_asked_by_name_and_kept(  # type: ignore[no-untyped-def]
        strict_income, family, world, sessions, keyring) -> None:
    clerk = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk", office_id=world.office_id,
                      office_borough="iztapalapa")
    mother, partner, baby = _ids(family, "mother", "partner", "baby")
    request = EvaluateRequest(person_id=mother, answers={"child_birth_date": family["born"]})
    with sessions() as session:
        row = lifeevents.evaluate(session, catalog=strict_income, keyring=keyring,
                                  principal=clerk, event_code="birth_of_child", data=request)
        assert "member.monthly_income" in lifeevents.missing_of(row)
        asked = lifeevents.facts_to_ask(
            session, catalog=strict_income, keyring=keyring, principal=clerk, person_id=mother,
            event_code="birth_of_child", missing=lifeevents.missing_of(row), confirm=False)
        by_member = {(a.person_id, a.fact): a.member_name for a in asked if a.member_name}
        assert set(by_member) == {(partner, "monthly_income"), (baby, "monthly_income")}
        assert by_member[(partner, "monthly_income")].startswith("José Luis")

        with pytest.raises(InvalidInput) as refused:  # someone outside the household
            lifeevents.record_facts(session, catalog=strict_income, keyring=keyring,
                                    principal=clerk, person_id=mother,
                                    stated={(uuid.uuid4(), "monthly_income"): Decimal(1)})
        assert refused.value.fields[0].code == "field_extra"
        with pytest.raises(InvalidInput) as refused:  # as the person API refuses it
            lifeevents.record_facts(session, catalog=strict_income, keyring=keyring,
                                    principal=clerk, person_id=mother,
                                    stated={(partner, "monthly_income"): Decimal(-5)})
        assert [(f.field, f.code) for f in refused.value.fields] == \
            [(f"{partner}.monthly_income", "field_range")]

        kept = lifeevents.record_facts(
            session, catalog=strict_income, keyring=keyring, principal=clerk, person_id=mother,
            stated={(partner, "monthly_income"): Decimal("3800"), (baby, "monthly_income"): Decimal(0)})
        assert sorted(kept) == sorted([(partner, "monthly_income"), (baby, "monthly_income")])
        again = lifeevents.evaluate(session, catalog=strict_income, keyring=keyring,
                                    principal=clerk, event_code="birth_of_child", data=request)
        assert "member.monthly_income" not in lifeevents.missing_of(again)
        session.commit()
    with sessions() as session:
        assert session.get(Person, partner).attributes["monthly_income"] == "3800"


def test_facts_of_a_person_outside_scope_are_not_compared(  # type: ignore[no-untyped-def]
        strict_income, family, world, sessions, keyring) -> None:
    """Another office cannot learn a fact by stating it: a value equal to the record would
    write nothing and answer 'kept', a different one would be refused."""
    stranger = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk",
                         office_id=world.other_office_id, office_borough="coyoacan")
    mother, = _ids(family, "mother")
    with sessions() as session:
        known = household_of(session, keyring=keyring, person_id=mother)[0]["monthly_income"]
        assert known is not None
        for value in (known, Decimal("1")):  # the record's income, and another
            with pytest.raises(NotFound):
                lifeevents.record_facts(session, catalog=strict_income, keyring=keyring,
                                        principal=stranger, person_id=mother,
                                        stated={(mother, "monthly_income"): value})
        session.rollback()
